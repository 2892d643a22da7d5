"""The open span's heartbeat (tracker/daemon/queue.py): a small checksummed record in
$XDG_RUNTIME_DIR that every queue reader merges into the open span, so a SIGKILL loses at most its
pace (2 s) of screen time while SQLite is written only when the span opens or changes and once a
minute (issue 14). Torn or foreign records are ignored; a directory others can write is refused."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
from datetime import UTC, datetime

import pytest

from tracker.app import drain_queue
from tracker.daemon import queue
from tracker.domain.spans import Span
from tracker.errors import UserError
from x11_fixtures import daemon_factory, wait_for  # noqa: F401 (fixture)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def qf(tmp_path):
    return tmp_path / "state" / "queue.sqlite3"


def open_span(q, end, sid="a" * 32):
    span = Span(sid, T0, end, "AlphaApp", "doc", "active")
    q.put([span], closed=False)
    return span


def sqlite_end(qf, sid="a" * 32):
    con = sqlite3.connect(f"file:{qf}?mode=ro", uri=True)
    try:
        return con.execute('SELECT "end" FROM spans WHERE id = ?', (sid,)).fetchone()[0]
    finally:
        con.close()


def test_every_reader_sees_the_heartbeats_end_of_the_open_span(qf, tmp_path):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    hb = queue.heartbeat_path(qf, {"XDG_RUNTIME_DIR": str(run)})
    assert hb.parent == run / "offscreen"
    q = queue.Queue(qf, heartbeat=hb)
    span = open_span(q, T0 + 5)
    q.beat(Span(span.id, span.start, T0 + 42, span.app, span.title, span.state))
    assert stat.S_IMODE(hb.stat().st_mode) == 0o600 and stat.S_IMODE(hb.parent.stat().st_mode) == 0o700
    assert hb.stat().st_size == 48  # rewritten in place, never grown
    assert sqlite_end(qf) == T0 + 5  # SQLite is not written by a heartbeat
    # Readers need no environment: the queue names the heartbeat.
    assert [r[5] for r in queue.spans(qf)] == [T0 + 42]
    snap = queue.snapshot(qf, T0, T0 + 3600)
    assert snap["newest_end"] == T0 + 42 and snap["seconds"] == {"active": 42.0} and snap["beat_at"] is not None
    assert [r[2] for r in queue.pending(qf)] == [T0 + 42]
    q.close()


def test_the_drain_stores_the_heartbeats_end_and_a_restart_closes_the_span_there(qf, tmp_path):
    hb = tmp_path / "hb"
    q = queue.Queue(qf, heartbeat=hb)
    span = open_span(q, T0 + 5)
    q.beat(Span(span.id, span.start, T0 + 30, span.app, span.title, span.state))
    q.close()  # the daemon is gone (as after SIGKILL: nothing more is written)
    db = tmp_path / "offscreen.duckdb"
    drain_queue(qf, db)
    q2 = queue.Queue(qf, heartbeat=hb)
    assert q2.adopt_orphans() == 1
    assert sqlite_end(qf) == T0 + 30
    q2.beat(Span("b" * 32, T0 + 31, T0 + 31, "BetaApp", "x", "active"))  # the new daemon's span, elsewhere
    drain_queue(qf, db)
    from tracker.store import connect

    with connect(db) as con:
        rows = con.execute("SELECT span_id, epoch(end_utc) - ? FROM activity", [T0]).fetchall()
    assert rows == [("a" * 32, 30.0)]  # one row, ending at the heartbeat: nothing duplicated
    assert queue.depth(qf) == 0


@pytest.mark.parametrize(
    "damage",
    [
        b"",  # never written
        b"\0" * 48,
        b"garbage that is not a heartbeat at all, 48 byt",
        "torn",  # the first half of a new record over the second half of the old one
        "crc",  # one flipped bit
        "nan",
    ],
)
def test_a_torn_or_garbage_heartbeat_is_ignored(qf, tmp_path, damage):
    hb = tmp_path / "hb"
    q = queue.Queue(qf, heartbeat=hb)
    span = open_span(q, T0 + 5)
    old = queue.encode_beat(span.id, T0 + 10)
    new = queue.encode_beat(span.id, T0 + 99)
    if damage == "torn":
        data = new[:40] + old[40:]  # a tear inside the end: half new, half old
    elif damage == "crc":
        data = bytearray(new)
        data[20] ^= 1
        data = bytes(data)
    elif damage == "nan":
        head = queue._BEAT.pack(queue._MAGIC, span.id.encode(), float("nan"), 0)[:-4]
        data = head + queue.struct.pack("<I", queue.crc32(head))
    else:
        data = damage
    hb.write_bytes(data)
    assert queue.decode_beat(data) is None
    assert [r[5] for r in queue.spans(qf)] == [T0 + 5]
    assert queue.snapshot(qf)["newest_end"] == T0 + 5
    assert q.adopt_orphans() == 1 and sqlite_end(qf) == T0 + 5
    q.close()


def test_a_heartbeat_never_shortens_a_span_nor_stretches_a_closed_one(qf, tmp_path):
    hb = tmp_path / "hb"
    q = queue.Queue(qf, heartbeat=hb)
    span = open_span(q, T0 + 50)
    q.beat(Span(span.id, span.start, T0 + 20, span.app, span.title, span.state))  # older than SQLite's
    assert [r[5] for r in queue.spans(qf)] == [T0 + 50]
    # The span closes backdated (idle from its last input): a heartbeat written before must not revive its end.
    q.beat(Span(span.id, span.start, T0 + 80, span.app, span.title, span.state))
    q.put([Span(span.id, span.start, T0 + 60, span.app, span.title, "active")], closed=True)
    assert [r[5] for r in queue.spans(qf)] == [T0 + 60]
    q.close()


def test_a_symlinked_heartbeat_is_not_followed(qf, tmp_path):
    hb = tmp_path / "hb"
    q = queue.Queue(qf, heartbeat=hb)
    span = open_span(q, T0 + 5)
    elsewhere = tmp_path / "planted"
    elsewhere.write_bytes(queue.encode_beat(span.id, T0 + 999))
    hb.symlink_to(elsewhere)
    assert [r[5] for r in queue.spans(qf)] == [T0 + 5]
    with pytest.raises(OSError):
        q.beat(span)  # O_NOFOLLOW: the daemon does not write through it either
    q.close()


def test_a_runtime_dir_others_can_write_is_refused_like_the_queue(qf, tmp_path, monkeypatch):
    monkeypatch.delenv("OFFSCREEN_ALLOW_SHARED", raising=False)
    run = tmp_path / "run"
    run.mkdir()
    run.chmod(0o777)
    hb = queue.heartbeat_path(qf, {"XDG_RUNTIME_DIR": str(run)})
    with pytest.raises(UserError) as e:
        queue.Queue(qf, heartbeat=hb)
    assert f"directory {run} can be written by others (mode 0777)" in str(e.value)
    run.chmod(0o700)
    (run / "offscreen").mkdir(mode=0o700)
    hb.write_bytes(b"")
    hb.chmod(0o644)
    with pytest.raises(UserError) as e:
        queue.Queue(qf, heartbeat=hb)
    assert f"{hb} can be read by others (mode 0644)" in str(e.value)


def test_the_daemon_refuses_a_shared_runtime_dir_in_one_line(run, tmp_path):
    shared = tmp_path / "run"
    shared.mkdir()
    shared.chmod(0o777)
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "doc"]]))
    r = run("daemon", env={"XDG_RUNTIME_DIR": str(shared), "OFFSCREEN_FAKE_SCRIPT": str(script)}, timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith("Error: directory ") and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


@pytest.fixture
def fake_env(tmp_path):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "alpha doc"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "XDG_RUNTIME_DIR": str(run)}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LOG_LEVEL"):
        env.pop(var, None)
    return env


def test_sigkill_of_a_real_daemon_keeps_the_open_span_until_its_last_heartbeat(fake_env, daemon_factory, app):
    """The open span's end lives in the heartbeat: SQLite still holds the end it had when it
    opened, the next daemon closes it at the heartbeat's end, the drain stores it once."""
    qf = app.paths.queue_file
    # --interval 30: the scripted sampler (no deadline()) is polled rarely; the heartbeat wakes it.
    d = daemon_factory(fake_env, "--interval", 30)
    d.wait_status(lambda s: s["state"] == "active")
    span = wait_for(lambda: next((s for s in d.spans() if s.seconds >= 4.0), None), what="4 s of heartbeats")
    hb = queue.heartbeat_path(qf, fake_env)
    assert hb.parent == app.paths.queue_file.parent.parent.parent / "run" / "offscreen"
    assert stat.S_IMODE(hb.stat().st_mode) == 0o600
    assert d.stop(signal.SIGKILL) == -signal.SIGKILL
    beat = queue.read_beat(hb)
    assert beat is not None and beat[1] >= span.end
    ((sid, *_rest),) = queue.spans(qf)
    assert beat[0] == sid
    assert sqlite_end(qf, sid) < beat[1] - 3.0  # SQLite was not rewritten every second
    d2 = daemon_factory(fake_env, "--interval", 30)
    d2.wait_status(lambda s: s["state"] == "active" and s["pid"] == d2.p.pid)
    assert "closed 1 span(s) left open by a previous daemon" in d2.text()
    assert d2.stop() == 0
    from tracker.store import connect

    with connect(app.paths.db) as con:
        rows = con.execute("SELECT span_id, epoch(end_utc) FROM activity ORDER BY start_utc").fetchall()
    assert rows[0][0] == sid and abs(rows[0][1] - beat[1]) < 1e-3, (rows, beat)
    assert len({r[0] for r in rows}) == len(rows) == 2


def test_a_heartbeat_file_removed_under_the_daemon_is_made_again(qf, tmp_path):
    hb = tmp_path / "hb"
    q = queue.Queue(qf, heartbeat=hb)
    span = open_span(q, T0 + 5)
    q.beat(span)
    hb.unlink()  # systemd-tmpfiles, or someone cleaning the runtime directory
    q.beat(Span(span.id, span.start, T0 + 9, span.app, span.title, span.state))
    assert [r[5] for r in queue.spans(qf)] == [T0 + 9]
    q.close()


def test_a_runtime_dir_that_cannot_hold_the_heartbeat_falls_back_beside_the_queue(tmp_path):
    # As under a unit that makes $XDG_RUNTIME_DIR read-only: the daemon still starts, says where
    # the heartbeat went instead, and every reader finds it there (the queue records the path).
    from tracker.daemon import queue as queue_mod
    from tracker.domain.spans import Span

    blocked = tmp_path / "run"
    blocked.write_text("")  # not a directory: nothing can be made inside it (EROFS fails the same way)
    said = []
    q = queue_mod.Queue(
        tmp_path / "state" / "queue.sqlite3",
        log=lambda level, msg: said.append((level, msg)),
        heartbeat=blocked / "offscreen" / "heartbeat-1",
    )
    try:
        beside = tmp_path / "state" / "queue.sqlite3.heartbeat"
        assert q.heartbeat == beside
        assert said and said[0][0] == "warning" and str(beside) in said[0][1]
        span = Span("a" * 32, 1000.0, 1001.0, "AlphaApp", "t", "active")
        q.put([span], closed=False)
        span.end = 1009.0
        q.beat(span)
        assert beside.stat().st_mode & 0o777 == 0o600
        [row] = queue_mod.pending(tmp_path / "state" / "queue.sqlite3")
        assert row[2] == 1009.0  # the end from the heartbeat beside the queue
    finally:
        q.close()
