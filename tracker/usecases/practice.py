"""Connection practice, the library layer: stored rows + pure rules -> answers.

Commands, nudges and dashboards call these; the SQL is in store/practice.py, the arithmetic in
cadence.py and streaks.py. `now` is always a parameter (aware datetime); local days come from the
Calendar passed in (App.calendar).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from tracker.config import Config
from tracker.domain import cadence, streaks
from tracker.domain.times import Calendar, from_storage, to_storage
from tracker.errors import UserError

MOODS = ("awful", "bad", "meh", "good", "great")  # 1..5
UCLA_ITEMS = (
    ("lack_companionship", "How often do you feel that you lack companionship?"),
    ("left_out", "How often do you feel left out?"),
    ("isolated", "How often do you feel isolated from others?"),
)
LONELY_QUESTION = "How often do you feel lonely?"


# --- parsing what people type ---


def parse_mood(text: str) -> int:
    t = str(text).strip().lower()
    if t in MOODS:
        return MOODS.index(t) + 1
    if t in {"1", "2", "3", "4", "5"}:
        return int(t)
    raise UserError(f"mood {text!r}: use one of {', '.join(MOODS)} (or 1-5)")


def parse_connected(text) -> int:
    t = str(text).strip()
    if re.fullmatch(r"[0-9]{1,2}", t) and 0 <= int(t) <= 10:  # ASCII digits: int() takes '٣' too
        return int(t)
    raise UserError(f"felt connected {text!r}: use a whole number from 0 (not at all) to 10 (very)")


def parse_ucla(text: str, item: str = "answer") -> int:
    t = " ".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())
    aliases = {
        "hardly ever": 1,
        "hardly": 1,
        "rarely": 1,
        "1": 1,
        "some of the time": 2,
        "some": 2,
        "sometimes": 2,
        "2": 2,
        "often": 3,
        "3": 3,
    }
    if t in aliases:
        return aliases[t]
    raise UserError(f"{item} {text!r}: use hardly-ever (1), some (2) or often (3)")


def parse_lonely(text: str) -> str:
    t = " ".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())
    aliases = {
        "often": "often/always",
        "always": "often/always",
        "often/always": "often/always",
        "some": "some of the time",
        "some of the time": "some of the time",
        "sometimes": "some of the time",
        "occasionally": "occasionally",
        "hardly ever": "hardly ever",
        "hardly": "hardly ever",
        "never": "never",
    }
    if t in aliases:
        return aliases[t]
    raise UserError(f"lonely {text!r}: use often, some, occasionally, hardly-ever or never")


_EVERY = re.compile(r"(?:([0-9]{1,6})\s*)?(d|day|days|w|week|weeks|m|month|months|fortnight)")


def parse_every(text: str) -> tuple[str, int]:
    """'week' -> ('week', 1); '2 weeks' / '2w' -> ('week', 2); '10d' -> ('day', 10); 'month'."""
    t = str(text).strip().lower()
    m = _EVERY.fullmatch(t.replace(" ", ""))
    if not m:
        raise UserError(f"--every {text!r}: use day, week, month, or a number with one, like '2 weeks' or '10d'")
    word = m.group(2)
    n = int(m.group(1) or 1)
    if word == "fortnight":
        unit, n = "week", 2 * n
    else:
        unit = {"d": "day", "w": "week", "m": "month"}[word[0]]
    limit = {"day": 366, "week": 52, "month": 12}[unit]
    if not 1 <= n <= limit:
        raise UserError(f"--every {text!r}: use 1-{limit} {unit}s")
    return unit, n


def parse_weekday(text: str) -> int:
    t = str(text).strip().lower()[:3]
    if t in streaks.WEEKDAYS and len(str(text).strip()) >= 2:
        return streaks.WEEKDAYS.index(t)
    raise UserError(f"--on {text!r}: use a weekday like mon, tue, ... sun")


# --- cadences ---


def people_due(con, now: datetime, cal: Calendar, config: Config) -> list[cadence.Due]:
    """Everyone with a cadence, most pressing first."""
    from tracker.store import practice as sp

    out = []
    for r in sp.cadence_rows(con, to_storage(now)):
        d = cadence.due(
            r["id"],
            r["name"],
            tier=r["tier"],
            every_days=r["every_days"],
            max_days=r["max_days"],
            last_seen=from_storage(r["last_seen"]),
            added_at=from_storage(r["created_at"]),
            now=now,
            defaults=config.cadence,
            cal=cal,
        )
        if d is not None:
            out.append(d)
    return sorted(out, key=cadence.sort_key)


# --- routines ---


def routine_summary(con, routine: dict, now: datetime, cal: Calendar) -> streaks.Summary:
    """Held/missed/skipped per period up to today, adherence and streaks for one routine."""
    from tracker.store import practice as sp

    today = cal.day_of(now)
    held = [cal.day_of(t) for t in sp.routine_held_times(con, routine["id"])]
    return streaks.summarize(
        routine["unit"],
        routine["every_n"],
        routine["starts_on"],
        today,
        [d for d in held if d <= today],
        sp.routine_skips(con, routine["id"]),
    )


def routine_json(routine: dict, s: streaks.Summary, today: date, last: int | None = None) -> dict:
    cur = s.periods[-1] if s.periods else None
    periods = s.periods if last is None else s.periods[-last:]
    return {
        "name": routine["name"],
        "every": streaks.describe(routine["unit"], routine["every_n"], routine["on_weekday"]),
        "with": routine["people"],
        "starts_on": routine["starts_on"].isoformat(),
        "this_period": cur.status if cur else None,
        "held": s.held,
        "missed": s.missed,
        "skipped": s.skipped,
        "adherence": None if s.adherence is None else round(s.adherence, 3),
        "current_streak": s.current_streak,
        "longest_streak": s.longest_streak,
        "at_risk": streaks.at_risk(s, routine["unit"], routine["on_weekday"], today),
        "periods": [
            {
                "start": p.start.isoformat(),
                "end": (p.end - timedelta(days=1)).isoformat(),
                "status": p.status,
                "held": p.held_count,
            }
            for p in periods
        ],
    }


def routines_at_risk(con, now: datetime, cal: Calendar) -> list[dict]:
    """Routines whose open period has not been held yet and is running out (for nudges)."""
    from tracker.store import practice as sp

    today = cal.day_of(now)
    out = []
    for r in sp.list_routines(con):
        s = routine_summary(con, r, now, cal)
        if streaks.at_risk(s, r["unit"], r["on_weekday"], today):
            out.append(
                {"name": r["name"], "current_streak": s.current_streak, "days_left": (s.periods[-1].end - today).days}
            )
    return out


# --- check-ins ---


def weekly_due(con, now: datetime, cal: Calendar) -> bool:
    """The UCLA-3 is due when it was never answered or last answered 7 or more local days ago."""
    from tracker.store import practice as sp

    last = sp.last_weekly_checkin(con)
    return last is None or cal.days_between(last, now) >= 7
