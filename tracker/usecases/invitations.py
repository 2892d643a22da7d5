"""What `offscreen invite` and `invite list|answer|edit|delete` ask for, and the link `log --invite`
makes between an invitation and the interaction it became.

Validation is tracker.domain.invitations.build (pure, shared with `import`); SQL is
tracker/store/invitations.py; each change is one transaction. People are found by the one name
key and created on first use, with a "did you mean" for a close name, as `log` does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tracker.domain import interactions as core
from tracker.domain import invitations as inv_core
from tracker.domain.times import from_storage, to_storage
from tracker.errors import UserError
from tracker.usecases.phrasing import phrased

Confirm = Callable[[str], bool]


def _people(con, names, now: datetime) -> tuple[list[int], list[str]]:
    """Ids for NAMES (created on first use) and the notes saying who is new."""
    from tracker.store import people as store_p
    from tracker.usecases.interactions import new_person_note

    pids: list[int] = []
    notes: list[str] = []
    keys = None
    for name in names:
        pid = store_p.find(con, name)
        if pid is None:
            keys = store_p.lookup_keys(con) if keys is None else keys
            notes.append(new_person_note(name, core.close_names(name, keys)))
            pid = store_p.create(con, name, now=now)
        if pid not in pids:
            pids.append(pid)
    return pids, notes


def _record(con, iid: int, zone) -> dict:
    from tracker.store import invitations as store_v

    return inv_core.to_record(store_v.get(con, iid), zone)


def invite(app, values: dict) -> tuple[dict, list[str]]:
    """Record one invitation from raw VALUES (direction, people, what, planned_for, made_at,
    answer, note); returns (its record, notes on new people)."""
    from tracker.store import invitations as store_v
    from tracker.store import transaction

    now = app.now()
    inv = inv_core.build(values, now, zone=app.zone)
    stamp = to_storage(now).replace(microsecond=0)
    with phrased(), app.store() as con, transaction(con):
        pids, notes = _people(con, inv.people, stamp)
        iid = store_v.insert(con, inv, pids, now=stamp)
        return _record(con, iid, app.zone), notes


def list_invitations(app, *, open_only: bool = False, with_name: str | None = None) -> list[dict]:
    """Invitations (records, oldest made first); OPEN_ONLY: not declined and not yet happened."""
    from tracker.store import invitations as store_v
    from tracker.store import people as store_p

    with phrased(), app.store() as con:
        pid = store_p.require(con, core.clean_name(with_name)) if with_name is not None else None
        return [inv_core.to_record(r, app.zone) for r in store_v.query(con, open_only=open_only, person_id=pid)]


def answer(app, invitation_id: int, value: str) -> dict:
    """Record the answer to an invitation (theirs to yours, yours to theirs)."""
    from tracker.store import invitations as store_v
    from tracker.store import transaction

    ans = inv_core.parse_answer(value)
    with phrased(), app.store() as con, transaction(con):
        store_v.get(con, invitation_id)
        store_v.set_answer(con, invitation_id, ans, to_storage(app.now()).replace(microsecond=0))
        return _record(con, invitation_id, app.zone)


def _interaction_arg(value: str) -> int | None:
    """--interaction ID or 'none' -> an id or None."""
    v = value.strip().lower()
    if v in ("none", ""):
        return None
    if not v.isascii() or not v.isdigit() or len(v) > 18:
        raise UserError(f"--interaction takes an interaction id or 'none', got {value!r}")
    return int(v)


def edit(app, invitation_id: int, given: dict) -> tuple[dict, list[str]]:
    """Change the GIVEN fields of an invitation (raw values as for `invite`; "interaction": an id
    or 'none'); the rest stays. A changed answer is dated now."""
    from tracker.store import interactions as store_i
    from tracker.store import invitations as store_v
    from tracker.store import transaction

    if not given:
        raise UserError("nothing to change; give at least one option (see --help)")
    given = dict(given)
    link = _interaction_arg(given.pop("interaction")) if "interaction" in given else False
    now = app.now()
    stamp = to_storage(now).replace(microsecond=0)
    with phrased(), app.store() as con, transaction(con):
        row = store_v.get(con, invitation_id)
        old = {
            "direction": row["direction"],
            "people": row["people"],
            "what": row["what"],
            "planned_for": from_storage(row["planned_for"]),
            "made_at": from_storage(row["made_at"]),
            "answer": row["answer"],
            "note": row["note"],
        }
        inv = inv_core.build({**old, **given}, now, zone=app.zone)
        if "people" in given:
            pids, notes = _people(con, inv.people, stamp)
        else:
            pids, notes = row["person_ids"], []
        answered = row["answered_at"] if inv.answer == row["answer"] else (None if inv.answer == "pending" else stamp)
        store_v.update(con, invitation_id, inv, pids, answered_at=answered, now=stamp)
        if link is not False:
            if link is not None:
                store_i.get(con, link)  # unknown id -> exit 2, nothing changed
            store_v.set_interaction(con, invitation_id, link, stamp)
        return _record(con, invitation_id, app.zone), notes


def delete(app, invitation_id: int, confirm: Confirm | None = None, yes: bool = False) -> dict:
    """Delete an invitation for good: only with YES, or when CONFIRM (a terminal) agrees."""
    from tracker.store import invitations as store_v
    from tracker.store import transaction

    with phrased(), app.store() as con, transaction(con):
        rec = _record(con, invitation_id, app.zone)
        if not yes:
            what = inv_core.describe(rec).replace("Invitation", "invitation", 1)
            if confirm is None:
                raise UserError(f"deleting {what} cannot be undone; add --yes to delete it")
            if not confirm(f"Delete {what}? This cannot be undone."):
                raise UserError("nothing deleted")
        store_v.delete(con, invitation_id)
    return rec


# --- the link between an invitation and the interaction it became ------------------------------


def people_of(app, invitation_id: int) -> list[str]:
    """The names on an invitation (what `log --invite ID` logs with when --with is not given)."""
    from tracker.store import invitations as store_v

    with phrased(), app.store() as con:
        return store_v.get(con, invitation_id)["people"]


def check_linkable(con, invitation_id: int) -> dict:
    """The invitation `log --invite ID` will link, or UserError (declined, or already linked)."""
    from tracker.store import invitations as store_v

    row = store_v.get(con, invitation_id)
    if row["answer"] == "no":
        raise UserError(
            f"invitation #{invitation_id} ({row['what']}) was declined; if it happened after all, "
            f"record that first: offscreen invite answer {invitation_id} yes"
        )
    if row["interaction_id"] is not None:
        raise UserError(
            f"invitation #{invitation_id} is already linked to interaction #{row['interaction_id']}; "
            f"unlink it first: offscreen invite edit {invitation_id} --interaction none"
        )
    return row


def check_people(con, row: dict, person_ids: list[int]) -> None:
    """UserError unless every person on invitation ROW (from check_linkable) is among PERSON_IDS,
    the interaction's people already known (a new name is never one of the invitation's)."""
    from tracker.store import people as store_p

    missing = [pid for pid in row["person_ids"] if pid not in set(person_ids)]
    if missing:
        names = store_p.names(con, missing)
        raise UserError(
            f"invitation #{row['id']} ({row['what']}) is with {', '.join(names)}, "
            f"who {'is' if len(names) == 1 else 'are'} not in this interaction; "
            "add them to --with, or leave --with out to use the invitation's people"
        )


def attach(con, invitation_id: int, interaction_id: int, now: datetime) -> str:
    """Link an invitation to INTERACTION_ID (inside the caller's transaction); an unanswered or
    maybe one becomes accepted, since it happened. Returns the note to show."""
    from tracker.store import invitations as store_v

    row = check_linkable(con, invitation_id)
    store_v.set_interaction(con, invitation_id, interaction_id, now)
    if row["answer"] != "yes":
        store_v.set_answer(con, invitation_id, "yes", now)
        return f"Linked invitation #{invitation_id} ({row['what']}); it happened, so it counts as accepted"
    return f"Linked invitation #{invitation_id} ({row['what']})"


def offers(app, interaction_id: int) -> list[dict]:
    """Open accepted invitations the interaction may have been (tracker.domain.invitations.may_become)."""
    from tracker.store import interactions as store_i
    from tracker.store import invitations as store_v

    with app.store() as con:
        if store_v.linked_to(con, interaction_id):
            return []
        it = store_i.get(con, interaction_id)
        pids = store_v.interaction_people(con, interaction_id)
        start = it["happened_at"]
        end = core.ends_at(start, it["duration_min"])
        return [
            inv_core.to_record(r, app.zone)
            for r in store_v.accepted_open(con)
            if inv_core.may_become(r, pids, start, end)
        ]


def link(app, invitation_id: int, interaction_id: int) -> str:
    """Link an invitation to an interaction already logged (the terminal's offer); returns the note."""
    from tracker.store import transaction

    with phrased(), app.store() as con, transaction(con):
        return attach(con, invitation_id, interaction_id, to_storage(app.now()).replace(microsecond=0))
