"""`offscreen dashboard` (one offline HTML page) and `offscreen report` (terminal summary), issue 4.

plotly and duckdb are imported inside the commands: `offscreen --help` must stay fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time as _time
from datetime import UTC
from pathlib import Path

import click

DEFAULT_DAYS = 90


def _base_range(app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dashboards.views import Range, local_tz_name

    now = datetime.now(UTC).replace(tzinfo=None)
    tz = local_tz_name()
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, OSError):  # an odd $TZ: show UTC days rather than fail
        tz = "UTC"
    return Range(
        since_utc=now,
        until_utc=now,
        day_start_hour=app.config.general.day_start_hour,
        tz=tz,
        config=app.config,
        now_utc=now,
    )


def _open_in_browser(path: Path) -> str:
    """Open PATH without ever failing the command; returns what happened, for the user."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return f"No display found; open {path} in a browser."
    opener = shutil.which("xdg-open")
    try:
        if opener:
            subprocess.Popen(
                [opener, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return f"Opened {path} in your browser."
        import webbrowser

        if webbrowser.open(path.as_uri()):
            return f"Opened {path} in your browser."
    except OSError:
        pass
    return f"Could not start a browser; open {path} yourself."


@click.command("dashboard")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (replaced atomically, mode 0600).",
)
@click.option("--since", metavar="D", help="Start: a date, 'today', 'yesterday', 'Nd' or 'Nw' (default: 90 days ago).")
@click.option("--until", metavar="D", help="End, inclusive for dates (default: now).")
@click.option("--open", "open_", is_flag=True, help="Open the page in your browser afterwards.")
@click.pass_obj
def dashboard_cmd(app, output, since, until, open_):
    """Write one self-contained offline HTML dashboard.

    Screen time against face-to-face time, categories, a weekday x hour map, people and
    cadences, friendship hours, closeness, mode mix and a lagged association. Works offline
    (plotly.js is inside the file); days start at general.day_start_hour.

    \b
    Examples:
      offscreen dashboard -o ~/offscreen.html --open
      offscreen dashboard -o year.html --since 2026-01-01 --until 2026-12-31
    """
    from dataclasses import replace
    from datetime import datetime, timedelta

    from dashboards import report
    from tracker.domain.times import day_start, local_day, parse_range
    from tracker.errors import RuntimeFailure, UserError

    base = _base_range(app)
    h = base.day_start_hour
    lo, hi = parse_range(since, until, day_start_hour=h)
    if lo is None:  # the 90 days before --until (or before now)
        end = (hi - timedelta(microseconds=1)) if hi else datetime.now().astimezone()
        lo = day_start(local_day(end, h) - timedelta(days=DEFAULT_DAYS - 1), h)
    since_utc = lo.astimezone(UTC).replace(tzinfo=None)
    until_utc = hi.astimezone(UTC).replace(tzinfo=None) if hi else base.now_utc
    if until_utc <= since_utc:
        raise UserError(f"--since ({since}) must be before now")
    output = output.expanduser().absolute()
    if output.is_dir():
        raise UserError(f"{output} is a directory; give a file name like {output}/offscreen.html")
    rng = replace(base, since_utc=since_utc, until_utc=until_utc)
    t0 = _time.perf_counter()
    with app.store(drain=True) as con:
        page, views = report.build_page(con, rng)
    try:
        report.write_page(output, page)
    except OSError as e:
        raise RuntimeFailure(
            f"cannot write {output}: {e.strerror or e}; choose a file in a directory you can write to"
        ) from None
    shown = sum(1 for v in views if v.figure is not None)
    click.echo(
        f"Wrote {output} ({len(page) / 1e6:.1f} MB, {shown} of {len(views)} views with data) "
        f"in {_time.perf_counter() - t0:.1f} s."
    )
    if open_:
        click.echo(_open_in_browser(output))


@click.command("report")
@click.option("--week", is_flag=True, help="The last 7 days against the 7 before (default).")
@click.option("--month", is_flag=True, help="The last 30 days against the 30 before.")
@click.option("--period", type=click.Choice(["week", "month"]), help="Same as --week or --month.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def report_cmd(app, week, month, period, as_json):
    """Summarise screen time against face-to-face time in the terminal.

    Screen hours, face-to-face hours and their ratio against the previous period, top apps and
    categories, and people you have not seen for longer than their cadence.

    \b
    Examples:
      offscreen report
      offscreen report --month --json | jq .change_pct
      offscreen report --period month
    """
    from tracker.errors import UserError
    from tracker.usecases import report as summary

    # One period only (r4): click would silently keep the last of --week --month.
    asked = {p for p, on in (("week", week), ("month", month), (period, period is not None)) if on}
    if len(asked) > 1:
        raise UserError("--week and --month exclude each other; give one (or --period week|month)")
    period = asked.pop() if asked else "week"

    base = _base_range(app)
    with app.store(drain=True) as con:
        s = summary.build(con, period, base.now_utc, base)
    if as_json:
        click.echo(json.dumps(s, indent=2, default=str))
    else:
        click.echo(summary.render(s))
