"""A screen locker process of this user, as a lock signal on wlroots desktops (a heuristic).

swaylock, waylock, gtklock and hyprlock set no logind LockedHint and are not toplevels, so on sway,
Hyprland and other wlroots compositors the only sign of a lock is the locker's process. It is a
heuristic: a locker started for something else, or renamed, is misread; `offscreen doctor` says so.
A locker counts only when it is this user's and talks to this session's compositor (its environment
names the same Wayland socket): a second session of the same user locking is not this one locking.
Cheap by construction: /proc is listed at most every CHECK_EVERY seconds and only processes not seen
before are read (their owner and `comm`, and the environment of a locker), so a quiet machine costs
one directory listing. A pid reused by a locker before the next listing is missed (pids wrap slowly).
"""

from __future__ import annotations

import os

LOCKERS = frozenset({"swaylock", "waylock", "gtklock", "hyprlock"})
CHECK_EVERY = 2.0  # s between two looks at /proc
# A look this much early is taken when the daemon is awake anyway (an event, the 2 s heartbeat), so
# the locker check rides on those wakes instead of waking the daemon on its own a moment later.
CHECK_SLACK = 0.5


class LockerWatch:
    def __init__(self, socket: str | None = None, proc: str = "/proc", uid: int | None = None):
        self.socket = socket  # this session's Wayland socket path; None: any locker of this user
        self.proc = proc
        self.uid = os.getuid() if uid is None else uid
        self.seen: dict[int, bool] = {}  # pid -> is a locker of ours
        self.young: set[int] = set()  # first seen in the last listing: looked at once more
        self.last: float | None = None
        self.value = False

    def locked(self, now: float) -> bool:
        """A locker of this user runs (as of at most CHECK_EVERY s ago; looked again from
        CHECK_EVERY - CHECK_SLACK s on, when the daemon is awake anyway)."""
        if self.last is not None and now - self.last < CHECK_EVERY - CHECK_SLACK:
            return self.value
        self.last = now
        try:
            pids = {int(n) for n in os.listdir(self.proc) if n.isdigit()}
        except OSError:
            return self.value
        new = pids - self.seen.keys()
        # A process is looked at in the listing that first sees it and in the next one: seen between
        # fork and exec it still has its parent's name (a shell starting swaylock is still "sh").
        self.seen = {
            pid: self.seen[pid] if pid in self.seen and pid not in self.young else self._is_locker(pid) for pid in pids
        }
        self.young = new
        self.value = any(self.seen.values())
        return self.value

    def _is_locker(self, pid: int) -> bool:
        base = f"{self.proc}/{pid}"
        try:
            if os.stat(base).st_uid != self.uid:
                return False
            with open(f"{base}/comm", encoding="utf-8", errors="replace") as fh:
                if fh.read().strip() not in LOCKERS:
                    return False
            if self.socket is None:
                return True
            with open(f"{base}/environ", "rb") as fh:
                env = dict(
                    kv.decode("utf-8", "replace").partition("=")[::2] for kv in fh.read().split(b"\0") if b"=" in kv
                )
        except OSError:  # gone meanwhile
            return False
        from tracker.sampling.wire import socket_path

        return socket_path(env) == self.socket
