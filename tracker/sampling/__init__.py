"""The sampler protocol: what the daemon needs from a desktop, in events and timestamps.

A backend answers three questions, each as a fact with a time, so that event-driven sources
(Wayland's ext-idle-notify, sway's i3-ipc window events, a KWin script) fit as well as X11 polling,
so a Wayland backend can be added without changing the daemon:
  - which window is in front (app, title, pid) -- `Observation.window`, None for "no app";
  - when the last input happened -- `Observation.last_input` (monotonic seconds), None if unknown;
  - whether the screen is locked or blanked -- `Observation.locked`;
  - when the front window last changed, if the source reports it -- `Observation.changed_at`
    (monotonic seconds; an event-driven backend that learns of a change late sets it so the span
    boundary lands where the change happened, not where it was noticed).
`wait(timeout, wake_fd)` blocks until something may have changed (an X event, a signal on
wake_fd) or the timeout; polling backends simply sleep. Backends are chosen at runtime and
imported lazily; nothing here connects to a display at import time (so `offscreen --help`,
`doctor` without a display and the tests import it safely).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class NoDisplay(Exception):
    """No display server can be reached (unset $DISPLAY, server gone); retry later."""


class DisplayLost(NoDisplay):
    """The connection to a display that worked has broken; retry later."""


@dataclass(frozen=True)
class Window:
    app: str | None
    title: str | None
    pid: int | None = None
    exe: str | None = None


@dataclass(frozen=True)
class Observation:
    window: Window | None
    last_input: float | None  # time.monotonic() of the last keyboard/pointer input
    locked: bool = False
    changed_at: float | None = None  # time.monotonic() of the last focus/title change, if known


class Sampler(Protocol):
    # Read-only: the daemon only reads them, and a backend may compute them (X11Sampler does).
    @property
    def name(self) -> str: ...  # "x11-ewmh", "x11-focus", "fake", ...

    @property
    def idle_source(self) -> str: ...  # "xscreensaver", "pynput", ... (for status and doctor)

    def wait(self, timeout: float, wake_fd: int | None = None) -> None: ...

    def observe(self) -> Observation: ...

    def close(self) -> None: ...


def open_sampler(env: Mapping[str, str] | None = None) -> Sampler:
    """Pick the backend for this session. Raises NoDisplay when there is nothing to sample."""
    env = dict(os.environ if env is None else env)
    if env.get("OFFSCREEN_FAKE_SCRIPT"):
        from tracker.sampling.fake import ScriptedSampler

        return ScriptedSampler.from_file(env["OFFSCREEN_FAKE_SCRIPT"])
    display = env.get("DISPLAY")
    if not display:
        wayland = (
            " (Wayland session: X11 windows only via XWayland, Wayland support comes next)"
            if env.get("WAYLAND_DISPLAY")
            else ""
        )
        raise NoDisplay(
            f"no X display: $DISPLAY is not set{wayland} (run the daemon inside your graphical "
            "session, e.g. via `offscreen service install`, or set DISPLAY)"
        )
    from tracker.sampling.x11 import X11Sampler

    return X11Sampler(display)
