"""`offscreen import-aw FILE`: ActivityWatch history into offscreen (rules: tracker/domain/aw.py)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from tracker.domain.times import format_duration
from tracker.usecases import aw_import as lib


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _hm(seconds: float) -> str:
    return format_duration(seconds / 60)


def _describe(app, pv: lib.Preview) -> list[str]:
    plan = pv.plan
    lines = [f"ActivityWatch export {pv.file}:"]
    lines.append(f"  hosts: {', '.join(plan.hosts) or 'none'}")
    for b in plan.buckets:
        what = {"window": "windows", "afk": "AFK", "android": "phone"}.get(b.kind or "")
        if what:
            lines.append(f"  bucket {b.id} ({b.type}, {what}, host {b.hostname}): {_n(len(b.events), 'event')}")
    lines += [f"  skipped: bucket {b.id} (type {b.type}: offscreen does not read this type)" for b in plan.skipped]
    bounds = plan.bounds()
    if bounds is None:
        lines.append("  nothing to import: no window, AFK or phone events")
        return lines
    cal = app.calendar
    first, last = (cal.day_of(datetime.fromtimestamp(t, UTC)) for t in bounds)
    lines.append(f"  from {first} to {last} (local days)")
    spans = f"  spans: {len(pv.spans):,} (active {_hm(pv.seconds('active'))}, idle {_hm(pv.seconds('idle'))})"
    if pv.known:
        spans += f", {pv.known:,} of them already imported"
    lines.append(spans)
    if pv.left_out_seconds >= 30:
        lines.append(f"  left out: {_hm(pv.left_out_seconds)} that offscreen already holds")
    if plan.phone:
        lines.append(f"  phone: {_n(len(plan.phone), 'day')} ({format_duration(sum(plan.phone.values()))})")
    return lines


@click.command("import-aw")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Import without asking (needed outside a terminal).")
@click.option("--dry-run", is_flag=True, help="Show what the file holds and write nothing.")
@click.pass_obj
def import_aw_cmd(app, file, yes, dry_run):
    """Import ActivityWatch history: window and AFK buckets as activity, aw-android as phone time.

    Shows what it will import and asks first (in a terminal; --yes in scripts). All or nothing;
    importing the same file again adds nothing.

    \b
    Examples:
      curl http://localhost:5600/api/0/export > aw.json
      offscreen import-aw aw.json
      offscreen import-aw aw.json --dry-run
    """
    pv = lib.prepare(app, file)
    for line in _describe(app, pv):
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing written.")
        return
    if not pv.spans and not pv.plan.phone:
        click.echo("Nothing to import.")
        return
    if not yes:
        if not _stdin_is_tty():
            from tracker.errors import UserError

            raise UserError("not a terminal, so not asking: add --yes to import (or --dry-run to look only)")
        if not click.confirm("Import?", default=False):
            click.echo("Nothing written.")
            return
    done = lib.write(app, pv)
    phone = done.phone
    click.echo(
        f"Imported {_n(done.spans, 'span')} ({done.new_spans:,} new) and "
        f"{_n(sum(phone.values()), 'phone day')} ({phone['added']:,} new, {phone['replaced']:,} changed) from {file}."
    )
