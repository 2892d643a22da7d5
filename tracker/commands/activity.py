"""`offscreen daemon`, `offscreen today` and the hidden `offscreen drain`."""

from __future__ import annotations

import json
import os
import sys

import click

from tracker.commands._params import decimal
from tracker.commands._table import clip, pad
from tracker.daemon import args as daemon_args
from tracker.domain.spans import UNKNOWN_APP_LABEL


@click.command("daemon")
@click.option(
    "--interval",
    type=decimal(*daemon_args.INTERVAL),
    default=None,
    metavar="SECONDS",
    help="Seconds between samples (default: config daemon.interval, 1).",
)
@click.option(
    "--idle-after",
    "idle_after",
    type=decimal(*daemon_args.IDLE_AFTER),
    default=None,
    metavar="SECONDS",
    help="Seconds without input before you count as idle (default: config, 180).",
)
@click.pass_obj
def daemon_cmd(app, interval, idle_after):
    """Record the foreground app and idle time until SIGTERM or Ctrl-C.

    Runs in the foreground (systemd or `make run` keeps it running), samples the desktop every
    interval, and stores spans through a durable queue; SIGHUP reloads the configuration.
    LOG_LEVEL=debug|info|warning|error sets how much it logs to stderr.

    \b
    Example:
      offscreen daemon --interval 1 --idle-after 120
    """
    _ = app.config  # a bad configuration is refused here, in the CLI's words (exit 2), before anything starts
    # The daemon proper is `python -m tracker.daemon`, exec'd in place: the same PID (systemd and
    # the tests signal it), without click and the CLI in its memory (issue 14).
    argv = [*_interpreter(), "-m", "tracker.daemon", *daemon_args.argv(str(app.paths.db), interval, idle_after)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def _interpreter() -> list[str]:
    """This Python with this process's interpreter flags, and -P unless this process itself imports
    from the working directory: `-m` would put it first on sys.path, and the unit's is $HOME, where a
    stray json.py or signal.py must not replace the standard library in the daemon."""
    import subprocess  # here, in the CLI: only for its list of this interpreter's flags

    flags = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
    if "-P" not in flags and not sys.flags.isolated and sys.path[:1] not in ([""], [os.getcwd()]):
        flags.append("-P")
    return [sys.executable, *flags]


@click.command("drain", hidden=True)
@click.option("--nudge", is_flag=True, help="Afterwards, send today's nudge if one is due (see `offscreen nudge`).")
@click.pass_obj
def drain_cmd(app, nudge):
    """Move the daemon's queued spans into the database (the daemon runs this in a child).

    With --nudge (as the daemon runs it) it then sends today's gentle nudge, if any: a return from
    30 min - 4 h away is noticed within one drain interval.

    \b
    Example:
      offscreen drain
    """
    from tracker.usecases.drain import run

    run(app, nudge, lambda line: click.echo(line, err=True))


def _fmt(seconds: float) -> str:
    from tracker.domain.times import format_duration

    return format_duration(seconds / 60.0) if seconds >= 60 else f"{seconds:.0f}s"


@click.command("today")
@click.argument("day_arg", metavar="[DAY]", required=False)
@click.option(
    "--date",
    "day_opt",
    metavar="DAY",
    help="Show another local day: 2026-11-01, 'yesterday' or '3d' (days ago). Example: --date yesterday.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def today_cmd(app, day_arg, day_opt, as_json):
    """Today's screen time by app and category, idle and locked time, and face-to-face minutes.

    Screen time is active use plus watching: no input while the front window's media player plays
    (config daemon.count_watching).

    Today is the local day starting at config general.day_start_hour (default 4 am).
    DAY (or --date DAY) shows an earlier day instead; the JSON says which in `day` and `days_ago`.

    \b
    Examples:
      offscreen today
      offscreen today yesterday
      offscreen today --date 2026-11-01
      offscreen today --json | jq .screen_seconds
    """
    from tracker.errors import UserError
    from tracker.usecases.today import today

    if day_arg and day_opt:
        raise UserError("give the day once: either `today DAY` or `today --date DAY`")
    data = today(app, day_arg or day_opt)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    if data["is_today"]:
        click.echo(f"Today ({data['day']}, since {data['since'][11:16]})")
    else:
        span = f"{data['since'][11:16]} to {data['until'][11:16]} next day"
        click.echo(f"{data['label'].capitalize()} ({data['day']}, {span})")
    click.echo(f"  screen time   {_fmt(data['screen_seconds'])}")
    if data["watching_seconds"]:  # a video playing in front without input, apart from active use
        click.echo(f"    active use  {_fmt(data['active_seconds'])}")
        click.echo(f"    watching    {_fmt(data['watching_seconds'])}")
    if (m := data.get("machines")) is not None:  # several computers through a sync folder (issue 16)
        click.echo(f"  all computers {_fmt(m['union_seconds'])} (time on two at once counted once)")
        for h in m["hosts"]:
            click.echo(f"    {pad(h['label'], 20)}{_fmt(h['seconds']):>8}")
    if (ph := data["phone"]) is not None:
        social = "" if ph["social_minutes"] is None else f" ({_fmt(ph['social_minutes'] * 60)} of it social media)"
        from tracker.domain.phone import source_words

        click.echo(f"  phone         {_fmt(ph['minutes'] * 60)}, {source_words(ph['source'])}{social}")
    click.echo(f"  idle          {_fmt(data['idle_seconds'])}")
    click.echo(f"  locked        {_fmt(data['locked_seconds'])}")
    click.echo(f"  asleep        {_fmt(data['asleep_seconds'])}")
    click.echo(f"  face to face  {_fmt(data['face_to_face_minutes'] * 60)}")
    if data["by_category"]:
        click.echo("By category:")
        for c in data["by_category"]:
            click.echo(f"  {pad(c['category'], 14)}{_fmt(c['seconds']):>8}")
    if data["by_app"]:
        click.echo("By app:")
        unknown = False
        for a in data["by_app"][:15]:
            name = a["app"]
            if name == UNKNOWN_APP_LABEL:  # too long for the column: a short name here, the sentence below
                name, unknown = "unknown app (*)", True
            click.echo(f"  {pad(clip(name, 28), 30)}{_fmt(a['seconds']):>8}  {a['category']}")
        if unknown:
            click.echo(f"  (*) {UNKNOWN_APP_LABEL}")
    if not data["daemon_running"]:
        click.echo("Note: the activity daemon is not running; start it with `offscreen daemon`.")
