"""`offscreen people add|list|show|rename|merge|alias|edit|remove|restore` (and `due`, from commands/practice.py).

Thin: parse, call one function of tracker.usecases.people, render text or --json.
"""

from __future__ import annotations

import json
import sys

import click

from tracker.commands import _complete
from tracker.commands._params import whole
from tracker.commands._table import render
from tracker.domain.times import format_duration
from tracker.usecases import people as lib


def _person_options(edit: bool):
    def deco(f):
        tiers = lib.TIERS + (("none",) if edit else ())
        opts = [
            click.option(
                "--tier",
                type=click.Choice(tiers),
                help="Closeness layer (Dunbar: ~5 / 15 / 50 / 150)" + ("; 'none' clears it." if edit else "."),
            ),
            click.option("--kin/--no-kin", default=None, help="Family (ties decay more slowly than friendships)."),
            click.option(
                "--every",
                type=whole(),
                metavar="DAYS",
                help="Ideal days between contacts" + (" (0 clears)." if edit else "."),
            ),
            click.option(
                "--max",
                "max_days",
                type=whole(),
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
    p = lib.add(
        app, name, aliases=aliases, tier=tier, kin=kin, every=every, max_days=max_days, counts=counts, note=note
    )
    click.echo(f"Added {p['name']} (#{p['id']})")


@people_group.command("list")
@click.option("--tier", type=click.Choice(lib.TIERS), help="Only this tier.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_cmd(app, tier, as_json):
    """List people with their last contact and in-person hours.

    \b
    Examples:
      offscreen people list
      offscreen people list --tier inner --json
    """
    rows = lib.list_people(app, tier)
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
    click.echo(render(head, body, free=(0, 6)))  # long names and aliases give way to the terminal width


@people_group.command("show")
@click.argument("name", shell_complete=_complete.people)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_cmd(app, name, as_json):
    """Show one person, who starts things between you, and your latest interactions.

    \b
    Example:
      offscreen people show sam
    """
    p = lib.show(app, name)
    if as_json:
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
        "reciprocity",
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
        elif key == "in_person_hours" and v:
            v = format_duration(v * 60)  # as `people list` shows it; --json keeps the hours
        elif key == "reciprocity":
            key, v = "who starts", v["said"]  # the counts and shares are in --json
        click.echo(f"  {key.replace('_', ' ') + ':':<16} {v if v not in (None, '') else '-'}")
    if p["invitations"]["said"]:  # only when one-sided: most people have nothing to say here
        click.echo(f"  {'invitations:':<16} {p['invitations']['said']}")
    if p["recent"]:
        click.echo("  latest:")
        for r in reversed(p["recent"]):
            click.echo(
                f"    #{r['id']} {r['happened_at'][:16].replace('T', ' ')} {r['mode']} "
                f"{format_duration(r['duration_min'])}{' ' + r['summary'] if r['summary'] else ''}"
            )


@people_group.command("edit")
@click.argument("name", shell_complete=_complete.people)
@_person_options(edit=True)
@click.pass_obj
def edit_cmd(app, name, tier, kin, every, max_days, counts, note):
    """Change a person's tier, kin flag, cadence or note.

    \b
    Example:
      offscreen people edit sam --tier close --every 14 --max 30 --counts any
    """
    shown = lib.edit(app, name, tier=tier, kin=kin, every=every, max_days=max_days, counts=counts, note=note)
    click.echo(f"Updated {shown}")


@people_group.command("rename")
@click.argument("old", shell_complete=_complete.people)
@click.argument("new")
@click.pass_obj
def rename_cmd(app, old, new):
    """Rename a person; the old name stays as an alias.

    \b
    Example:
      offscreen people rename Sam "Sam Lee"
    """
    before, new = lib.rename(app, old, new)
    click.echo(f"Renamed {before} to {new}")


@people_group.command("merge")
@click.argument("keep", shell_complete=_complete.people)
@click.argument("other", shell_complete=_complete.people)
@click.pass_obj
def merge_cmd(app, keep, other):
    """Merge OTHER into KEEP: OTHER's interactions and aliases move, OTHER's name becomes an alias.

    \b
    Example:
      offscreen people merge "Sam Lee" Sammy
    """
    kept, gone, moved = lib.merge(app, keep, other)
    click.echo(f"Merged {gone} into {kept} ({moved} interaction{'s' if moved != 1 else ''} moved)")


@people_group.command("alias")
@click.argument("name", shell_complete=_complete.people)
@click.argument("aliases", nargs=-1, required=True)
@click.pass_obj
def alias_cmd(app, name, aliases):
    """Add other names a person goes by (matched like their name).

    \b
    Example:
      offscreen people alias "Sam Lee" Sammy S.
    """
    shown, all_aliases = lib.add_aliases(app, name, aliases)
    if all_aliases:
        click.echo(f"{shown} is also: {', '.join(all_aliases)}")
    else:  # e.g. `people alias Sam sam`: their own name, which always matches
        click.echo(f"{shown} has no other names ('{shown}' already matches in any case)")


def _at_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


@people_group.command("remove")
@click.argument("name")
@click.option(
    "--keep-interactions",
    "keep",
    is_flag=True,
    help="Their interactions stay, without them (asks first at a terminal: `restore` does not re-add them).",
)
@click.option(
    "--with-interactions",
    "delete",
    is_flag=True,
    help="Delete their interactions too; `people restore` brings both back.",
)
@click.option("--into", metavar="OTHER", help="Merge them into OTHER instead (like `people merge OTHER NAME`).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def remove_cmd(app, name, keep, delete, into, as_json):
    """Remove a person: gone from lists, due and the dashboard, and their name is free again.

    While interactions name them, say what happens to those. Undo with `people restore NAME`.

    \b
    Examples:
      offscreen people remove "Old colleague"
      offscreen people remove Sam --with-interactions && offscreen people restore Sam
      offscreen people remove Sammy --into "Sam Lee"
    """
    if (
        keep
        and _at_terminal()
        and not click.confirm(
            f"Remove {name} and take them off their interactions? `people restore` brings them back, "
            "but not onto those interactions",
            default=False,
        )
    ):
        raise click.exceptions.Exit(1)
    r = lib.remove(app, name, keep=keep, delete=delete, into=into)
    if as_json:
        click.echo(json.dumps(r, indent=2, ensure_ascii=False))
        return
    n = r["interactions"]
    them = f"{n} interaction{'' if n == 1 else 's'}"
    if r["action"] == "merged":
        click.echo(f"Merged {r['name']} into {r['into']} ({them} moved)")
        return
    what = {
        "removed": "",
        "kept": f"; their {them} stay, without them",
        "deleted": f" and their {them}",
    }[r["action"]]
    click.echo(f"Removed {r['name']}{what} (undo: {r['undo']})")


@people_group.command("restore")
@click.argument("name")
@click.pass_obj
def restore_cmd(app, name):
    """Bring back a person removed with `people remove` (and interactions removed with them).

    \b
    Example:
      offscreen people restore Sam
    """
    r = lib.restore(app, name)
    n = r["interactions"]
    extra = f" with {n} interaction{'' if n == 1 else 's'}" if n else ""
    click.echo(f"Restored {r['name']}{extra}")


# `people due` lives with the other connection-practice commands.
from tracker.commands.practice import people_due_cmd  # noqa: E402

people_group.add_command(people_due_cmd)
