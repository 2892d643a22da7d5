"""What `offscreen checkin` asks for: the daily check-in (mood, felt connected) and, weekly, the
three UCLA-3 loneliness items plus the direct question; parsed, completed, stored, scored.

The check-in also takes the phone's own screen-time figure for the day (`--phone 2h10m`,
optionally `--phone-social 50m`; rules in tracker/domain/phone.py): it is stored per local day,
apart from the check-in row, so `checkin --phone` alone records only that, without the mood
questions. Editing a check-in can change its day's figure; deleting the day's last check-in
removes it too.

The loneliness score is the sum of the three UCLA-3 answers (hardly ever 1, some of the time 2,
often 3): 3-9, higher = lonelier. The weekly questions are due when a week of local days has
passed since they were last answered (tracker.usecases.practice.weekly_due).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from tracker.domain import phone as phones
from tracker.domain import text as texts
from tracker.domain.times import parse_range, parse_when, to_storage
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
        "note": texts.free(answers.get("note"), "note"),
    }


def _phone_answers(answers: dict) -> tuple[float | None, float | None, bool]:
    """--phone and --phone-social as minutes, and whether --phone says `none` (remove the figure)."""
    text, social_text = answers.get("phone"), answers.get("phone_social")
    remove = phones.is_none(text)
    if remove and social_text is not None:
        raise UserError("--phone none removes the day's phone time; leave out --phone-social")
    minutes = None if text is None or remove else phones.parse_minutes(text, "--phone")
    social = None if social_text is None else phones.parse_minutes(social_text, "--phone-social")
    phones.check(minutes, social)
    return minutes, social, remove


def _figure(d: phones.PhoneDay | None) -> dict | None:
    if d is None:
        return None
    return {"day": d.day.isoformat(), "minutes": d.minutes, "social_minutes": d.social_minutes, "source": d.source}


def _put_phone(con, day: date, minutes: float, social: float | None, now: datetime) -> None:
    from tracker.store import phone as store_p

    store_p.put_days(con, [phones.PhoneDay(day, minutes, social, "checkin")], to_storage(now))


# Asks on a terminal whether to replace an earlier check-in (the question is the argument).
Confirm = Callable[[str], bool]

_DAILY_PART = ("mood", "connected", "note")
_WEEKLY_PART = UCLA_KEYS + ("lonely",)


def _week_bounds(cal, day: date) -> tuple[datetime, datetime]:
    """The local week (Monday to Sunday, CAL's days) holding DAY, as aware bounds."""
    monday = day - timedelta(days=day.weekday())
    return cal.day_start(monday), cal.day_start(monday + timedelta(days=7))


def _describe(cal, row: dict) -> str:
    parts = []
    if row["mood"] is not None:
        parts.append(f"mood {practice.MOODS[row['mood'] - 1]}")
    if row["connected"] is not None:
        parts.append(f"connected {row['connected']}/10")
    if row["lack_companionship"] is not None:
        parts.append(f"UCLA-3 {row['lack_companionship'] + row['left_out'] + row['isolated']}")
    return f"check-in {row['id']} at {cal.local(row['at_utc']):%Y-%m-%d %H:%M} ({', '.join(parts) or 'note only'})"


def _clashes(con, cal, when: datetime, daily: bool, weekly: bool, exclude: int | None = None) -> list[tuple]:
    """Earlier check-ins a new one at WHEN would double: (row, part) for a daily one on the same
    local day and a weekly one in the same local week; part is the columns the new one replaces."""
    from tracker.store import practice as sp

    out: list[tuple[dict, tuple[str, ...], str]] = []
    if daily:
        lo, hi = cal.day_bounds(cal.day_of(when))
        what = f"a daily check-in on {cal.day_of(when)}"
        out.extend(
            (r, _DAILY_PART, what)
            for r in sp.checkins_between(con, to_storage(lo), to_storage(hi))
            if r["id"] != exclude and (r["mood"] is not None or r["connected"] is not None)
        )
    if weekly:
        lo, hi = _week_bounds(cal, cal.day_of(when))
        what = f"the weekly questions in the week of {cal.day_of(lo)}"
        out.extend(
            (r, _WEEKLY_PART, what)
            for r in sp.checkins_between(con, to_storage(lo), to_storage(hi))
            if r["id"] != exclude and r["lack_companionship"] is not None
        )
    return out


def check_in(
    app,
    answers: dict,
    *,
    weekly: bool = False,
    at: str | None = None,
    ask: Ask | None = None,
    replace: bool = False,
    confirm: Confirm | None = None,
) -> dict:
    """Record a check-in from ANSWERS (flag values by column name: mood, connected, the UCLA_KEYS,
    lonely, note; phone and phone_social as typed). With ASK (a terminal), missing answers are
    asked for, unless only phone time was given: that is recorded alone. Returns what was stored,
    JSON-ready, plus "weekly_due_hint": True when the weekly questions are due and were not asked.

    One daily check-in per local day and one set of weekly answers per local week (Monday to
    Sunday): a second one replaces the earlier one's answers when REPLACE or CONFIRM (a terminal)
    says so, and is refused otherwise, so a day is never counted twice.
    """
    from tracker.store import practice as sp
    from tracker.store import transaction

    now = app.now()
    when = parse_when(at, now, zone=app.zone) if at else now
    values = _parse(answers)
    phone, social, remove_phone = _phone_answers(answers)
    if social is not None and phone is None:
        raise UserError(
            "--phone-social goes with --phone, the phone's total for the day, like: --phone 2h --phone-social 40m"
        )
    weekly = weekly or any(values[k] is not None for k in UCLA_KEYS) or values["lonely"] is not None
    phone_only = (phone is not None or remove_phone) and not weekly and all(v is None for v in values.values())
    values.update(phone=phone, phone_social=social, phone_remove=remove_phone)
    due = False
    if ask is not None and not phone_only:
        with app.store() as con:
            due = practice.weekly_due(con, now, app.calendar)
        weekly = ask(values, weekly, due)
        phones.check(values["phone"], values["phone_social"])
    if weekly:
        missing = [k.replace("_", "-") for k in UCLA_KEYS if values[k] is None]
        if missing:
            raise UserError(f"the weekly questions need all three answers; missing --{', --'.join(missing)}")
    answered = any(values[k] is not None for k in DAILY_KEYS + UCLA_KEYS)
    if not answered and values["phone"] is None and not remove_phone:
        raise UserError(
            "nothing to record: give --mood and/or --connected (or --weekly with its answers, or --phone), "
            "or run `offscreen checkin` in a terminal to be asked"
        )
    if not answered and values["note"] is not None:
        raise UserError("--note goes with a check-in's answers (--mood, --connected), not with --phone alone")
    daily = values["mood"] is not None or values["connected"] is not None
    from tracker.store import phone as store_p

    day = app.calendar.day_of(when)
    with app.store() as con:
        before = store_p.get_day(con, day, "checkin")
        if remove_phone and before is None:
            raise UserError(f"no phone time is reported for {day}; nothing removed")
        clashes = _clashes(con, app.calendar, when, daily, weekly) if answered else []
        for row, _, what in clashes:
            question = f"You already recorded {what}: {_describe(app.calendar, row)}. Replace it?"
            if not replace and not (confirm is not None and confirm(question)):
                raise UserError(
                    f"already recorded {what} ({_describe(app.calendar, row)}); nothing recorded. "
                    f"Add --replace to replace it, or change it with `offscreen checkin edit {row['id']} ...`"
                )
        if ask is None:  # only for the hint; asked before anything was validated otherwise
            due = practice.weekly_due(con, now, app.calendar)
        with transaction(con):
            for row, part, _ in clashes:
                sp.update_checkin(con, row["id"], dict.fromkeys(part))
            cid = sp.add_checkin(con, to_storage(when), values) if answered else None
            if remove_phone:
                store_p.delete_day(con, day, "checkin")
            elif values["phone"] is not None:
                _put_phone(con, day, values["phone"], values["phone_social"], now)
            after = store_p.get_day(con, day, "checkin")
    return {
        "id": cid,
        "at": app.calendar.iso(when),
        **{k: values[k] for k in DAILY_KEYS},
        "mood_label": practice.MOODS[values["mood"] - 1] if values["mood"] else None,
        **{k: values[k] for k in UCLA_KEYS},
        "ucla3": sum(values[k] for k in UCLA_KEYS) if weekly else None,
        "lonely": values["lonely"],
        "note": values["note"],
        "phone": _figure(after),
        "phone_before": _figure(before) if values["phone"] is not None or remove_phone else None,
        "weekly_due_hint": answered and not weekly and due and ask is None,
        "replaced": sorted({row["id"] for row, _, _ in clashes}),
    }


def _record(cal, r: dict) -> dict:
    ucla = None if r["lack_companionship"] is None else r["lack_companionship"] + r["left_out"] + r["isolated"]
    return {
        "id": r["id"],
        "at": cal.iso(r["at_utc"]),
        **{k: r[k] for k in DAILY_KEYS},
        "mood_label": practice.MOODS[r["mood"] - 1] if r["mood"] else None,
        **{k: r[k] for k in UCLA_KEYS},
        "ucla3": ucla,
        "lonely": r["lonely"],
        "note": r["note"],
    }


def list_checkins(app, since: str | None = None, until: str | None = None) -> list[dict]:
    """Check-ins from SINCE (default: the last 30 local days) to UNTIL, oldest first, JSON-ready."""
    from tracker.store import practice as sp

    cal = app.calendar
    lo, hi = parse_range(since, until, app.now(), cal=cal, default_days=30)
    with app.store() as con:
        rows = sp.checkins_between(con, to_storage(lo) if lo else datetime.min, to_storage(hi) if hi else datetime.max)
    return [_record(cal, r) for r in rows]


def _require(con, checkin_id: int) -> dict:
    from tracker.store import practice as sp

    row = sp.get_checkin(con, checkin_id)
    if row is None:
        raise UserError(f"no check-in {checkin_id}; `offscreen checkin list` shows their ids")
    return row


def edit(app, checkin_id: int, answers: dict, *, at: str | None = None) -> dict:
    """Change only the answers given in ANSWERS (flag values by column; an empty --note clears
    the note; phone and phone_social set the phone time of the check-in's day, `none` removes
    it) and, with AT, when it was. The weekly answers come as all three or not at all on a
    check-in that has none yet. Moving it onto a day (week) that already has one is refused; the
    day's phone time moves with it."""
    from tracker.store import practice as sp
    from tracker.store import transaction

    cal = app.calendar
    values = _parse(answers)
    phone, social, remove_phone = _phone_answers(answers)
    phone_given = phone is not None or social is not None or remove_phone
    changes = {k: v for k, v in values.items() if v is not None and k != "note"}
    if answers.get("note") is not None:
        changes["note"] = texts.free(answers["note"], "note")
    when = parse_when(at, app.now(), zone=app.zone) if at else None
    if not changes and when is None and not phone_given:
        raise UserError("nothing to change: give --mood, --connected, --at, --note, --phone or the weekly answers")
    with app.store() as con, transaction(con):
        row = _require(con, checkin_id)
        new = {**row, **changes}
        ucla_given = [new[k] is not None for k in UCLA_KEYS]
        if any(ucla_given) and not all(ucla_given):
            missing = [k.replace("_", "-") for k in UCLA_KEYS if new[k] is None]
            raise UserError(f"the weekly questions need all three answers; missing --{', --'.join(missing)}")
        if new["lonely"] is not None and not all(ucla_given):
            raise UserError("--lonely goes with the weekly questions; give the three UCLA-3 answers too")
        daily = new["mood"] is not None or new["connected"] is not None
        was_daily = row["mood"] is not None or row["connected"] is not None
        if when is not None or (daily and not was_daily) or (all(ucla_given) and row["lack_companionship"] is None):
            moment = when if when is not None else cal.local(row["at_utc"])
            clash = _clashes(con, cal, moment, daily, all(ucla_given), exclude=checkin_id)
            if clash:
                r, _, what = clash[0]
                raise UserError(f"there is already {what} ({_describe(cal, r)}); nothing changed")
        if when is not None:
            changes["at_utc"] = to_storage(when)
        figure = _edit_phone(con, cal, row["at_utc"], when, phone, social, remove_phone, app.now())
        if changes:
            sp.update_checkin(con, checkin_id, changes)
        return {**_record(cal, {**new, **changes}), "phone": _figure(figure)}


def _edit_phone(con, cal, at_utc, when, minutes, social, remove, now) -> phones.PhoneDay | None:
    """`checkin edit`'s part for phone time: move the day's figure along with --at, then apply
    --phone / --phone-social (the social figure left as it was when only --phone is given)."""
    from tracker.store import phone as store_p

    old_day = cal.day_of(at_utc)
    day = cal.day_of(when) if when is not None else old_day
    current = store_p.get_day(con, old_day, "checkin")
    if day != old_day and current is not None:
        there = store_p.get_day(con, day, "checkin")
        if there is not None and minutes is None and not remove:
            raise UserError(
                f"there is already phone time reported for {day} ({phones.describe(there)}); nothing changed. "
                "Give --phone to say which figure that day keeps"
            )
        store_p.delete_day(con, old_day, "checkin")
        if there is None:
            _put_phone(con, day, current.minutes, current.social_minutes, now)
    current = store_p.get_day(con, day, "checkin")
    if remove:
        if current is None:
            raise UserError(f"no phone time is reported for {day}; nothing changed")
        store_p.delete_day(con, day, "checkin")
        return None
    if minutes is None and social is not None:
        if current is None:
            raise UserError(
                f"no phone time is reported for {day}; give --phone too, like: --phone 2h --phone-social 40m"
            )
        minutes = current.minutes
    if minutes is not None:
        if social is None and current is not None:
            social = current.social_minutes
        phones.check(minutes, social)
        _put_phone(con, day, minutes, social, now)
    return store_p.get_day(con, day, "checkin")


def delete(app, checkin_id: int, confirm: Confirm | None = None, yes: bool = False) -> dict:
    """Delete a check-in for good: only with YES, or when CONFIRM (a terminal) agrees. The phone
    time reported for its day goes too when no other check-in of that day remains."""
    from tracker.store import phone as store_p
    from tracker.store import practice as sp
    from tracker.store import transaction

    cal = app.calendar
    with app.store() as con:
        row = _require(con, checkin_id)
        day = cal.day_of(row["at_utc"])
        lo, hi = cal.day_bounds(day)
        others = [r for r in sp.checkins_between(con, to_storage(lo), to_storage(hi)) if r["id"] != checkin_id]
        figure = None if others else store_p.get_day(con, day, "checkin")
        what = _describe(cal, row)
        if figure is not None:
            what += f" and the phone time reported for {day} ({phones.describe(figure)})"
        if not yes:
            question = f"Delete {what}? This cannot be undone."
            if confirm is None:
                raise UserError(f"deleting {what} cannot be undone; add --yes to delete it")
            if not confirm(question):
                raise UserError("nothing deleted")
        with transaction(con):
            sp.delete_checkin(con, checkin_id)
            if figure is not None:
                store_p.delete_day(con, day, "checkin")
    return {**_record(cal, row), "phone": _figure(figure)}
