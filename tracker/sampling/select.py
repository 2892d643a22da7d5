"""Which backend samples this session: the environment first, then what the channels answer.

One rule, used by the daemon (`open_sampler`) and by `offscreen doctor`, so both say the same:
- `OFFSCREEN_BACKEND=x11|sway|hyprland|kwin|gnome|wlr|none` forces a window source (`none`: idle only).
- While `WAYLAND_DISPLAY` names a live socket, X11 is never chosen by itself: XWayland shows only
  X clients, and typing into Wayland apps is invisible to it, so real work would be stored as idle.
- A desktop the environment names is read through its own channel only (`SWAYSOCK` -> sway IPC,
  `HYPRLAND_INSTANCE_SIGNATURE` -> Hyprland IPC, KDE -> a KWin script over D-Bus, GNOME -> the
  offscreen Shell extension's D-Bus signals); when that
  channel does not answer the plan is "idle only, no app names" with the reason and a fix. It never
  falls through to another desktop's channel (a probe that binds is not a probe that works).
- Any other Wayland compositor: wlr-foreign-toplevel when its registry offers it, else idle only.
- Idle: ext-idle-notify, then org_kde_kwin_idle, then (on GNOME) Mutter's IdleMonitor, then none.
Probing talks to sockets, so `choose` takes a `Probes` object: tests pass their own answers.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import NamedTuple

WINDOW_BACKENDS = ("x11", "sway", "hyprland", "kwin", "gnome", "wlr", "none")
EXT_IDLE = "ext_idle_notifier_v1"
KDE_IDLE = "org_kde_kwin_idle"
WLR_TOPLEVEL = "zwlr_foreign_toplevel_manager_v1"
# What the user service must receive to find a Wayland session's channels (the one list:
# tracker/ops/service.py passes these on, with the X11 ones).
WAYLAND_VARS = ("WAYLAND_DISPLAY", "SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE", "XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE")
SERVICE_VARS = " ".join(WAYLAND_VARS)
IMPORT_FIX = f"systemctl --user import-environment {SERVICE_VARS}; systemctl --user restart offscreen"


class BadBackend(ValueError):
    """OFFSCREEN_BACKEND names no backend."""


class Plan(NamedTuple):  # not a dataclass: the daemon imports this module (issue 14)
    session: str  # "x11", "wayland" or "none"
    window: str  # "x11", "sway", "hyprland", "wlr" or "none" (idle only: no app names)
    idle: str  # "x11" (XScreenSaver or pynput, decided by the X backend), "ext-idle-notify", "kde-idle", "none"
    socket: str | None = None  # the Wayland socket path
    forced: bool = False
    reason: str = ""  # why there are no app names, or what forcing X11 costs ("" when all is well)
    fix: str = ""
    note: str = ""  # something worth saying that changes nothing (a dead WAYLAND_DISPLAY)


class Probes:
    """The real probes; each answers without raising."""

    def socket_path(self, env: Mapping[str, str]) -> str | None:
        from tracker.sampling import wire

        return wire.socket_path(env)

    def alive(self, path: str) -> bool:
        """A compositor accepts connections on PATH."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(0.5)
        try:
            s.connect(path)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def globals(self, path: str) -> dict[str, int]:
        from tracker.sampling import wire

        try:
            return wire.globals(path)
        except Exception:  # a compositor that breaks the connection offers nothing we can use
            return {}

    def sway(self, swaysock: str) -> tuple[bool, str]:
        from tracker.sampling import sway

        return sway.probe(swaysock)

    def hyprland(self, env: Mapping[str, str]) -> tuple[bool, str]:
        from tracker.sampling import hyprland

        return hyprland.probe(env)

    def kwin(self, env: Mapping[str, str]) -> tuple[bool, str]:
        from tracker.sampling import kwin

        return kwin.probe(env)

    def gnome(self, env: Mapping[str, str]) -> tuple[bool, str, str]:
        from tracker.sampling import gnome

        return gnome.probe(env)

    def mutter(self, env: Mapping[str, str]) -> bool:
        from tracker.sampling import mutter_idle

        return mutter_idle.probe(env)[0]


def desktop(env: Mapping[str, str]) -> str:
    """ "kde", "gnome", "sway", "hyprland" or "" from XDG_CURRENT_DESKTOP (a colon list, e.g. ubuntu:GNOME)."""
    names = [n.strip().lower() for n in env.get("XDG_CURRENT_DESKTOP", "").split(":")]
    for key in ("kde", "gnome", "hyprland", "sway"):
        if key in names:
            return key
    return "kde" if env.get("KDE_SESSION_VERSION") else ""


def forced(env: Mapping[str, str]) -> str | None:
    """OFFSCREEN_BACKEND, checked; None when unset. Raises BadBackend."""
    value = env.get("OFFSCREEN_BACKEND", "").strip().lower()
    if not value or value == "auto":
        return None
    if value not in WINDOW_BACKENDS:
        raise BadBackend(f"OFFSCREEN_BACKEND={value!r} is not a backend: use one of auto, {', '.join(WINDOW_BACKENDS)}")
    return value


def _idle(found: dict[str, int]) -> str:
    if EXT_IDLE in found:
        return "ext-idle-notify"
    return "kde-idle" if KDE_IDLE in found else "none"


def choose(env: Mapping[str, str] | None = None, probes: Probes | None = None) -> Plan:
    """The plan for this environment. Raises BadBackend for an OFFSCREEN_BACKEND it does not know."""
    env = os.environ if env is None else env
    probes = probes or Probes()
    force = forced(env)
    path = probes.socket_path(env) if env.get("WAYLAND_DISPLAY") else None
    live = bool(path) and probes.alive(path or "")
    note = ""
    if env.get("WAYLAND_DISPLAY") and not live:
        note = (
            f"WAYLAND_DISPLAY={env['WAYLAND_DISPLAY']} names no live compositor socket ({path or 'no XDG_RUNTIME_DIR'})"
        )
    if force == "x11" or (not live and force is None):
        if not env.get("DISPLAY"):
            return Plan("none", "none", "none", path, force == "x11", "$DISPLAY is not set", "", note)
        reason = ""
        if live:
            reason = (
                "X11 forced inside a Wayland session: only XWayland windows are seen, and typing into "
                "Wayland apps is not seen, so that time is stored as idle"
            )
        fix = "unset OFFSCREEN_BACKEND to use the Wayland sources" if live else ""
        return Plan("x11" if not live else "wayland", "x11", "x11", path, force == "x11", reason, fix, note)
    if not live:  # a Wayland source forced without a live compositor
        return Plan("none", "none", "none", path, True, note or "WAYLAND_DISPLAY is not set", "", "")
    found = probes.globals(path or "")
    idle = _idle(found)
    if idle == "none" and (desktop(env) == "gnome" or force == "gnome") and probes.mutter(env):
        idle = "mutter-idle"  # GNOME's idle monitor on the session bus: as exact, as event-driven
    plan = _window(env, probes, found, force)
    return Plan("wayland", plan[0], idle, path, force is not None, plan[1], plan[2], note)


def _window(env: Mapping[str, str], probes: Probes, found: dict[str, int], force: str | None) -> tuple[str, str, str]:
    """(window source, reason, fix) on a live Wayland session."""
    if force == "none":
        return "none", "no window source (OFFSCREEN_BACKEND=none): idle only, no app names", ""
    if force == "wlr":
        return _wlr(found)
    swaysock, sig = env.get("SWAYSOCK"), env.get("HYPRLAND_INSTANCE_SIGNATURE")
    kind = desktop(env)
    if force == "sway" or (force is None and swaysock):
        if not swaysock:
            return "none", "SWAYSOCK is not set, so sway's IPC cannot be reached: idle only, no app names", IMPORT_FIX
        ok, why = probes.sway(swaysock)
        if ok:
            return "sway", "", ""
        return "none", f"sway's IPC at SWAYSOCK={swaysock} does not answer ({why}): idle only, no app names", IMPORT_FIX
    if force == "hyprland" or (force is None and sig):
        if not sig:
            return "none", "HYPRLAND_INSTANCE_SIGNATURE is not set: idle only, no app names", IMPORT_FIX
        ok, why = probes.hyprland(env)
        if ok:
            return "hyprland", "", ""
        return "none", f"Hyprland's IPC does not answer ({why}): idle only, no app names", IMPORT_FIX
    if kind in ("sway", "hyprland"):
        var = "SWAYSOCK" if kind == "sway" else "HYPRLAND_INSTANCE_SIGNATURE"
        return "none", f"the desktop is {kind} but {var} is not set: idle only, no app names", IMPORT_FIX
    if force == "kwin" or (force is None and kind == "kde"):
        ok, why = probes.kwin(env)
        if ok:
            return "kwin", "", ""
        return (
            "none",
            f"KWin's scripting does not answer on the session bus ({why}): idle only, no app names",
            IMPORT_FIX,
        )
    if force == "gnome" or (force is None and kind == "gnome"):
        ok, why, fix = probes.gnome(env)
        if ok:
            return "gnome", "", ""
        return "none", f"{why}: idle only, no app names", fix
    return _wlr(found)


def _wlr(found: dict[str, int]) -> tuple[str, str, str]:
    if WLR_TOPLEVEL in found:
        return "wlr", "", ""
    return (
        "none",
        f"this compositor offers no {WLR_TOPLEVEL} (nor an IPC offscreen reads): idle only, no app names",
        "",
    )
