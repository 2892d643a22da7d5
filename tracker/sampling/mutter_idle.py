"""Idle from Mutter (GNOME Shell, or mutter alone): org.gnome.Mutter.IdleMonitor on the session bus.

Watches, not polling: one idle watch whose interval IS `idle_after` (AddIdleWatch) fires when the
user has been away that long; then a one-shot user-active watch (AddUserActiveWatch) fires at the
next input, and is armed again at the next idle. `last_input` is "now" while active and
t - idle_after once the idle watch fired at t, as on the other Wayland idle sources (wlidle.py).
Mutter also tells the exact idle time (GetIdletime): it is read at open, after `set_idle_after`, and
right after arming the user-active watch, so an input between the idle watch firing and the
active watch existing is not missed. Every call after open is sent without waiting; its reply is
handled by `dispatch`.

    python -m tracker.sampling.mutter_idle [IDLE_AFTER]   # prints idle/resumed in plain words
"""

from __future__ import annotations

import select
import time
from collections.abc import Mapping

from tracker.sampling import DisplayLost, sessionbus
from tracker.sampling.sessionbus import BusError
from tracker.sampling.sources import SourceUnavailable

SERVICE = "org.gnome.Mutter.IdleMonitor"
PATH = "/org/gnome/Mutter/IdleMonitor/Core"
IFACE = "org.gnome.Mutter.IdleMonitor"


def _call(name: str, signature: str = "", body: tuple = ()):
    return sessionbus.method(SERVICE, PATH, IFACE, name, signature, body)


class MutterIdle:
    """An IdleSource (tracker/sampling/sources.py) on Mutter's core idle monitor."""

    name = "mutter-idle"

    def __init__(self, bus: sessionbus.SessionBus, idle_after: float):
        self.bus = bus
        self.idle_after = idle_after
        self.idled_at: float | None = None  # monotonic time the idle watch fired; None while active
        self.idle_watch: int | None = None
        self.active_watch: int | None = None
        self._arming = False  # an AddUserActiveWatch waits for its reply
        self._fired: set[int] = set()  # WatchFired ids not (yet) known: a reply may come after its signal

    # -- the IdleSource protocol --------------------------------------------------------------

    def fileno(self) -> int:
        return self.bus.fileno()

    def buffered(self) -> bool:
        return self.bus.buffered()

    def dispatch(self) -> None:
        self.bus.dispatch()

    def set_idle_after(self, seconds: float) -> None:
        """Replace the idle watch by one whose interval is SECONDS, and re-read the idle time."""
        if self.idle_watch is not None:
            self.bus.send(_call("RemoveWatch", "u", (self.idle_watch,)))
        self.idle_watch = None
        self.idle_after = seconds
        self.idled_at = None  # GetIdletime below says whether the user is away by the new measure
        self.bus.send(_call("AddIdleWatch", "t", (max(1, round(seconds * 1000)),)), self._on_idle_watch)
        self.bus.send(_call("GetIdletime"), self._on_idletime)

    def last_input(self, now: float) -> float | None:
        """Monotonic time of the last input once idle (idled_at - idle_after); None while active
        (less than idle_after ago: when exactly is not said, as with tracker.sampling.wlidle)."""
        return None if self.idled_at is None else self.idled_at - self.idle_after

    def close(self) -> None:
        self.bus.close()

    # -- internals ----------------------------------------------------------------------------

    def _went_idle(self, at: float) -> None:
        if self.idled_at is None:  # the earlier of two reports of one idle period counts
            self.idled_at = at
        self._arm_active()

    def _arm_active(self) -> None:
        if self.active_watch is not None or self._arming:
            return  # one armed watch is enough: it fires at the next input, whenever it was armed
        self._arming = True
        self.bus.send(_call("AddUserActiveWatch"), self._on_active_watch)
        # Input between the idle watch firing and this watch existing would be lost: ask the time.
        self.bus.send(_call("GetIdletime"), self._on_idletime)

    def _on_signal(self, msg) -> None:
        path, iface, member = sessionbus.member(msg)
        if (path, iface, member) == (PATH, IFACE, "WatchFired") and msg.body:
            self._fire(int(msg.body[0]))
        elif member == "NameOwnerChanged" and msg.body and msg.body[0] == SERVICE and not msg.body[2]:
            raise DisplayLost("Mutter's idle monitor left the session bus (the compositor exited)")

    def _fire(self, watch: int) -> None:
        if watch == self.idle_watch:
            self._went_idle(time.monotonic())
        elif watch == self.active_watch:
            self.active_watch = None  # one-shot: mutter removed it
            self.idled_at = None
        else:
            self._fired.add(watch)

    def _on_idle_watch(self, body: tuple | None, err: BusError | None) -> None:
        if err is not None or not body:
            raise DisplayLost(f"Mutter refused the idle watch: {err}")
        self.idle_watch = int(body[0])
        if self.idle_watch in self._fired:
            self._fired.discard(self.idle_watch)
            self._went_idle(time.monotonic())

    def _on_active_watch(self, body: tuple | None, err: BusError | None) -> None:
        self._arming = False
        if err is not None or not body:
            raise DisplayLost(f"Mutter refused the user-active watch: {err}")
        watch = int(body[0])
        if watch in self._fired:  # it fired before its reply was read
            self._fired.discard(watch)
            self.idled_at = None
        else:
            self.active_watch = watch

    def _on_idletime(self, body: tuple | None, err: BusError | None) -> None:
        if err is not None or not body:
            return  # the watches still work; the next watch signal corrects the state
        now = time.monotonic()
        idle = int(body[0]) / 1000
        exact = now - idle + self.idle_after  # the idle_at that makes last_input now - idle
        if self.idled_at is None:
            if idle >= self.idle_after:  # away already (at open, after set_idle_after)
                self._went_idle(exact)
        elif now - idle <= self.idled_at:
            # Still away. Mutter fires a new idle watch at once when the user is already away
            # longer than its interval: the exact idle time backdates that to the real last input.
            self.idled_at = min(self.idled_at, exact)
        else:
            # The last input came after the idle report: the user is back, and the active watch
            # missed it (armed too late). Compared by time, not against idle_after, so an idle watch
            # that fires a little early cannot make us believe the user came back. An armed active
            # watch stays armed: it fires at the next input and then ends the next idle period.
            self.idled_at = None

    def _roundtrip(self) -> None:
        """At open only: dispatch until every reply has arrived (bounded by the bus timeout)."""
        deadline = time.monotonic() + self.bus.timeout
        while self.bus.pending():
            left = deadline - time.monotonic()
            if left <= 0:
                raise SourceUnavailable("Mutter's idle monitor does not answer on the session bus")
            if not self.bus.buffered():
                select.select([self.bus], [], [], left)
            self.bus.dispatch()


def open(env: Mapping[str, str], idle_after: float) -> MutterIdle:
    """Mutter's idle monitor on ENV's session bus with one idle watch of IDLE_AFTER seconds;
    SourceUnavailable when no Mutter answers there."""
    addr = sessionbus.address(env)
    if addr is None:
        raise SourceUnavailable(
            "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist"
        )
    bus = sessionbus.SessionBus(addr)
    try:
        if not bus.name_has_owner(SERVICE):
            raise SourceUnavailable(f"no Mutter idle monitor on the session bus ({SERVICE} is not there)")
        bus.add_match(f"type='signal',sender='{SERVICE}',path='{PATH}',interface='{IFACE}',member='WatchFired'")
        bus.add_match(
            "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
            f"member='NameOwnerChanged',arg0='{SERVICE}'"
        )
        src = MutterIdle(bus, idle_after)
        bus.start(src._on_signal)
        src.set_idle_after(idle_after)
        src._roundtrip()  # a refused watch surfaces here, not in the daemon
        return src
    except BusError as e:
        bus.close()
        raise SourceUnavailable(f"the session bus refused a request: {e}") from None
    except DisplayLost as e:
        bus.close()
        raise SourceUnavailable(str(e)) from None
    except BaseException:
        bus.close()
        raise


def probe(env: Mapping[str, str]) -> tuple[bool, str]:
    """For selection and doctor: (True, "") when Mutter's idle monitor is on the session bus, else (False, why)."""
    addr = sessionbus.address(env)
    if addr is None:
        return False, "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist"
    try:
        bus = sessionbus.SessionBus(addr)
    except SourceUnavailable as e:
        return False, str(e)
    try:
        if bus.name_has_owner(SERVICE):
            return True, ""
        return False, f"no Mutter idle monitor on the session bus ({SERVICE} is not there)"
    except (BusError, DisplayLost) as e:
        return False, f"the session bus failed: {e}"
    finally:
        bus.close()


def _main(argv: list[str]) -> int:
    import os

    from tracker.sampling import smoke

    if (idle_after := smoke.idle_after(argv)) is None:
        return 2

    def idle_for(src: MutterIdle, now: float) -> float:
        return src.idle_after + now - (src.idled_at or now)

    return smoke.run_idle(lambda: open(os.environ, idle_after), idle_after, idle_for)


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
