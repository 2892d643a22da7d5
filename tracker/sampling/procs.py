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
