"""A Wayland session sampled from two channels: a window source and an idle source.

`tracker.sampling.select` decides which (sway IPC, Hyprland IPC or wlr-foreign-toplevel for the
window; ext-idle-notify or org_kde_kwin_idle for idle); this module puts them behind the `Sampler`
protocol. Either half may be missing: without a window source the session is tracked "idle only"
(every span has no app, the total stays right) and `reason` says why; without an idle source all
time with the session up counts as active, as on an X server without XScreenSaver.

Idle is exact and costs nothing while someone works: one notification whose timeout is the daemon's
`idle_after`. Until it fires the last input is "now"; when it fires at t the last input was
t - idle_after, so going idle is backdated exactly as on X11. A video player holding an idle
inhibitor keeps the notification from firing, so watching a film counts as screen time, as it
does on X11 where players reset the screensaver. A lock is logind's LockedHint (read by the
daemon) or a locker process of this user (`tracker.sampling.lockers`, a heuristic).
`python -m tracker.sampling.wayland` prints what the chosen sources see.
"""

from __future__ import annotations

import select
import time

from tracker.domain.spans import UNKNOWN_APP
from tracker.sampling import DisplayLost, Observation, Window
from tracker.sampling.lockers import CHECK_EVERY, LockerWatch
from tracker.sampling.procs import process_info
from tracker.sampling.sources import IdleSource, WindowSource

UNKNOWN = Window(app=UNKNOWN_APP, title=None)
SETTLE_RECHECK = 0.1  # s: how soon to look again while a "no window" is settling (wlr-foreign-toplevel)


class WaylandSampler:
    def __init__(
        self,
        window: WindowSource | None,
        idle: IdleSource | None,
        reason: str = "",
        lockers: LockerWatch | None = None,
        idle_error: str = "",
        socket: str | None = None,
    ):
        self.windows, self.idle, self.reason, self.idle_error = window, idle, reason, idle_error
        self.lockers = lockers if lockers is not None else LockerWatch(socket)
        self._exe: dict[int, tuple[str | None, str | None]] = {}

    @property
    def name(self) -> str:
        return self.windows.name if self.windows is not None else "idle-only"

    @property
    def idle_source(self) -> str:
        return self.idle.name if self.idle is not None else "none"

    @property
    def input_error(self) -> str:  # the daemon logs it when there is no idle source
        return self.idle_error or "the compositor offers no idle protocol"

    def _sources(self) -> list[WindowSource | IdleSource]:
        return [s for s in (self.windows, self.idle) if s is not None]

    def wait(self, timeout: float, wake_fd: int | None = None) -> None:
        """Block until a source has something, a byte on wake_fd, or the timeout."""
        sources = self._sources()
        if any(s.buffered() for s in sources):
            self._dispatch(sources)
            return
        settling = getattr(self.windows, "settling", None)
        if settling is not None and settling():  # "no window" counts once it lasts: look again then
            timeout = min(timeout, SETTLE_RECHECK)
        fds: list[int] = [s.fileno() for s in sources] + ([wake_fd] if wake_fd is not None else [])
        try:
            ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        except (OSError, ValueError) as e:
            raise DisplayLost(f"Wayland connection failed: {e}") from None
        self._dispatch([s for s in sources if s.fileno() in ready or s.buffered()])

    def deadline(self) -> float | None:
        """The time.monotonic() by which observe() must run again without an event; None: events only.
        Window and idle sources are event-driven; two things are not: a "no window" that is settling
        (read again SETTLE_RECHECK later) and the locker heuristic, a look at /proc every
        lockers.CHECK_EVERY s, which only desktops whose window source reports no lock (GNOME's does) need."""
        due = []
        settling = getattr(self.windows, "settling", None)
        if settling is not None and settling():
            due.append(time.monotonic() + SETTLE_RECHECK)
        if not hasattr(self.windows, "locked") and not self._idle_now():
            last = self.lockers.last
            due.append(time.monotonic() if last is None else last + CHECK_EVERY)
        return min(due) if due else None

    def _idle_now(self) -> bool:
        """The idle source says no input for idle_after. Then a locker is not looked for on a timer,
        only at whatever else wakes the daemon (the watchdog): while idle a lock changes a label,
        never screen time (idle and locked both count as away), and leaving it takes input, whose
        `resumed` event wakes the daemon and makes the lockers polled again. A quiet desktop then
        wakes the daemon at the watchdog's pace only (issue 14)."""
        return self.idle is not None and self.idle.last_input(time.monotonic()) is not None

    @staticmethod
    def _dispatch(sources) -> None:
        for s in sources:
            s.dispatch()
            while s.buffered():
                s.dispatch()

    def set_idle_after(self, seconds: float) -> None:
        if self.idle is not None:
            self.idle.set_idle_after(seconds)

    def _with_exe(self, w: Window | None) -> Window | None:
        if w is None or not w.pid or w.exe:
            return w
        if w.pid not in self._exe:
            if len(self._exe) > 256:
                self._exe.clear()
            self._exe[w.pid] = process_info(w.pid)
        pname, exe = self._exe[w.pid]
        return Window(app=w.app or pname, title=w.title, pid=w.pid, exe=exe)

    def observe(self) -> Observation:
        now = time.monotonic()
        self._dispatch([s for s in self._sources() if s.buffered()])
        # Idle only: the desktop names no windows, so the span says so (never "no window in front").
        window = self._with_exe(self.windows.window()) if self.windows is not None else UNKNOWN

        changed = self.windows.changed_at() if self.windows is not None else None
        last_input = self.idle.last_input(now) if self.idle is not None else None
        # GNOME's extension reports the lock screen itself; elsewhere a locker process is the sign.
        locked = bool(getattr(self.windows, "locked", lambda: False)()) or self.lockers.locked(now)
        return Observation(window=window, last_input=last_input, locked=locked, changed_at=changed)

    def close(self) -> None:
        for s in self._sources():
            try:
                s.close()
            except Exception:  # closing a dead connection must not mask the real error
                pass


if __name__ == "__main__":  # smoke loop: python -m tracker.sampling.wayland
    import sys

    from tracker.sampling import NoDisplay, open_sampler

    try:
        s = open_sampler()
    except NoDisplay as e:
        sys.exit(f"Error: {e}")
    print(f"window source: {s.name}; idle source: {s.idle_source}")
    if reason := getattr(s, "reason", ""):
        print(f"note: {reason}")
    try:
        while True:
            s.wait(1.0)
            o = s.observe()
            w = o.window
            what = f"app {w.app or '?'}, title {w.title or '-'}" if w else "no window"
            if o.last_input is not None:
                idle = f"idle for {time.monotonic() - o.last_input:.0f} s"
            else:
                idle = "not idle" if s.idle_source != "none" else "idle unknown"
            print(f"{what}; {idle}{'; locked' if o.locked else ''}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        s.close()
