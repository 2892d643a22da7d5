"""`offscreen status` and `offscreen doctor` with and without an X server, with and without a
running daemon: real Xvfb (+ openbox), real processes holding the real lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import paths as paths_mod
from tracker.ops import doctor, status
from x11_fixtures import daemon_factory, wait_for, xserver, xserver_nowm  # noqa: F401 (fixtures)


def no_x_env():
    return {"DISPLAY": "", "WAYLAND_DISPLAY": "", "XAUTHORITY": ""}


# --- status -------------------------------------------------------------------------------------


def test_status_without_daemon_exits_1_and_creates_nothing(cli, tmp_path):
    home = tmp_path / "offscreen"
    r = cli("status", check=1)
    assert r.stdout.splitlines() == [
        "daemon:      not running (start it: offscreen service install, or offscreen daemon)",
        "queue:       0 spans waiting",
        f"database:    {home}/data/offscreen.duckdb (not created yet)",
        "today:       nothing recorded yet",
    ]
    assert r.stderr == ""
    data = json.loads(cli("status", "--json", check=1).stdout)
    assert data["daemon"]["running"] is False and data["daemon"]["pid"] is None
    assert data["database"] == {"path": f"{home}/data/offscreen.duckdb", "exists": False, "size_bytes": 0}
    assert not home.exists()  # status is read-only


HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.ftruncate(fd, 0); os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def lock_holder(tmp_path):
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


def test_status_with_a_lock_holder_and_status_file(cli, tmp_path, lock_holder, monkeypatch):
    p = paths_mod.resolve()
    holder = lock_holder(p.daemon_lock)
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setenv("OFFSCREEN_NOW", now.isoformat())  # ages measured from this "now"
    started = now - timedelta(hours=2, minutes=3)
    last = now - timedelta(seconds=2)
    p.daemon_status.write_text(
        json.dumps(
            {
                "pid": holder.pid,
                "started_at": started.isoformat(),
                "backend": "x11",
                "last_sample_at": last.isoformat(),
                "interval": 1.0,
                "idle_after": 180.0,
                "version": "0.1.0",
                "state": "active",
                "display": ":7",
                "idle_source": "xscreensaver",
            }
        )
    )
    os.utime(p.daemon_status, (now.timestamp(), now.timestamp()))
    r = cli("status", check=0)
    lines = r.stdout.splitlines()
    assert lines[0] == (
        f"daemon:      running (PID {holder.pid}, up 2 h 03 min, window source x11, idle source xscreensaver, "
        "display :7)"
    )
    assert (
        lines[1] == f"last sample: {last.astimezone(ZoneInfo('Europe/Berlin')).strftime('%H:%M:%S')} (2 s ago, active)"
    )
    data = json.loads(cli("status", "--json", check=0).stdout)["daemon"]
    assert data["running"] and data["pid"] == holder.pid and data["backend"] == "x11" and not data["stale"]
    assert data["uptime_s"] == 2 * 3600 + 3 * 60 and data["status_age_s"] == 0

    # A status file nobody rewrote for 10 minutes: the daemon is alive but stuck.
    old = now.timestamp() - 600
    os.utime(p.daemon_status, (old, old))
    r = cli("status", check=0)
    assert any(
        ln.startswith("warning:     the daemon has not updated its status for 10 min") for ln in r.stdout.splitlines()
    )


def test_status_shows_database_size(cli, tmp_path):
    from tracker import store

    p = paths_mod.resolve()
    with store.connect(p.db):
        pass
    size = p.db.stat().st_size
    r = cli("status", check=1)
    assert f"database:    {p.db} ({status.format_size(size)})" in r.stdout.splitlines()


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0 s"),
        (89, "89 s"),
        (90, "1 min"),
        (5399, "89 min"),
        (5400, "1 h 30 min"),
        (48 * 3600, "2 days"),
        (None, "?"),
    ],
)
def test_format_age(seconds, text):
    assert status.format_age(seconds) == text


# --- doctor -------------------------------------------------------------------------------------


def _checks(stdout: str) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(stdout)["checks"]}


def test_doctor_without_x_fails_and_says_how_to_fix(cli):
    r = cli("doctor", env=no_x_env(), check=1)
    lines = r.stdout.splitlines()
    assert lines[0] == "[FAIL] display: neither a live Wayland compositor nor $DISPLAY: nothing to sample"
    assert lines[1].startswith("       fix: run offscreen from a terminal in your desktop session")
    assert lines[-1] == "Tracking cannot work until the FAIL lines are fixed."
    data = json.loads(cli("doctor", "--json", env=no_x_env(), check=1).stdout)
    assert data["can_track"] is False
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["window manager"]["status"] == "warn"
    assert checks["duckdb"]["status"] == "ok"


def test_doctor_dead_display_and_dead_wayland_socket(cli, tmp_path):
    r = cli("doctor", "--json", env={**no_x_env(), "DISPLAY": ":4242"}, check=1)
    assert _checks(r.stdout)["display"]["summary"].startswith("cannot connect to X display :4242:")
    env = {**no_x_env(), "WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}
    r = cli("doctor", "--json", env=env, check=1)
    assert _checks(r.stdout)["display"]["summary"] == (
        "neither a live Wayland compositor nor $DISPLAY: nothing to sample; WAYLAND_DISPLAY=wayland-0 "
        f"names no live compositor socket ({tmp_path}/wayland-0)"
    )
    r = cli("doctor", "--json", env={**env, "OFFSCREEN_BACKEND": "kwin9"}, check=1)
    assert _checks(r.stdout)["backend"]["summary"].startswith("OFFSCREEN_BACKEND='kwin9' is not a backend")


# doctor on a live display runs in its own process (`run`): its pynput check imports pynput, which
# connects to $DISPLAY at import and would keep this test process tied to a server that goes away.


@pytest.mark.x11
def test_doctor_with_xvfb_and_openbox_can_track(run, xserver):
    x = xserver
    r = run("doctor", env={**no_x_env(), "DISPLAY": x.display}, check=0)
    lines = r.stdout.splitlines()
    assert lines[0] == f"[ok  ] display: X11 display {x.display} is reachable (backend x11)"
    assert lines[1] == "[ok  ] window manager: EWMH window manager Openbox publishes _NET_ACTIVE_WINDOW"
    assert lines[2].startswith("[ok  ] idle (XScreenSaver): MIT-SCREEN-SAVER answers: idle for ")
    assert lines[3] == "[ok  ] pynput: pynput imports with the xorg backend; X RECORD is available"
    assert lines[-1] == "Tracking can work."


@pytest.mark.x11
def test_doctor_with_xvfb_without_wm_warns_and_can_track(run, xserver_nowm):
    x = xserver_nowm
    r = run("doctor", "--json", env={**no_x_env(), "DISPLAY": x.display}, check=0)
    checks = _checks(r.stdout)
    assert checks["display"]["status"] == "ok"
    assert checks["window manager"]["status"] == "warn"
    assert checks["window manager"]["fix"] == "start an EWMH window manager, e.g. openbox"
    assert json.loads(r.stdout)["can_track"] is True
    # A WAYLAND_DISPLAY whose socket is dead is no Wayland session: X11 is used, and the note says why.
    r = run("doctor", "--json", env={**no_x_env(), "DISPLAY": x.display, "WAYLAND_DISPLAY": "wayland-1"}, check=0)
    display = _checks(r.stdout)["display"]
    assert (
        display["status"] == "ok" and "WAYLAND_DISPLAY=wayland-1 names no live compositor socket" in display["summary"]
    )


@pytest.mark.x11
def test_doctor_notices_a_dead_window_manager(xserver):
    from tracker.sampling import probe

    x = xserver
    assert probe.x11(x.display)["wm_alive"] is True
    x.wm.terminate()
    x.wm.wait(timeout=10)
    after = probe.x11(x.display)
    assert after["reachable"], after["error"]
    assert after["wm_alive"] is False


def test_doctor_flags_loose_directory_modes(tmp_path):
    p = paths_mod.resolve()
    p.state_dir.mkdir(parents=True, mode=0o755)
    p.state_dir.chmod(0o755)
    checks = {c.name: c for c in doctor.check_dirs(p)}
    assert checks["state dir"].status == "warn"
    assert checks["state dir"].fix == f"chmod 700 {p.state_dir}"
    assert checks["data dir"].summary == f"{p.data_dir} will be created (0700) on first use"
    p.data_dir.write_text("not a dir")
    assert {c.name: c for c in doctor.check_dirs(p)}["data dir"].status == "fail"


@pytest.mark.parametrize(
    "version, spec, ok",
    [
        ("2.0.1", ">=2.0.1,<2.1", True),
        ("2.0.9", "<2.1,>=2.0.1", True),
        ("2.1.0", ">=2.0.1,<2.1", False),
        ("1.4.3", ">=2.0.1,<2.1", False),
        ("2.0.0", ">=2.0.1,<2.1", False),
        ("2.0.2", "~=2.0.1", True),
        ("2.1.0", "~=2.0.1", False),
        ("2.0.1+local", "==2.0.1", True),
    ],
)
def test_version_range(version, spec, ok):
    assert doctor._satisfies(version, spec) is ok


def test_doctor_reports_a_database_that_does_not_open(tmp_path):
    p = paths_mod.resolve()
    p.db.parent.mkdir(parents=True)
    p.db.write_bytes(b"this is not a duckdb file" * 100)
    checks = {c.name: c for c in doctor.check_duckdb(p)}
    assert checks["duckdb"].status == "ok"
    assert checks["database"].status == "fail" and "cannot open database" in checks["database"].summary


@pytest.mark.x11
def test_status_and_doctor_with_the_real_daemon(cli, run, xserver, daemon_factory, tmp_path):
    """The real `offscreen daemon` under Xvfb + openbox: status sees it (exit 0), counts the queue,
    shows today's totals once drained, and exits 1 again after SIGTERM."""
    env = {**xserver.env, "OFFSCREEN_HOME": str(tmp_path / "offscreen")}
    wid = xserver.window("StatusTestApp", "status test")
    xserver.activate(wid)
    d = daemon_factory(env, "--interval", "0.2", "--idle-after", 60)
    d.wait_status(lambda s: s.get("last_sample_at"), timeout=20)
    # `status` counts today in whole seconds: without a recorded second the total rounds to 0, as
    # it did when the commands below ran quickly. Wait until the daemon has queued one.
    d.wait_span(lambda s: s.app == "StatusTestApp" and s.seconds >= 1.0, what="a second of StatusTestApp")

    data = json.loads(cli("status", "--json", env=env, check=0).stdout)
    assert data["daemon"]["running"] is True and data["daemon"]["pid"] == d.p.pid
    assert data["daemon"]["backend"] == d.status()["backend"]
    assert isinstance(data["queue_depth"], int)
    lines = cli("status", env=env, check=0).stdout.splitlines()
    assert lines[0].startswith(f"daemon:      running (PID {d.p.pid}, up ")
    assert lines[1].startswith("last sample: ")
    checks = _checks(run("doctor", "--json", env=env, check=0).stdout)
    assert checks["daemon"]["status"] == "ok"

    assert d.stop(signal.SIGTERM) == 0
    cli("drain", env=env, check=0)
    data = json.loads(cli("status", "--json", env=env, check=1).stdout)
    assert data["daemon"]["running"] is False
    assert data["queue_depth"] == 0
    assert data["today"]["active_seconds"] >= 1
    assert data["today"]["top_app"] == "StatusTestApp"
    assert cli("status", env=env, check=1).stdout.splitlines()[-2:][0].startswith("today:       active ")


def test_status_says_when_the_database_is_busy(cli, tmp_path):
    """Another process holding DuckDB's lock: today's totals are 'unknown', not 'nothing recorded'."""
    from tracker import store

    p = paths_mod.resolve()
    with store.connect(p.db):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True); sys.stdin.read()",
            str(p.db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        r = cli("status", check=1)
        assert r.stdout.splitlines()[-1].startswith(f"today:       unknown (database busy (held by PID {holder.pid})")
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


def test_status_shows_face_to_face_today_and_the_nudge(cli, monkeypatch):
    from datetime import timedelta

    from tracker import store

    p = paths_mod.resolve()
    # Pinned to midday: 21 minutes before it are the same local day whenever the test runs.
    now = datetime(2026, 11, 30, 11, 0)
    monkeypatch.setenv("OFFSCREEN_NOW", now.replace(tzinfo=UTC).isoformat())
    with store.connect(p.db) as con:
        # 20 minutes in person with two people: counts once.
        con.execute(
            "INSERT INTO interactions (id, happened_at, duration_min, mode, logged_at) "
            "VALUES (1, ?, 20, 'in-person', ?)",
            [now - timedelta(minutes=21), now],
        )
        con.execute("INSERT INTO interaction_people VALUES (1, 1), (1, 2)")
    r = cli("status", check=1)
    assert "in person:   20m today" in r.stdout.splitlines()
    assert not any(line.startswith("Nudge today") for line in r.stdout.splitlines())
    from tracker.app import App

    app = App.create()
    with store.connect(p.db) as con:
        con.execute(
            "INSERT INTO nudges_sent VALUES (?, 'overdue', 'Call Sam?', ?, 'off')",
            [app.calendar.day_of(app.now()), now],
        )
    r = cli("status", "--json", check=1)

    today = json.loads(r.stdout)["today"]
    assert today["face_to_face_minutes"] == 20.0 and today["nudge"] == "Nudge today: Call Sam?"


@pytest.mark.parametrize(
    "tz, status, summary",
    [
        ("CET", "ok", "local days in CET (from TZ=CET)"),
        ("Invalid/Zone", "warn", "TZ='Invalid/Zone' is not a zone name here"),
    ],
)
def test_doctor_says_which_zone_days_follow(cli, monkeypatch, tz, status, summary):
    monkeypatch.setenv("TZ", tz)
    data = json.loads(cli("doctor", "--json", env=no_x_env(), check=1).stdout)
    (check,) = [c for c in data["checks"] if c["name"] == "time zone"]
    assert check["status"] == status and check["summary"].startswith(summary)
    assert (check["fix"] is None) == (status == "ok")
