"""`offscreen export` and `offscreen import`: interactions (activity, phone time) as JSON or CSV.

Thin: parse, call one function of tracker.usecases.transfer, render. The file formats (CSV list
cells, formula escaping, the round-trip contract) are described in tracker/domain/transfer.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.usecases import transfer as lib


@click.command("export")
@click.option(
    "--what",
    type=click.Choice(["interactions", "activity", "invitations", "phone"]),
    default="interactions",
    show_default=True,
    help="What to export (phone: the phone time reported per day).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "parquet"]),
    help="Output format (default: from the -o extension, else json). parquet: everything, as a directory -o DIR.",
)
@click.option("--since", metavar="DATE", help="From this day or time (2026-11-01, 30d, yesterday).")
@click.option("--until", metavar="DATE", help="Up to the end of this day, or this time.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically, private) instead of stdout.")
@click.pass_obj
def export_cmd(app, what, fmt, since, until, output):
    """Export interactions, activity or phone time as JSON or CSV (deleted interactions are left out).

    \b
    Examples:
      offscreen export -o interactions.json
      offscreen export --format csv --since 2026-11-01 > november.csv
      offscreen export --what activity --since 7d -o activity.csv
      offscreen export --what invitations -o invitations.json
      offscreen export --what phone -o phone.csv
      offscreen export --format parquet -o offscreen-parquet   # a directory, for DuckDB/pandas/Polars
    """
    done = lib.export(app, what=what, fmt=fmt, since=since, until=until, output=output)
    if output:
        click.echo(f"Exported {done.count} {done.noun} to {output}")
    else:
        click.echo(done.text, nl=False)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), help="File format (default: by extension).")
@click.option(
    "--drop-unknown-routines",
    is_flag=True,
    help="Import rows whose routine this database does not have without their routine link.",
)
@click.option(
    "--what",
    type=click.Choice(["interactions", "invitations", "phone"]),
    default="interactions",
    show_default=True,
    help="What the file holds, as `offscreen export --what` wrote it.",
)
@click.pass_obj
def import_cmd(app, file, fmt, drop_unknown_routines, what):
    """Import interactions from JSON or CSV (as written by `offscreen export`): all rows or none.

    Every row is checked first; the first bad one is reported with its row number and field and
    nothing is written. Exact duplicates of stored interactions are skipped, so importing the same
    file twice adds nothing. Required: happened_at, duration_min, mode, people.

    A routine named in the file must exist here (`offscreen routine add`); otherwise the import
    stops before writing and names every missing routine, unless --drop-unknown-routines. To
    move everything (routines, people's tiers, check-ins, activity) use `offscreen backup` and
    `offscreen restore` instead.

    \b
    Examples:
      offscreen import interactions.json
      offscreen import --format csv diary.txt
      offscreen import old-laptop.json --drop-unknown-routines
      offscreen import --what invitations invitations.json
      offscreen import --what phone phone.csv

    With --what phone a day already stored for the same source is replaced only by a row
    recorded later; rows: day, minutes, social_minutes, source, recorded_at.
    """
    if what == "phone":
        if drop_unknown_routines:
            from tracker.errors import UserError

            raise UserError("--drop-unknown-routines goes with interactions, not with --what phone")
        got = lib.import_phone(app, file, fmt)
        msg = f"Imported {got.added} day{'s' if got.added != 1 else ''} of phone time from {file}"
        if got.replaced:
            msg += f", replaced {got.replaced}"
        if got.skipped:
            msg += f" ({got.skipped} already there skipped)"
        click.echo(msg)
        return
    done = lib.import_file(app, file, fmt, drop_unknown_routines=drop_unknown_routines, what=what)
    added, skipped = done.added, done.skipped
    noun = "invitation" if done.what == "invitations" else "interaction"
    msg = f"Imported {added} {noun}{'s' if added != 1 else ''} from {file}"
    if skipped:
        msg += f" ({skipped} duplicate{'s' if skipped != 1 else ''} skipped"
        if done.relinked:
            became = "it" if done.relinked == 1 else "each"
            msg += f", {done.relinked} of them linked now to the interaction {became} became"
        msg += ")"
    if done.unlinked:
        names = ", ".join(repr(n) for n in done.dropped_routines)
        msg += f"; {done.unlinked} without their routine ({names}: not in this database)"
    click.echo(msg)
