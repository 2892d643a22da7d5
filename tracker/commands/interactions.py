"""`offscreen log` and `offscreen interactions list|show|edit|delete|restore`.

Thin: parse options, validate with tracker.domain.interactions.build (pure), store with
tracker.store.interactions, render. duckdb is imported only inside App.store().
"""

from __future__ import annotations

import json
import sys

import click

from tracker.commands._table import render
from tracker.domain import interactions as core
from tracker.domain.times import DURATION_HELP, WHEN_HELP, format_duration, local_now, parse_range
from tracker.errors import UserError


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
                help="Who you were with; repeat it or separate names with commas."
                + (" Replaces the people." if edit else ""),
            ),
            click.option(
                "--mode",
                "-m",
                metavar="MODE",
                help="in-person (default), video, voice or text; also irl, call, phone, chat.",
            ),
            click.option(
                "--at",
                "at",
                metavar="WHEN",
                help=f"When it started: {WHEN_HELP}." + ("" if edit else " Default: now minus --for."),
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
            click.option("--routine", metavar="NAME", help="The connection routine this was part of."),
        ]
        for o in reversed(opts):
            f = o(f)
        return f

    return deco


def _values(
    summary, people, mode, at, duration, closeness, tags, note, place, initiated, phones_away, work, routine
) -> dict:
    """CLI options -> raw values for core.build (None = not given)."""
    v = {
        "summary": summary,
        "mode": mode,
        "happened_at": at,
        "duration_min": duration,
        "closeness": closeness,
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


def _ask_missing(values: dict) -> None:
    """Essentials missing: ask on a terminal, otherwise fail (never prompt when stdin is not a TTY)."""
    interactive = sys.stdin.isatty()
    if interactive and ("people" not in values or "duration_min" not in values):
        # Reject what was given wrongly (say --mode walk) before asking for anything.
        core.build({"people": ["?"], "duration_min": 1, **values}, local_now())
    if "people" not in values:
        if not interactive:
            raise UserError("say who you were with: --with NAME (several: --with 'Sam, Alex')")
        names = _prompt(
            "Who were you with (names, comma-separated)", lambda s: [core.clean_name(n) for n in s.split(",")]
        )
        values["people"] = core.split_names([names])
    if "duration_min" not in values:
        if not interactive:
            raise UserError("--for is required when stdin is not a terminal, e.g. --for 45m or --for 1h30m")
        values["duration_min"] = _prompt(
            "How long (e.g. 45m, 1h30m)", lambda s: core.build({**values, "duration_min": s}, local_now())
        )  # also catches "would end in the future"
        if "closeness" not in values:
            c = _prompt("Closeness 1-7 (Enter to skip)", core.parse_closeness, default="")
            if c:
                values["closeness"] = c


def _store_one(app, it: core.Interaction, *, edit_id: int | None = None, keep_routine: int | None = None):
    """Store IT (new, or replacing EDIT_ID) in one transaction; returns (id, IT with people's stored names)."""
    import dataclasses

    from tracker.store import interactions as store_i
    from tracker.store import people as store_p
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        if edit_id is not None:
            store_i.get(con, edit_id)  # unknown id -> exit 2 before anything changes
        rid = store_i.routine_id(con, it.routine) if it.routine else keep_routine
        pids = store_p.resolve(con, it.people)
        if edit_id is None:
            edit_id = store_i.insert(con, it, pids, routine=rid)
        else:
            store_i.update(con, edit_id, it, pids, routine=rid)
        return edit_id, dataclasses.replace(it, people=tuple(store_p.names(con, pids)))


def _from_idle(app, values: dict) -> None:
    """Fill --at and --for from the absence (30 min - 4 h away) you just came back from."""
    from tracker.store import to_utc_naive
    from tracker.store.practice import last_idle_span

    with app.store(drain=True) as con:
        span = last_idle_span(con, to_utc_naive(local_now()))
    if span is None:
        raise UserError("no absence of 30 min to 4 h ended in the last hour; give --at and --for instead")
    start = core.iso_local(span["start_utc"])
    values.setdefault("happened_at", start)
    values.setdefault("duration_min", f"{span['minutes']}m")


@click.command("log")
@click.argument("summary", nargs=-1)
@_interaction_options(edit=False)
@click.option(
    "--from-idle",
    is_flag=True,
    help="Take --at and --for from the 30 min - 4 h away from the computer you just came back from.",
)
@click.pass_obj
def log_cmd(app, summary, from_idle, **opts):
    """Record time you spent with people.

    SUMMARY is a few words about it (optional). --with and --for are required unless you run it
    at a terminal, where it asks for what is missing. The time defaults to now minus --for.

    \b
    Examples:
      offscreen log "lunch at the canteen" --with Sam,Alex --for 1h --closeness 5
      offscreen log --with Mum --mode voice --at "yesterday 19:00" --for 40m
      offscreen log climbing -w Jo --for 2h --tag sport --phones-away yes --initiated me
      offscreen log --from-idle --with Sam "coffee"   # the time you were just away
    """
    values = _values(" ".join(summary) or None, **opts)
    if from_idle:
        _from_idle(app, values)
    _ask_missing(values)
    it = core.build(values, local_now())
    iid, it = _store_one(app, it)
    click.echo(core.describe(it, iid))


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


def _fetch(app, since, until, with_name, mode, deleted):
    from tracker.store import interactions as store_i
    from tracker.store import people as store_p

    lo, hi = parse_range(since, until, day_start_hour=app.config.general.day_start_hour)
    mode = core.parse_mode(mode) if mode else None
    with app.store() as con:
        pid = store_p.require(con, core.clean_name(with_name)) if with_name is not None else None
        return store_i.query(con, since=lo, until=hi, person_id=pid, mode=mode, deleted=deleted)


def _json_record(row: dict) -> dict:
    rec = core.to_record(row)
    if row.get("deleted_at") is not None:
        rec["deleted_at"] = core.iso_local(row["deleted_at"])
    return rec


def _table(rows: list[dict]) -> str:
    head = ("ID", "WHEN", "FOR", "MODE", "WITH", "CLOSE", "SUMMARY")
    body = []
    for r in rows:
        rec = core.to_record(r)
        body.append(
            (
                f"#{r['id']}",
                rec["happened_at"][:16].replace("T", " "),
                format_duration(r["duration_min"]),
                r["mode"],
                ", ".join(r["people"]),
                "" if r["closeness"] is None else str(r["closeness"]),
                r["summary"] or "",
            )
        )
    return render(head, body)


@interactions_group.command("list")
@click.option("--since", metavar="DATE", help="From this day or time (2026-11-01, 7d, yesterday).")
@click.option("--until", metavar="DATE", help="Up to the end of this day, or this time.")
@click.option("--with", "-w", "with_name", metavar="NAME", help="Only interactions with this person.")
@click.option("--mode", "-m", metavar="MODE", help="Only this mode (in-person, video, voice, text).")
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
    rows = _fetch(app, since, until, with_name, mode, deleted)
    if as_json:
        click.echo(json.dumps([_json_record(r) for r in rows], indent=2, ensure_ascii=False))
    elif rows:
        click.echo(_table(rows))
    else:
        click.echo("No interactions match.")


@interactions_group.command("show")
@click.argument("interaction_id", type=int, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_cmd(app, interaction_id, as_json):
    """Show every field of one interaction.

    \b
    Example:
      offscreen interactions show 12
    """
    from tracker.store import interactions as store_i

    with app.store() as con:
        row = store_i.get(con, interaction_id)
    rec = _json_record(row)
    if as_json:
        click.echo(json.dumps(rec, indent=2, ensure_ascii=False))
        return
    click.echo(f"#{rec['id']}{' (deleted)' if 'deleted_at' in rec else ''}")
    for key in core.FIELDS[1:]:
        value = rec[key]
        if isinstance(value, list):
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        click.echo(f"  {key.replace('_', ' ') + ':':<13} {value if value not in (None, '') else '-'}")
    if "deleted_at" in rec:
        click.echo(f"  {'deleted at:':<13} {rec['deleted_at']}")


@interactions_group.command("edit")
@click.argument("interaction_id", type=int, metavar="ID")
@click.option("--summary", "-s", metavar="TEXT", help="A new summary ('' clears it).")
@_interaction_options(edit=True)
@click.pass_obj
def edit_cmd(app, interaction_id, summary, **opts):
    """Change an interaction: only the options you give change.

    \b
    Examples:
      offscreen interactions edit 12 --closeness 6 --note "talked about the move"
      offscreen interactions edit 12 --with Sam,Alex --for 1h30m
    """
    from tracker.store import from_utc_naive
    from tracker.store import interactions as store_i

    given = _values(summary, **opts)  # --tag '' gives tags [''], which build() turns into no tags
    if not given:
        raise UserError("nothing to change; give at least one option (see --help)")
    with app.store() as con:
        row = store_i.get(con, interaction_id)
    old = core.to_record(row)
    old.update(
        happened_at=from_utc_naive(row["happened_at"]), duration_min=row["duration_min"], logged_at=None, routine=None
    )
    it = core.build({**old, **given}, local_now())
    _, it = _store_one(app, it, edit_id=interaction_id, keep_routine=None if "routine" in given else row["routine_id"])
    click.echo(core.describe(it, interaction_id, verb="Updated"))


def _set_deleted(app, interaction_id: int, deleted: bool) -> bool:
    from tracker.store import interactions as store_i
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        return store_i.set_deleted(con, interaction_id, deleted)


@interactions_group.command("delete")
@click.argument("interaction_id", type=int, metavar="ID")
@click.pass_obj
def delete_cmd(app, interaction_id):
    """Delete an interaction (recoverable with `restore`).

    \b
    Example:
      offscreen interactions delete 12
    """
    changed = _set_deleted(app, interaction_id, True)
    if changed:
        click.echo(f"Deleted #{interaction_id} (undo: offscreen interactions restore {interaction_id})")
    else:
        click.echo(f"#{interaction_id} was already deleted")


@interactions_group.command("restore")
@click.argument("interaction_id", type=int, metavar="ID")
@click.pass_obj
def restore_cmd(app, interaction_id):
    """Bring back a deleted interaction.

    \b
    Example:
      offscreen interactions list --deleted && offscreen interactions restore 12
    """
    changed = _set_deleted(app, interaction_id, False)
    click.echo(f"Restored #{interaction_id}" if changed else f"#{interaction_id} was not deleted")
