"""`offscreen sync now` and `offscreen sync status`: several computers through a synced folder (issue 16)."""

from __future__ import annotations

import json

import click

from tracker.usecases import sync as lib


@click.group("sync")
def sync_group():
    """Several computers, one picture: each writes its own files into [sync] dir, reads the others'.

    A sync tool (Syncthing, Nextcloud, Dropbox) carries the folder; nothing listens on a port.
    Every read (today, report, dashboard) syncs too when the folder is set.

    \b
    Examples:
      offscreen sync status
      offscreen sync now
    """


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _counts(d: dict) -> str:
    return ", ".join(f"{n} {k}" for k, n in d.items()) or "nothing"


@sync_group.command("now")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def now_cmd(app, as_json):
    """Write this computer's changes into the sync folder and read the other computers' files.

    \b
    Examples:
      offscreen sync now
      offscreen sync now --json | jq .imported
    """
    data = lib.sync_now(app)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Synced {data['dir']} as {data['host']}")
    click.echo(f"  written: {_counts(data['exported'])}")
    click.echo(f"  read:    {_counts(data['imported'])}")
    if data["deferred"]:
        click.echo(f"  waiting: {_plural(data['deferred'], 'file')} naming a person or routine not arrived yet")
    for p in data["problems"]:
        click.echo(f"  skipped {p['path']}: {p['meaning']}{_why(p)}")


def _why(p: dict) -> str:
    """Why a file was refused (the database's words, or the text rule it breaks)."""
    from tracker.domain.text import terminal_safe

    return f" ({terminal_safe(p['detail'])})" if p["what"] == "refused" and p["detail"] else ""


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status_cmd(app, as_json):
    """Show the sync folder, this computer's id, the other computers read, and any file skipped.

    \b
    Examples:
      offscreen sync status
      offscreen sync status --json
    """
    data = lib.status(app)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if data["dir"] is None:
        click.echo('Sync is off: add [sync] dir = "~/Sync/offscreen" to the config (offscreen config init)')
        return
    state = "" if data["exists"] else " (missing: nothing is synced until it exists)"
    click.echo(f"Sync folder  {data['dir']}{state}")
    click.echo(f"This computer  {data['name']} ({data['host']})")
    if data["hosts"]:
        click.echo("Other computers:")
        for h in data["hosts"]:
            click.echo(f"  {h['name']} ({h['host']}), last read {h['seen_at']}")
    else:
        click.echo("No other computer read yet")
    for p in data["problems"]:
        click.echo(f"Skipped {p['path']}: {p['meaning']}{_why(p)}")
