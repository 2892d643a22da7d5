"""What `offscreen routine add|list|show|edit|link|skip|remove` ask for.

Periods, streaks and adherence are tracker.domain.streaks (summed up by
tracker.usecases.practice.routine_summary); days are local days of app.calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tracker.domain import streaks
from tracker.domain import text as texts
from tracker.domain.times import from_storage, parse_bound, to_storage
from tracker.errors import UnknownPerson, UserError
from tracker.usecases import practice
from tracker.usecases.phrasing import phrased

SKIP_AHEAD = timedelta(days=366)  # how far ahead a period may be skipped


def _people(con, names) -> list[tuple[int, str]]:
    """(id, stored name) for every name, in order, once each; an unknown one is an error."""
    from tracker.store import people as store_p

    out: list[tuple[int, str]] = []
    for n in names:
        try:
            pid = store_p.require(con, n)
        except UnknownPerson:
            raise UserError(f"unknown person {n!r}; add them first: offscreen people add {n!r}") from None
        found = (pid, store_p.names(con, [pid])[0])
        if found not in out:
            out.append(found)
    return out


def _unlinked(con, r: dict, now, cal) -> list[tuple[int, datetime]]:
    """Interactions that look like the routine was held (its people, inside one of its periods so
    far) but were logged without --routine."""
    from tracker.store import practice as sp

    return sp.routine_unlinked(con, r["id"], to_storage(cal.day_start(r["starts_on"])), to_storage(now))


def add(
    app,
    name: str,
    *,
    every: str,
    on: str | None = None,
    with_=(),
    since: str | None = None,
    note=None,
    link_past: bool = False,
) -> dict:
    """Add a routine; returns {"name", "every" (described), "with" (stored names), "starts_on",
    "unlinked" (past interactions that match), "linked" (how many of them LINK_PAST linked)}."""
    from tracker.store import practice as sp

    now, cal = app.now(), app.calendar
    unit, n = practice.parse_every(every)
    weekday = practice.parse_weekday(on) if on else None
    if weekday is not None and unit != "week":
        raise UserError("--on only works with weekly routines (--every week / '2 weeks')")
    today = cal.day_of(now)
    starts = today
    if since:
        starts = cal.day_of(parse_bound(since, now, cal=cal))
        if starts > today:
            raise UserError(f"--since {since!r} is in the future")
    name = texts.label(name, "routine name")
    note = texts.free(note, "note")
    if not name:
        raise UserError('a routine needs a name, like "Friday dinner"')
    with phrased(), app.store() as con:
        people = _people(con, with_)
        rid = sp.add_routine(
            con,
            name,
            unit=unit,
            every_n=n,
            on_weekday=weekday,
            starts_on=starts,
            person_ids=[p[0] for p in people],
            now_utc=to_storage(now),
            note=note,
        )
        found = _unlinked(con, {"id": rid, "starts_on": starts}, now, cal)
        linked = sp.link_to_routine(con, rid, [f[0] for f in found], to_storage(now)) if link_past else 0
    return {
        "name": name,
        "every": streaks.describe(unit, n, weekday),
        "with": [p[1] for p in people],
        "starts_on": starts,
        "unlinked": len(found) - linked,
        "linked": linked,
    }


def list_routines(app) -> list[dict]:
    """Every live routine with this period's status, streaks and adherence (without the periods)."""
    from tracker.store import practice as sp

    now, cal = app.now(), app.calendar
    with app.store() as con:
        items = [
            practice.routine_json(r, practice.routine_summary(con, r, now, cal), cal.day_of(now))
            for r in sp.list_routines(con)
        ]
    for i in items:
        i.pop("periods")
    return items


def show(app, name: str, last: int) -> dict:
    """One routine with its LAST periods (held, missed, skipped, open)."""
    from tracker.store import practice as sp

    now, cal = app.now(), app.calendar
    with phrased(), app.store() as con:
        r = sp.require_routine(con, name)
        s = practice.routine_summary(con, r, now, cal)
        unlinked = len(_unlinked(con, r, now, cal))
    out = practice.routine_json(r, s, cal.day_of(now), last=last)
    out["unlinked"] = unlinked
    return out


def link(app, name: str) -> dict:
    """Link the interactions that match the routine but were logged without it; returns
    {"name", "linked", "dates" (local days of the linked ones)}."""
    from tracker.store import practice as sp
    from tracker.store import transaction

    now, cal = app.now(), app.calendar
    with phrased(), app.store() as con, transaction(con):
        r = sp.require_routine(con, name)
        found = _unlinked(con, r, now, cal)
        linked = sp.link_to_routine(con, r["id"], [f[0] for f in found], to_storage(now))
    return {"name": r["name"], "linked": linked, "dates": [cal.day_of(from_storage(t)).isoformat() for _, t in found]}


def edit(app, name: str, *, new_name=None, every=None, on=None, with_=None, note=None) -> dict:
    """Change the given fields of a routine (WITH_ replaces its people; ON 'none' clears the
    planned weekday; NOTE '' clears it); returns {"name", "every", "with"} as stored after."""
    from tracker.store import practice as sp

    if new_name is None and every is None and on is None and with_ is None and note is None:
        raise UserError("nothing to change; give at least one option (see --help)")
    fields: dict = {}
    if new_name is not None:
        fields["name"] = texts.label(new_name, "routine name")
        if not fields["name"]:
            raise UserError('a routine needs a name, like "Friday dinner"')
    if every is not None:
        fields["unit"], fields["every_n"] = practice.parse_every(every)
    if on is not None:
        fields["on_weekday"] = None if on.strip().lower() == "none" else practice.parse_weekday(on)
    if note is not None:
        fields["note"] = texts.free(note, "note")
    with phrased(), app.store() as con:
        r = sp.require_routine(con, name)
        unit = fields.get("unit", r["unit"])
        weekday = fields.get("on_weekday", r["on_weekday"])
        if weekday is not None and unit != "week":
            if on is not None:
                raise UserError("--on only works with weekly routines (--every week / '2 weeks')")
            fields["on_weekday"] = weekday = None  # a planned weekday means nothing once it is not weekly
        people = _people(con, with_) if with_ is not None else None
        sp.update_routine(con, r["id"], person_ids=None if people is None else [p[0] for p in people], **fields)
        after = sp.require_routine(con, fields.get("name", r["name"]))
    return {
        "name": after["name"],
        "every": streaks.describe(after["unit"], after["every_n"], after["on_weekday"]),
        "with": after["people"],
    }


def skip(app, name: str, day: str | None = None, reason: str | None = None) -> dict:
    """Skip the period holding DAY (default today); returns {"name", "start", "last", "added"}."""
    from tracker.store import practice as sp

    now, cal = app.now(), app.calendar
    reason = texts.free(reason, "reason")
    today = cal.day_of(now)
    target = today
    if day:
        target = cal.day_of(parse_bound(day, now, cal=cal))
        if target > today + SKIP_AHEAD:
            raise UserError(f"--date {day!r} is more than a year ahead")
    with phrased(), app.store() as con:
        r = sp.require_routine(con, name)
        k = streaks.period_index(r["unit"], r["every_n"], r["starts_on"], target)
        if k < 0:
            raise UserError(f"{target} is before the routine started ({r['starts_on']})")
        start, end = streaks.period_bounds(r["unit"], r["every_n"], r["starts_on"], k)
        last = end - timedelta(days=1)
        s = practice.routine_summary(con, r, now, cal)
        if k < len(s.periods) and s.periods[k].status == "held":
            raise UserError(f"the period {start} .. {last} was held; nothing to skip")
        added = sp.skip_period(con, r["id"], start, reason, to_storage(now))
    return {"name": r["name"], "start": start, "last": last, "added": added}


def remove(app, name: str) -> str:
    """Remove a routine (its interactions keep their link); returns its stored name."""
    from tracker.store import practice as sp

    with phrased(), app.store() as con:
        r = sp.require_routine(con, name)
        sp.remove_routine(con, r["id"], to_storage(app.now()))
    return r["name"]
