"""Window source for KDE Plasma: a KWin script that calls us back over the session D-Bus.

KWin offers no protocol that says which window is active (no wlr-foreign-toplevel), but it runs
scripts: we write one under the state directory, load it with `org.kde.KWin /Scripting
loadScript(path, name)` and start it with `start()`. The script calls `callDBus(<our unique bus
name>, PATH, IFACE, "Window", caption, resourceClass, resourceName, pid)` once at load, on every
activation and on caption changes of the active window; we answer each call. KWin reads the file
asynchronously, so it stays until the next load. A crashed daemon leaves its script running:
`unloadScript(name)` before each load. The script feature-tests the API: Plasma 5
`workspace.clientActivated`/`activeClient`, Plasma 6 `windowActivated`/`activeWindow`.
Idle on Plasma comes from ext_idle_notifier_v1 (tracker/sampling/wlidle.py), not from here.

    python -m tracker.sampling.kwin     # prints the active window as it changes
"""

from __future__ import annotations

import os
import re
import select
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.paths import atomic_write
from tracker.sampling import DisplayLost, Window, sessionbus
from tracker.sampling.sources import NONE_SETTLE, SettledFocus, SourceUnavailable

KWIN = "org.kde.KWin"
SCRIPTING_PATH, SCRIPTING_IFACE = "/Scripting", "org.kde.kwin.Scripting"
SCRIPT_NAME = "offscreen"  # KWin's plugin name of our script: one per KWin, so one per user session
SCRIPT_FILE = "kwin-script.js"
PATH, IFACE, METHOD = "/org/offscreen/KWin", "org.offscreen.KWin1", "Window"
DBUS = "org.freedesktop.DBus"
TIMEOUT = 2.0  # s for connecting, each call at open and the script's first report
CLOSE_TIMEOUT = 0.5  # s for unloading at close: a gone KWin must not hold up the daemon's exit
# KWin appends " <N>" (and a left-to-right mark) to the second and later windows with one caption.
DUPLICATE_SUFFIX = re.compile(r" <\d+>\u200e?$")

# @SERVICE@ becomes our unique bus name (a JS string literal). ES5 only (QJSEngine in Plasma 5 and 6).
SCRIPT = (
    """\
// offscreen: reports the active window to the offscreen daemon over D-Bus (tracker/sampling/kwin.py).
// Loaded and unloaded by the daemon; it reports caption, resource class and name, and pid, nothing else.
(function () {
    var service = @SERVICE@, path = "@PATH@", iface = "@IFACE@", method = "@METHOD@";
    var plasma6 = workspace.windowActivated !== undefined;
    var activated = plasma6 ? workspace.windowActivated : workspace.clientActivated;
    var watched = null;
    function active() { return plasma6 ? workspace.activeWindow : workspace.activeClient; }
    function text(value) { return value === undefined || value === null ? "" : String(value); }
    function report() {
        var w = active();
        if (w) {
            callDBus(service, path, iface, method, text(w.caption), text(w.resourceClass),
                     text(w.resourceName), w.pid > 0 ? Math.floor(w.pid) : 0);
        } else {
            callDBus(service, path, iface, method, "", "", "", 0);
        }
    }
    function follow(w) {
        if (watched) {
            try { watched.captionChanged.disconnect(report); } catch (e) { /* already gone */ }
        }
        watched = w || null;
        if (watched) watched.captionChanged.connect(report);
        report();
    }
    activated.connect(follow);
    follow(active());
})();
""".replace("@PATH@", PATH)
    .replace("@IFACE@", IFACE)
    .replace("@METHOD@", METHOD)
)


def script_text(unique_name: str) -> str:
    """The KWin script that reports to the bus connection UNIQUE_NAME."""
    return SCRIPT.replace("@SERVICE@", _js_string(unique_name))


def _js_string(value: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in ":._-" else f"\\u{ord(c):04x}" for c in value) + '"'


def clean_title(caption: str) -> str | None:
    """The window's own title: KWin's duplicate suffix " <N>" removed; None when empty."""
    return DUPLICATE_SUFFIX.sub("", caption) or None


def _why(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class _Bus:
    """A session bus connection read without blocking: messages parsed into a queue."""

    def __init__(self, address: str):
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as e:
            raise SourceUnavailable(f"the jeepney package is missing ({e})") from None
        try:
            self.conn = open_dbus_connection(bus=address, auth_timeout=TIMEOUT)
        except Exception as e:  # OSError, TimeoutError, an auth failure, a malformed address
            raise SourceUnavailable(f"cannot connect to the session bus {address}: {_why(e)}") from None
        self.address = address
        self.unique_name: str = self.conn.unique_name
        self.conn.sock.setblocking(False)  # reads never block; sends wait at most TIMEOUT (send)
        self.queue: deque[Any] = deque()
        self.lost: str | None = None

    def fileno(self) -> int:
        return self.conn.sock.fileno()

    def read(self) -> None:
        """Parse everything readable now into the queue; notes (does not raise) the end of the bus."""
        while self.lost is None:
            try:
                data = self.conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                self.lost = f"the session bus connection broke: {e.strerror or e}"
                break
            if not data:
                self.lost = "the session bus closed the connection"
                break
            self.conn.parser.add_data(data)
        while (msg := self.conn.parser.get_next_message()) is not None:
            self.queue.append(msg)

    def send(self, msg: Any) -> int:
        """Send MSG; returns its serial. DisplayLost when the bus is gone."""
        serial = next(self.conn.outgoing_serial)
        view = memoryview(msg.serialise(serial=serial))
        deadline = time.monotonic() + TIMEOUT
        while view:
            try:
                view = view[self.conn.sock.send(view) :]
            except BlockingIOError:
                if not select.select([], [self.conn.sock], [], max(0.0, deadline - time.monotonic()))[1]:
                    raise DisplayLost(f"the session bus stopped reading for {TIMEOUT:g} s") from None
            except OSError as e:
                raise DisplayLost(f"the session bus connection broke: {e.strerror or e}") from None
        return serial

    def call(self, dest: str, path: str, iface: str, method: str, sig: str = "", args: tuple = (),
             timeout: float = TIMEOUT) -> tuple:  # fmt: skip
        """Call a method and wait for its reply; other messages stay queued, in order, for dispatch."""
        from jeepney import DBusAddress, DBusErrorResponse, HeaderFields, MessageType, new_method_call

        serial = self.send(new_method_call(DBusAddress(path, bus_name=dest, interface=iface), method, sig, args))
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.queue:
                if msg.header.fields.get(HeaderFields.reply_serial) == serial:
                    self.queue.remove(msg)
                    if msg.header.message_type == MessageType.error:
                        raise CallFailed(method, DBusErrorResponse(msg))
                    return tuple(msg.body)
            if self.lost is not None:
                raise DisplayLost(self.lost)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fileno()], [], [], left)[0]:
                raise SourceUnavailable(f"no answer to {method} from {dest} within {timeout:g} s")
            self.read()

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass


class CallFailed(SourceUnavailable):
    """A D-Bus call answered with an error (`name` is the D-Bus error name)."""

    def __init__(self, method: str, err: Any):
        self.name = err.name
        detail = f": {err.data[0]}" if err.data and isinstance(err.data[0], str) else ""
        super().__init__(f"{method} failed: {err.name}{detail}")


class KWinSource(SettledFocus):
    """The active window of KWin, reported by our script; a WindowSource (tracker/sampling/sources.py)."""

    name = "kwin-script"
    has_pid = True

    def __init__(self, bus: _Bus, kwin_owner: str, script_path: Path):
        self._bus = bus
        self._kwin = kwin_owner  # KWin's unique name: only its calls count
        self.script_path = script_path
        super().__init__()  # KWin activates "nothing" before a new window (clientActivated(null), then it)
        self._reports = 0
        self._closed = False

    # -- the WindowSource protocol ----------------------------------------------------------------

    def fileno(self) -> int:
        return self._bus.fileno()

    def buffered(self) -> bool:
        return bool(self._bus.queue)

    def dispatch(self) -> None:
        """Handle every message readable now (never blocking); DisplayLost when KWin or the bus is gone."""
        self._bus.read()
        while self._bus.queue:
            self._handle(self._bus.queue.popleft())
        if self._bus.lost is not None:
            raise DisplayLost(self._bus.lost)

    def close(self) -> None:
        """Unload our script (best effort, briefly) and close the bus connection. Safe twice."""
        if self._closed:
            return
        self._closed = True
        if self._bus.lost is None:
            try:
                self._call("unloadScript", "s", (SCRIPT_NAME,), CLOSE_TIMEOUT)
            except (SourceUnavailable, DisplayLost):
                pass  # KWin is gone or hung: its script went with it, or the next load unloads it
        self._bus.close()

    # -- internals --------------------------------------------------------------------------------

    def _handle(self, msg: Any) -> None:
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        header = msg.header
        fields = header.fields
        if header.message_type == MessageType.signal:
            owner_change = (fields.get(HeaderFields.sender), fields.get(HeaderFields.member)) == (
                DBUS,
                "NameOwnerChanged",
            )
            if owner_change and msg.body[:1] == (KWIN,) and not msg.body[2]:
                self._bus.lost = "KWin left the session bus (it exited or crashed)"
            return
        if header.message_type != MessageType.method_call:
            return  # a late reply (to an unload that timed out, say)
        member = fields.get(HeaderFields.member)
        ours = (fields.get(HeaderFields.path), fields.get(HeaderFields.interface), member) == (PATH, IFACE, METHOD)
        if ours and fields.get(HeaderFields.sender) == self._kwin and len(msg.body) == 4:
            self._report(*msg.body)
            reply = new_method_return(msg)
        elif ours:
            reply = new_error(msg, "org.freedesktop.DBus.Error.AccessDenied", "s", ("only KWin reports windows",))
        else:
            reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"no method {member}",))
        if not header.flags & 1:  # NO_REPLY_EXPECTED
            self._bus.send(reply)

    def _report(self, caption: Any, resource_class: Any, resource_name: Any, pid: Any) -> None:
        self._reports += 1
        now = time.monotonic()
        if not resource_class and not caption and not pid:  # no active window
            self._focused(None, now)
            return
        app = str(resource_class or "") or str(resource_name or "") or None
        number = int(pid) if isinstance(pid, (int, float)) else 0
        win = Window(app=app, title=clean_title(str(caption or "")), pid=number if number > 0 else None)
        self._focused(win, now)

    def _call(self, method: str, sig: str = "", args: tuple = (), timeout: float = TIMEOUT) -> tuple:
        """Call a method of KWin's /Scripting and wait for its reply."""
        try:
            return self._bus.call(self._kwin, SCRIPTING_PATH, SCRIPTING_IFACE, method, sig, args, timeout)
        except CallFailed as e:
            if e.name == "org.freedesktop.DBus.Error.UnknownObject":
                raise SourceUnavailable(
                    "KWin is starting: its scripting interface (/Scripting) is not up yet"
                ) from None
            raise SourceUnavailable(f"KWin refused {e}") from None

    def _load(self, state_dir: Path) -> None:
        """Write the script, unload a stale one, load and start ours, and wait for its first report."""
        self._call("unloadScript", "s", (SCRIPT_NAME,))
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            # Readable by KWin (the same user in a session; 0644 since the text holds nothing secret).
            atomic_write(self.script_path, script_text(self._bus.unique_name), mode=0o644)
        except OSError as e:
            raise SourceUnavailable(f"cannot write the KWin script {self.script_path}: {e.strerror or e}") from None
        (script_id,) = self._call("loadScript", "ss", (str(self.script_path), SCRIPT_NAME))
        if script_id < 0:
            raise SourceUnavailable(
                f"KWin refused to load the script {self.script_path} (loadScript returned {script_id})"
            )
        # start() runs every loaded script not yet running: KWin reuses script ids after an unload,
        # so a /Scripting/Script<id> path may name another script (measured on KWin 5.27).
        self._call("start")
        deadline = time.monotonic() + TIMEOUT
        while not self._reports:
            self._bus.read()
            while self._bus.queue:
                self._handle(self._bus.queue.popleft())
            if self._bus.lost is not None:
                raise DisplayLost(self._bus.lost)
            left = deadline - time.monotonic()
            if self._reports:
                break
            if left <= 0 or not select.select([self._bus.fileno()], [], [], left)[0]:
                raise SourceUnavailable(
                    f"KWin loaded the script {self.script_path} but it did not report within {TIMEOUT:g} s "
                    "(a KWin scripting API this version of offscreen does not know?)"
                )
        self._changed_at = None  # the window at load is a state, not a change we saw happen


def _kwin_owner(bus: _Bus) -> str:
    """KWin's unique name on the bus; SourceUnavailable when KWin is not there."""
    # Learn when KWin leaves (a crash): its script dies with it and nothing would call us again.
    rule = f"type='signal',sender='{DBUS}',member='NameOwnerChanged',arg0='{KWIN}'"
    bus.call(DBUS, "/org/freedesktop/DBus", DBUS, "AddMatch", "s", (rule,))
    try:
        (owner,) = bus.call(DBUS, "/org/freedesktop/DBus", DBUS, "GetNameOwner", "s", (KWIN,))
    except CallFailed as e:
        if e.name != "org.freedesktop.DBus.Error.NameHasNoOwner":
            raise
        raise SourceUnavailable(
            f"KWin is not on the session bus {bus.address} (no {KWIN}): not a KDE Plasma session, "
            "or KWin has not started yet"
        ) from None
    return owner


def open(env: Mapping[str, str], state_dir: str | Path) -> KWinSource:
    """A KWin window source: loads our script (written to STATE_DIR/kwin-script.js) into the KWin on
    the session bus of ENV; SourceUnavailable with the reason when KWin does not answer."""
    address = sessionbus.address(env)
    if address is None:
        raise SourceUnavailable(
            "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus is missing"
        )
    bus = _Bus(address)
    src = None
    try:
        src = KWinSource(bus, _kwin_owner(bus), Path(state_dir) / SCRIPT_FILE)
        src._load(Path(state_dir))
    except BaseException as e:
        if src is not None:
            src.close()  # unloads what was loaded: a script that never reported must not linger
        else:
            bus.close()
        if isinstance(e, DisplayLost):
            raise SourceUnavailable(f"KWin went away while loading the script: {e}") from None
        raise
    # Read ahead of the caller's select: the bus may have more for us already
    bus.read()
    return src


def probe(env: Mapping[str, str]) -> tuple[bool, str]:
    """For doctor: (True, "KWin 5.27.5 on the session bus") when KWin answers, else (False, why)."""
    address = sessionbus.address(env)
    if address is None:
        return False, "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus is missing"
    try:
        bus = _Bus(address)
    except SourceUnavailable as e:
        return False, str(e)
    try:
        owner = _kwin_owner(bus)
        return True, f"KWin {_kwin_version(bus, owner) or '(version unknown)'} on the session bus"
    except (SourceUnavailable, DisplayLost) as e:
        return False, str(e)
    finally:
        bus.close()


def _kwin_version(bus: _Bus, owner: str) -> str | None:
    """KWin's version from its supportInformation text, None if unreadable."""
    try:
        (text,) = bus.call(owner, "/KWin", "org.kde.KWin", "supportInformation")
    except (SourceUnavailable, DisplayLost, ValueError):
        return None
    found = re.search(r"^KWin version: *(\S+)", str(text), re.MULTILINE)
    return found.group(1) if found else None


def main(argv: list[str] | None = None) -> int:
    """Smoke loop: print the active window whenever it changes, until Ctrl-C."""
    import sys
    import tempfile

    from tracker.sampling import smoke

    state = (argv or sys.argv[1:] or [tempfile.mkdtemp(prefix="offscreen-kwin-")])[0]
    return smoke.run(
        lambda: open(os.environ, state),
        lambda src: f"window source: KWin script {src.script_path}",
        lambda src: src.window(),
        lambda _src, w: smoke.describe(w, "active"),
        timeout=lambda src: NONE_SETTLE if src.settling() else None,
    )


if __name__ == "__main__":
    raise SystemExit(main())
