"""`offscreen status`: is the daemon running, what did it last see, how much is waiting.

Read-only: status never creates, drains or migrates anything, so it is safe to run in a loop.
Liveness comes from the kernel, not from a PID file that may be stale (tracker/daemon/lock.py).
The details (backend, last sample) come from the status file the daemon rewrites at least every
60 s (`paths.daemon_status`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.daemon import lock
from tracker.domain.times import Calendar
from tracker.paths import Paths

# The daemon rewrites its status file at least every 60 s; older than this means it is stuck.
STALE_AFTER_S = 180


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def read_status_file(path: Path) -> dict[str, Any]:
    """The daemon's status JSON, or {} when missing or half-written garbage."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def daemon_info(paths: Paths, now: datetime) -> dict[str, Any]:
    """Running? PID, uptime, backend, display, last sample (with its age) and status-file age."""
    pid = lock.holder(paths.daemon_lock)
    data = read_status_file(paths.daemon_status) if pid else {}
    started = _parse_iso(data.get("started_at"))
    last = _parse_iso(data.get("last_sample_at"))
    try:
        written = datetime.fromtimestamp(paths.daemon_status.stat().st_mtime, UTC) if pid else None
    except OSError:
        written = None
    status_age = round((now - written).total_seconds()) if written else None
    info = {
        "running": pid is not None,
        "pid": pid,
        "started_at": started.astimezone(now.tzinfo).isoformat() if started else None,
        "uptime_s": round((now - started).total_seconds()) if started else None,
        "backend": data.get("backend"),
        "display": data.get("display"),
        "state": data.get("state"),
        "version": data.get("version"),
        "interval": data.get("interval"),
        "idle_after": data.get("idle_after"),
        "last_sample_at": last.astimezone(now.tzinfo).isoformat() if last else None,
        "last_sample_age_s": round((now - last).total_seconds()) if last else None,
        "status_age_s": status_age,
    }
    info["stale"] = bool(pid and (status_age is None or status_age > STALE_AFTER_S))
    return info


def queue_depth(paths: Paths) -> int | None:
    """Spans waiting in the daemon's queue (0 when there is no queue yet; None if unreadable)."""
    if not paths.queue_file.exists():
        return 0
    from tracker.daemon import queue

    try:
        return int(queue.depth(paths.queue_file))
    except Exception:  # a locked or corrupt queue must not break `status`
        return None


def database_info(paths: Paths) -> dict[str, Any]:
    """Path, existence and size (file plus its WAL) of the DuckDB database."""
    db = paths.db
    size = 0
    for p in (db, db.with_name(db.name + ".wal")):
        try:
            size += p.stat().st_size
        except OSError:
            pass
    return {"path": str(db), "exists": db.exists(), "size_bytes": size}


def today_totals(paths: Paths, cal: Calendar, now: datetime, config) -> dict[str, Any] | None:
    """Today's totals as stored in the database (tracker.usecases.today.day_totals); spans still in
    the queue are not counted (see queue_depth). None before the database exists."""
    if not paths.db.exists():
        return None
    from tracker import store
    from tracker.errors import OffscreenError
    from tracker.usecases.nudges import status_line
    from tracker.usecases.today import day_totals

    try:
        with store.connect(paths.db, wait=2) as con:
            data = day_totals(con, cal, config, now)
            nudge = status_line(con, cal, now)
    except OffscreenError as e:  # busy or unreadable: say so rather than "nothing recorded"
        return {"day": cal.day_of(now).isoformat(), "error": str(e)}
    out: dict[str, Any] = {"day": data["day"]}
    for state in ("active", "idle", "locked", "asleep"):
        out[f"{state}_seconds"] = data[f"{state}_seconds"]
    out["top_app"] = data["by_app"][0]["app"] if data["by_app"] else None
    out["face_to_face_minutes"] = data["face_to_face_minutes"]
    out["nudge"] = nudge  # today's nudge, if one was sent
    return out


def gather(paths: Paths, cal: Calendar, now: datetime, config) -> dict[str, Any]:
    """Everything `offscreen status` shows, as plain data."""
    return {
        "daemon": daemon_info(paths, now),
        "queue_depth": queue_depth(paths),
        "database": database_info(paths),
        "today": today_totals(paths, cal, now, config),
    }


def format_age(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(max(seconds, 0))
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"


def format_size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n}"  # pragma: no cover


def render(info: dict[str, Any]) -> list[str]:
    """Human lines for `offscreen status`."""
    d = info["daemon"]
    lines = []
    if d["running"]:
        extra = ", ".join(
            x
            for x in (
                f"up {format_age(d['uptime_s'])}" if d["uptime_s"] is not None else None,
                f"backend {d['backend']}" if d["backend"] else None,
                f"display {d['display']}" if d["display"] else None,
            )
            if x
        )
        lines.append(f"daemon:      running (PID {d['pid']}{', ' + extra if extra else ''})")
        if d["last_sample_at"]:
            when = datetime.fromisoformat(d["last_sample_at"]).strftime("%H:%M:%S")  # local (daemon_info)
            state = f", {d['state']}" if d["state"] else ""
            lines.append(f"last sample: {when} ({format_age(d['last_sample_age_s'])} ago{state})")
        else:
            lines.append("last sample: none yet")
        if d["stale"]:
            lines.append(
                f"warning:     the daemon has not updated its status for {format_age(d['status_age_s'])}; "
                "it may be stuck (systemctl --user restart offscreen)"
            )
    else:
        lines.append("daemon:      not running (start it: offscreen service install, or offscreen daemon)")
    q = info["queue_depth"]
    lines.append(f"queue:       {'unknown' if q is None else str(q) + (' span' if q == 1 else ' spans') + ' waiting'}")
    db = info["database"]
    lines.append(f"database:    {db['path']} ({format_size(db['size_bytes']) if db['exists'] else 'not created yet'})")
    t = info["today"]
    states = ("active", "idle", "locked", "asleep")
    if t and t.get("error"):
        lines.append(f"today:       unknown ({t['error']})")
    elif t and any(t[f"{s}_seconds"] for s in states):
        parts = ", ".join(f"{s} {_minutes(t[f'{s}_seconds'] / 60)}" for s in states if t[f"{s}_seconds"])
        top = f"; most used: {t['top_app']}" if t["top_app"] else ""
        waiting = f" (+{q} queued)" if q else ""
        lines.append(f"today:       {parts}{top}{waiting}")
    else:
        lines.append("today:       nothing recorded yet" + (f" ({q} queued)" if q else ""))
    if t and not t.get("error"):
        lines.append(f"in person:   {_minutes(t['face_to_face_minutes'])} today")
        if t.get("nudge"):
            lines.append(t["nudge"])
    return lines


def _minutes(v: float) -> str:
    from tracker.domain.times import format_duration

    return format_duration(v)
