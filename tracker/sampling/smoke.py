"""The `python -m tracker.sampling.<source>` smoke loops: open a source, print a line per change, until Ctrl-C.

Titles may be secrets: these loops print them on the terminal of whoever asked, and nothing here logs.
"""

from __future__ import annotations

import select
import sys
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from tracker.sampling import NoDisplay, Window


class _Source(Protocol):
    def fileno(self) -> int: ...

    def buffered(self) -> bool: ...

    def dispatch(self) -> None: ...

    def close(self) -> None: ...


class _IdleSource(_Source, Protocol):
    @property
    def name(self) -> str: ...

    @property
    def idled_at(self) -> float | None: ...  # None while active


S = TypeVar("S", bound=_Source)
Idle = TypeVar("Idle", bound=_IdleSource)
T = TypeVar("T")
_UNSEEN = object()


def run(
    open_fn: Callable[[], S],
    header: Callable[[S], str | None],
    state: Callable[[S], T],
    show: Callable[[S, T], str],
    *,
    start: object = _UNSEEN,
    timeout: Callable[[S], float | None] = lambda _src: None,
) -> int:
    """Print show(src, state) whenever state(src) differs from the last (first from `start`); 0 on Ctrl-C."""
    try:
        src = open_fn()
    except NoDisplay as e:  # SourceUnavailable, or no socket to open at all
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while connecting
        return 0
    try:
        if (words := header(src)) is not None:
            print(words, flush=True)
        last: object = start
        while True:
            if (seen := state(src)) != last:
                last = seen
                print(show(src, seen), flush=True)
            if not src.buffered():
                select.select([src], [], [], timeout(src))
            src.dispatch()
    except KeyboardInterrupt:
        return 0
    except NoDisplay as e:  # DisplayLost: the compositor or bus went away
        print(f"Error: {e}", file=sys.stderr)
        return 1
    finally:
        src.close()


def run_idle(open_fn: Callable[[], Idle], idle_after: float, idle_for: Callable[[Idle, float], float | None]) -> int:
    """run() for an idle source: a line when it goes idle (idle_for(src, now) s ago, if known) and on input."""

    def show(src: Idle, idle: bool) -> str:
        if idle and (seconds := idle_for(src, time.monotonic())) is not None:
            return f"idle since {seconds:.1f} s ago"
        return "active again (input)"

    return run(
        open_fn,
        lambda src: f"idle source: {src.name}, idle after {idle_after:g} s without input",
        lambda src: src.idled_at is not None,
        show,
        start=False,
    )


def describe(win: Window | None, verb: str = "focused", pid: bool = True) -> str:
    """Plain words for a window: "focused: app foot, title ~, pid 123" (no pid: the protocol has none)."""
    if win is None:
        return "no window"
    words = f"{verb}: app {win.app or '(none)'}, title {win.title or '(none)'}"
    return f"{words}, pid {win.pid or '(unknown)'}" if pid else words


def idle_after(argv: list[str]) -> float | None:
    """The IDLE_AFTER argument in seconds (5 if absent); None after saying why it is not a number."""
    try:
        return float(argv[0]) if argv else 5.0
    except ValueError:
        print(f"Error: IDLE_AFTER must be a number of seconds, not {argv[0]!r}", file=sys.stderr)
        return None
