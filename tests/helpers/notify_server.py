"""A tiny freedesktop notification server for tests (run with the system python3, which has
python3-dbus and python3-gi): it owns org.freedesktop.Notifications on the session bus given in
DBUS_SESSION_BUS_ADDRESS and appends every Notify call as one JSON line to the file in argv[1]."""

import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, out):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.out = out
        self.next_id = 0

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        self.next_id += 1
        self.out.write(
            json.dumps(
                {
                    "app_name": str(app_name),
                    "summary": str(summary),
                    "body": str(body),
                    "urgency": int(hints.get("urgency", -1)),
                }
            )
            + "\n"
        )
        self.out.flush()
        return self.next_id

    @dbus.service.method(IFACE, out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(IFACE, out_signature="ssss")
    def GetServerInformation(self):
        return ("offscreen-test", "offscreen", "1", "1.2")

    @dbus.service.method(IFACE, in_signature="u")
    def CloseNotification(self, nid):
        pass


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    out = open(sys.argv[1], "a", encoding="utf-8")
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)  # noqa: F841 (keeps the name owned)
    Server(bus, out)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
