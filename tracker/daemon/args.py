"""The daemon's command line, parsed without click: `python -m tracker.daemon [--db PATH] [--interval S]
[--idle-after S]`. `offscreen daemon` checks the same flags with click and execs that (issue 14).

Messages are click's, so a bad flag reads the same whichever way the daemon was started.
"""

from __future__ import annotations

from typing import NamedTuple

from tracker.domain import numbers
from tracker.errors import UserError

PROG = "python -m tracker.daemon"
# (lo, hi) of each seconds flag; `offscreen daemon` declares its click options with these.
INTERVAL = (0.05, 60.0)
IDLE_AFTER = (1.0, 86400.0)
_SECONDS = {"--interval": INTERVAL, "--idle-after": IDLE_AFTER}
HELP = f"""\
Usage: {PROG} [--db PATH] [--interval SECONDS] [--idle-after SECONDS]

  The activity daemon: records the foreground app and idle time until SIGTERM or
  Ctrl-C; SIGHUP reloads the configuration. `offscreen daemon` runs this.

Options:
  --db PATH             Database file the drains write to (default: $OFFSCREEN_DB,
                        else $XDG_DATA_HOME/offscreen/offscreen.duckdb).
  --interval SECONDS    Seconds between samples, {numbers.describe(*INTERVAL)} (default: config
                        daemon.interval).
  --idle-after SECONDS  Seconds without input before you count as idle, {numbers.describe(*IDLE_AFTER)}
                        (default: config daemon.idle_after).
  --help                Show this message and exit.
"""


class Args(NamedTuple):
    db: str | None = None
    interval: float | None = None
    idle_after: float | None = None
    help: bool = False


def _usage(message: str) -> UserError:
    return UserError(f"{message} (see '{PROG} --help')")


def parse(argv: list[str]) -> Args:
    """ARGV (without the program name) as Args; a UserError in click's words for anything else."""
    values: dict[str, object] = {}
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            if rest:
                raise _usage(f"Got unexpected extra argument ({rest[0]})")
            break
        if arg == "--help":
            values["help"] = True
            continue
        name, eq, value = arg.partition("=")
        if name not in ("--db", *_SECONDS):
            if arg.startswith("-"):
                raise _usage(f"No such option: {name}")
            raise _usage(f"Got unexpected extra argument ({arg})")
        if not eq:
            if not rest:
                raise _usage(f"Option '{name}' requires an argument.")
            value = rest.pop(0)
        key = name[2:].replace("-", "_")
        if name == "--db":
            values[key] = value or None  # an empty --db is no --db (as click's option gives it)
            continue
        lo, hi = _SECONDS[name]
        try:
            values[key] = numbers.parse(value, whole=False, lo=lo, hi=hi)
        except ValueError as e:
            raise _usage(f"Invalid value for '{name}': {e}") from None
    return Args(**values)  # type: ignore[arg-type]


def argv(db: str | None, interval: float | None, idle_after: float | None) -> list[str]:
    """The arguments that make `python -m tracker.daemon` parse back DB, INTERVAL and IDLE_AFTER."""
    out = [] if db is None else ["--db", db]
    for name, value in (("--interval", interval), ("--idle-after", idle_after)):
        if value is not None:
            out += [name, _decimal(float(value))]
    return out


def _decimal(value: float) -> str:
    """VALUE as digits `numbers.parse` takes: repr, the shortest text that reads back as the same
    float (a number typed with at most 15 decimals needs no more), else 15 decimals."""
    text = repr(value)
    if "e" in text or len(text.partition(".")[2]) > 15:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text
