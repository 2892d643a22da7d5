"""`offscreen log` and `offscreen interactions list|show|edit|delete|restore`.

Thin: parse options, call one function of tracker.usecases.interactions, render. Prompts for
what `log` is missing stay here (they are the terminal's business). duckdb is imported only
inside App.store().
"""

from __future__ import annotations

import sys

import click

from tracker.commands import _complete
from tracker.commands._params import ID
from tracker.commands._table import render
from tracker.domain import interactions as core
from tracker.domain.times import DURATION_HELP, WHEN_HELP, WHEN_RULES, format_duration
from tracker.errors import UserError
from tracker.usecases import interactions as lib


def _interaction_options(edit: bool):
    """The options `log` and `interactions edit` share (edit: only given ones change)."""

    def deco(f):
        opts = [
            click.option(
                "--with",
                "-w",
                "people",
                multiple=True,
                metavar="NAME",
                shell_complete=_complete.people,
                help="Who you were with; repeat it or separate names with commas."
                + (" Replaces the people." if edit else ""),
            ),
            click.option(
                "--mode",
                "-m",
                metavar="MODE",
                shell_complete=_complete.modes,
                help="in-person (default), video, voice or text; also irl, call, phone, chat.",
            ),
            click.option(
                "--at",
                "at",
                metavar="WHEN",
                help=f"When it started: {WHEN_HELP}."
                + ("" if edit else " Default: now minus --for.")
                + f" {WHEN_RULES}.",
            ),
            click.option("--for", "duration", metavar="DURATION", help=f"How long, {DURATION_HELP}."),
            click.option(
                "--closeness",
                "-c",
                metavar="1-7",
                help="How close you felt afterwards, 1 (distant) to 7 (very close)"
                + ("; 'none' clears it." if edit else "."),
            ),
            click.option(
                "--fun",
                metavar="1-5",
                help="How much fun it was, 1 (none) to 5 (lots of laughter)" + ("; 'none' clears it." if edit else "."),
            ),
            click.option(
                "--tag",
                "-t",
                "tags",
                multiple=True,
                metavar="TAG",
                help="A tag; repeatable." + (" Replaces the tags (--tag '' clears)." if edit else ""),
            ),
            click.option("--note", "-n", metavar="TEXT", help="A free-text note."),
            click.option("--place", "-p", metavar="TEXT", help="Where it happened."),
            click.option("--initiated", metavar="me|them|mutual", help="Who made it happen."),
            click.option("--phones-away", "phones_away", metavar="yes|partly|no", help="Were the phones put away?"),
            click.option(
                "--work/--leisure",
                "work",
                default=None,
                help="Work time together (counts less toward friendship); default leisure.",
            ),
            click.option(
                "--routine",
                metavar="NAME",
                shell_complete=_complete.routines,
                help="The connection routine this was part of.",
            ),
        ]
        for o in reversed(opts):
            f = o(f)
        return f

    return deco


def _values(
    summary, people, mode, at, duration, closeness, fun, tags, note, place, initiated, phones_away, work, routine
) -> dict:
    """CLI options -> raw values for core.build (None = not given)."""
    v = {
        "summary": summary,
        "mode": mode,
        "happened_at": at,
        "duration_min": duration,
        "closeness": closeness,
        "fun": fun,
        "note": note,
        "place": place,
        "initiated": initiated,
        "phones_away": phones_away,
        "work": work,
        "routine": routine,
    }
    if people:
        v["people"] = core.split_names(people)
    if tags:
        v["tags"] = list(tags)
    return {k: x for k, x in v.items() if x is not None}


def _prompt(text: str, check, default=None):
    """Ask on the terminal until CHECK(value) accepts it (a UserError re-prompts)."""

    def proc(value):
        try:
            check(value)
        except UserError as e:
            raise click.UsageError(str(e)) from None
        return value

    return click.prompt(text, default=default, value_proc=proc, show_default=False)


def _ask(values: dict, check) -> None:
    """What `log` is missing, asked on the terminal (CHECK validates a whole candidate)."""
    if "people" not in values:
        names = _prompt(
            "Who were you with (names, comma-separated)", lambda s: [core.clean_name(n) for n in s.split(",")]
        )
        values["people"] = core.split_names([names])
    if "duration_min" not in values:
        # Checked as a whole, so "would end in the future" is asked again too.
        values["duration_min"] = _prompt("How long (e.g. 45m, 1h30m)", lambda s: check({**values, "duration_min": s}))
        if "closeness" not in values:
            c = _prompt("Closeness 1-7 (Enter to skip)", core.parse_closeness, default="")
            if c:
                values["closeness"] = c
        if "fun" not in values:
            f = _prompt("Fun 1-5 (Enter to skip)", core.parse_fun, default="")
            if f:
                values["fun"] = f


@click.command("log")
@click.argument("summary", nargs=-1)
@_interaction_options(edit=False)
@click.option(
    "--from-idle",
    is_flag=True,
    help="Take --at and --for from the 30 min - 4 h away from the computer you just came back from.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Log it even if it duplicates one already logged (same people, start, duration and mode), "
    "e.g. offscreen log --with Sam --at 19:00 --for 1h --force",
)
@click.option(
    "--invite",
    type=ID,
    metavar="ID",
    help="The invitation this was (offscreen invite list); its people are the default for --with, "
    "e.g. offscreen log --invite 3 --at 'fri 19:00' --for 2h",
)
@click.pass_obj
def log_cmd(app, summary, from_idle, force, invite, **opts):
    """Record time you spent with people.

    SUMMARY is a few words about it (optional). --with and --for are required unless you run it
    at a terminal, where it asks for what is missing. The time defaults to now minus --for.
    It says on stderr who is new, and which interactions with the same people it overlaps; an
    exact duplicate is refused unless --force (time together counts once either way).

    \b
    Examples:
      offscreen log "lunch at the canteen" --with Sam,Alex --for 1h --closeness 5
      offscreen log --with Mum --mode voice --at "yesterday 19:00" --for 40m
      offscreen log climbing -w Jo --for 2h --tag sport --phones-away yes --initiated me --fun 5
      offscreen log --from-idle --with Sam "coffee"   # the time you were just away
      offscreen log --invite 3 --for 2h "dinner"     # what invitation 3 became

    At a terminal, an interaction with the people of an accepted invitation not yet linked is
    offered the link.
    """
    values = _values(" ".join(summary) or None, **opts)
    # Never prompt when stdin is not a terminal: scripts get an error instead.
    tty = sys.stdin.isatty()
    iid, it, notes = lib.log(app, values, from_idle=from_idle, ask=_ask if tty else None, force=force, invite=invite)
    click.echo(core.describe(it, app.zone, iid))
    for note in notes:
        click.echo(note, err=True)
    if tty and invite is None:
        _offer_invitation(app, iid)


def _offer_invitation(app, iid: int) -> None:
    """At a terminal: link the interaction to an accepted invitation with the same people?"""
    from tracker.usecases import invitations

    for rec in invitations.offers(app, iid):
        question = f"Was this invitation #{rec['id']} ({rec['what']} with {', '.join(rec['people'])})? Link them"
        if click.confirm(question, default=True):
            click.echo(invitations.link(app, rec["id"], iid))
            return


@click.group("interactions")
def interactions_group():
    """List, show, change, delete and restore logged interactions.

    \b
    Examples:
      offscreen interactions list --since 7d
      offscreen interactions list --with Sam --json
      offscreen interactions edit 12 --closeness 6
      offscreen interactions delete 12 && offscreen interactions restore 12
    """


def _table(rows: list[dict]) -> str:
    head = ("ID", "WHEN", "FOR", "MODE", "WITH", "CLOSE", "FUN", "SUMMARY")
    body = [
        (
            f"#{r['id']}",
            r["happened_at"][:16].replace("T", " "),
            format_duration(r["duration_min"]),
            r["mode"],
            ", ".join(r["people"]),
            "" if r["closeness"] is None else str(r["closeness"]),
            "" if r.get("fun") is None else str(r["fun"]),
            r["summary"] or "",
        )
        for r in rows
    ]
    # WITH and SUMMARY give way when the table is wider than the terminal; `show` and --json keep all.
    return render(head, body, free=(4, 7))


@interactions_group.command("list")
@click.option("--since", metavar="DATE", help="From this day or time (2026-11-01, 7d, yesterday).")
@click.option("--until", metavar="DATE", help="Up to the end of this day, or this time.")
@click.option(
    "--with",
    "-w",
    "with_name",
    metavar="NAME",
    shell_complete=_complete.people,
    help="Only interactions with this person.",
)
@click.option(
    "--mode",
    "-m",
    metavar="MODE",
    shell_complete=_complete.modes,
    help="Only this mode (in-person, video, voice, text).",
)
@click.option("--deleted", is_flag=True, help="List deleted interactions instead (to restore one).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (see README for the fields).")
@click.pass_obj
def list_cmd(app, since, until, with_name, mode, deleted, as_json):
    """List interactions, oldest first, as a table or JSON.

    \b
    Examples:
      offscreen interactions list --since 2026-11-01 --mode in-person
      offscreen interactions list --with Sam --json | jq '.[].duration_min'
    """
    rows = lib.list_interactions(app, since=since, until=until, with_name=with_name, mode=mode, deleted=deleted)
    if as_json:
        import json  # here: `log` prints no JSON

        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        click.echo(_table(rows))
    else:
        click.echo("No interactions match.")


@interactions_group.command("show")
@click.argument("interaction_id", type=ID, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_cmd(app, interaction_id, as_json):
    """Show every field of one interaction.

    \b
    Example:
      offscreen interactions show 12
    """
    rec = lib.show(app, interaction_id)
    if as_json:
        import json

        click.echo(json.dumps(rec, indent=2, ensure_ascii=False))
        return
    click.echo(f"#{rec['id']}{' (deleted)' if 'deleted_at' in rec else ''}")
    for key in core.FIELDS[1:]:
        value = rec[key]
        label = key.replace("_", " ")
        if key == "duration_min":  # the formats `interactions list` uses; --json keeps the raw values
            label, value = "duration", format_duration(value)
        elif key in ("happened_at", "logged_at") and value:
            value = _local(value)
        if isinstance(value, list):
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        click.echo(f"  {label + ':':<13} {value if value not in (None, '') else '-'}")
    if "deleted_at" in rec:
        click.echo(f"  {'deleted at:':<13} {_local(rec['deleted_at'])}")


def _local(iso: str) -> str:
    """An ISO time with offset (already local) -> 'YYYY-MM-DD HH:MM', as `list` shows it."""
    return iso[:16].replace("T", " ")


@interactions_group.command("edit")
@click.argument("interaction_id", type=ID, metavar="ID")
@click.option("--summary", "-s", metavar="TEXT", help="A new summary ('' clears it).")
@_interaction_options(edit=True)
@click.pass_obj
def edit_cmd(app, interaction_id, summary, **opts):
    """Change an interaction: only the options you give change.

    \b
    Examples:
      offscreen interactions edit 12 --closeness 6 --fun 4 --note "talked about the move"
      offscreen interactions edit 12 --with Sam,Alex --for 1h30m
    """
    given = _values(summary, **opts)  # --tag '' gives tags [''], which build() turns into no tags
    _, it, notes = lib.edit(app, interaction_id, given)
    click.echo(core.describe(it, app.zone, interaction_id, verb="Updated"))
    for note in notes:
        click.echo(note, err=True)


@interactions_group.command("delete")
@click.argument("interaction_id", type=ID, metavar="ID")
@click.pass_obj
def delete_cmd(app, interaction_id):
    """Delete an interaction (recoverable with `restore`).

    \b
    Example:
      offscreen interactions delete 12
    """
    changed = lib.set_deleted(app, interaction_id, True)
    if changed:
        click.echo(f"Deleted #{interaction_id} (undo: offscreen interactions restore {interaction_id})")
    else:
        click.echo(f"#{interaction_id} was already deleted")


@interactions_group.command("restore")
@click.argument("interaction_id", type=ID, metavar="ID")
@click.pass_obj
def restore_cmd(app, interaction_id):
    """Bring back a deleted interaction.

    \b
    Example:
      offscreen interactions list --deleted && offscreen interactions restore 12
    """
    changed = lib.set_deleted(app, interaction_id, False)
    click.echo(f"Restored #{interaction_id}" if changed else f"#{interaction_id} was not deleted")
