"""The durable queue between the daemon and DuckDB: SQLite in WAL mode.

The daemon never opens DuckDB: loading it would break the daemon's memory goal (bench/README.md,
"Daemon CPU and memory"), and a process holding a DuckDB file open locks every other process
out of it, the CLI included. It upserts spans here -- closed ones, and the open one every
second or two so that a SIGKILL loses at most that much. A drain (tracker/app.py drain_queue, run by a short-lived
`offscreen drain` child and by every CLI command before it reads) copies every queued span into
DuckDB, upserting by span id, then deletes the closed ones it copied unless the daemon changed
them meanwhile (a revision counter). A crash anywhere in between duplicates nothing: the next
drain upserts the same ids again. A busy database leaves the queue as it is (DatabaseBusy
propagates) for a later drain.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tracker.paths import private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    id TEXT PRIMARY KEY,
    start REAL NOT NULL,        -- UTC epoch seconds
    "end" REAL NOT NULL,
    app TEXT,
    title TEXT,
    state TEXT NOT NULL,
    exe TEXT,
    closed INTEGER NOT NULL DEFAULT 0,
    rev INTEGER NOT NULL DEFAULT 0
)
"""
_UPSERT = """
INSERT INTO spans (id, start, "end", app, title, state, exe, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET start = excluded.start, "end" = excluded."end", app = excluded.app,
    title = excluded.title, state = excluded.state, exe = excluded.exe,
    closed = max(closed, excluded.closed), rev = rev + 1
"""


def _connect(path: Path) -> sqlite3.Connection:
    private_file(path)
    con = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a commit survives a killed process; only an OS crash may lose the
    # last commits. That matches "after SIGKILL at most the last 2 s are missing".
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(_SCHEMA)
    return con


class Queue:
    """The daemon's side: cheap upserts (~15 us each)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.con = _connect(self.path)

    def adopt_orphans(self) -> int:
        """Mark open spans left by a killed daemon as closed (we hold the daemon lock)."""
        return self.con.execute("UPDATE spans SET closed = 1, rev = rev + 1 WHERE closed = 0").rowcount

    def put(self, spans, closed: bool) -> None:
        rows = [(s.id, s.start, s.end, s.app, s.title, s.state, s.exe, int(closed)) for s in spans]
        if not rows:
            return
        with self.con:  # one transaction
            self.con.executemany(_UPSERT, rows)

    def has_closed(self) -> bool:
        """True when closed spans wait for a drain (the open span alone is not worth one)."""
        return self.con.execute("SELECT 1 FROM spans WHERE closed = 1 LIMIT 1").fetchone() is not None

    def sync(self) -> None:
        """Make everything committed so far durable against power loss too (shutdown)."""
        self.con.execute("PRAGMA wal_checkpoint(FULL)")

    def close(self) -> None:
        self.con.close()


def depth(queue_file: Path) -> int:
    """Spans waiting in the queue (0 when there is no queue); for `offscreen status`."""
    if not Path(queue_file).exists():
        return 0
    con = sqlite3.connect(f"file:{queue_file}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM spans").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def snapshot(queue_file: Path, since: float | None = None, until: float | None = None) -> dict | None:
    """What the queue holds, read-only (never creates or changes it), for `offscreen status`.

    `spans` and `closed` counts; `newest_end`, the latest span end (UTC epoch s): the open span's
    end is rewritten about every second while the daemon samples, so this is when it last sampled;
    and `seconds` by state of the queued time within [SINCE, UNTIL) when both are given. None when
    there is no queue yet or it cannot be read (locked, corrupt).
    """
    if not Path(queue_file).exists():
        return None
    try:
        con = sqlite3.connect(f"file:{queue_file}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        row = con.execute('SELECT count(*), coalesce(sum(closed), 0), max("end") FROM spans').fetchone()
        spans, closed, newest = row
        seconds: dict[str, float] = {}
        if since is not None and until is not None:
            rows = con.execute(
                'SELECT state, sum(min("end", ?) - max(start, ?)) FROM spans'
                ' WHERE "end" > ? AND start < ? GROUP BY state',
                (until, since, since, until),
            ).fetchall()
            seconds = {state: float(s) for state, s in rows if s and s > 0}
        return {"spans": spans, "closed": closed, "newest_end": newest, "seconds": seconds}
    except sqlite3.Error:
        return None
    finally:
        con.close()


def pending(queue_file: Path) -> list[tuple]:
    """Every queued span as (id, start, end, app, title, state, exe, closed, rev), for a drain."""
    if not Path(queue_file).exists():
        return []
    con = _connect(Path(queue_file))
    try:
        return con.execute('SELECT id, start, "end", app, title, state, exe, closed, rev FROM spans').fetchall()
    finally:
        con.close()


def forget(queue_file: Path, drained: list[tuple]) -> None:
    """Delete the closed spans a drain stored, unless the daemon changed them since (their rev)."""
    con = _connect(Path(queue_file))
    try:
        with con:
            con.executemany(
                "DELETE FROM spans WHERE id = ? AND rev = ? AND closed = 1",
                [(r[0], r[8]) for r in drained if r[7]],
            )
    finally:
        con.close()
