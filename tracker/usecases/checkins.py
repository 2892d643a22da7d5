"""What `offscreen checkin` asks for: the daily check-in (mood, felt connected) and, weekly, the
three UCLA-3 loneliness items plus the direct question; parsed, completed, stored, scored.

The loneliness score is the sum of the three UCLA-3 answers (hardly ever 1, some of the time 2,
often 3): 3-9, higher = lonelier. The weekly questions are due when a week of local days has
passed since they were last answered (tracker.usecases.practice.weekly_due).
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.domain.times import parse_when, to_storage
from tracker.errors import UserError
from tracker.usecases import practice

UCLA_KEYS = tuple(k for k, _ in practice.UCLA_ITEMS)
DAILY_KEYS = ("mood", "connected")

# Asks on a terminal: ask(values, weekly, due) fills what is None in VALUES in place and returns
# whether the weekly questions are being answered.
Ask = Callable[[dict, bool, bool], bool]


def _parse(answers: dict) -> dict:
    """Raw flags -> stored values (None = not given); a bad answer raises, naming the flag."""

    def given(key):
        return answers.get(key) not in (None, "")

    return {
        "mood": practice.parse_mood(answers["mood"]) if answers.get("mood") is not None else None,
        "connected": practice.parse_connected(answers["connected"]) if answers.get("connected") is not None else None,
        **{k: practice.parse_ucla(answers[k], "--" + k.replace("_", "-")) if given(k) else None for k in UCLA_KEYS},
        "lonely": practice.parse_lonely(answers["lonely"]) if given("lonely") else None,
        "note": answers.get("note"),
    }


def check_in(app, answers: dict, *, weekly: bool = False, at: str | None = None, ask: Ask | None = None) -> dict:
    """Record a check-in from ANSWERS (flag values by column name: mood, connected, the UCLA_KEYS,
    lonely, note). With ASK (a terminal), missing answers are asked for. Returns what was stored,
    JSON-ready, plus "weekly_due_hint": True when the weekly questions are due and were not asked.
    """
    from tracker.store import practice as sp

    now = app.now()
    when = parse_when(at, now, zone=app.zone) if at else now
    values = _parse(answers)
    weekly = weekly or any(values[k] is not None for k in UCLA_KEYS) or values["lonely"] is not None
    due = False
    if ask is not None:
        with app.store() as con:
            due = practice.weekly_due(con, now, app.calendar)
        weekly = ask(values, weekly, due)
    if weekly:
        missing = [k.replace("_", "-") for k in UCLA_KEYS if values[k] is None]
        if missing:
            raise UserError(f"the weekly questions need all three answers; missing --{', --'.join(missing)}")
    if all(values[k] is None for k in DAILY_KEYS + UCLA_KEYS):
        raise UserError(
            "nothing to record: give --mood and/or --connected (or --weekly with its answers), "
            "or run `offscreen checkin` in a terminal to be asked"
        )
    with app.store() as con:
        if ask is None:  # only for the hint; asked before anything was validated otherwise
            due = practice.weekly_due(con, now, app.calendar)
        cid = sp.add_checkin(con, to_storage(when), values)
    return {
        "id": cid,
        "at": app.calendar.iso(when),
        **{k: values[k] for k in DAILY_KEYS},
        "mood_label": practice.MOODS[values["mood"] - 1] if values["mood"] else None,
        **{k: values[k] for k in UCLA_KEYS},
        "ucla3": sum(values[k] for k in UCLA_KEYS) if weekly else None,
        "lonely": values["lonely"],
        "note": values["note"],
        "weekly_due_hint": not weekly and due and ask is None,
    }
