"""The sampler protocol: what the daemon needs from a desktop, in events and timestamps.

A backend answers three questions, each as a fact with a time, so that event-driven sources
(Wayland's ext-idle-notify, sway's i3-ipc window events, a KWin script) fit as well as X11 polling,
so a Wayland backend can be added without changing the daemon:
  - which window is in front (app, title, pid) -- `Observation.window`, None for "no app";
  - when the last input happened -- `Observation.last_input` (monotonic seconds), None if unknown;
  - whether the screen is locked or blanked -- `Observation.locked`;
  - whether the front window's media player plays -- `Observation.playing` (a backend may say so;
    the daemon also asks the MPRIS players, tracker/sampling/mpris.py, for the `watching` state);
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
from typing import NamedTuple, Protocol


class NoDisplay(Exception):
    """No display server can be reached (unset $DISPLAY, server gone); retry later."""


class DisplayLost(NoDisplay):
    """The connection to a display that worked has broken; retry later."""


# Named tuples, not dataclasses: the daemon imports this module, and dataclasses costs it inspect,
# ast and dis (issue 14).
class Window(NamedTuple):
    app: str | None
    title: str | None
    pid: int | None = None
    exe: str | None = None


class Observation(NamedTuple):
    window: Window | None
    last_input: float | None  # time.monotonic() of the last keyboard/pointer input
    locked: bool = False
    changed_at: float | None = None  # time.monotonic() of the last focus/title change, if known
    playing: bool = False  # the front window's player is playing (issue 15's `watching`)


class Sampler(Protocol):
    # Read-only: the daemon only reads them, and a backend may compute them (X11Sampler does).
    @property
    def name(self) -> str: ...  # "x11-ewmh", "x11-focus", "fake", ...

    @property
    def idle_source(self) -> str: ...  # "xscreensaver", "pynput", ... (for status and doctor)

    def wait(self, timeout: float, wake_fd: int | None = None) -> None: ...

    def observe(self) -> Observation: ...

    def close(self) -> None: ...

    # Optional: `set_idle_after(seconds)` for backends whose idle source is a notification with a
    # timeout (Wayland); the daemon calls it when the configuration changes.


def open_sampler(
    env: Mapping[str, str] | None = None,
    idle_after: float = 180.0,
    state_dir: str | None = None,
    interval: float = 1.0,
) -> Sampler:
    """Open the backend `tracker.sampling.select` chooses for this session. Raises NoDisplay when
    there is nothing to sample; select.BadBackend for an unknown OFFSCREEN_BACKEND."""
    env = dict(os.environ if env is None else env)
    if env.get("OFFSCREEN_FAKE_SCRIPT"):
        from tracker.sampling.fake import ScriptedSampler

        return ScriptedSampler.from_file(env["OFFSCREEN_FAKE_SCRIPT"])
    from tracker.sampling import select

    plan = select.choose(env)
    if plan.window == "x11":
        from tracker.sampling.x11 import X11Sampler

        return X11Sampler(env.get("DISPLAY"), idle_after=idle_after, interval=interval)
    if plan.session != "wayland":
        why = "; ".join(x for x in (plan.reason, plan.note) if x)
        raise NoDisplay(
            f"no display: {why} (run the daemon inside your graphical session, "
            "e.g. via `offscreen service install`, or set DISPLAY or WAYLAND_DISPLAY)"
        )
    return _open_wayland(plan, env, idle_after, state_dir)


def _open_wayland(plan, env: Mapping[str, str], idle_after: float, state_dir: str | None) -> Sampler:
    from tracker.sampling.sources import IdleSource, SourceUnavailable, WindowSource
    from tracker.sampling.wayland import WaylandSampler

    path = plan.socket or ""
    window: WindowSource | None = None
    reason = plan.reason
    try:
        if plan.window == "sway":
            from tracker.sampling import sway

            window = sway.open(env.get("SWAYSOCK", ""))
        elif plan.window == "hyprland":
            from tracker.sampling import hyprland

            window = hyprland.open(env)
        elif plan.window == "kwin":
            from tracker.sampling import kwin

            if state_dir is None:  # the script file must outlive the load: never a temp file
                raise SourceUnavailable("no state directory to keep the KWin script in")
            window = kwin.open(env, state_dir)
        elif plan.window == "gnome":
            from tracker.sampling import gnome

            window = gnome.open(env)
        elif plan.window == "wlr":
            from tracker.sampling import wlr

            window = wlr.open(path)
    except SourceUnavailable as e:  # answered the probe, then not: idle only, never another channel
        reason = f"the {plan.window} window source failed to open ({e}): idle only, no app names"
    idle: IdleSource | None = None
    idle_error = ""
    if plan.idle == "mutter-idle":
        from tracker.sampling import mutter_idle

        try:
            idle = mutter_idle.open(env, idle_after)
        except SourceUnavailable as e:
            idle_error = str(e)
    elif plan.idle != "none":
        from tracker.sampling import wlidle

        try:
            idle = wlidle.open(path, idle_after)
        except SourceUnavailable as e:
            idle_error = str(e)
    else:
        idle_error = "the compositor offers neither ext-idle-notify nor org_kde_kwin_idle"
    return WaylandSampler(window, idle, reason=reason, idle_error=idle_error, socket=path or None)
