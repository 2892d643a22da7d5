"""The two halves a Wayland desktop is sampled from: a window source and an idle source.

On X11 one connection answers both questions; on Wayland they come from different channels (sway's
i3-IPC socket, Hyprland's event socket, the wlr-foreign-toplevel protocol for the window; the
ext-idle-notify or org_kde_kwin_idle protocol for idle), so `tracker.sampling.wayland` puts one of
each together behind the `Sampler` protocol. Both halves are event-driven: the daemon waits on
their file descriptors and calls `dispatch()` when one is readable; nothing polls.
"""

from __future__ import annotations

import time
from typing import Protocol

from tracker.sampling import NoDisplay, Window


class SourceUnavailable(NoDisplay):
    """This channel does not answer here (no socket, the compositor lacks the protocol); says why."""


class WindowSource(Protocol):
    @property
    def name(self) -> str: ...  # "sway", "hyprland", "wlr-foreign-toplevel"

    @property
    def has_pid(self) -> bool: ...  # False for wlr-foreign-toplevel: no pid, so no executable

    def fileno(self) -> int: ...

    def buffered(self) -> bool: ...  # a message already read waits to be handled: do not block

    def dispatch(self) -> None: ...  # handle what is readable now, never blocking; DisplayLost if gone

    def window(self) -> Window | None: ...  # the focused window now; None for "no window"

    def changed_at(self) -> float | None: ...  # time.monotonic() of the last focus or title change

    def close(self) -> None: ...


class IdleSource(Protocol):
    @property
    def name(self) -> str: ...  # "ext-idle-notify", "kde-idle"

    def fileno(self) -> int: ...

    def buffered(self) -> bool: ...

    def dispatch(self) -> None: ...  # DisplayLost if the compositor went away

    def set_idle_after(self, seconds: float) -> None: ...  # (re)creates the one notification

    # Monotonic; idled_at - idle_after once the notification fired, None before it (the last input
    # was less than idle_after ago; the exact time is unknown, and must not be taken for "now").
    def last_input(self, now: float) -> float | None: ...

    def close(self) -> None: ...


# A focus switch can pass through "no window" (KWin activates nothing before the new window;
# wlr-foreign-toplevel deactivates one handle before activating the next): as on X11, "no window"
# counts only once it has lasted this long.
NONE_SETTLE = 0.3  # s, as in tracker/sampling/x11.py (not imported: that module loads python-xlib)


class SettledFocus:
    """Base of a window source whose "no window" reports take effect only once they last NONE_SETTLE s."""

    def __init__(self) -> None:
        self._window: Window | None = None
        self._changed_at: float | None = None  # monotonic time of the last change
        self._none_since: float | None = None  # "no window" reported, not yet settled

    def _focused(self, window: Window | None, now: float) -> None:
        """The compositor says this window (None: no window) is focused now."""
        if window is None:
            if self._window is not None and self._none_since is None:
                self._none_since = now
            return
        self._none_since = None
        if window != self._window:
            self._window, self._changed_at = window, now

    def window(self) -> Window | None:
        """The focused window; None once "no window" has lasted NONE_SETTLE seconds."""
        if self._none_since is not None and time.monotonic() - self._none_since >= NONE_SETTLE:
            self._window, self._changed_at, self._none_since = None, self._none_since, None
        return self._window

    def changed_at(self) -> float | None:
        return self._changed_at

    def settling(self) -> bool:
        """'No window' was reported and has not lasted NONE_SETTLE yet (ask window() again soon)."""
        return self._none_since is not None
