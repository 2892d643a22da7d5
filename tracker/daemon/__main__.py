"""`python -m tracker.daemon`: the activity daemon without the CLI (issue 14: a daemon that costs nearly nothing).

`offscreen daemon` checks its flags and the configuration, then execs this, so the unit's
ExecStart stays `offscreen daemon` and the PID stays the one systemd started. What this imports is
all the daemon ever holds in memory: no click, and none of dataclasses, uuid, tempfile, subprocess,
hashlib or platform (tests/test_daemon_imports.py checks a real daemon on a real X server).
Errors are the CLI's: one line, `Error: ...`, exit 2 for bad flags or configuration, 1 otherwise.
"""

from __future__ import annotations

import os
import sys

from tracker import config
from tracker.daemon import args as args_mod
from tracker.daemon.loop import run_daemon
from tracker.domain import times
from tracker.domain.text import terminal_safe
from tracker.errors import OffscreenError
from tracker.paths import resolve


class _TerminalSafe:
    """stderr with control characters shown as \\uXXXX, as the CLI's (a message can quote a file)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_safe(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _fail(message: str, code: int) -> int:
    sys.stderr.write("Error: " + " ".join(str(message).split()) + "\n")
    sys.stderr.flush()
    return code


def main(argv: list[str] | None = None) -> int:
    """Parse ARGV, resolve paths and configuration, run the daemon until SIGTERM; the exit status."""
    os.umask(0o077)  # anything we create is private: titles can hold secrets
    sys.stderr = _TerminalSafe(sys.stderr)
    try:
        a = args_mod.parse(sys.argv[1:] if argv is None else argv)
        if a.help:
            sys.stdout.write(args_mod.HELP)
            return 0
        paths = resolve(db=a.db)
        cfg = config.load(paths.config_file)  # a bad config fails here, before anything starts (exit 2)
        # Its local times are instants in the status file: the C library's zone, no zoneinfo.
        return run_daemon(paths, cfg, times.instant_zone(), a.interval, a.idle_after)
    except OffscreenError as e:
        return _fail(str(e), e.exit_code)
    except KeyboardInterrupt:  # before the signal handlers are in place
        sys.stderr.write("Aborted.\n")
        return 130
    except Exception as e:
        if os.environ.get("OFFSCREEN_DEBUG"):
            raise
        if isinstance(e, OSError) and e.filename is not None:
            # OFFSCREEN_HOME under a file, an unwritable state directory: name the path, not a bug.
            return _fail(f"{e.filename}: {e.strerror or e}; check the path and its permissions", 1)
        # A bug, not a user mistake: a short message, the traceback on request.
        return _fail(f"internal error: {type(e).__name__}: {e} (rerun with OFFSCREEN_DEBUG=1 for details)", 1)


if __name__ == "__main__":
    sys.exit(main())
