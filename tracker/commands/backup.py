"""`offscreen backup` and `offscreen restore`: the whole database as one file and back.

Thin: parse, call one function of tracker.usecases.backup, render. The file format is described
in tracker/domain/backup.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tracker.usecases import backup as lib


@click.command("backup")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    required=True,
    help="Write the backup to FILE (atomically, mode 0600; gzip-compressed when FILE ends in .gz).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the rows written per table as JSON.")
@click.pass_obj
def backup_cmd(app, output, as_json):
    """Write everything offscreen holds into one file, to restore here or on another machine.

    People (tiers, kin, cadences, notes, aliases, merged-away people), routines with their people
    and skipped periods, interactions with their people and routines (deleted ones too),
    check-ins, unplug sessions, nudges sent and every activity span; ids are kept, so links
    survive. The format is JSON: {"format": "offscreen-backup", "version": 1, "tables": ...}.

    \b
    Examples:
      offscreen backup -o ~/offscreen-backup.json.gz
      offscreen backup -o backup.json
    """
    done = lib.backup(app, output)
    if as_json:
        click.echo(json.dumps({"file": str(done.path), "bytes": done.size, "tables": done.counts}))
        return
    size = f"{done.size / 1e6:.1f} MB" if done.size >= 1e5 else f"{done.size / 1e3:.1f} kB"
    click.echo(f"Backed up {lib.counted(done.counts)} to {output} ({size}, {done.seconds:.1f} s)")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--merge", is_flag=True, help="Into a database holding data: add what is missing, skip what is there.")
@click.option("--replace", is_flag=True, help="Into a database holding data: delete everything in it first.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows added and skipped per table as JSON.")
@click.pass_obj
def restore_cmd(app, file, merge, replace, as_json):
    """Restore a file written by `offscreen backup`: all of it or nothing, in one transaction.

    Into an empty database the data comes back exactly, ids included. A database that holds
    data is left alone unless you choose --merge (rows already there are recognised and skipped:
    people by name or alias, routines by name, interactions by start, duration, mode and people,
    check-ins by time, unplug sessions by start, activity spans by id) or --replace (everything
    in it is deleted first). A cut-off or damaged file, another format or a newer version is
    refused and nothing is written.

    \b
    Examples:
      offscreen restore ~/offscreen-backup.json.gz
      offscreen restore backup.json --merge
      offscreen restore backup.json --replace
    """
    done = lib.restore(app, file, merge=merge, replace=replace)
    if as_json:
        click.echo(json.dumps({"mode": done.mode, "added": done.added, "skipped": done.skipped}))
        return
    if done.mode == "merge":
        skipped = sum(done.skipped.values())
        click.echo(
            f"Merged {file} into {app.paths.db}: added {lib.counted(done.added)}; "
            f"{skipped} row{'s' if skipped != 1 else ''} already there skipped ({done.seconds:.1f} s)"
        )
    else:
        verb = "Replaced everything in" if done.mode == "replace" else "Restored into"
        click.echo(f"{verb} {app.paths.db} from {file}: {lib.counted(done.added)} ({done.seconds:.1f} s)")
