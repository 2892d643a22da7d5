"""Window source for GNOME Shell (Wayland or X11): the extension offscreen ships, over the session bus.

GNOME refuses `org.gnome.Shell.Eval` (since 41) and `Introspect.GetWindows` (AccessDenied) to
ordinary clients, so the shell's own extension (tracker/sampling/gnome_extension/, installed by
`offscreen gnome-extension install`) owns `local.offscreen.Focus` on the session bus and emits
`Changed(has_window, wm_class, title, pid, locked)` whenever the focused window, its title or the
lock state changes; `Get()` returns the same at open. Nothing is polled. The lock flag (the lock
screen or the blanked screen shield) is read with `locked()`.

    python -m tracker.sampling.gnome     # prints the focused window and the lock state as they change
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import NamedTuple

from tracker.sampling import DisplayLost, Window, sessionbus
from tracker.sampling.sessionbus import BusError
from tracker.sampling.sources import SourceUnavailable

UUID = "offscreen@offscreen.local"
BUS_NAME = "local.offscreen.Focus"
PATH = "/local/offscreen/Focus"
IFACE = "local.offscreen.Focus1"
SHELL = ("org.gnome.Shell", "/org/gnome/Shell")
INSTALL_FIX = "run `offscreen gnome-extension install`, then log out and log in (GNOME loads extensions at login)"
# org.gnome.Shell.Extensions' state numbers (js/misc/extensionUtils.js; 1 and 2 were renamed
# ACTIVE/INACTIVE in GNOME 46, same meaning).
STATES = {1: "active", 2: "disabled", 3: "error", 4: "out of date", 5: "downloading", 6: "initialized", 7: "disabling"}
STATES.update({8: "enabling", 99: "uninstalled"})


class ShellState(NamedTuple):  # not a dataclass: the daemon imports this module (issue 14)
    """What the running GNOME Shell says about itself and the extension (for status and doctor)."""

    version: str | None  # "43.9"; None when no shell answers on the session bus
    extension: str | None  # a STATES word, or None when the shell does not know the extension
    error: str = ""  # the shell's error message for the extension, if any
    reporting: bool = False  # the extension owns its bus name: its signals reach the daemon
    reason: str = ""  # why no shell answered


def _window(has: bool, cls: str, title: str, pid: int) -> Window | None:
    if not has:
        return None
    return Window(app=cls or None, title=title or None, pid=pid if pid > 0 else None)


class GnomeSource:
    """The focused window and the lock state as the offscreen extension reports them."""

    name = "gnome-extension"
    has_pid = True

    def __init__(self, bus: sessionbus.SessionBus):
        self.bus = bus
        self._window: Window | None = None
        self._locked = False
        self._changed_at: float | None = None

    @classmethod
    def connect(cls, env: Mapping[str, str]) -> GnomeSource:
        bus = _bus(env)
        try:
            bus.add_match(f"type='signal',sender='{BUS_NAME}',path='{PATH}',interface='{IFACE}',member='Changed'")
            bus.add_match(
                "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                f"member='NameOwnerChanged',arg0='{BUS_NAME}'"
            )
            src = cls(bus)
            try:
                state = bus.call(sessionbus.method(BUS_NAME, PATH, IFACE, "Get"))
            except BusError as e:
                raise SourceUnavailable(_missing(bus, e)) from None
            src._apply(state)
            src._changed_at = None  # the focus at open is a state, not a change we saw happen
            bus.start(src._on_signal)
            return src
        except BusError as e:
            bus.close()
            raise SourceUnavailable(f"the session bus refused a request: {e}") from None
        except BaseException:
            bus.close()
            raise

    # -- the WindowSource protocol ------------------------------------------------------------

    def fileno(self) -> int:
        return self.bus.fileno()

    def buffered(self) -> bool:
        return self.bus.buffered()

    def dispatch(self) -> None:
        self.bus.dispatch()

    def window(self) -> Window | None:
        return self._window

    def changed_at(self) -> float | None:
        return self._changed_at

    def locked(self) -> bool:
        """The lock screen (or the screen shield that precedes it) is up, as of the last dispatch."""
        return self._locked

    def close(self) -> None:
        self.bus.close()

    # -- internals ----------------------------------------------------------------------------

    def _apply(self, body: tuple) -> None:
        try:
            has, cls, title, pid, locked = body
        except (TypeError, ValueError):
            return  # not our signature: ignore rather than guess
        win = _window(bool(has), str(cls), str(title), int(pid))
        self._locked = bool(locked)
        if win != self._window:
            self._window = win
            self._changed_at = time.monotonic()

    def _on_signal(self, msg) -> None:
        path, iface, member = sessionbus.member(msg)
        if (path, iface, member) == (PATH, IFACE, "Changed"):
            self._apply(tuple(msg.body))
        elif member == "NameOwnerChanged" and msg.body and msg.body[0] == BUS_NAME:
            if not msg.body[2]:
                raise DisplayLost(
                    "the offscreen GNOME Shell extension left the session bus (shell exited or extension disabled)"
                )
            # A new owner (the shell restarted on X11): its state supersedes what we had.
            self.bus.send(sessionbus.method(BUS_NAME, PATH, IFACE, "Get"), self._on_get)

    def _on_get(self, body: tuple | None, err: BusError | None) -> None:
        if body is not None:
            self._apply(body)


def _bus(env: Mapping[str, str]) -> sessionbus.SessionBus:
    addr = sessionbus.address(env)
    if addr is None:
        raise SourceUnavailable(
            "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist"
        )
    return sessionbus.SessionBus(addr)


def _shell_state(bus: sessionbus.SessionBus) -> ShellState:
    try:
        ((_sig, version),) = bus.call(
            sessionbus.method(
                *SHELL, "org.freedesktop.DBus.Properties", "Get", "ss", ("org.gnome.Shell", "ShellVersion")
            )
        )
    except BusError as e:
        return ShellState(None, None, reason=f"GNOME Shell does not answer on the session bus ({e.name})")
    try:
        (info,) = bus.call(sessionbus.method(*SHELL, "org.gnome.Shell.Extensions", "GetExtensionInfo", "s", (UUID,)))
    except BusError as e:
        return ShellState(str(version), None, reason=f"GNOME Shell {version} does not list extensions ({e.name})")
    reporting = bus.name_has_owner(BUS_NAME)
    if not info:  # an empty dict: the shell found no such extension at its start
        return ShellState(str(version), None, reporting=reporting)
    state = info.get("state", ("d", 0))[1]
    error = info.get("error", ("s", ""))[1]
    return ShellState(str(version), STATES.get(int(state), f"state {state}"), str(error or ""), reporting)


def shell_state(env: Mapping[str, str]) -> ShellState:
    """Ask the running shell for its version and the extension's state; never raises."""
    try:
        bus = _bus(env)
    except SourceUnavailable as e:
        return ShellState(None, None, reason=str(e))
    try:
        return _shell_state(bus)
    except (BusError, DisplayLost) as e:
        return ShellState(None, None, reason=f"the session bus failed: {e}")
    finally:
        bus.close()


def explain(state: ShellState) -> tuple[str, str]:
    """(why the extension does not report, fix) for a state whose `reporting` is False."""
    if state.version is None:
        return state.reason or "GNOME Shell does not answer on the session bus", "log in to a GNOME session"
    shell = f"GNOME Shell {state.version}"
    if state.extension is None:
        return f"{shell} has not loaded the offscreen extension ({UUID})", INSTALL_FIX
    if state.extension == "disabled":
        return f"the offscreen extension is installed but disabled in {shell}", INSTALL_FIX
    if state.extension == "out of date":
        return (
            f"{shell} refuses the installed offscreen extension as out of date (its metadata lists other versions)",
            "run `offscreen gnome-extension install` again (it picks this GNOME's variant), then log out and log in",
        )
    if state.extension == "error":
        return f"the offscreen extension failed in {shell}: {state.error or 'no message'}", INSTALL_FIX
    return f"the offscreen extension is {state.extension} in {shell} but does not answer on the bus", INSTALL_FIX


def _missing(bus: sessionbus.SessionBus, err: BusError) -> str:
    try:
        state = _shell_state(bus)
    except (BusError, DisplayLost):
        return f"the offscreen GNOME Shell extension does not answer ({err.name}); fix: {INSTALL_FIX}"
    why, fix = explain(state)
    return f"{why}; fix: {fix}"


def open(env: Mapping[str, str]) -> GnomeSource:
    """The GNOME window source on ENV's session bus; SourceUnavailable (reason and fix) without the extension."""
    return GnomeSource.connect(env)


def probe(env: Mapping[str, str]) -> tuple[bool, str, str]:
    """For selection and doctor: (True, "GNOME Shell 43.9, extension active", "") or (False, why, fix)."""
    state = shell_state(env)
    if state.reporting:
        return True, f"GNOME Shell {state.version}, offscreen extension {state.extension or 'active'}", ""
    why, fix = explain(state)
    return False, why, fix


def main() -> int:
    """Smoke loop: print the focused window and the lock state whenever they change, until Ctrl-C."""
    import os

    from tracker.sampling import smoke

    return smoke.run(
        lambda: open(os.environ),
        lambda _src: None,
        lambda src: (src.window(), src.locked()),
        lambda _src, state: smoke.describe(state[0]) + (" (locked)" if state[1] else ""),
    )


if __name__ == "__main__":
    raise SystemExit(main())
