"""A real MPRIS media player for tests, with a real window in the same process (so the pids match).

Run with the system python3 (python3-dbus, python3-gi with GTK 3):
`python3 mpris_player.py NAME APP [--entry DESKTOP_ENTRY] [--identity IDENTITY] [--playing] [--no-window]`.
It owns org.mpris.MediaPlayer2.NAME on the session bus in $DBUS_SESSION_BUS_ADDRESS, serves
/org/mpris/MediaPlayer2 (Identity, DesktopEntry; PlaybackStatus, with PropertiesChanged on every
change) and opens a GTK window titled "APP video" whose program name is APP: WM_CLASS on X11
(GDK_BACKEND=x11), the app id on Wayland. It prints `ready XID` (0 without a window or on Wayland)
once the window is mapped and the name owned; each line on stdin is a command: `play`, `pause`,
`stop`, `entry NAME` (a new DesktopEntry) or `quit`; each is answered `ok` once the signal is sent.
"""

import argparse
import sys
import warnings

import dbus
import dbus.mainloop.glib
import dbus.service
import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402

ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PATH = "/org/mpris/MediaPlayer2"


class Player(dbus.service.Object):
    def __init__(self, bus, identity: str, entry: str, status: str):
        super().__init__(bus, PATH)
        self.props = {
            ROOT: {"Identity": identity, "DesktopEntry": entry, "CanQuit": False, "CanRaise": False},
            PLAYER: {"PlaybackStatus": status, "CanPlay": True, "CanPause": True},
        }

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        return self.props[str(iface)][str(prop)]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return dbus.Dictionary(self.props.get(str(iface), {}), signature="sv")

    @dbus.service.signal(dbus.PROPERTIES_IFACE, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass

    def set(self, iface: str, prop: str, value) -> None:
        self.props[iface][prop] = value
        self.PropertiesChanged(iface, dbus.Dictionary({prop: value}, signature="sv"), dbus.Array([], signature="s"))

    @dbus.service.method(PLAYER)
    def Play(self):
        self.set(PLAYER, "PlaybackStatus", "Playing")

    @dbus.service.method(PLAYER)
    def Pause(self):
        self.set(PLAYER, "PlaybackStatus", "Paused")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("app")
    ap.add_argument("--entry", default=None)
    ap.add_argument("--identity", default=None)
    ap.add_argument("--playing", action="store_true")
    ap.add_argument("--no-window", action="store_true")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # Gtk.Window.set_wmclass: X11 needs it

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    entry = args.app if args.entry is None else args.entry
    player = Player(bus, args.identity or args.app.capitalize(), entry, "Playing" if args.playing else "Stopped")
    name = dbus.service.BusName(f"{ROOT}.{args.name}", bus, do_not_queue=True)  # noqa: F841 (kept owned)
    loop = GLib.MainLoop()

    def on_stdin(source, _cond):
        line = source.readline()
        if not line:
            loop.quit()
            return False
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "quit":
            loop.quit()
            return False
        if cmd in ("play", "pause", "stop"):
            player.set(PLAYER, "PlaybackStatus", {"play": "Playing", "pause": "Paused", "stop": "Stopped"}[cmd])
        elif cmd == "entry":
            player.set(ROOT, "DesktopEntry", arg)
        bus.flush()
        print("ok", flush=True)
        return True

    GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    if args.no_window:
        print("ready 0", flush=True)
    else:
        GLib.set_prgname(args.app)
        Gtk.init([])
        win = Gtk.Window(title=f"{args.app} video")
        win.set_wmclass(args.app, args.app.capitalize())
        win.set_default_size(200, 100)

        def mapped(w, _ev):
            xid = 0
            gdk_window = w.get_window()
            if hasattr(gdk_window, "get_xid"):  # GdkX11Window
                xid = gdk_window.get_xid()
            print(f"ready {xid}", flush=True)
            return False

        win.connect("map-event", mapped)
        win.show_all()
    loop.run()


if __name__ == "__main__":
    main()
