"""`offscreen people add|list|show|rename|merge|alias|edit`.

Cadence options only store what the user wants (every_days, max_days, cadence_modes); the
cadence arithmetic and `people due` live elsewhere.
"""

from __future__ import annotations

import json

import click

from tracker.commands._table import render
from tracker.domain import interactions as core
from tracker.domain.times import format_duration
from tracker.errors import UserError

TIER_CHOICES = ("inner", "close", "friend", "acquaintance")
ALL_MODES = "in-person,video,voice,text"


def _days(value, flag: str) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= 3650:
        raise UserError(f"{flag} must be a number of days from 1 to 3650, got {value}")
    return value


def _fields(tier, kin, every, max_days, counts, note, *, edit: bool) -> dict:
    """Options -> people columns (only the given ones)."""
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
        f["note"] = note.strip() or None
    return f


def _check_cadence(every, max_days):
    if every is not None and max_days is not None and every > max_days:
        raise UserError(f"--every ({every} days) must not be more than --max ({max_days} days)")


def _person_options(edit: bool):
    def deco(f):
        tiers = TIER_CHOICES + (("none",) if edit else ())
        opts = [
            click.option(
                "--tier",
                type=click.Choice(tiers),
                help="Closeness layer (Dunbar: ~5 / 15 / 50 / 150)" + ("; 'none' clears it." if edit else "."),
            ),
            click.option("--kin/--no-kin", default=None, help="Family (ties decay more slowly than friendships)."),
            click.option(
                "--every",
                type=int,
                metavar="DAYS",
                help="Ideal days between contacts" + (" (0 clears)." if edit else "."),
            ),
            click.option(
                "--max",
                "max_days",
                type=int,
                metavar="DAYS",
                help="Most days that should pass between contacts" + (" (0 clears)." if edit else "."),
            ),
            click.option(
                "--counts",
                type=click.Choice(["in-person", "any"]),
                help="What counts as contact for the cadence: in-person only, or any mode.",
            ),
            click.option("--note", metavar="TEXT", help="A note about the person."),
        ]
        for o in reversed(opts):
            f = o(f)
        return f

    return deco


@click.group("people")
def people_group():
    """The people you spend time with: tiers, kin, aliases, contact cadence.

    People are created on first use by `offscreen log --with NAME` and matched case-insensitively
    by name or alias.

    \b
    Examples:
      offscreen people add "Sam Lee" --tier inner --every 7 --max 14
      offscreen people alias "Sam Lee" Sammy
      offscreen people list
    """


@people_group.command("add")
@click.argument("name")
@_person_options(edit=False)
@click.option("--alias", "aliases", multiple=True, metavar="NAME", help="Another name for them; repeatable.")
@click.pass_obj
def add_cmd(app, name, tier, kin, every, max_days, counts, note, aliases):
    """Add a person (optional: `log --with` creates people too).

    \b
    Example:
      offscreen people add Mum --kin --tier inner --counts any --every 7
    """
    from tracker.store import people as store_p
    from tracker.store import transaction

    name = core.clean_name(name, "name")
    aliases = [core.clean_name(a, "alias") for a in aliases]
    fields = _fields(tier, kin, every, max_days, counts, note, edit=False)
    _check_cadence(fields.get("every_days"), fields.get("max_days"))
    with app.store() as con, transaction(con):
        pid = store_p.create(con, name, **fields)
        for a in aliases:
            store_p.add_alias(con, pid, a)
    click.echo(f"Added {name} (#{pid})")


def _person_json(p: dict) -> dict:
    c = core
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
        "last_contact": c.iso_local(p["last_any"]),
        "last_in_person": c.iso_local(p["last_in_person"]),
        "in_person_hours": round(p["in_person_min"] / 60, 2),
    }


@people_group.command("list")
@click.option("--tier", type=click.Choice(TIER_CHOICES), help="Only this tier.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_cmd(app, tier, as_json):
    """List people with their last contact and in-person hours.

    \b
    Examples:
      offscreen people list
      offscreen people list --tier inner --json
    """
    from tracker.store import people as store_p

    with app.store() as con:
        rows = [_person_json(p) for p in store_p.list_people(con, tier=tier)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No people yet; `offscreen log --with NAME` adds them.")
        return
    head = ("NAME", "TIER", "KIN", "TIMES", "LAST SEEN", "IN PERSON", "ALIASES")
    body = [
        (
            r["name"],
            r["tier"] or "",
            "yes" if r["kin"] else "",
            str(r["interactions"]),
            (r["last_in_person"] or "")[:10],
            format_duration(r["in_person_hours"] * 60) if r["in_person_hours"] else "",
            ", ".join(r["aliases"]),
        )
        for r in rows
    ]
    click.echo(render(head, body))


@people_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_cmd(app, name, as_json):
    """Show one person and their latest interactions.

    \b
    Example:
      offscreen people show sam
    """
    from tracker.store import interactions as store_i
    from tracker.store import people as store_p

    with app.store() as con:
        pid = store_p.require(con, core.clean_name(name, "name"))
        p = _person_json(store_p.get(con, pid))
        recent = store_i.query(con, person_id=pid)[-5:]
    if as_json:
        p["recent"] = [core.to_record(r) for r in recent]
        click.echo(json.dumps(p, indent=2, ensure_ascii=False))
        return
    click.echo(f"{p['name']} (#{p['id']})")
    for key in (
        "aliases",
        "tier",
        "kin",
        "every_days",
        "max_days",
        "counts",
        "note",
        "interactions",
        "last_contact",
        "last_in_person",
        "in_person_hours",
    ):
        v = p[key]
        if isinstance(v, list):
            v = ", ".join(v)
        elif isinstance(v, bool):
            v = "yes" if v else "no"
        elif key == "counts" and v is None:
            v = "in-person (default)"
        elif key in ("last_contact", "last_in_person") and v:
            v = v[:16].replace("T", " ")  # local time, like the lines below; --json has the offset
        click.echo(f"  {key.replace('_', ' ') + ':':<16} {v if v not in (None, '') else '-'}")
    if recent:
        click.echo("  latest:")
        for r in reversed(recent):
            rec = core.to_record(r)
            click.echo(
                f"    #{r['id']} {rec['happened_at'][:16].replace('T', ' ')} {r['mode']} "
                f"{format_duration(r['duration_min'])}{' ' + r['summary'] if r['summary'] else ''}"
            )


@people_group.command("edit")
@click.argument("name")
@_person_options(edit=True)
@click.pass_obj
def edit_cmd(app, name, tier, kin, every, max_days, counts, note):
    """Change a person's tier, kin flag, cadence or note.

    \b
    Example:
      offscreen people edit sam --tier close --every 14 --max 30 --counts any
    """
    from tracker.store import people as store_p
    from tracker.store import transaction

    fields = _fields(tier, kin, every, max_days, counts, note, edit=True)
    if not fields:
        raise UserError("nothing to change; give at least one option (see --help)")
    with app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(name, "name"))
        cur = store_p.get(con, pid)
        _check_cadence(fields.get("every_days", cur["every_days"]), fields.get("max_days", cur["max_days"]))
        store_p.update(con, pid, **fields)
        shown = cur["name"]
    click.echo(f"Updated {shown}")


@people_group.command("rename")
@click.argument("old")
@click.argument("new")
@click.pass_obj
def rename_cmd(app, old, new):
    """Rename a person; the old name stays as an alias.

    \b
    Example:
      offscreen people rename Sam "Sam Lee"
    """
    from tracker.store import people as store_p
    from tracker.store import transaction

    new = core.clean_name(new, "name")
    with app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(old, "name"))
        before = store_p.rename(con, pid, new)
    click.echo(f"Renamed {before} to {new}")


@people_group.command("merge")
@click.argument("keep")
@click.argument("other")
@click.pass_obj
def merge_cmd(app, keep, other):
    """Merge OTHER into KEEP: OTHER's interactions and aliases move, OTHER's name becomes an alias.

    \b
    Example:
      offscreen people merge "Sam Lee" Sammy
    """
    from tracker.store import people as store_p
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        a = store_p.require(con, core.clean_name(keep, "name"))
        b = store_p.require(con, core.clean_name(other, "name"))
        names = store_p.names(con, [a, b])
        moved = store_p.merge(con, a, b)
    click.echo(f"Merged {names[1]} into {names[0]} ({moved} interaction{'s' if moved != 1 else ''} moved)")


@people_group.command("alias")
@click.argument("name")
@click.argument("aliases", nargs=-1, required=True)
@click.pass_obj
def alias_cmd(app, name, aliases):
    """Add other names a person goes by (matched like their name).

    \b
    Example:
      offscreen people alias "Sam Lee" Sammy S.
    """
    from tracker.store import people as store_p
    from tracker.store import transaction

    aliases = [core.clean_name(a, "alias") for a in aliases]
    with app.store() as con, transaction(con):
        pid = store_p.require(con, core.clean_name(name, "name"))
        for a in aliases:
            store_p.add_alias(con, pid, a)
        shown = store_p.names(con, [pid])[0]
        all_aliases = store_p.aliases(con, pid)
    if all_aliases:
        click.echo(f"{shown} is also: {', '.join(all_aliases)}")
    else:  # e.g. `people alias Sam sam`: their own name, which always matches
        click.echo(f"{shown} has no other names ('{shown}' already matches in any case)")


# `people due` lives with the other connection-practice commands (issue 6).
from tracker.commands.practice import people_due_cmd  # noqa: E402

people_group.add_command(people_due_cmd)
