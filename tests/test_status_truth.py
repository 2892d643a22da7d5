"""`offscreen status` tells the truth: it agrees with `today` (queued time included), its "last
sample" is the newest sample the daemon queued, and a daemon that died says so and when it was
last seen alive; one stopped cleanly says that instead."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import paths as paths_mod
from tracker.daemon.queue import Queue
from tracker.domain.spans import Span
from tracker.domain.times import format_duration
from tracker.ops import status
from x11_fixtures import daemon_factory, wait_for  # noqa: F401 (fixtures)

NOW = datetime.fromisoformat("2026-03-10T15:00:00+01:00")  # a Tuesday afternoon in Berlin (the tests' zone)


def fmt(seconds: float) -> str:
    """How `today` prints a duration (tracker/commands/activity.py)."""
    return format_duration(seconds / 60) if seconds >= 60 else f"{seconds:.0f}s"


def queue_spans(p, now: datetime) -> dict[str, float]:
    """Two closed spans and the open one, all within NOW's day; returns the seconds by state."""
    t = now.timestamp()
    q = Queue(p.queue_file)
    q.put(
        [
            Span("a1", t - 600, t - 400, "AlphaApp", "doc", "active"),  # 200 s
            Span("i1", t - 400, t - 360, "AlphaApp", "doc", "idle"),  # 40 s
        ],
        closed=True,
    )
    q.put([Span("b1", t - 360, t - 175, "BetaApp", "page", "active")], closed=False)  # 185 s, still open
    q.close()
    return {"active": 385.0, "idle": 40.0}


def test_status_drains_the_queue_and_agrees_with_today(cli):
    p = paths_mod.resolve()
    secs = queue_spans(p, NOW)
    env = {"OFFSCREEN_NOW": NOW.isoformat()}
    assert not p.db.exists()

    r = cli("status", check=1, env=env)
    lines = r.stdout.splitlines()
    assert p.db.exists()  # the spans are in the database now, and the database line says so
    assert lines[1] == "queue:       0 spans waiting (3 stored just now)"
    assert lines[2] == f"database:    {p.db} ({status.format_size(status.database_info(p)['size_bytes'])})"
    assert lines[3] == (f"today:       active {fmt(secs['active'])}, idle {fmt(secs['idle'])}; most used: AlphaApp"), (
        lines
    )

    today = json.loads(cli("today", "--json", check=0, env=env).stdout)
    data = json.loads(cli("status", "--json", check=1, env=env).stdout)
    for state in ("active", "idle", "locked", "asleep"):
        assert data["today"][f"{state}_seconds"] == today[f"{state}_seconds"], state
    assert today["active_seconds"] == secs["active"] and today["idle_seconds"] == secs["idle"]
    assert data["database"]["exists"] is True
    # Again: the open span stays queued for the daemon and is stored again, never counted twice.
    assert data["queue_depth"] == 0 and data["queue"]["stored"] == 1
    text = cli("today", check=0, env=env).stdout
    assert f"  screen time   {fmt(secs['active'])}" in text.splitlines()


def test_status_with_nothing_queued_creates_no_database(cli):
    r = cli("status", check=1, env={"OFFSCREEN_NOW": NOW.isoformat()})
    assert "queue:       0 spans waiting" in r.stdout.splitlines()
    assert not paths_mod.resolve().db.exists()


HOLD = "import sys, duckdb\ncon = duckdb.connect(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.read()\n"


def test_status_with_a_busy_database_labels_queued_time_as_waiting(cli):
    from tracker import store

    p = paths_mod.resolve()
    with store.connect(p.db):
        pass
    secs = queue_spans(p, NOW)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(p.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        r = cli("status", check=1, env={"OFFSCREEN_NOW": NOW.isoformat(), "OFFSCREEN_DB_WAIT": "0.3"})
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    lines = r.stdout.splitlines()
    assert lines[1].startswith(f"queue:       3 spans waiting (not stored: database busy (held by PID {holder.pid})")
    assert lines[3].startswith(f"today:       unknown (database busy (held by PID {holder.pid})")
    assert lines[3].endswith(f"; waiting in the queue: active {fmt(secs['active'])}, idle {fmt(secs['idle'])}")


# --- last sample --------------------------------------------------------------------------------

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def lock_holder():
    """A real process holding the daemon lock the way the daemon does (flock + PID inside)."""
    procs = []

    def start(lock: Path):
        lock.parent.mkdir(parents=True, exist_ok=True)
        p = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert p.stdout.readline().strip() == "locked"
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.stdin.close()
        p.wait(timeout=10)


def write_status_file(p, pid: int, started: datetime, last: datetime | None):
    p.daemon_status.parent.mkdir(parents=True, exist_ok=True)
    p.daemon_status.write_text(
        json.dumps(
            {
                "pid": pid,
                "started_at": started.isoformat(),
                "backend": "fake",
                "last_sample_at": last.isoformat() if last else None,
                "state": "active",
            }
        )
    )


def test_last_sample_is_the_newest_span_end_in_the_queue(cli, lock_holder):
    """The status file is rewritten only on a change or every 60 s; the open span's end is queued
    about every second: that is when the daemon last sampled."""
    p = paths_mod.resolve()
    holder = lock_holder(p.daemon_lock)
    write_status_file(p, holder.pid, NOW - timedelta(hours=1), NOW - timedelta(seconds=40))
    Queue(p.queue_file).put([Span("o1", NOW.timestamp() - 50, NOW.timestamp() - 2, "A", "t", "active")], closed=False)
    r = cli("status", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()})
    assert (
        r.stdout.splitlines()[1]
        == f"last sample: {(NOW - timedelta(seconds=2)).strftime('%H:%M:%S')} (2 s ago, active)"
    )
    d = json.loads(cli("status", "--json", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()}).stdout)["daemon"]
    assert d["last_sample_age_s"] == 2


def test_spans_of_an_earlier_daemon_are_not_this_ones_last_sample(cli, lock_holder):
    p = paths_mod.resolve()
    holder = lock_holder(p.daemon_lock)
    write_status_file(p, holder.pid, NOW - timedelta(seconds=30), None)  # no display: no sample yet
    Queue(p.queue_file).put([Span("o1", NOW.timestamp() - 900, NOW.timestamp() - 600, "A", "t", "active")], closed=True)
    r = cli("status", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()})
    assert r.stdout.splitlines()[1] == "last sample: none yet"


# --- a daemon that died, and one that stopped ---------------------------------------------------


@pytest.fixture
def fake_env(tmp_path):
    import os

    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "alpha doc"], [0.4, "BetaApp", "beta page"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "OFFSCREEN_DB_WAIT": "2"}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LOG_LEVEL"):
        env.pop(var, None)
    return env


def newest_end(queue_file: Path) -> float:
    """The newest span end the queue holds, the open span's heartbeat included (the daemon writes
    the open span's end there every 2 s, into SQLite about every minute)."""
    from tracker.daemon import queue

    snap = queue.snapshot(queue_file)
    assert snap is not None
    return snap["newest_end"]


def local(epoch: float) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo("Europe/Berlin"))


def test_a_killed_daemon_is_reported_dead_with_when_it_was_last_seen(fake_env, daemon_factory, cli, app):
    d = daemon_factory(fake_env, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")
    wait_for(lambda: any(s.app == "BetaApp" and s.seconds > 0.5 for s in d.spans()), what="BetaApp recorded")
    assert d.stop(signal.SIGKILL) == -signal.SIGKILL
    st = json.loads(d.status_file.read_text())
    seen = max(newest_end(d.queue_file), datetime.fromisoformat(st["last_sample_at"]).timestamp())
    # Status asked six minutes after the crash (in UTC: wall-clock arithmetic breaks across DST).
    now = datetime.fromtimestamp(seen, UTC) + timedelta(minutes=6)
    env = {"OFFSCREEN_NOW": now.isoformat()}

    r = cli("status", check=1, env=env)
    lines = r.stdout.splitlines()
    assert lines[0] == (
        f"daemon:      not running: it stopped without shutting down (last seen {local(seen):%H:%M}, 6 min ago)"
    )
    assert lines[1] == (
        "             its log says why (journalctl --user -u offscreen); start it again: "
        "systemctl --user restart offscreen, or offscreen daemon"
    )
    data = json.loads(cli("status", "--json", check=1, env=env).stdout)["daemon"]
    assert data["running"] is False and data["stopped"] == "crashed"
    assert data["last_seen_age_s"] == 360
    assert abs(datetime.fromisoformat(data["last_seen_at"]).timestamp() - seen) < 1


def test_a_daemon_stopped_with_sigterm_says_it_stopped_cleanly(fake_env, daemon_factory, cli, app):
    d = daemon_factory(fake_env, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")
    before = datetime.now(UTC)
    assert d.stop(signal.SIGTERM) == 0
    st = json.loads(d.status_file.read_text())
    stopped = datetime.fromisoformat(st["stopped_at"])
    assert before - timedelta(seconds=1) <= stopped <= datetime.now(UTC) and st["state"] == "stopped"
    now = stopped + timedelta(minutes=6)
    r = cli("status", check=1, env={"OFFSCREEN_NOW": now.isoformat()})
    assert r.stdout.splitlines()[0] == (
        f"daemon:      not running: it stopped cleanly at {local(stopped.timestamp()):%H:%M} (6 min ago); "
        "start it: offscreen service install, or offscreen daemon"
    )
    data = json.loads(cli("status", "--json", check=1, env={"OFFSCREEN_NOW": now.isoformat()}).stdout)["daemon"]
    assert data["stopped"] == "clean" and data["last_seen_age_s"] == 360
    # A new daemon running again is just running.
    d2 = daemon_factory(fake_env, "--interval", 0.1)
    d2.wait_status(lambda s: s["state"] == "active" and s.get("pid") == d2.p.pid)
    assert re.match(rf"daemon:      running \(PID {d2.p.pid}", cli("status", check=0).stdout)
    assert d2.stop() == 0


# --- a quiet daemon is not a stuck one (issue 14: status on change only, the heartbeat as life) ---


def quiet_status(p, pid: int, state: str, quiet_beat_every, written: datetime):
    import os

    p.daemon_status.parent.mkdir(parents=True, exist_ok=True)
    p.daemon_status.write_text(
        json.dumps(
            {
                "pid": pid,
                "started_at": (written - timedelta(hours=1)).isoformat(),
                "backend": "fake",
                "last_sample_at": written.isoformat(),
                "state": state,
                "quiet_beat_every": quiet_beat_every,
            }
        )
    )
    os.utime(p.daemon_status, (written.timestamp(), written.timestamp()))


def stale(cli) -> bool:
    return json.loads(cli("status", "--json", check=0).stdout)["daemon"]["stale"]


def test_an_idle_daemon_without_a_watchdog_waits_for_events_and_is_not_stuck(cli, lock_holder, monkeypatch):
    p = paths_mod.resolve()
    holder = lock_holder(p.daemon_lock)
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setenv("OFFSCREEN_NOW", now.isoformat())
    quiet_status(p, holder.pid, "idle", None, now - timedelta(minutes=10))
    assert stale(cli) is False
    # Screen time promises a heartbeat every 2 s: ten minutes of silence is a stuck daemon.
    quiet_status(p, holder.pid, "active", None, now - timedelta(minutes=10))
    assert stale(cli) is True


def test_a_heartbeat_at_the_watchdogs_pace_shows_an_idle_daemon_alive(cli, lock_holder, monkeypatch, tmp_path):
    import os

    p = paths_mod.resolve()
    holder = lock_holder(p.daemon_lock)
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setenv("OFFSCREEN_NOW", now.isoformat())
    quiet_status(p, holder.pid, "idle", 15.0, now - timedelta(minutes=10))
    hb = tmp_path / "hb"
    q = Queue(p.queue_file, heartbeat=hb)
    span = Span("i" * 32, now.timestamp() - 900, now.timestamp() - 600, None, None, "idle")
    q.put([span], closed=False)
    q.beat(Span(span.id, span.start, now.timestamp() - 5, None, None, "idle"))
    q.close()
    os.utime(hb, (now.timestamp() - 5, now.timestamp() - 5))
    d = json.loads(cli("status", "--json", check=0).stdout)["daemon"]
    assert d["stale"] is False and d["status_age_s"] == 5 and d["last_sample_age_s"] == 5
    os.utime(hb, (now.timestamp() - 600, now.timestamp() - 600))  # the heartbeat stopped too
    assert stale(cli) is True
