"""What `log` and `interactions list|show|edit|delete|restore` ask for.

Validation is tracker.domain.interactions.build (pure, shared with `import`); storing and reading
back is tracker/store; this module puts them in order, in one transaction per change, and phrases
the store's errors. Times come from the App (app.now(), app.zone): nothing here reads a clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import NamedTuple

from tracker.domain import interactions as core
from tracker.domain.times import Calendar, from_storage, parse_range, to_storage
from tracker.errors import UserError
from tracker.usecases.phrasing import phrased

# Asks on a terminal for what `log` is missing: ask(values, check) fills values["people"] and/or
# values["duration_min"] in place; check(values) validates a candidate (raises UserError).
Ask = Callable[[dict, Callable[[dict], object]], None]


class Stored(NamedTuple):
    """What `log` or `edit` stored, and the NOTES to show beside it (one line each): people
    created on the way (with a "did you mean" for a close name) and the interactions with the
    same people it overlaps."""

    id: int
    interaction: core.Interaction
    notes: list[str]


def _span(cal: Calendar, start: datetime, end: datetime, ref: datetime) -> str:
    """'19:00-20:00' in local time; with the date when it starts on another local day than REF."""
    s, e = cal.local(start), cal.local(end)
    day = "" if cal.day_of(start) == cal.day_of(ref) else f"{s:%Y-%m-%d} "
    return f"{day}{s:%H:%M}-{e:%H:%M}"


def new_person_note(name: str, close: list[str]) -> str:
    """'New person: NAME', with a "did you mean" for CLOSE names (and how to merge a slip)."""
    import shlex

    if not close:
        return f"New person: {name}"
    hint = ""
    if len(close) == 1 and "(alias " not in close[0]:
        hint = f" If so: offscreen people merge {shlex.quote(close[0])} {shlex.quote(name)}"
    return f"New person: {name} (did you mean {' or '.join(close)}?{hint})"


def _clash_notes(app, con, it: core.Interaction, known: list[int], *, exact, edit_id, force) -> list[str]:
    """One warning per stored interaction with the KNOWN people that IT overlaps; an exact duplicate
    (possible only when EXACT: no one in IT is new) is refused with a UserError unless FORCE.
    app.calendar is read only when something clashes: it loads the config, a fifth of `log`'s time."""
    from tracker.store import interactions as store_i

    notes = []
    for c in store_i.clashes(con, known, it.happened_at, it.ends_at, exclude=edit_id):
        start = from_storage(c["happened_at"])
        same = (
            exact
            and c["person_ids"] == sorted(known)
            and start == it.happened_at
            and float(c["duration_min"]) == float(it.duration_min)
            and c["mode"] == it.mode
        )
        span = _span(app.calendar, start, core.ends_at(start, c["duration_min"]), it.happened_at)
        what = f"#{c['id']} with {', '.join(c['shared'])}, {span}"
        if same and not force:
            raise UserError(
                f"this duplicates {what} (same people, start, duration and mode); nothing logged "
                "(add --force to log it again)"
            )
        notes.append(f"Warning: {'duplicates' if same else 'overlaps'} {what}")
    return notes


def _store_one(
    app,
    it: core.Interaction,
    now: datetime,
    *,
    edit_id: int | None = None,
    keep_routine=None,
    force: bool = True,
    invite: int | None = None,
) -> Stored:
    """Store IT (new, or replacing EDIT_ID) in one transaction, saying which people it created and
    which interactions with the same people it overlaps. An exact duplicate of another (same
    people, start, duration and mode) is refused unless FORCE (nothing is written then). INVITE:
    the invitation it became, linked in the same transaction."""
    from tracker.store import interactions as store_i
    from tracker.store import people as store_p
    from tracker.store import transaction

    if invite is not None:  # only then: its domain module is ~1.5 ms of `log`'s imports
        from tracker.usecases import invitations as invites
    stamp = to_storage(now)
    with phrased(), app.store() as con, transaction(con):
        if edit_id is not None:
            store_i.get(con, edit_id)  # unknown id -> exit 2 before anything changes
        rid = store_i.routine_id(con, it.routine) if it.routine else keep_routine
        invitation = invites.check_linkable(con, invite) if invite is not None else None  # declined, linked: exit 2
        notes: list[str] = []
        # name key -> (person id, stored name) of those who exist
        found: dict[str, tuple[int, str]] = store_p.find_many(con, list(it.people))
        new: dict[str, str] = {}  # name key -> the first spelling given
        known: list[int] = []  # ids of those who exist, in the order given
        for name in it.people:
            if (key := core.name_key(name)) not in found:
                new.setdefault(key, name)
            elif found[key][0] not in known:
                known.append(found[key][0])
        if invitation is not None:
            invites.check_people(con, invitation, known)  # someone else's invitation: exit 2, nothing written
        if new:
            keys = store_p.lookup_keys(con)
            notes += [new_person_note(name, core.close_names(name, keys)) for name in new.values()]
        notes += _clash_notes(app, con, it, known, exact=not new, edit_id=edit_id, force=force)
        pids: list[int] = []
        names: list[str] = []  # as stored: what `people` would say now
        for name in it.people:  # as store_p.resolve, without looking the known names up again
            person = found.get(core.name_key(name))
            if person is None:
                person = found[core.name_key(name)] = (store_p.create(con, name, now=stamp, checked=True), name)
            if person[0] not in pids:
                pids.append(person[0])
                names.append(person[1])
        if edit_id is None:
            edit_id = store_i.insert(con, it, pids, routine=rid, now=stamp)
        else:
            store_i.update(con, edit_id, it, pids, routine=rid, now=stamp)
        if invite is not None:
            notes.append(invites.attach(con, invite, edit_id, stamp.replace(microsecond=0)))
        return Stored(edit_id, dataclasses.replace(it, people=tuple(names)), notes)


def _fill_from_idle(app, values: dict, now: datetime) -> None:
    """Fill --at and --for from the absence (30 min - 4 h away) just come back from."""
    from tracker.store.practice import last_idle_span

    with app.store(drain=True) as con:
        span = last_idle_span(con, to_storage(now))
    if span is None:
        raise UserError("no absence of 30 min to 4 h ended in the last hour; give --at and --for instead")
    values.setdefault("happened_at", from_storage(span["start_utc"]))
    values.setdefault("duration_min", f"{span['minutes']}m")


def log(
    app,
    values: dict,
    *,
    from_idle: bool = False,
    ask: Ask | None = None,
    force: bool = False,
    invite: int | None = None,
) -> Stored:
    """Validate and store one interaction from raw VALUES (keys as in core.FIELDS, CLI strings).

    Missing people or duration: ASK fills them (a terminal), else it is an error. FROM_IDLE takes
    the time and duration from the last absence. An exact duplicate of a stored interaction is
    refused unless FORCE; an overlap with the same people is stored and noted. INVITE: the
    invitation this was (its people are the default for --with).
    """
    now = app.now()
    if invite is not None and "people" not in values:
        from tracker.usecases.invitations import people_of

        values["people"] = people_of(app, invite)  # an unknown id fails here, before anything is asked

    def check(candidate: dict) -> core.Interaction:
        return core.build(candidate, now, zone=app.zone)

    if from_idle:
        _fill_from_idle(app, values, now)
    if "people" not in values or "duration_min" not in values:
        if ask is None:
            if "people" not in values:
                raise UserError("say who you were with: --with NAME (several: --with 'Sam, Alex')")
            raise UserError("--for is required when stdin is not a terminal, e.g. --for 45m or --for 1h30m")
        # Reject what was given wrongly (say --mode walk) before asking for anything.
        check({"people": ["?"], "duration_min": 1, **values})
        ask(values, check)
    return _store_one(app, check(values), now, force=force, invite=invite)


def _record(row: dict, zone: tzinfo) -> dict:
    rec = core.to_record(row, zone)
    if row.get("deleted_at") is not None:
        rec["deleted_at"] = Calendar(zone).iso(row["deleted_at"])
    return rec


def list_interactions(
    app, *, since: str | None, until: str | None, with_name: str | None, mode: str | None, deleted: bool
) -> list[dict]:
    """Interactions (export records, oldest first) starting in the --since/--until range, filtered."""
    from tracker.store import interactions as store_i
    from tracker.store import people as store_p

    lo, hi = parse_range(since, until, app.now(), cal=app.calendar)
    mode = core.parse_mode(mode) if mode else None
    with phrased(), app.store() as con:
        pid = store_p.require(con, core.clean_name(with_name)) if with_name is not None else None
        rows = store_i.query(con, since=lo, until=hi, person_id=pid, mode=mode, deleted=deleted)
    return [_record(r, app.zone) for r in rows]


def show(app, interaction_id: int) -> dict:
    """One interaction as an export record (with deleted_at when deleted)."""
    from tracker.store import interactions as store_i

    with phrased(), app.store() as con:
        return _record(store_i.get(con, interaction_id), app.zone)


def edit(app, interaction_id: int, given: dict) -> Stored:
    """Change the GIVEN fields of an interaction (raw values, as for `log`); the rest stays.
    Overlaps (and duplicates) with the same people are noted, not refused: the edit was asked for."""
    from tracker.store import interactions as store_i

    if not given:
        raise UserError("nothing to change; give at least one option (see --help)")
    now = app.now()
    with phrased(), app.store() as con:
        row = store_i.get(con, interaction_id)
    old = core.to_record(row, app.zone)
    old.update(happened_at=from_storage(row["happened_at"]), duration_min=row["duration_min"], logged_at=None)
    old["routine"] = None  # kept by id below unless --routine is given
    it = core.build({**old, **given}, now, zone=app.zone)
    keep = None if "routine" in given else row["routine_id"]
    return _store_one(app, it, now, edit_id=interaction_id, keep_routine=keep)


def set_deleted(app, interaction_id: int, deleted: bool) -> bool:
    """Soft-delete or restore; False when it already was so."""
    from tracker.store import interactions as store_i
    from tracker.store import transaction

    with phrased(), app.store() as con, transaction(con):
        return store_i.set_deleted(con, interaction_id, deleted, now=to_storage(app.now()))
