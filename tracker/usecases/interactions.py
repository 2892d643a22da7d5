"""What `log` and `interactions list|show|edit|delete|restore` ask for.

Validation is tracker.domain.interactions.build (pure, shared with `import`); storing and reading
back is tracker/store; this module puts them in order, in one transaction per change, and phrases
the store's errors. Times come from the App (app.now(), app.zone): nothing here reads a clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, tzinfo

from tracker.domain import interactions as core
from tracker.domain.times import Calendar, from_storage, parse_range, to_storage
from tracker.errors import UserError
from tracker.usecases.phrasing import phrased

# Asks on a terminal for what `log` is missing: ask(values, check) fills values["people"] and/or
# values["duration_min"] in place; check(values) validates a candidate (raises UserError).
Ask = Callable[[dict, Callable[[dict], object]], None]


def _store_one(app, it: core.Interaction, now: datetime, *, edit_id: int | None = None, keep_routine=None):
    """Store IT (new, or replacing EDIT_ID) in one transaction; returns (id, IT with people's stored names)."""
    from tracker.store import interactions as store_i
    from tracker.store import people as store_p
    from tracker.store import transaction

    stamp = to_storage(now)
    with phrased(), app.store() as con, transaction(con):
        if edit_id is not None:
            store_i.get(con, edit_id)  # unknown id -> exit 2 before anything changes
        rid = store_i.routine_id(con, it.routine) if it.routine else keep_routine
        pids = store_p.resolve(con, it.people, now=stamp)
        if edit_id is None:
            edit_id = store_i.insert(con, it, pids, routine=rid, now=stamp)
        else:
            store_i.update(con, edit_id, it, pids, routine=rid, now=stamp)
        return edit_id, dataclasses.replace(it, people=tuple(store_p.names(con, pids)))


def _fill_from_idle(app, values: dict, now: datetime) -> None:
    """Fill --at and --for from the absence (30 min - 4 h away) just come back from."""
    from tracker.store.practice import last_idle_span

    with app.store(drain=True) as con:
        span = last_idle_span(con, to_storage(now))
    if span is None:
        raise UserError("no absence of 30 min to 4 h ended in the last hour; give --at and --for instead")
    values.setdefault("happened_at", from_storage(span["start_utc"]))
    values.setdefault("duration_min", f"{span['minutes']}m")


def log(app, values: dict, *, from_idle: bool = False, ask: Ask | None = None) -> tuple[int, core.Interaction]:
    """Validate and store one interaction from raw VALUES (keys as in core.FIELDS, CLI strings).

    Missing people or duration: ASK fills them (a terminal), else it is an error. FROM_IDLE takes
    the time and duration from the last absence. Returns (id, the stored interaction).
    """
    now = app.now()

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
    return _store_one(app, check(values), now)


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


def edit(app, interaction_id: int, given: dict) -> tuple[int, core.Interaction]:
    """Change the GIVEN fields of an interaction (raw values, as for `log`); the rest stays."""
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
