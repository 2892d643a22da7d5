"""What `offscreen unplug`, `unplug stop` and `unplug list` ask for: device-free sessions, one at
a time, and whether the daemon's activity data shows the computer really stayed untouched.

A session ends when stopped, else at its planned end (--for), else it is still running. Where
--at puts its start decides what it is, so the same command works at any hour: a start later
than now (at most PLAN_AHEAD) plans a block that begins then and needs --for; a start in the past
with an end in the future (or none) is a session running since then; one that has already ended
is recorded after the fact.
Starting and stopping need no day boundaries, so they do not read the configuration: local
display is the zone's (Calendar(app.zone)).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tracker.domain import text as texts
from tracker.domain.times import Calendar, parse_bound, parse_duration, parse_when, to_storage
from tracker.errors import UserError

# A stopped session shorter than this is a slip, not kept: kept, it would block an overlapping
# `unplug --at` recorded afterwards.
MIN_MINUTES = 1
# How far ahead `unplug --at` plans: "18:00" means today's, typed in the morning or the evening.
PLAN_AHEAD = timedelta(hours=24)


def start(app, *, for_: str | None = None, at: str | None = None, note: str | None = None) -> dict:
    """Start a session now (or at AT), for FOR_ or open-ended; a session that already ended by now
    is recorded after the fact, one starting later is planned (module docstring). Returns
    {"start", "end" (aware local or None), "minutes", "running", "planned"}."""
    from tracker.store import practice as sp

    now, cal = app.now(), Calendar(app.zone)
    note = texts.free(note, "note")
    minutes = parse_duration(for_) if for_ else None
    begin = parse_when(at, now, zone=app.zone, allow_future=True) if at else now
    planned = begin > now
    if planned and begin > now + PLAN_AHEAD:
        raise UserError(f"{at!r} is in the future by more than a day; plan device-free time at most 24h ahead")
    if planned and minutes is None:
        raise UserError(
            f"{at!r} is later than now: a planned session needs --for, like `offscreen unplug --at {at} --for 2h`"
        )
    end = begin + timedelta(minutes=minutes) if minutes else None
    stamp = to_storage(now)
    with app.store() as con:
        running = sp.open_unplug(con, stamp)
        if running and not planned and (end is None or end > now):
            raise UserError(
                f"a device-free session is already running since {cal.local(running['start_utc']):%H:%M}; "
                "`offscreen unplug stop` ends it"
            )
        clash = sp.overlapping_unplug(con, to_storage(begin), to_storage(end or now), stamp)
        ahead = sp.next_planned_unplug(con, to_storage(begin)) if end is None else None
        if ahead and not clash:  # an open-ended session would run into it
            raise UserError(
                f"device-free time is planned from {cal.local(ahead['start_utc']):%H:%M}; give --for to end "
                "before it, or call it off with `offscreen unplug stop`"
            )
        if clash:
            raise UserError(f"overlaps session {clash['id']} from {cal.local(clash['start_utc']):%Y-%m-%d %H:%M}")
        sp.add_unplug(
            con, to_storage(begin), planned_end_utc=to_storage(end) if end else None, note=note, now_utc=stamp
        )
    return {
        "start": cal.local(begin),
        "end": None if end is None else cal.local(end),
        "minutes": minutes,
        "running": not planned and (end is None or end > now),
        "planned": planned,
    }


def stop(app) -> dict:
    """End the running session now, or else call off the next planned one. Returns {"start"
    (aware local), "minutes", "kept", "cancelled"}: a session under MIN_MINUTES is discarded; a
    called-off one has "end" too."""
    from tracker.store import practice as sp

    now, cal = app.now(), Calendar(app.zone)
    stamp = to_storage(now)
    with app.store() as con:
        running = sp.open_unplug(con, stamp)
        if running is None:
            nxt = sp.next_planned_unplug(con, stamp)
            if nxt is None:
                raise UserError("no device-free session is running; start one with `offscreen unplug --for 2h`")
            sp.delete_unplug(con, nxt["id"])
            return {
                "start": cal.local(nxt["start_utc"]),
                "end": cal.local(nxt["planned_end_utc"]),
                "minutes": 0.0,
                "kept": False,
                "cancelled": True,
            }
        minutes = (stamp - running["start_utc"]).total_seconds() / 60
        kept = minutes >= MIN_MINUTES
        if kept:
            sp.stop_unplug(con, running["id"], stamp)
        else:
            sp.delete_unplug(con, running["id"])
    return {"start": cal.local(running["start_utc"]), "minutes": minutes, "kept": kept, "cancelled": False}


def sessions(app, since: str) -> list[dict]:
    """Sessions starting from SINCE, JSON-ready (local ISO times), with the daemon's verdict."""
    from tracker.store import practice as sp

    now, cal = app.now(), app.calendar
    lo = parse_bound(since, now, cal=cal)
    with app.store(drain=True) as con:
        rows = sp.list_unplug(con, to_storage(now), to_storage(lo))
    return [
        {
            "id": r["id"],
            "start": cal.iso(r["start_utc"]),
            "end": cal.iso(r["end_utc"]),
            "minutes": r["minutes"],
            "running": r["running"],
            "planned": r["planned"],
            "verdict": r["verdict"],
            "active_min": r["active_min"],
            "observed_min": r["observed_min"],
            "note": r["note"],
        }
        for r in rows
    ]


def _require(con, session_id: int) -> dict:
    from tracker.store import practice as sp

    row = sp.get_unplug(con, session_id)
    if row is None:
        raise UserError(f"no device-free session {session_id}; `offscreen unplug list` shows their ids")
    return row


def edit(
    app,
    session_id: int,
    *,
    at: str | None = None,
    for_: str | None = None,
    until: str | None = None,
    note: str | None = None,
) -> dict:
    """Correct a session: its start (AT), its end (FOR_ from the start, or UNTIL), its note (""
    clears it); what is not given stays. The rules of `unplug` hold for the result: a start
    later than now is a planned block (at most PLAN_AHEAD ahead) and needs an end, and it may not
    overlap another session. Returns {"id", "start", "end" (aware local or None), "minutes",
    "running", "planned"}."""
    from tracker.store import practice as sp

    if for_ and until:
        raise UserError("give --for or --until, not both")
    if not (at or for_ or until or note is not None):
        raise UserError("nothing to change: give --at, --for, --until or --note")
    now, cal = app.now(), Calendar(app.zone)
    stamp = to_storage(now)
    minutes = parse_duration(for_) if for_ else None
    with app.store() as con:
        row = _require(con, session_id)
        begin = parse_when(at, now, zone=app.zone, allow_future=True) if at else cal.local(row["start_utc"])
        if begin > now + PLAN_AHEAD:
            raise UserError(f"{at!r} is in the future by more than a day; plan device-free time at most 24h ahead")
        end: datetime | None
        if minutes is not None:
            end = begin + timedelta(minutes=minutes)
        elif until:
            end = parse_when(until, now, zone=app.zone, allow_future=True)
        else:
            kept = row["end_utc"] or row["planned_end_utc"]
            end = None if kept is None else cal.local(kept)
            if end is not None and at:  # moving the start keeps the length
                end = begin + (cal.local(kept) - cal.local(row["start_utc"]))
        if end is not None and (end - begin).total_seconds() / 60 < MIN_MINUTES:
            raise UserError("the session would end before it starts (or last under a minute); check --for/--until")
        planned = begin > now
        if planned and end is None:
            raise UserError("a session starting later than now needs an end: give --for or --until")
        clash = sp.overlapping_unplug(con, to_storage(begin), to_storage(end or now), stamp, exclude_id=session_id)
        if clash:
            raise UserError(f"overlaps session {clash['id']} from {cal.local(clash['start_utc']):%Y-%m-%d %H:%M}")
        if end is None:
            ahead = sp.next_planned_unplug(con, to_storage(begin), exclude_id=session_id)
            if ahead:
                raise UserError(
                    f"device-free time is planned from {cal.local(ahead['start_utc']):%H:%M}; give --for or "
                    "--until to end before it"
                )
        changes: dict = {"start_utc": to_storage(begin)}
        if end is not None and (for_ or until or at):
            # A session that ended by now is recorded as stopped then; a later end is its planned end.
            changes["planned_end_utc"] = to_storage(end)
            changes["end_utc"] = to_storage(end) if end <= now else None
        if note is not None:
            changes["note"] = texts.free(note, "note")
        sp.update_unplug(con, session_id, changes)
        new = _require(con, session_id)
    stop = new["end_utc"] or new["planned_end_utc"]
    return {
        "id": session_id,
        "start": cal.local(new["start_utc"]),
        "end": None if stop is None else cal.local(stop),
        "minutes": None if stop is None else round((stop - new["start_utc"]).total_seconds() / 60, 1),
        "running": not planned and (stop is None or stop > stamp),
        "planned": planned,
        "note": new["note"],
    }


def delete(app, session_id: int, confirm=None, yes: bool = False) -> dict:
    """Delete a session for good: only with YES, or when CONFIRM (a terminal, given the question)
    agrees. Returns {"id", "start" (aware local)}."""
    from tracker.store import practice as sp

    cal = Calendar(app.zone)
    with app.store() as con:
        row = _require(con, session_id)
        what = f"device-free session {session_id} from {cal.local(row['start_utc']):%Y-%m-%d %H:%M}"
        if not yes:
            if confirm is None:
                raise UserError(f"deleting {what} cannot be undone; add --yes to delete it")
            if not confirm(f"Delete {what}? This cannot be undone."):
                raise UserError("nothing deleted")
        sp.delete_unplug(con, session_id)
    return {"id": session_id, "start": cal.local(row["start_utc"])}
