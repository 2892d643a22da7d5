"""A tiny fake logind for tests (run with the system python3, which has python3-dbus and
python3-gi): it owns org.freedesktop.login1 on the bus given in DBUS_SESSION_BUS_ADDRESS (a private
dbus-daemon the daemon under test reaches as its DBUS_SYSTEM_BUS_ADDRESS) and exports
/org/freedesktop/login1/session/auto with Properties.Get/GetAll answering LockedHint.
LockedHint is the content of the file in argv[1] ("yes" = locked), re-read on every call, so the
test flips it by rewriting the file. Every Get is appended as one line to argv[1] + ".calls":
`PROPERTY EPOCH ANSWER` (when it was asked, what it answered: yes, no or refused), so a test can
bound what the daemon recorded by the instants logind was really asked.
With `--no-auto` (argv[2]) session/auto answers like logind does to a process outside any session
(a systemd user service): NoSessionForPID; the session is then found through /user/self's Display
at /org/freedesktop/login1/session/c1 (exported in both modes).
With `--signals`, it behaves like logind towards a subscriber: session/auto answers `Id` ("c1"),
and a change of the file (looked at every 20 ms) is signalled as PropertiesChanged on
/org/freedesktop/login1/session/c1 (the real path; logind never signals on the `auto` alias).
Without it `Id` is refused, so a client can only poll. Only LockedHint questions are recorded."""

import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.login1"
SESSION = "org.freedesktop.login1.Session"
PROPS = "org.freedesktop.DBus.Properties"


class Session(dbus.service.Object):
    def __init__(self, bus, path, state_file, refuse=False, signals=False):
        super().__init__(bus, path)
        self.state_file, self.refuse, self.signals = state_file, refuse, signals
        self.last = self._locked()

    def _locked(self):
        try:
            with open(self.state_file, encoding="utf-8") as fh:
                return fh.read().strip() == "yes"
        except FileNotFoundError:
            return False

    def _record(self, prop, answer):
        with open(self.state_file + ".calls", "a", encoding="utf-8") as fh:
            fh.write(f"{prop} {time.time():.6f} {answer}\n")

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass

    def check(self):
        """Signal a change of the file (GLib timeout: True keeps it running)."""
        now = self._locked()
        if now != self.last:
            self.last = now
            self.PropertiesChanged(SESSION, {"LockedHint": dbus.Boolean(now)}, dbus.Array([], signature="s"))
        return True

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        if self.signals and not self.refuse and iface == SESSION and prop == "Id":
            return dbus.String("c1", variant_level=1)
        if self.refuse:
            self._record(prop, "refused")
            raise dbus.exceptions.DBusException(
                "Caller does not belong to any known session", name="org.freedesktop.login1.NoSessionForPID"
            )
        if iface != SESSION or prop != "LockedHint":
            raise dbus.exceptions.DBusException(
                f"no property {iface}.{prop}", name="org.freedesktop.DBus.Error.UnknownProperty"
            )
        locked = self._locked()
        self._record(prop, "yes" if locked else "no")
        return dbus.Boolean(locked, variant_level=1)

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return {"LockedHint": dbus.Boolean(self._locked(), variant_level=1)} if iface == SESSION else {}


class User(dbus.service.Object):
    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        if iface != "org.freedesktop.login1.User" or prop != "Display":
            raise dbus.exceptions.DBusException(
                f"no property {iface}.{prop}", name="org.freedesktop.DBus.Error.UnknownProperty"
            )
        return dbus.Struct(
            ("c1", dbus.ObjectPath("/org/freedesktop/login1/session/c1")), signature="so", variant_level=1
        )


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)  # noqa: F841 (keeps the name owned)
    flags = set(sys.argv[2:])
    signals = "--signals" in flags
    Session(bus, "/org/freedesktop/login1/session/auto", sys.argv[1], refuse="--no-auto" in flags, signals=signals)
    c1 = Session(bus, "/org/freedesktop/login1/session/c1", sys.argv[1], signals=signals)
    if signals:
        GLib.timeout_add(20, c1.check)
    User(bus, "/org/freedesktop/login1/user/self")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
