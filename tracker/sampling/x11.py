"""X11 backend (python-xlib): EWMH active window or input focus, XSync idle, screen saver events.

Everything that can come as an event does, so a desktop where nothing happens costs no round trip:
  - the front window: PropertyChangeMask on the root (_NET_ACTIVE_WINDOW) and on the active window
    (its title); a read only after an event said what changed. Without an EWMH window manager the
    input focus is polled (every `interval`).
  - the window manager: StructureNotify on its _NET_SUPPORTING_WM_CHECK window (DestroyNotify when
    it dies) and PropertyNotify on the root (a new one); a safety re-read every SAFETY_EVERY.
  - idle: one X SYNC alarm on the IDLETIME counter (tracker/sampling/xsync.py), armed as "fires when
    the counter reaches idle_after" while active and "fires when it drops" (input) while idle; the
    state comes from the counter's value read when it fires, never from which test fired. Without
    SYNC IDLETIME: the XScreenSaver idle time (a query per sample), else pynput listeners.
  - screen saver on/off: MIT-SCREEN-SAVER Notify events (read once at the start).
Every read is guarded: windows vanish (BadWindow) all the time.
`python -m tracker.sampling.x11` prints what it sees once a second (a smoke loop).
"""

from __future__ import annotations

import math
import os
import select
import sys
import time
import types
from contextlib import contextmanager


class _LazyModule(types.ModuleType):
    """Stands in for a standard module while python-xlib is imported: a few answers from `os`, the
    rest from the real module, imported on first use (python-xlib touches it only on error paths)."""

    def __init__(self, name: str, answers: dict):
        super().__init__(name)
        self.__dict__.update(answers)

    def __getattr__(self, attr: str):
        import importlib

        real = sys.modules.get(self.__name__)
        if real is None or real is self:
            sys.modules.pop(self.__name__, None)
            real = importlib.import_module(self.__name__)
        return getattr(real, attr)


def _import_xlib() -> None:
    """Import python-xlib without `platform` and `traceback` (issue 14: the daemon's memory).

    Its unix_connect calls platform.uname() when imported, and a uname_result's indexing computes
    the processor field by running `uname -p` (subprocess: a child process and ~0.8 MB in every
    daemon start); its rq imports traceback (tokenize, linecache, textwrap) for one print_exc on an
    error path. Both get a stand-in for the import: uname/system from os.uname(), anything else
    from the real module when it is first used.
    """
    if "Xlib.support.unix_connect" in sys.modules:
        return
    u = os.uname()
    stand_ins = {
        "platform": _LazyModule("platform", {"uname": lambda: tuple(u), "system": lambda: u.sysname}),
        "traceback": _LazyModule("traceback", {}),
    }
    saved = {name: sys.modules.get(name) for name in stand_ins}
    for name, mod in stand_ins.items():
        if saved[name] is None:
            sys.modules[name] = mod
    try:
        # The modules python-xlib's connect imports when a Display opens, imported now.
        import Xlib.display
        import Xlib.protocol.rq
        import Xlib.support.unix_connect
        import Xlib.xauth  # noqa: F401
    finally:
        for name, mod in stand_ins.items():
            if sys.modules.get(name) is mod:
                del sys.modules[name]


_import_xlib()

import Xlib.ext  # noqa: E402
from Xlib import X, Xatom  # noqa: E402
from Xlib import display as xdisplay  # noqa: E402
from Xlib import error as xerror  # noqa: E402
from Xlib.protocol import rq  # noqa: E402

from tracker.sampling import DisplayLost, NoDisplay, Observation, Window  # noqa: E402
from tracker.sampling.procs import process_info  # noqa: E402
from tracker.sampling.xsync import NEGATIVE_COMPARISON, POSITIVE_COMPARISON, Sync, SyncUnavailable  # noqa: E402

# Windows of these classes mean "the screen is locked" when they are in front (X11 has no standard
# lock signal; XScreenSaver state covers xss-lock/xsecurelock setups that activate the saver).
LOCKER_CLASSES = {"i3lock", "xsecurelock", "xscreensaver", "light-locker", "slock", "xlock", "xtrlock"}
NONE_SETTLE = 0.3  # s "no active window" must last to count (it flickers during a switch)
SAFETY_EVERY = 600.0  # s between full re-reads (events cover every change; this only bounds a missed one)
MIN_GAP = 0.05  # s before reading again after an event (a switch changes several properties at once)
# The python-xlib extensions this backend uses (SYNC is bound in xsync.py, outside python-xlib's
# list). Display() otherwise imports and queries all fifteen it knows: modules and round trips
# for nothing. pynput opens its own displays and needs RECORD: those keep the full list.
EXTENSIONS = ("MIT-SCREEN-SAVER",)
SAVER_NOTIFY_MASK = 1  # ScreenSaverNotifyMask
SAVER_OFF = 0  # Notify state (On 1, Cycle 2: both mean the saver runs)
ALL_EXTENSIONS = tuple(Xlib.ext.__extensions__)  # python-xlib's own list (pynput's watcher narrows it to RECORD)
NO_XSYNC_ENV = "OFFSCREEN_NO_XSYNC"  # "1": behave as on a server without SYNC IDLETIME (tests, diagnosis)


@contextmanager
def _only_extensions(names: tuple[str, ...]):
    """Let python-xlib load only NAMES while a Display opens (its module-level list, restored after)."""
    full = Xlib.ext.__extensions__
    Xlib.ext.__extensions__ = [e for e in ALL_EXTENSIONS if e[0] in names]
    try:
        yield
    finally:
        Xlib.ext.__extensions__ = full


def decode_title(value) -> str | None:
    """Decode a title property: UTF-8 first, then latin-1 (xdotool labels UTF-8 as STRING)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    data = bytes(value)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class X11Sampler:
    def __init__(self, display_name: str | None = None, idle_after: float = 180.0, interval: float = 1.0):
        try:
            with _only_extensions(EXTENSIONS):
                self.d = xdisplay.Display(display_name)
        except (xerror.DisplayError, OSError, ValueError) as e:
            raise NoDisplay(f"cannot open X display {display_name!r}: {e}") from None
        # Requests without a reply (change_attributes on a window that just vanished) report errors
        # asynchronously; the default handler prints them. They are expected: ignore them.
        self.d.set_error_handler(lambda *args: None)
        self.root = self.d.screen().root
        self.atom = {
            n: self.d.intern_atom(n)
            for n in (
                "_NET_ACTIVE_WINDOW",
                "_NET_SUPPORTING_WM_CHECK",
                "_NET_WM_NAME",
                "_NET_WM_PID",
                "WM_NAME",
                "UTF8_STRING",
            )
        }
        self.idle_after, self.interval = idle_after, interval
        self.has_saver = self.d.has_extension("MIT-SCREEN-SAVER")
        self.sync: Sync | None = None
        self.sync_error: str | None = None
        self._counter = self._alarm = 0
        self._idle = False  # the IDLETIME counter was at idle_after or more when last read
        self._input_at: float | None = None  # monotonic time of the last input, as of that read
        self._resumed: float | None = None  # the input that ended idleness, until one observe reports it
        self._idle_dirty = False  # an alarm fired: read the counter and re-arm
        if os.environ.get(NO_XSYNC_ENV) == "1":
            self.sync_error = f"SYNC not used ({NO_XSYNC_ENV}=1)"
        else:
            try:
                self._open_sync()
            except (SyncUnavailable, xerror.XError) as e:
                self.sync, self.sync_error = None, str(e)
            except (xerror.ConnectionClosedError, OSError) as e:
                self.close()
                raise NoDisplay(f"X display {display_name!r} failed while starting: {e}") from None
        self.input = None
        self.input_error: str | None = None
        if self.sync is None and not self.has_saver:
            try:
                from tracker.sampling.input import InputWatcher  # pynput only where the server offers no idle time

                self.input = InputWatcher(display_name)
            except Exception as e:  # no RECORD extension either: record without idle detection
                self.input_error = f"no SYNC IDLETIME or XScreenSaver, pynput failed: {type(e).__name__}: {e}"
        self._saver_on = False
        # The code python-xlib's screensaver module registered its Notify event under (None without it).
        self._saver_event = self.d.extension_event["Notify"] if self.has_saver else None
        self._cache: dict[int, tuple[str | None, int | None, str | None]] = {}
        self._active: int | None = None
        self._title: str | None = None
        self._dirty = True
        self._wm_dirty = False  # the window manager may have come or gone: check again
        self._changed_at: float | None = None  # monotonic time of the first change event since the last read
        self._none_since: float | None = None
        self._watched: int | None = None
        self._wm_check: int | None = None  # the WM's check window, watched for its DestroyNotify
        self._last_observe = 0.0
        self._last_full = time.monotonic()
        try:
            if self.has_saver:
                self.root.screensaver_select_input(SAVER_NOTIFY_MASK)
                self._read_saver()
            self.ewmh = self._wm_alive()
            self.root.change_attributes(event_mask=X.PropertyChangeMask)
            self.d.flush()
        except (xerror.ConnectionClosedError, OSError) as e:
            self.close()
            raise NoDisplay(f"X display {display_name!r} failed while starting: {e}") from None

    @property
    def idle_source(self) -> str:
        if self.sync is not None:
            return "xsync"
        if self.has_saver:
            return "xscreensaver"
        return "pynput" if self.input is not None else "none"

    @property
    def name(self) -> str:
        return "x11-ewmh" if self.ewmh else "x11-focus"

    def fileno(self) -> int:
        return self.d.fileno()

    # -- events -----------------------------------------------------------------------------
    def wait(self, timeout: float, wake_fd: int | None = None) -> None:
        """Block until an X event, a byte on wake_fd, the timeout or deadline(), whichever is first."""
        # Events the last reads pulled in with their replies are in python-xlib's queue, not in the
        # socket, so select would not wake for them: handle them first. A switch is several property
        # changes; the first wakes us and the sample may come before the rest, so the next sample
        # comes MIN_GAP later, not at the interval, and the time of the event (not of that sample)
        # is reported as the change (issue 17: a full interval late before).
        if self._drain_events():
            return  # something may have changed: the daemon looks before it sleeps
        due = self.deadline()
        if due is not None:
            timeout = min(timeout, due - time.monotonic())
        fds = [self.d.fileno()] + ([wake_fd] if wake_fd is not None else [])
        try:
            select.select(fds, [], [], max(0.0, timeout))
        except (OSError, ValueError) as e:
            raise DisplayLost(f"X connection failed: {e}") from None
        self._drain_events()

    def deadline(self) -> float:
        """The time.monotonic() by which observe() must run again without an event. With a window
        manager and SYNC only events matter, and this is the rare safety re-read (SAFETY_EVERY)."""
        due = [self._last_full + SAFETY_EVERY]
        if self._dirty or self._wm_dirty or self._idle_dirty:
            due.append(self._last_observe + MIN_GAP)
        if self._none_since is not None:
            due.append(self._none_since + NONE_SETTLE)
        if not self.ewmh:  # the input focus sends no event to us: polled
            due.append(self._last_observe + self.interval)
        if self.sync is None:
            if self.has_saver:  # the XScreenSaver idle time is a query
                due.append(self._last_observe + self.interval)
            elif self.input is not None:
                # pynput stamps input in its threads, which wake nobody: going idle is due at
                # last_input + idle_after, and coming back is seen by polling.
                went_idle = self.input.last_input + self.idle_after
                due.append(went_idle if went_idle > self._last_observe else self._last_observe + self.interval)
        return min(due)

    def _drain_events(self) -> int:
        """Handle the events that have arrived; returns how many."""
        n = 0
        try:
            while self.d.pending_events():
                self._handle(self.d.next_event())
                n += 1
        except (xerror.ConnectionClosedError, OSError) as e:
            raise DisplayLost(f"X connection lost: {e}") from None
        return n

    def _handle(self, ev) -> None:
        if ev.type == X.PropertyNotify:
            if ev.atom == self.atom["_NET_ACTIVE_WINDOW"]:
                self._changed()
            elif ev.atom == self.atom["_NET_SUPPORTING_WM_CHECK"]:
                self._wm_dirty = True
                self._changed()
            elif ev.atom in (self.atom["_NET_WM_NAME"], self.atom["WM_NAME"]):
                self._title = None
                self._changed()
        elif ev.type == X.DestroyNotify:
            if ev.window.id == self._wm_check:  # the window manager is gone
                self._wm_dirty = True
                self._changed()
        elif self.sync is not None and self.sync.parse(ev) is not None:
            # Which test fired says nothing certain (an old arming's event may still arrive):
            # observe() reads the counter's value and arms again from that.
            self._idle_dirty = True
        elif ev.type == self._saver_event:
            self._saver_on = ev.state != SAVER_OFF

    def _changed(self) -> None:
        """An event said the front window or its title changed: read again, and remember when.
        Stamped as it is read, so the daemon waiting in select sees it within a millisecond."""
        self._dirty = True
        if self._changed_at is None:
            self._changed_at = time.monotonic()

    # -- idle -------------------------------------------------------------------------------
    def _open_sync(self) -> None:
        """SYNC, its IDLETIME counter and our one alarm on it, armed from the counter's value."""
        self.sync = Sync(self.d)
        self._counter = self.sync.counter("IDLETIME")
        refused = xerror.CatchError()
        self._alarm = self.sync.create_alarm(self._counter, self._threshold(), POSITIVE_COMPARISON, onerror=refused)
        self._read_idle()  # a round trip: an error of the requests before it has arrived by now
        if refused.get_error():
            raise SyncUnavailable(f"the X server refused an IDLETIME alarm: {refused.get_error()}")

    def _threshold(self) -> int:
        """idle_after in the counter's milliseconds, rounded up (idle means at least idle_after)."""
        return max(1, math.ceil(self.idle_after * 1000))

    def _read_idle(self) -> None:
        """Read IDLETIME (one round trip) and arm the alarm for the next change from its value."""
        assert self.sync is not None
        before = time.monotonic()
        ms = self.sync.query(self._counter)
        # The value was read after `before`: the input came at before - ms or a little later.
        input_at = before - ms / 1000.0
        threshold = self._threshold()
        was_idle, self._idle = self._idle, ms >= threshold
        if self._idle:  # fires when the counter drops below its value now: any input
            self.sync.change_alarm(self._alarm, self._counter, ms - 1, NEGATIVE_COMPARISON)
        else:  # fires when it reaches idle_after
            self.sync.change_alarm(self._alarm, self._counter, threshold, POSITIVE_COMPARISON)
            if was_idle:
                self._resumed = input_at
        self._input_at = input_at
        self._idle_dirty = False

    def set_idle_after(self, seconds: float) -> None:
        """Change the idle threshold (configuration reload): the alarm is armed again at once."""
        self.idle_after = seconds
        if self.sync is not None:
            try:
                resumed = self._resumed
                self._read_idle()
                # A higher threshold ends idleness without any input: no input to start the span at.
                self._resumed = resumed
                self.d.flush()
            except (xerror.ConnectionClosedError, OSError) as e:
                raise DisplayLost(f"X connection lost: {e}") from None

    def _last_input(self, now: float) -> float | None:
        if self.sync is not None:
            if self._idle:
                return self._input_at
            # Active: the last input was less than idle_after ago, exactly when is not known
            # (None), except once, right after the input that ended idleness, so that the
            # active span starts at that input.
            resumed, self._resumed = self._resumed, None
            return resumed
        if self.has_saver:
            return now - self.root.screensaver_query_info().idle / 1000.0
        return self.input.last_input if self.input else None

    def _read_saver(self) -> None:
        self._saver_on = self.root.screensaver_query_info().state == 1  # ScreenSaverOn

    # -- reads ------------------------------------------------------------------------------
    def _prop(self, win, name, type_=X.AnyPropertyType):
        try:
            return win.get_full_property(self.atom[name], type_)
        except (xerror.BadWindow, xerror.BadValue, xerror.BadAtom, rq.BadDataError):
            return None

    def _wm_alive(self) -> bool:
        """An EWMH WM is running: the root's check window exists and points at itself (a dead WM
        leaves a stale property on the root behind). Its check window is watched for DestroyNotify."""
        p = self._prop(self.root, "_NET_SUPPORTING_WM_CHECK", Xatom.WINDOW)
        check = int(p.value[0]) if p and len(p.value) else None
        alive = False
        if check:
            child = self.d.create_resource_object("window", check)
            q = self._prop(child, "_NET_SUPPORTING_WM_CHECK", Xatom.WINDOW)
            alive = bool(q and len(q.value) and q.value[0] == check)
        if alive and check != self._wm_check:
            try:
                self.d.create_resource_object("window", check).change_attributes(event_mask=X.StructureNotifyMask)
            except xerror.XError:
                pass
        self._wm_check = check if alive else None
        return alive

    def _active_window(self) -> int | None:
        if self.ewmh:
            p = self._prop(self.root, "_NET_ACTIVE_WINDOW", Xatom.WINDOW)
            wid = p.value[0] if p and len(p.value) else 0
            return wid or None
        try:
            focus = self.d.get_input_focus().focus
        except xerror.XError:
            return None
        if isinstance(focus, int) or focus is None:  # X.NONE / X.PointerRoot
            return None
        return self._client_of(focus)

    def _client_of(self, win) -> int | None:
        """Walk up from the focused window to the first one with WM_CLASS (without a WM the focus
        is often a child of the application's top-level window)."""
        root_id = self.root.id
        for _ in range(32):
            if win.id == root_id:
                return None
            try:
                if win.get_wm_class():
                    return win.id
                win = win.query_tree().parent
            except (xerror.BadWindow, xerror.BadDrawable, AttributeError):
                return None
            if win is None or isinstance(win, int):
                return None
        return None

    def _describe(self, wid: int) -> tuple[str | None, int | None, str | None]:
        """(app, pid, exe) of a window, cached by id."""
        if wid in self._cache:
            return self._cache[wid]
        win = self.d.create_resource_object("window", wid)
        try:
            cls = win.get_wm_class()
        except (xerror.BadWindow, rq.BadDataError):
            cls = None
        p = self._prop(win, "_NET_WM_PID", Xatom.CARDINAL)
        pid = int(p.value[0]) if p and len(p.value) else None
        pname, exe = process_info(pid)
        app = (cls[1] or cls[0]) if cls else pname
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[wid] = (app, pid, exe)
        return self._cache[wid]

    def _read_title(self, wid: int) -> str | None:
        win = self.d.create_resource_object("window", wid)
        for name in ("_NET_WM_NAME", "WM_NAME"):
            p = self._prop(win, name)
            if p is not None and p.value is not None and len(p.value):
                return decode_title(p.value)
        return None

    def _watch(self, wid: int | None) -> None:
        """Get PropertyNotify (title changes) from the active window only."""
        if wid == self._watched:
            return
        for target, mask in ((self._watched, X.NoEventMask), (wid, X.PropertyChangeMask)):
            if target:
                try:
                    self.d.create_resource_object("window", target).change_attributes(event_mask=mask)
                except xerror.XError:
                    pass
        self._watched = wid

    def observe(self) -> Observation:
        """One reading: front window, last input time, lock state. Costs no round trip when no
        event said something changed (with a window manager and SYNC)."""
        now = time.monotonic()
        self._last_observe = now
        changed_at, self._changed_at = self._changed_at, None
        serial = self.d.display.request_serial
        try:
            if self._wm_dirty or now - self._last_full > SAFETY_EVERY:
                if now - self._last_full > SAFETY_EVERY:  # a missed event cannot last
                    self._last_full = now
                    self._idle_dirty = self.sync is not None
                    if self.has_saver:
                        self._read_saver()
                self._wm_dirty = False
                self.ewmh = self._wm_alive()
                self._dirty, self._title = True, None
                self._cache.clear()
            if self._dirty or not self.ewmh or self._none_since is not None:
                wid = self._active_window()
                self._dirty = False
                if wid is None and self._active is not None:
                    # Window managers clear _NET_ACTIVE_WINDOW for a few ms while switching (openbox
                    # does): "no window" counts only once it has lasted NONE_SETTLE seconds.
                    if self._none_since is None:
                        self._none_since = now
                    if now - self._none_since < NONE_SETTLE:
                        wid = self._active  # read again at the NONE_SETTLE moment (deadline)
                    else:
                        self._none_since = None
                else:
                    self._none_since = None
                if wid != self._active:
                    self._title = None
                self._active = wid
                if self.ewmh:
                    self._watch(wid)
            wid = self._active
            window = None
            if wid:
                app, pid, exe = self._describe(wid)
                if self._title is None or not self.ewmh:
                    self._title = self._read_title(wid)
                window = Window(app=app, title=self._title, pid=pid, exe=exe)
            if self._idle_dirty:
                self._read_idle()
            last_input = self._last_input(now)
            if self.d.display.request_serial != serial:  # requests without a reply wait for a flush
                self.d.flush()
        except (xerror.ConnectionClosedError, OSError, BrokenPipeError) as e:
            raise DisplayLost(f"X connection lost: {e}") from None
        locked = self._saver_on or bool(window and window.app and window.app.lower() in LOCKER_CLASSES)
        return Observation(window=window, last_input=last_input, locked=locked, changed_at=changed_at)

    def close(self) -> None:
        if self.input is not None:
            self.input.stop()
        try:
            if self.sync is not None and self._alarm:
                self.sync.destroy_alarm(self._alarm)
            self.d.close()
        except Exception:  # closing a dead connection must not mask the real error
            pass


if __name__ == "__main__":  # smoke loop: python -m tracker.sampling.x11
    import os
    import sys

    try:
        s = X11Sampler(os.environ.get("DISPLAY"))
    except NoDisplay as e:
        sys.exit(f"Error: {e}")
    print("backend:", s.name, "idle source:", s.idle_source)
    while True:
        s.wait(1.0)
        print(s.observe())
