"""X11 backend (python-xlib): EWMH active window or input focus, XScreenSaver idle and lock.

With an EWMH window manager we select PropertyChangeMask on the root and on the active window and
re-read only what an event said changed (an idle desktop costs no round trips, and a switch is seen
as it happens); without one we poll the input focus. Every read is guarded: windows vanish (BadWindow) all the time.
`python -m tracker.sampling.x11` prints what it sees once a second (a smoke loop).
"""

from __future__ import annotations

import select
import time

from Xlib import X, Xatom
from Xlib import display as xdisplay
from Xlib import error as xerror
from Xlib.protocol import rq

from tracker.sampling import DisplayLost, NoDisplay, Observation, Window
from tracker.sampling.procs import process_info

# Windows of these classes mean "the screen is locked" when they are in front (X11 has no standard
# lock signal; XScreenSaver state covers xss-lock/xsecurelock setups that activate the saver).
LOCKER_CLASSES = {"i3lock", "xsecurelock", "xscreensaver", "light-locker", "slock", "xlock", "xtrlock"}
NONE_SETTLE = 0.3  # s "no active window" must last to count (it flickers during a switch)
RECHECK_EVERY = 10.0  # seconds between full re-reads in event mode (a missed event cannot last)
MIN_GAP = 0.05  # s before reading again after an event (a switch changes several properties at once)


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
    def __init__(self, display_name: str | None = None):
        try:
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
        self.has_saver = self.d.has_extension("MIT-SCREEN-SAVER")
        self.input = None
        self.input_error: str | None = None
        if not self.has_saver:
            try:
                from tracker.sampling.input import InputWatcher  # pynput only where XScreenSaver is missing

                self.input = InputWatcher(display_name)
            except Exception as e:  # no RECORD extension either: record without idle detection
                self.input_error = f"no XScreenSaver, pynput failed: {type(e).__name__}: {e}"
        self._cache: dict[int, tuple[str | None, int | None, str | None]] = {}
        self._active: int | None = None
        self._title: str | None = None
        self._dirty = True
        self._changed_at: float | None = None  # monotonic time of the first change event since the last read
        self._none_since: float | None = None
        self._watched: int | None = None
        self._last_full = 0.0
        self.ewmh = self._wm_alive()
        self.root.change_attributes(event_mask=X.PropertyChangeMask)
        self.d.flush()

    @property
    def idle_source(self) -> str:
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
        """Block until an X event, a byte on wake_fd, or the timeout."""
        # Events the last reads pulled in with their replies are in python-xlib's queue, not in the
        # socket, so select would not wake for them: handle them first. A switch is several property
        # changes; the first wakes us and the sample may come before the rest, so the next sample
        # comes MIN_GAP later, not at the interval, and the time of the event (not of that sample)
        # is reported as the change (issue 17: a full interval late before).
        self._drain_events()
        if self.d.pending_events():
            return
        if self._dirty:
            timeout = min(timeout, MIN_GAP)
        fds = [self.d.fileno()] + ([wake_fd] if wake_fd is not None else [])
        try:
            select.select(fds, [], [], max(0.0, timeout))
        except (OSError, ValueError) as e:
            raise DisplayLost(f"X connection failed: {e}") from None
        self._drain_events()

    def _drain_events(self) -> None:
        try:
            while self.d.pending_events():
                ev = self.d.next_event()
                if ev.type == X.PropertyNotify:
                    if ev.atom in (self.atom["_NET_ACTIVE_WINDOW"], self.atom["_NET_SUPPORTING_WM_CHECK"]):
                        self._changed()
                    elif ev.atom in (self.atom["_NET_WM_NAME"], self.atom["WM_NAME"]):
                        self._title = None
                        self._changed()
        except (xerror.ConnectionClosedError, OSError) as e:
            raise DisplayLost(f"X connection lost: {e}") from None

    def _changed(self) -> None:
        """An event said the front window or its title changed: read again, and remember when.
        Stamped as it is read, so the daemon waiting in select sees it within a millisecond."""
        self._dirty = True
        if self._changed_at is None:
            self._changed_at = time.monotonic()

    # -- reads ------------------------------------------------------------------------------
    def _prop(self, win, name, type_=X.AnyPropertyType):
        try:
            return win.get_full_property(self.atom[name], type_)
        except (xerror.BadWindow, xerror.BadValue, xerror.BadAtom, rq.BadDataError):
            return None

    def _wm_alive(self) -> bool:
        """An EWMH WM is running: the root's check window exists and points at itself (a dead WM
        leaves a stale property on the root behind)."""
        p = self._prop(self.root, "_NET_SUPPORTING_WM_CHECK", Xatom.WINDOW)
        if not p or not len(p.value):
            return False
        child = self.d.create_resource_object("window", p.value[0])
        q = self._prop(child, "_NET_SUPPORTING_WM_CHECK", Xatom.WINDOW)
        return bool(q and len(q.value) and q.value[0] == p.value[0])

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

    def _idle_and_saver(self) -> tuple[float | None, bool]:
        if not self.has_saver:
            return None, False
        info = self.root.screensaver_query_info()
        return info.idle / 1000.0, info.state == 1  # ScreenSaverOn

    def observe(self) -> Observation:
        """One reading: front window, last input time, lock state."""
        now = time.monotonic()
        changed_at, self._changed_at = self._changed_at, None
        try:
            if now - self._last_full > RECHECK_EVERY:
                self.ewmh = self._wm_alive()
                self._dirty, self._title, self._last_full = True, None, now
                self._cache.clear()
            if self._dirty or not self.ewmh:
                wid = self._active_window()
                self._dirty = False
                if wid is None and self._active is not None:
                    # Window managers clear _NET_ACTIVE_WINDOW for a few ms while switching (openbox
                    # does): "no window" counts only once it has lasted NONE_SETTLE seconds.
                    if self._none_since is None:
                        self._none_since = now
                    if now - self._none_since < NONE_SETTLE:
                        wid = self._active
                        self._dirty = True  # read again next time
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
            idle, saver_on = self._idle_and_saver()
            self.d.flush()
        except (xerror.ConnectionClosedError, OSError, BrokenPipeError) as e:
            raise DisplayLost(f"X connection lost: {e}") from None
        last_input: float | None
        if idle is not None:
            last_input = now - idle
        else:
            last_input = self.input.last_input if self.input else None
        locked = saver_on or bool(window and window.app and window.app.lower() in LOCKER_CLASSES)
        return Observation(window=window, last_input=last_input, locked=locked, changed_at=changed_at)

    def close(self) -> None:
        if self.input is not None:
            self.input.stop()
        try:
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
    print("backend:", s.name, "xscreensaver:", s.has_saver)
    while True:
        s.wait(1.0)
        print(s.observe())
