"""The durable queue (tracker/daemon/queue.py) and its drain into a real DuckDB file."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tracker.app import drain_queue
from tracker.daemon import queue
from tracker.domain.spans import Span

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp()


def span(i, start, end, app="firefox", title="t", state="active"):
    return Span(f"id{i}", T0 + start, T0 + end, app, title, state)


def db_rows(db):
    from tracker.store import connect

    with connect(db) as con:
        return con.execute(
            "SELECT span_id, epoch(start_utc) - ?, epoch(end_utc) - ?, app, state FROM activity ORDER BY start_utc",
            [T0, T0],
        ).fetchall()


@pytest.fixture
def files(tmp_path):
    return tmp_path / "state" / "queue.sqlite3", tmp_path / "data" / "offscreen.duckdb"


def test_drain_moves_closed_spans_and_keeps_the_open_one(files):
    qf, db = files
    q = queue.Queue(qf)
    q.put([span(1, 0, 10), span(2, 10, 15, "code")], closed=True)
    q.put([span(3, 15, 16, "firefox")], closed=False)
    assert queue.depth(qf) == 3
    assert drain_queue(qf, db) == 3
    assert db_rows(db) == [
        ("id1", 0, 10, "firefox", "active"),
        ("id2", 10, 15, "code", "active"),
        ("id3", 15, 16, "firefox", "active"),
    ]
    assert queue.depth(qf) == 1  # the open span stays until it is closed
    q.put([span(3, 15, 30, "firefox")], closed=True)  # it grew, then closed
    assert drain_queue(qf, db) == 1
    assert db_rows(db)[-1] == ("id3", 15, 30, "firefox", "active")
    assert queue.depth(qf) == 0
    assert drain_queue(qf, db) == 0
    q.close()
    assert stat.S_IMODE(qf.stat().st_mode) == 0o600
    assert stat.S_IMODE(qf.parent.stat().st_mode) == 0o700


def test_a_crash_between_insert_and_delete_duplicates_nothing(files):
    qf, db = files
    q = queue.Queue(qf)
    spans = [span(i, i * 10, i * 10 + 5) for i in range(50)]
    q.put(spans, closed=True)
    drain_queue(qf, db)
    q.put(spans, closed=True)  # as if the first drain died before deleting from the queue
    drain_queue(qf, db)
    rows = db_rows(db)
    assert len(rows) == 50 and len({r[0] for r in rows}) == 50


def test_a_span_changed_during_a_drain_is_not_deleted(files, monkeypatch):
    qf, db = files
    q = queue.Queue(qf)
    q.put([span(1, 0, 5)], closed=True)
    from tracker.store import activity

    real = activity.upsert_spans

    def upsert_then_daemon_writes(con, rows, **kw):
        real(con, rows, **kw)
        q.put([span(1, 0, 9)], closed=True)  # the daemon re-emits the span meanwhile (backdating)

    monkeypatch.setattr(activity, "upsert_spans", upsert_then_daemon_writes)
    drain_queue(qf, db)
    monkeypatch.setattr(activity, "upsert_spans", real)
    assert queue.depth(qf) == 1
    drain_queue(qf, db)
    assert db_rows(db) == [("id1", 0, 9, "firefox", "active")]


def test_zero_length_spans_are_removed_downstream(files):
    qf, db = files
    q = queue.Queue(qf)
    q.put([span(1, 0, 5)], closed=False)
    drain_queue(qf, db)
    q.put([span(1, 0, 0)], closed=True)  # idle backdating truncated it away
    drain_queue(qf, db)
    assert db_rows(db) == []


def test_orphans_of_a_killed_daemon_are_closed_on_restart(files):
    qf, db = files
    q = queue.Queue(qf)
    q.put([span(1, 0, 5)], closed=False)
    q.close()
    q2 = queue.Queue(qf)
    assert q2.adopt_orphans() == 1
    drain_queue(qf, db)
    assert queue.depth(qf) == 0


def test_depth_without_a_queue_is_zero(tmp_path):
    assert queue.depth(tmp_path / "nope.sqlite3") == 0
    assert drain_queue(tmp_path / "nope.sqlite3", tmp_path / "db.duckdb") == 0
    assert not (tmp_path / "db.duckdb").exists()


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


def test_a_busy_database_delays_storage_and_loses_nothing(app, run):
    """Another process holds DuckDB open: the drain fails (exit 1), the queue keeps everything,
    and the first read after the holder lets go stores it."""
    q = queue.Queue(app.paths.queue_file)
    q.put([span(i, i * 10, i * 10 + 5) for i in range(3)], closed=True)
    q.close()
    from tracker.store import connect

    with connect(app.paths.db):
        pass  # create + migrate first
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(app.paths.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        r = run("drain", env={"OFFSCREEN_DB_WAIT": "0.3"})
        assert r.returncode == 1
        assert r.stderr.startswith("Error: database busy (held by PID ") and str(holder.pid) in r.stderr
        assert queue.depth(app.paths.queue_file) == 3
    finally:
        holder.stdin.close()
        holder.wait()
    r = run("today", "--json", check=0)  # every read drains first
    assert set(json.loads(r.stdout)) >= {"active_seconds", "by_app", "face_to_face_minutes"}
    assert queue.depth(app.paths.queue_file) == 0
    assert [row[0] for row in db_rows(app.paths.db)] == ["id0", "id1", "id2"]
