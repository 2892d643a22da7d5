"""`offscreen status`: is the daemon running, what did it last see, how much is waiting.

Status drains the daemon's queue first, like every command that reads activity, and then
computes today's totals with the very function `offscreen today` uses (tracker.usecases.today.
day_totals), so the two agree to the minute by construction. Counting the queued spans read-only
instead would need a second computation of the totals beside the SQL one (categories, clipping to
the day, the open span that is both queued and already drained), and two computations drift. A
drain is idempotent (upserts by span id) and is what the daemon's own drain child does, so
status stays safe in a loop; with nothing queued it creates and writes nothing. When the
database is busy or cannot be opened, the queue stays as it is and status says so, showing the
queued time as waiting rather than counting it.

Liveness comes from the kernel, not from a PID file that may be stale (tracker/daemon/lock.py).
The details (backend, state) come from the status file the daemon rewrites on every change, and
only then (`paths.daemon_status`). The last sample is the newest span end in the queue with the
daemon's heartbeat merged in (the open span's end, rewritten every 2 s while time counts and at the
watchdog's pace otherwise: tracker/daemon/queue.py), or the status file's, whichever is later. The
daemon is stuck when neither its status file nor its heartbeat changed for STALE_AFTER_S although
it promised to beat (screen time, or a watchdog pace in the status file); a quiet daemon without a
watchdog waits for events and is not stuck. A clean shutdown marks the status file `stopped_at`;
a status file without that mark and no daemon holding the lock means the daemon died (SIGKILL, OOM,
power), last seen alive at its last sample.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.daemon import lock
from tracker.domain.times import Calendar
from tracker.paths import Paths

# A daemon that should beat (every 2 s while time counts, at the watchdog's pace otherwise) and has
# written neither its status file nor its heartbeat for this long is stuck.
STALE_AFTER_S = 180
SCREEN_STATES = ("active", "watching")
# How long status waits for a busy database (the drain, then the totals): it answers, not hangs.
DB_WAIT_S = 2.0
START_HINT = "start it: offscreen service install, or offscreen daemon"
CRASH_HINT = (
    "its log says why (journalctl --user -u offscreen); start it again: "
    "systemctl --user restart offscreen, or offscreen daemon"
)


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


def _epoch(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def _snapshot(paths: Paths, since: float | None = None, until: float | None = None) -> dict[str, Any] | None:
    from tracker.daemon import queue

    try:
        return queue.snapshot(paths.queue_file, since, until)
    except Exception:  # a locked or corrupt queue must not break `status`
        return None


def daemon_info(paths: Paths, now: datetime) -> dict[str, Any]:
    """Running? PID, uptime, backend, display, last sample (with its age) and status-file age;
    when not running, whether it stopped cleanly or died, and when it was last seen alive."""
    pid = lock.holder(paths.daemon_lock)
    data = read_status_file(paths.daemon_status)
    started = _parse_iso(data.get("started_at"))
    last = _parse_iso(data.get("last_sample_at"))
    snap = _snapshot(paths) or {}
    newest = _epoch(snap.get("newest_end"))
    # Spans an earlier daemon left in the queue are not this one's samples.
    if newest and (started is None or newest >= started) and (last is None or newest > last):
        last = newest
    try:
        written: datetime | None = datetime.fromtimestamp(paths.daemon_status.stat().st_mtime, UTC)
    except OSError:
        written = None
    beat = _epoch(snap.get("beat_at"))
    alive = max((t for t in (written, beat) if t is not None), default=None)  # its latest sign of life
    # Whether it promised to show life: time counts (a heartbeat every 2 s), or a watchdog pace
    # (a status file from before heartbeats has no such field: it rewrote itself every minute).
    promised = data.get("state") in SCREEN_STATES or data.get("quiet_beat_every", 60) is not None

    def local(dt: datetime | None) -> str | None:
        return dt.astimezone(now.tzinfo).isoformat(timespec="seconds") if dt else None

    def age(dt: datetime | None) -> int | None:
        return round((now - dt).total_seconds()) if dt else None

    info: dict[str, Any] = {
        "running": pid is not None,
        "pid": pid,
        "started_at": local(started) if pid else None,
        "uptime_s": age(started) if pid else None,
        "backend": data.get("backend") if pid else None,
        "idle_source": data.get("idle_source") if pid else None,
        "degraded": data.get("degraded") if pid else None,
        "display": data.get("display") if pid else None,
        "state": data.get("state") if pid else None,
        "version": data.get("version") if pid else None,
        "interval": data.get("interval") if pid else None,
        "idle_after": data.get("idle_after") if pid else None,
        "last_sample_at": local(last) if pid else None,
        "last_sample_age_s": age(last) if pid else None,
        "status_age_s": age(alive) if pid else None,
        # Not running: "clean" (stopped by a signal, everything stored), "crashed" (died without
        # shutting down), or None (no daemon has run here, as far as the state directory knows).
        "stopped": None,
        "last_seen_at": None,
        "last_seen_age_s": None,
    }
    info["stale"] = bool(pid and promised and (info["status_age_s"] is None or info["status_age_s"] > STALE_AFTER_S))
    if pid is None and data:
        stopped_at = _parse_iso(data.get("stopped_at"))
        seen = stopped_at or last or written  # no sample at all (no display): its last status write
        info.update(stopped="clean" if stopped_at else "crashed", last_seen_at=local(seen), last_seen_age_s=age(seen))
    return info


def queue_depth(paths: Paths) -> int | None:
    """Spans waiting in the daemon's queue (0 when there is no queue yet; None if unreadable)."""
    if not paths.queue_file.exists():
        return 0
    snap = _snapshot(paths)
    return None if snap is None else int(snap["spans"])


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
    """Today's totals as stored in the database (tracker.usecases.today.day_totals, as `today`
    shows them). None before the database exists."""
    if not paths.db.exists():
        return None
    from tracker import store
    from tracker.errors import OffscreenError
    from tracker.usecases.nudges import status_line
    from tracker.usecases.today import day_totals

    try:
        with store.connect(paths.db, wait=min(DB_WAIT_S, store.DEFAULT_WAIT)) as con:
            data = day_totals(con, cal, config, now)
            nudge = status_line(con, cal, now)
    except OffscreenError as e:  # busy or unreadable: say so rather than "nothing recorded"
        return {"day": cal.day_of(now).isoformat(), "error": str(e)}
    out: dict[str, Any] = {"day": data["day"]}
    for state in ("active", "watching", "idle", "locked", "asleep"):
        out[f"{state}_seconds"] = data[f"{state}_seconds"]
    out["top_app"] = data["by_app"][0]["app"] if data["by_app"] else None
    out["face_to_face_minutes"] = data["face_to_face_minutes"]
    out["nudge"] = nudge  # today's nudge, if one was sent
    return out


def gather(
    paths: Paths, cal: Calendar, now: datetime, config, drain: Callable[[float], int] | None = None
) -> dict[str, Any]:
    """Everything `offscreen status` shows, as plain data. DRAIN(wait) moves the queue into the
    database first (App.drain); without it nothing is written and queued spans count as waiting."""
    daemon = daemon_info(paths, now)  # before the drain: it reads the queue as the daemon left it
    stored, error, drained = 0, None, False
    if drain is not None and paths.queue_file.exists():
        from tracker import store
        from tracker.errors import OffscreenError

        try:
            stored, drained = drain(min(DB_WAIT_S, store.DEFAULT_WAIT)), True
        except OffscreenError as e:  # busy, or a database that does not open: the queue keeps it all
            error = str(e)
    since, until = cal.day_bounds(cal.day_of(now))
    snap = _snapshot(paths, since.timestamp(), until.timestamp()) if paths.queue_file.exists() else None
    if snap is not None:
        # After a drain the open span is in the database too (the daemon keeps growing it in the
        # queue); what still waits is what the daemon closed since.
        depth: int | None = int(snap["closed"] if drained else snap["spans"])
    else:
        depth = None if paths.queue_file.exists() else 0
    if error is not None:
        today: dict[str, Any] | None = {
            "day": cal.day_of(now).isoformat(),
            "error": error,
            "waiting_seconds": {k: round(v) for k, v in (snap or {}).get("seconds", {}).items()},
        }
    else:
        today = today_totals(paths, cal, now, config)
    from tracker.daemon import queue

    return {
        "daemon": daemon,
        "queue_depth": depth,
        # Damaged queues moved aside (tracker/daemon/queue.py), listed while they are there.
        "queue": {
            "stored": stored,
            "error": error,
            "moved_aside": [str(p) for p in queue.damaged_copies(paths.queue_file)],
        },
        "database": database_info(paths),
        "today": today,
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


def _when(iso: str, now: datetime | None) -> str:
    """HH:MM for today, the date too for an earlier day (local: daemon_info)."""
    dt = datetime.fromisoformat(iso)
    same_day = now is not None and dt.date() == now.astimezone(dt.tzinfo).date()
    return dt.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")


def _seconds(v: float) -> str:
    """A duration as `offscreen today` prints it: 45s under a minute, else 6m or 1h05m."""
    from tracker.domain.times import format_duration

    return format_duration(v / 60) if v >= 60 else f"{v:.0f}s"


def render(info: dict[str, Any], now: datetime | None = None) -> list[str]:
    """Human lines for `offscreen status`."""
    d = info["daemon"]
    lines = []
    if d["running"]:
        extra = ", ".join(
            x
            for x in (
                f"up {format_age(d['uptime_s'])}" if d["uptime_s"] is not None else None,
                f"window source {d['backend']}" if d["backend"] else None,
                f"idle source {d['idle_source']}" if d.get("idle_source") else None,
                f"display {d['display']}" if d["display"] else None,
            )
            if x
        )
        lines.append(f"daemon:      running (PID {d['pid']}{', ' + extra if extra else ''})")
        if d.get("degraded"):
            lines.append(f"warning:     {d['degraded']} (offscreen doctor says how to fix it)")
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
    elif d.get("stopped") == "crashed":
        seen = (
            f" (last seen {_when(d['last_seen_at'], now)}, {format_age(d['last_seen_age_s'])} ago)"
            if d["last_seen_at"]
            else ""
        )
        lines.append(f"daemon:      not running: it stopped without shutting down{seen}")
        lines.append(f"             {CRASH_HINT}")
    elif d.get("stopped") == "clean" and d["last_seen_at"]:
        lines.append(
            f"daemon:      not running: it stopped cleanly at {_when(d['last_seen_at'], now)} "
            f"({format_age(d['last_seen_age_s'])} ago); {START_HINT}"
        )
    else:
        lines.append(f"daemon:      not running ({START_HINT})")
    q = info["queue_depth"]
    qs = info.get("queue") or {}
    if q is None:
        lines.append("queue:       unknown")
    else:
        note = (
            f" (not stored: {qs['error']})"
            if qs.get("error")
            else f" ({qs['stored']} stored just now)"
            if qs.get("stored")
            else ""
        )
        lines.append(f"queue:       {q} {'span' if q == 1 else 'spans'} waiting{note}")
    lines.extend(
        f"warning:     a damaged queue was moved aside to {aside}; spans in it not stored yet are missing "
        "(inspect it with sqlite3, then delete it)"
        for aside in qs.get("moved_aside") or []
    )
    db = info["database"]
    lines.append(f"database:    {db['path']} ({format_size(db['size_bytes']) if db['exists'] else 'not created yet'})")
    t = info["today"]
    states = ("active", "watching", "idle", "locked", "asleep")
    if t and t.get("error"):
        waiting = t.get("waiting_seconds") or {}
        parts = ", ".join(f"{s} {_seconds(waiting[s])}" for s in states if waiting.get(s))
        lines.append(f"today:       unknown ({t['error']})" + (f"; waiting in the queue: {parts}" if parts else ""))
    elif t and any(t[f"{s}_seconds"] for s in states):
        parts = ", ".join(f"{s} {_seconds(t[f'{s}_seconds'])}" for s in states if t[f"{s}_seconds"])
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
