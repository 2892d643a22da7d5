"""Every file offscreen creates is 0600 in a 0700 directory, whatever the caller's umask (window
titles and notes can hold secrets), and the daemon listens on no network port.

The daemon here starts, and the in-process commands run, with umask 022, the usual login default,
so a file created without an explicit private mode would come out 0644 and fail the test."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import psutil
import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from x11_fixtures import daemon_factory, wait_for  # noqa: F401 (fixture)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(*roots: Path) -> dict[str, int]:
    """Relative path -> permission bits of every file and directory under ROOTS (roots included)."""
    out = {}
    for root in roots:
        out[str(root)] = stat.S_IMODE(root.stat().st_mode)
        for p in root.rglob("*"):
            out[str(p)] = stat.S_IMODE(p.lstat().st_mode)
    return out


def loose(found: dict[str, int]) -> dict[str, str]:
    return {p: oct(m) for p, m in found.items() if m != (0o700 if Path(p).is_dir() else 0o600)}


def test_duckdb_wal_is_private_for_library_callers_too(tmp_path, loose_umask):
    """The WAL holds the newest rows (titles included) and appears only at the first write, after
    the file is opened: store.connect must keep the umask private until it closes."""
    db = tmp_path / "lib" / "o.duckdb"
    with store.connect(db) as con:
        con.execute("CREATE TABLE probe AS SELECT 1 AS a")
        wal = db.with_name(db.name + ".wal")
        assert wal.exists(), sorted(p.name for p in db.parent.iterdir())
        assert loose(modes(db.parent)) == {}
    assert os.umask(0o022) == 0o022  # the caller's umask is given back after close


def test_every_file_the_daemon_and_the_cli_create_is_private(tmp_path, loose_umask, cli, daemon_factory):
    home = Path(os.environ["OFFSCREEN_HOME"])
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "secret title"], [0.3, "BetaApp", "other"]]))
    env = {
        **os.environ,
        "OFFSCREEN_FAKE_SCRIPT": str(script),
        "OFFSCREEN_DB_WAIT": "5",
        "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus",
    }
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC"):
        env.pop(var, None)

    cli("config", "init", check=0, env=env)
    cfg = home / "config" / "config.toml"
    cfg.write_text(
        cfg.read_text()
        .replace('quiet_start = "', 'quiet_start = "00:00" # was "', 1)
        .replace('quiet_end = "', 'quiet_end = "00:00" # was "', 1)
    )
    d = daemon_factory(env, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")
    state = home / "state"
    wait_for(
        lambda: (state / "queue.sqlite3-wal").exists() and (state / "queue.sqlite3-shm").exists(),
        what="the queue's -wal and -shm files",
    )
    running = modes(home)
    assert {"daemon.json", "daemon.lock", "queue.sqlite3", "queue.sqlite3-wal", "queue.sqlite3-shm"} <= {
        Path(p).name for p in running
    }
    assert loose(running) == {}
    listening = list(psutil.Process(d.p.pid).net_connections(kind="inet"))
    assert listening == []  # no network socket at all, listening or not
    assert d.stop() == 0

    month_ago = (datetime.now() - timedelta(days=30)).strftime("%Y-%m-%d 10:00")
    cli("people", "add", "Sam", "--every", "7", check=0, env=env)
    cli("log", "lunch", "--with", "Sam", "--at", month_ago, "--for", "1h", "--note", "private", check=0, env=env)
    out = tmp_path / "out"  # an -o directory must exist (offscreen never creates one)
    out.mkdir(mode=0o700)
    cli("export", "--what", "activity", "-o", out / "a.csv", check=0, env=env)
    cli("export", "-o", out / "i.json", check=0, env=env)
    cli("dashboard", "-o", out / "d.html", check=0, env=env)
    r = cli("nudge", check=0, env=env)
    assert "failed: notify-send" in r.stdout  # so nudges.log has been written
    after = modes(home, out)
    names = {Path(p).name for p in after}
    assert {"config.toml", "offscreen.duckdb", "nudges.log", "a.csv", "i.json", "d.html"} <= names
    assert loose(after) == {}


def test_atomic_write_never_writes_through_a_planted_temp_name(tmp_path):
    """In a shared directory the old predictable temp name (.NAME.PID.tmp) could be a symlink
    planted by someone else: the output must not follow it, and it must not be left behind."""
    from tracker.paths import atomic_write

    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    planted = shared / f".page.html.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    atomic_write(shared / "page.html", "secret page")
    assert victim.read_text() == "mine"
    assert (shared / "page.html").read_text() == "secret page"
    assert stat.S_IMODE((shared / "page.html").stat().st_mode) == 0o600
    assert sorted(p.name for p in shared.iterdir()) == sorted([planted.name, "page.html"])


def test_private_dirs_never_change_existing_parents(tmp_path):
    from tracker import paths

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o1777)
    paths.atomic_write(shared / "out.html", "x")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "out.html").stat().st_mode) == 0o600
    paths.ensure_private_dir(shared / "a" / "b")
    assert stat.S_IMODE((shared / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((shared / "a" / "b").stat().st_mode) == 0o700
    with store.connect(shared / "db.duckdb"):
        pass
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
