"""pid -> (process name, executable) via psutil; failures are normal (the process may be gone)."""

from __future__ import annotations


def process_info(pid: int | None) -> tuple[str | None, str | None]:
    """Name and executable path of PID, or (None, None) when unknown or not ours to read."""
    if not pid or pid <= 0:
        return None, None
    import psutil

    try:
        proc = psutil.Process(pid)
        name = proc.name()
        try:
            exe = proc.exe() or None
        except (psutil.AccessDenied, psutil.ZombieProcess, OSError):
            exe = None
        return name, exe
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return None, None


def parent_pid(pid: int) -> int | None:
    """PID's parent from /proc (cheap: no psutil object), or None when it is gone or unreadable."""
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
