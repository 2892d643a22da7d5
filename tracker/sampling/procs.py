"""pid -> process name, executable and parent, read from /proc; failures are normal (the process may be gone).

No psutil: the daemon reads three small files where psutil would cost an import of ~2 MB and a
Process object per window. The name follows psutil's rule (the kernel's comm, which it cuts at 15
bytes, completed from argv[0] when that starts with it), so stored app names stay the same.
"""

from __future__ import annotations

import os

COMM_MAX = 15  # TASK_COMM_LEN - 1: longer names are cut by the kernel
DELETED = " (deleted)"  # readlink's mark of an executable replaced since the process started


def _name(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/comm", "rb") as f:
            name = f.read().rstrip(b"\n").decode("utf-8", "surrogateescape")
    except OSError:
        return None
    if len(name) >= COMM_MAX:
        full = os.path.basename(_argv0(pid))
        if full.startswith(name):
            name = full
    return name


def _argv0(pid: int) -> str:
    """argv[0] as psutil splits the command line (a process that rewrote it may use spaces)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            data = f.read().decode("utf-8", "surrogateescape")
    except OSError:
        return ""
    data = data[:-1] if data.endswith("\0") else data
    argv = data.split("\0")
    if len(argv) == 1 and " " in data:
        argv = data.split(" ")
    return argv[0]


def _exe(pid: int) -> str | None:
    """The executable's path; None when unreadable (another user's process, a kernel thread, a zombie)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    if exe.endswith(DELETED) and not os.path.exists(exe):
        exe = exe[: -len(DELETED)]
    return exe or None


def process_info(pid: int | None) -> tuple[str | None, str | None]:
    """Name and executable path of PID, or (None, None) when unknown or not ours to read."""
    if not pid or pid <= 0:
        return None, None
    name = _name(pid)
    if name is None:
        return None, None
    exe = _exe(pid)
    if exe is None and not os.path.exists(f"/proc/{pid}"):  # gone between the two reads
        return None, None
    return name, exe


def parent_pid(pid: int) -> int | None:
    """PID's parent from /proc, or None when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # The name (field 2) is in parentheses and may hold spaces or ")": the fields after the last ")".
    try:
        return int(stat[stat.rindex(b")") + 2 :].split()[1])
    except (ValueError, IndexError):
        return None
