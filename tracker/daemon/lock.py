"""The daemon lock: one daemon per OFFSCREEN_HOME, and the one answer to "is the daemon running".

The running daemon holds an flock on `paths.daemon_lock` and has written its PID into it. The
kernel drops the flock when the process dies, however it dies, so liveness is asked of the
kernel; the PID in the file is only a fallback for naming the holder (a killed daemon leaves it
behind). Used by the daemon itself, `status`, `doctor` and `today`.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tracker.errors import RuntimeFailure
from tracker.paths import check_private, ensure_private_dir

PROC_LOCKS = Path("/proc/locks")


def acquire(path: Path) -> int:
    """flock PATH and write our PID into it; a second daemon gets RuntimeFailure naming the first."""
    check_private(path)  # the state directory: another user's would see and steer the daemon's files
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        other = holder(path)
        os.close(fd)
        raise RuntimeFailure(
            f"offscreen daemon already running (PID {other if other and other > 0 else 'unknown'}); "
            "one runs per OFFSCREEN_HOME: `offscreen status` shows it, stop it first to start another"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def release(fd: int) -> None:
    """Empty the lock file and drop the lock (the file itself stays)."""
    os.ftruncate(fd, 0)
    os.close(fd)  # closing drops the flock


def holder(path: Path, proc_locks: Path = PROC_LOCKS) -> int | None:
    """PID of the daemon holding the lock file PATH, or None when no daemon runs.

    Read-only and passive: /proc/locks lists every lock with its holder's PID and inode, so the
    lock is never touched (a probing flock could make a daemon starting that instant fail). Where
    /proc/locks cannot be read, a shared non-blocking flock tells whether the lock is held, and
    the file names the PID (-1 while a daemon that just took the lock has not written it yet).
    """
    try:
        inode = path.stat().st_ino
    except OSError:
        return None
    try:
        lines = proc_locks.read_text().splitlines()
    except OSError:
        return _probe(path)
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:2146551 0 EOF"; waiters have "->" after the id.
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            pid, lock_inode = int(fields[4]), int(fields[5].rsplit(":", 1)[1])
        except (IndexError, ValueError):
            continue
        if lock_inode == inode:
            return pid
    return None


def _probe(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
