"""What `offscreen people add|list|show|edit|rename|merge|alias|remove|restore|due` ask for.

Names are cleaned by tracker.domain.interactions.clean_name and matched by its name_key (in the
store). Cadence options only store what the user wants (every_days, max_days, cadence_modes); the
cadence arithmetic is tracker.domain.cadence, "who is due" tracker.usecases.practice.people_due.
"""

from __future__ import annotations

from tracker.domain import interactions as core
from tracker.domain import reciprocity
from tracker.domain import text as texts
from tracker.domain.times import Calendar, to_storage
from tracker.errors import NameTaken, UserError
from tracker.usecases.phrasing import phrased

TIERS = ("inner", "close", "friend", "acquaintance")
ALL_MODES = "in-person,video,voice,text"
RECENT = 5  # interactions `people show` lists


def _days(value, flag: str) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= 3650:
        raise UserError(f"{flag} must be a number of days from 1 to 3650, got {value}")
    return value


def person_fields(tier, kin, every, max_days, counts, note, *, edit: bool) -> dict:
    """Options -> people columns (only the given ones). With EDIT, 'none' / 0 clear a value."""
    f: dict = {}
    if tier is not None:
        f["tier"] = None if tier == "none" else tier
    if kin is not None:
        f["kin"] = kin
    if every is not None:
        f["every_days"] = None if every == 0 and edit else _days(every, "--every")
    if max_days is not None:
        f["max_days"] = None if max_days == 0 and edit else _days(max_days, "--max")
    if counts is not None:
        f["cadence_modes"] = "in-person" if counts == "in-person" else ALL_MODES
    if note is not None:
        f["note"] = texts.free(note, "note")
    return f


def _check_cadence(every, max_days) -> None:
    if every is not None and max_days is not None and every > max_days:
        raise UserError(f"--every ({every} days) must not be more than --max ({max_days} days)")


def _record(p: dict, zone) -> dict:
    """A stored person (store.people.list_people) -> the JSON-ready dict `people list --json` prints."""
    iso = Calendar(zone).iso
    modes = p["cadence_modes"]
    return {
        "id": p["id"],
        "name": p["name"],
        "aliases": p["aliases"],
        "tier": p["tier"],
        "kin": bool(p["kin"]),
        "every_days": p["every_days"],
        "max_days": p["max_days"],
        "counts": None if modes is None else ("any" if modes == ALL_MODES else modes),
        "note": p["note"],
        "interactions": p["interactions"],
        "last_contact": iso(p["last_any"]),
        "last_in_person": iso(p["last_in_person"]),
        "in_person_hours": round(p["in_person_min"] / 60, 2),
    }


def add(app, name: str, *, aliases=(), tier=None, kin=None, every=None, max_days=None, counts=None, note=None) -> dict:
    """Add a person (with aliases); returns {"id", "name"}."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    name = core.clean_name(name, "name")
    aliases = [core.clean_name(a, "alias") for a in aliases]
    fields = person_fields(tier, kin, every, max_days, counts, note, edit=False)
    _check_cadence(fields.get("every_days"), fields.get("max_days"))
    with phrased(), app.store() as con, transaction(con):
        try:
            pid = store_p.create(con, name, now=to_storage(app.now()), **fields)
        except NameTaken:
            raise UserError(f"{name!r} already exists; use 'offscreen people edit' to change them") from None
        for a in aliases:
            store_p.add_alias(con, pid, a)
    return {"id": pid, "name": name}


def balances(con, now, person_ids: list[int] | None = None) -> dict[int, reciprocity.Balance]:
    """Serve and return at NOW (aware) for every live person (or PERSON_IDS) by id; people without
    one-to-one interactions in the window get an empty Balance (which says "not enough yet")."""
    from tracker.store import reciprocity as store_r

    found = store_r.latest_initiated(
        con,
        to_storage(now),
        last_n=reciprocity.LAST_N,
        window_days=reciprocity.WINDOW_DAYS,
        person_ids=person_ids,
    )
    return {pid: reciprocity.balance(name, initiated) for pid, (name, initiated) in found.items()}


def invitation_balances(con, now, person_ids: list[int] | None = None) -> dict[int, reciprocity.Invites]:
    """Invitations each way at NOW (aware) for every live person with any (or PERSON_IDS), by id."""
    from tracker.store import invitations as store_v

    found = store_v.directions_by_person(con, to_storage(now), person_ids)
    return {pid: reciprocity.invites(name, directions) for pid, (name, directions) in found.items()}


def _with_balance(rec: dict, found: dict[int, reciprocity.Balance], invited: dict[int, reciprocity.Invites]) -> dict:
    b = found.get(rec["id"]) or reciprocity.balance(rec["name"], [])
    i = invited.get(rec["id"]) or reciprocity.invites(rec["name"], [])
    return {**rec, "reciprocity": reciprocity.record(b), "invitations": reciprocity.invites_record(i)}


def list_people(app, tier: str | None = None) -> list[dict]:
    """Live people (JSON-ready), by name, with last contact, in-person hours and serve and return."""
    from tracker.store import people as store_p

    with app.store() as con:
        found, invited = balances(con, app.now()), invitation_balances(con, app.now())
        return [_with_balance(_record(p, app.zone), found, invited) for p in store_p.list_people(con, tier=tier)]


def show(app, name: str) -> dict:
    """One person (JSON-ready) with "recent": their latest interactions as export records, oldest first."""
    from tracker.store import interactions as store_i
    from tracker.store import people as store_p

    with phrased(), app.store() as con:
        pid = store_p.require(con, core.clean_name(name, "name"))
        now = app.now()
        p = _with_balance(
            _record(store_p.get(con, pid), app.zone), balances(con, now, [pid]), invitation_balances(con, now, [pid])
        )
        recent = store_i.query(con, person_id=pid)[-RECENT:]
    p["recent"] = [core.to_record(r, app.zone) for r in recent]
    return p


def edit(app, name: str, *, tier=None, kin=None, every=None, max_days=None, counts=None, note=None) -> str:
    """Change the given fields of a person; returns their stored name."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    fields = person_fields(tier, kin, every, max_days, counts, note, edit=True)
    if not fields:
        raise UserError("nothing to change; give at least one option (see --help)")
    with phrased(), app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(name, "name"))
        cur = store_p.get(con, pid)
        _check_cadence(fields.get("every_days", cur["every_days"]), fields.get("max_days", cur["max_days"]))
        store_p.update(con, pid, **fields)
    return cur["name"]


def rename(app, old: str, new: str) -> tuple[str, str]:
    """Rename a person (the old name stays as an alias); returns (old stored name, new name)."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    new = core.clean_name(new, "name")
    with phrased(), app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(old, "name"))
        before = store_p.rename(con, pid, new)
    return before, new


def merge(app, keep: str, other: str) -> tuple[str, str, int]:
    """Merge OTHER into KEEP; returns (KEEP's name, OTHER's name, interactions moved)."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    with phrased(), app.store() as con, transaction(con):
        a = store_p.require(con, core.clean_name(keep, "name"))
        b = store_p.require(con, core.clean_name(other, "name"))
        kept, gone = store_p.names(con, [a, b])
        moved = store_p.merge(con, a, b)
    return kept, gone, moved


def remove(app, name: str, *, keep: bool = False, delete: bool = False, into: str | None = None) -> dict:
    """Remove a person. While live interactions name them, KEEP (they stay, without the person),
    DELETE (deleted with them, restorable) or INTO (merge into that person) must say what happens
    to those; without interactions none is needed. Returns {"name", "interactions" (live ones
    naming them), "action" ('removed', 'kept', 'deleted' or 'merged'), "into", "undo" (a command or None)}."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    if keep + delete + (into is not None) > 1:
        raise UserError("give one of --keep-interactions, --with-interactions and --into")
    with phrased(), app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(name, "name"))
        shown = store_p.names(con, [pid])[0]
        live, _deleted = store_p.interaction_counts(con, pid)
        out = {"name": shown, "interactions": live, "into": None, "undo": f"offscreen people restore {_q(shown)}"}
        if into is not None:
            other = store_p.require(con, core.clean_name(into, "name"))
            out["into"] = store_p.names(con, [other])[0]
            store_p.merge(con, other, pid)
            return {**out, "action": "merged", "undo": None}
        if live and not (keep or delete):
            s = "" if live == 1 else "s"
            raise UserError(
                f"{shown} is in {live} interaction{s}; say what happens to them: --keep-interactions "
                f"(they stay, without {shown}), --with-interactions (deleted too, restorable) or --into OTHER (merge)"
            )
        store_p.remove(con, pid, interactions="delete" if delete else "keep", now=to_storage(app.now()))
    return {**out, "action": "deleted" if delete else "kept" if live else "removed"}


def restore(app, name: str) -> dict:
    """Bring back the person last removed under NAME; returns {"name", "interactions" (brought back)}."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    name = core.clean_name(name, "name")
    with phrased(), app.store() as con, transaction(con):
        pid = store_p.find_removed(con, name)
        if pid is None:
            raise UserError(f"no removed person called {name!r}")
        shown = store_p.names(con, [pid])[0]
        try:
            back = store_p.restore(con, pid)
        except NameTaken:
            raise UserError(
                f"{shown!r} is someone else's name now: remove or merge that person first (offscreen people --help)"
            ) from None
    return {"name": shown, "interactions": back}


def _q(s: str) -> str:
    return f'"{s}"' if " " in s else s


def add_aliases(app, name: str, aliases) -> tuple[str, list[str]]:
    """Add other names a person goes by; returns (their name, all their aliases)."""
    from tracker.store import people as store_p
    from tracker.store import transaction

    aliases = [core.clean_name(a, "alias") for a in aliases]
    with phrased(), app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(name, "name"))
        for a in aliases:
            store_p.add_alias(con, pid, a)
        return store_p.names(con, [pid])[0], store_p.aliases(con, pid)


def due(app) -> list[dict]:
    """Everyone with a cadence, most pressing first, JSON-ready (last_seen local ISO or None).

    due_on is the local day the ideal gap is reached; due_in_days counts to it from today
    (negative: that many days ago)."""
    from tracker.usecases.practice import people_due

    cal = app.calendar
    now = app.now()
    with app.store() as con:
        dues = people_due(con, now, app.calendar, app.config)
    return [
        {
            "name": d.name,
            "days_since": d.days_since,
            "status": d.status,
            "ideal": d.ideal,
            "max": d.max,
            "last_seen": cal.iso(d.last_seen),
            "never_met": d.never_met,
            "due_on": d.due_on.isoformat(),
            "due_in_days": (d.due_on - cal.day_of(now)).days,
        }
        for d in dues
    ]
