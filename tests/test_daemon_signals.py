"""The daemon process: lock, signals, reload, logs, sd_notify, no display (scripted sampler)."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.daemon import queue
from x11_fixtures import daemon_factory, wait_for  # noqa: F401 (fixture)


@pytest.fixture
def fake_env(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "alpha doc"], [0.4, "BetaApp", "beta page"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "OFFSCREEN_DB_WAIT": "2"}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LOG_LEVEL"):
        env.pop(var, None)
    return env


def queued(app):
    """(app, title, seconds) of the spans in the daemon's queue (the open span's end: its heartbeat)."""
    return [(a, t, end - start) for _id, a, t, _st, start, end, _c in queue.spans(app.paths.queue_file)]


def queued_apps(app):
    """Apps with a span of positive length in the queue."""
    return {a for a, _t, secs in queued(app) if secs > 0}


def db_rows(app):
    from tracker.store import connect

    with connect(app.paths.db) as con:  # no drain: what the daemon itself stored
        return con.execute("SELECT app, title, state FROM activity ORDER BY start_utc").fetchall()


def test_second_daemon_exits_1_naming_the_first(fake_env, daemon_factory, run, cli, app):
    d = daemon_factory(fake_env, "--interval", 0.1)
    st = d.wait_status(lambda s: s["state"] == "active")
    assert st["pid"] == d.p.pid and st["backend"] == "fake"
    assert app.paths.daemon_lock.read_text().strip() == str(d.p.pid)
    r = run("daemon", env=fake_env)
    assert (r.returncode, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: offscreen daemon already running (PID {d.p.pid}); "
        "one runs per OFFSCREEN_HOME: `offscreen status` shows it, "
        "stop it first to start another\n",
    )
    assert d.p.poll() is None
    from tracker.daemon import lock

    assert lock.holder(app.paths.daemon_lock) == d.p.pid
    today = json.loads(cli("today", "--json", env=fake_env, check=0).stdout)
    assert today["daemon_running"] is True
    assert "not running" not in cli("today", env=fake_env, check=0).stdout
    assert d.stop() == 0
    assert lock.holder(app.paths.daemon_lock) is None  # the file stays, the lock is gone


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_stores_everything_and_exits_0(fake_env, daemon_factory, app, sig):
    d = daemon_factory(fake_env, "--interval", 0.1)
    st = d.wait_status(lambda s: s["state"] == "active")
    assert set(st) >= {
        "pid",
        "started_at",
        "backend",
        "last_sample_at",
        "interval",
        "idle_after",
        "version",
        "state",
        "display",
    }
    assert st["interval"] == 0.1 and st["idle_after"] == 180
    assert stat.S_IMODE(d.status_file.stat().st_mode) == 0o600
    wait_for(lambda: "BetaApp" in queued_apps(app), what="the second window in the queue")
    assert d.stop(sig) == 0
    st = json.loads(d.status_file.read_text())  # kept, marked: `status` tells a clean stop from a crash
    assert st["state"] == "stopped" and st["stopped_at"] >= st["last_sample_at"] >= st["started_at"]
    assert db_rows(app) == [("AlphaApp", "alpha doc", "active"), ("BetaApp", "beta page", "active")]
    assert queue.depth(app.paths.queue_file) == 0
    assert "INFO stopped" in d.text()


HOLD = "import sys, duckdb\ncon = duckdb.connect(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.read()\n"


def test_stop_while_database_busy_keeps_spans_queued_for_the_next_read(fake_env, daemon_factory, app, cli):
    from tracker.store import connect

    with connect(app.paths.db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(app.paths.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        d = daemon_factory({**fake_env, "OFFSCREEN_DB_WAIT": "0.3"}, "--interval", 0.1)
        d.wait_status(lambda s: s["state"] == "active")
        wait_for(lambda: "BetaApp" in queued_apps(app), what="the second window in the queue")
        assert d.stop() == 0
        assert "final drain failed" in d.text()
        assert queue.depth(app.paths.queue_file) == 2
    finally:
        holder.stdin.close()
        holder.wait()
    cli("today", check=0)
    assert queue.depth(app.paths.queue_file) == 0
    assert [r[0] for r in db_rows(app)] == ["AlphaApp", "BetaApp"]


def test_unwritable_database_keeps_spans_queued_for_a_writable_one(fake_env, daemon_factory, app, cli, tmp_path):
    """An unwritable database (here: its directory is a file) delays storage, never
    loses it; exit 0, and the next command with a usable database stores everything once."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    bad = blocker / "offscreen.duckdb"
    d = daemon_factory({**fake_env, "OFFSCREEN_DB": str(bad)}, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")
    wait_for(lambda: "BetaApp" in queued_apps(app), what="the second window in the queue")
    assert d.stop() == 0
    assert "final drain failed (1)" in d.text() and "Not a directory" in d.text()
    assert queue.depth(app.paths.queue_file) == 2 and blocker.read_text() == "x"
    r = cli("today", check=1, env={"OFFSCREEN_DB": str(bad)})
    assert r.stderr.startswith(f"Error: cannot open database {bad}: ") and queue.depth(app.paths.queue_file) == 2
    cli("today", check=0)
    assert queue.depth(app.paths.queue_file) == 0
    assert [r[0] for r in db_rows(app)] == ["AlphaApp", "BetaApp"]


def test_escape_sequences_in_app_names_never_reach_the_terminal(daemon_factory, app, cli, tmp_path):
    script = tmp_path / "evil.json"
    script.write_text(json.dumps([[0, "\x1b]0;pwned\x07Evil\x1b[31m", "t\x1b[2J"], [0.4, "BetaApp", "beta"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "OFFSCREEN_DB_WAIT": "2"}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LOG_LEVEL"):
        env.pop(var, None)
    d = daemon_factory(env, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")
    wait_for(lambda: "BetaApp" in queued_apps(app), what="the second window in the queue")
    assert d.stop() == 0
    out = cli("today", check=0).stdout + cli("report", check=0).stdout
    assert "]0;pwnedEvil[31m" in out
    assert not [c for c in out if ord(c) < 32 and c != "\n"]
    assert db_rows(app)[0] == ("]0;pwnedEvil[31m", "t[2J", "active")


HINT = "(run the daemon inside your graphical session, e.g. via `offscreen service install`, or set DISPLAY or WAYLAND_DISPLAY)"


def no_nudges(app):
    """The drain child may send a nudge (the day's nudge rides on it); tests that compare whole logs turn that off."""
    app.paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    app.paths.config_file.write_text("[nudges]\nenabled = false\n")


def test_no_display_is_logged_and_retried_with_backoff(tmp_path, daemon_factory, app):
    no_nudges(app)
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "JOURNAL_STREAM", "LOG_LEVEL")
    }
    d = daemon_factory(env)
    st = d.wait_status()
    assert st["backend"] == "none" and st["state"] == "no-display" and st["display"] is None
    wait_for(lambda: "retrying in 2 s" in d.text(), timeout=10, what="second retry")
    assert d.p.poll() is None
    assert d.stop() == 0
    lines = [ln for ln in d.text().splitlines() if ln.startswith("WARNING no display")]
    assert lines[0] == "WARNING no display: $DISPLAY is not set " + HINT + "; recording nothing, retrying in 1 s"
    assert lines[1] == "WARNING no display: $DISPLAY is not set " + HINT + "; recording nothing, retrying in 2 s"
    assert len([ln for ln in lines if "no display" in ln]) <= 3  # backoff, not a busy loop


def test_sighup_reloads_privacy_and_keeps_the_old_config_when_bad(fake_env, daemon_factory, app):
    cfg = app.paths.config_file
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[privacy]\ntitles = "keep"\n')
    script = json.loads(open(fake_env["OFFSCREEN_FAKE_SCRIPT"]).read())
    open(fake_env["OFFSCREEN_FAKE_SCRIPT"], "w").write(json.dumps(script[:1]))
    d = daemon_factory(fake_env, "--interval", 0.1)
    wait_for(lambda: ("AlphaApp", "alpha doc") in [(a, t) for a, t, secs in queued(app) if secs > 0])
    cfg.write_text('[privacy]\ntitles = "redact"\n[categories]\nuse_defaults = false\n')
    d.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "configuration reloaded" in d.text(), what="reload")
    assert "INFO configuration reloaded: privacy changed, categories changed" in d.text()
    wait_for(lambda: ("AlphaApp", None) in [(a, t) for a, t, secs in queued(app) if secs > 0])
    cfg.write_text('[privacy]\ntitles = "shout"\n')
    d.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "not reloaded" in d.text(), what="bad reload")
    assert "ERROR configuration not reloaded, keeping the previous one: " in d.text()
    assert "privacy.titles: must be one of keep, redact, hash" in d.text()

    def redacted_seconds():
        return max(secs for a, t, secs in queued(app) if t is None)

    last = redacted_seconds()
    wait_for(lambda: redacted_seconds() > last + 0.15, what="sampling to go on")
    assert d.p.poll() is None
    assert d.stop() == 0
    assert db_rows(app) == [("AlphaApp", "alpha doc", "active"), ("AlphaApp", None, "active")]


def test_journald_priorities_and_log_level(fake_env, daemon_factory, app):
    no_nudges(app)
    d = daemon_factory({**fake_env, "JOURNAL_STREAM": "8:1234"}, "--interval", 0.1)
    d.wait_status()
    assert d.stop() == 0
    lines = d.text().splitlines()
    assert lines and all(ln.startswith("<6>offscreen: ") for ln in lines), lines
    d2 = daemon_factory({**fake_env, "LOG_LEVEL": "warning"}, "--interval", 0.1)
    d2.wait_status()
    assert d2.stop() == 0
    assert d2.text() == ""


def test_sd_notify_ready_watchdog_status_stopping(fake_env, daemon_factory, tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    d = daemon_factory({**fake_env, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}, "--interval", 0.1)
    seen = []

    def got(field):
        while not any(m.startswith(field) for m in seen):
            seen.extend(sock.recv(4096).decode().split("\n"))
        return True

    assert got("READY=1") and got("WATCHDOG=1") and got("STATUS=fake: active")
    d.p.send_signal(signal.SIGTERM)
    assert got("STOPPING=1")
    assert d.p.wait(30) == 0
    sock.close()


def test_periodic_drain_retries_after_a_busy_database(fake_env, daemon_factory, app):
    """The drain child fails while another process holds DuckDB; the next one stores everything."""
    import sqlite3

    from tracker.store import connect

    cfg = app.paths.config_file
    cfg.parent.mkdir(parents=True)
    cfg.write_text("[daemon]\ndrain_every = 5\n")
    with connect(app.paths.db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(app.paths.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        d = daemon_factory({**fake_env, "OFFSCREEN_DB_WAIT": "0.3"}, "--interval", 0.1)
        wait_for(lambda: "drain child exited 1" in d.text(), timeout=20, what="a failed drain")
        assert "Error: database busy (held by PID" in d.text()
    finally:
        holder.stdin.close()
        holder.wait()

    def closed_left():
        con = sqlite3.connect(f"file:{app.paths.queue_file}?mode=ro", uri=True)
        try:
            return con.execute("SELECT count(*) FROM spans WHERE closed = 1").fetchone()[0]
        finally:
            con.close()

    wait_for(lambda: closed_left() == 0, timeout=20, what="the next drain")
    assert d.p.poll() is None
    assert [r[0] for r in db_rows(app)] == ["AlphaApp", "BetaApp"]  # BetaApp: the open span, drained too
    assert d.stop() == 0


def test_the_daemon_never_loads_duckdb_or_plotly(fake_env, daemon_factory):
    """Memory budget: the daemon stays small for days; DuckDB lives only in the short-lived drain child."""
    d = daemon_factory(fake_env, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")
    maps = open(f"/proc/{d.p.pid}/maps").read()
    assert "duckdb" not in maps  # its native library would be mapped
    assert "python" in maps  # the check reads the right process
    assert d.stop() == 0
    # plotly is pure Python (never in maps): import everything the daemon imports and look
    code = (
        "import sys, tracker.cli, tracker.commands.activity, tracker.daemon.loop, tracker.daemon.queue, "
        "tracker.sampling, tracker.sampling.fake, tracker.sampling.x11, tracker.sampling.procs; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('duckdb', 'plotly', 'pynput')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
