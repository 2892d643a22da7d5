"""Hostile files, directories and broken files (issue 17): other users' directories, `-o` onto
special files, a damaged queue or database, a full or read-only disk, imports of endless files,
and a dashboard range reaching back to 1900. Real files, a real DuckDB, the real console script.

Each case asserts the exit code, one line naming the path, no traceback, and that nothing was
replaced or lost. The ownership and mount cases need root (os.chown to another uid, tmpfs), as
the rest of the suite does for its private systemd manager (tests/test_service.py)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.daemon import queue
from tracker.domain.spans import Span
from x11_fixtures import daemon_factory, wait_for  # noqa: F401 (fixture)

NOW = "2026-11-30T12:00:00+01:00"
OTHER_UID = 12345
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: os.chown to another uid, mount")


def one_line_error(r, code: int, *needles: str) -> str:
    """R failed with CODE and one `Error:` line holding every NEEDLE, no traceback."""
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("Error: ")]
    assert len(lines) == 1 and r.stderr.count("\n") == 1, r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def home_env(home: Path, **extra) -> dict:
    return {"OFFSCREEN_HOME": str(home), "OFFSCREEN_NOW": NOW, **extra}


LOG = ("log", "--with", "Sam", "--for", "1h", "--at", "2026-11-29T10:00")


# --- 1. other users' directories and files -------------------------------------------------------


@root_only
def test_a_home_another_user_owns_is_refused_and_nothing_is_written_into_it(run, tmp_path):
    home = tmp_path / "theirs"
    home.mkdir(mode=0o755)
    os.chown(home, OTHER_UID, OTHER_UID)
    for args in (LOG, ("interactions", "list"), ("today",)):
        r = run(*args, env=home_env(home))
        one_line_error(r, 2, str(home), f"uid {OTHER_UID}", "OFFSCREEN_ALLOW_SHARED=1")
    assert list(home.iterdir()) == []
    # The documented override: a warning, then it goes on.
    r = run(*LOG, env=home_env(home, OFFSCREEN_ALLOW_SHARED="1"), check=0)
    assert r.stderr.startswith(f"Warning: directory {home} belongs to uid {OTHER_UID}"), r.stderr
    assert (home / "data" / "offscreen.duckdb").is_file()


@root_only
def test_a_database_in_a_directory_another_user_owns_is_refused(run, tmp_path):
    theirs = tmp_path / "shared"
    theirs.mkdir()
    os.chown(theirs, OTHER_UID, OTHER_UID)
    db = theirs / "mine.duckdb"
    one_line_error(run("--db", db, *LOG), 2, str(theirs), f"uid {OTHER_UID}")
    assert not db.exists()


@root_only
def test_a_database_file_another_user_owns_is_refused_untouched(run, tmp_path):
    db = tmp_path / "o.duckdb"
    run("--db", db, *LOG, check=0)
    os.chown(db, OTHER_UID, OTHER_UID)
    before = db.read_bytes()
    one_line_error(run("--db", db, "interactions", "list"), 2, str(db), f"uid {OTHER_UID}", "move it away")
    assert db.read_bytes() == before


def test_a_world_writable_home_is_refused_a_sticky_one_is_not(run, tmp_path):
    home = tmp_path / "open"
    home.mkdir()
    home.chmod(0o777)
    one_line_error(run(*LOG, env=home_env(home)), 2, f"directory {home} can be written by others (mode 0777)")
    assert list(home.iterdir()) == []
    home.chmod(0o1777)  # like /tmp: others cannot rename or remove what is ours
    run(*LOG, env=home_env(home), check=0)
    assert stat.S_IMODE((home / "data").stat().st_mode) == 0o700


def test_a_group_writable_data_directory_is_refused(run, tmp_path):
    home = tmp_path / "h"
    run(*LOG, env=home_env(home), check=0)
    (home / "data").chmod(0o770)
    one_line_error(run("people", "list", env=home_env(home)), 2, f"chmod go-w {home / 'data'}")


def test_a_database_or_queue_readable_by_others_is_refused_and_kept(run, tmp_path):
    home = tmp_path / "h"
    run(*LOG, env=home_env(home), check=0)
    db = home / "data" / "offscreen.duckdb"
    db.chmod(0o644)
    before = db.read_bytes()
    one_line_error(run("people", "list", env=home_env(home)), 2, f"{db} can be read by others", f"chmod 600 {db}")
    assert db.read_bytes() == before
    db.chmod(0o600)

    qf = home / "state" / "queue.sqlite3"
    q = queue.Queue(qf)
    q.put([Span("s1", 1.7e9, 1.7e9 + 60, "app", "t", "active")], closed=True)
    q.close()
    qf.chmod(0o644)
    one_line_error(run("today", env=home_env(home)), 2, f"{qf} can be read by others", f"chmod 600 {qf}")
    qf.chmod(0o600)
    assert queue.depth(qf) == 1  # nothing drained, nothing lost


def test_offscreen_home_with_invalid_utf8_is_one_clear_line(run, tmp_path):
    bad = os.fsdecode(bytes(tmp_path) + b"/h\xff\xfe")
    for args in (LOG, ("status",), ("people", "list")):
        one_line_error(run(*args, env=home_env(Path(bad))), 2, "$OFFSCREEN_HOME", "\\xff\\xfe", "not valid UTF-8")
    assert {p.name for p in tmp_path.iterdir()} <= {"home", "offscreen"}  # nothing made at the bad path


# --- 2. -o onto something that is not a regular file ------------------------------------------------


def _fifo(tmp_path: Path) -> Path:
    f = tmp_path / "pipe"
    os.mkfifo(f)
    return f


@pytest.mark.parametrize(
    "args",
    [("dashboard", "-o"), ("export", "-o"), ("backup", "-o"), ("export", "--what", "activity", "-o")],
    ids=["dashboard", "export", "backup", "export-activity"],
)
def test_o_onto_a_fifo_or_a_socket_is_refused_and_left_as_it_is(run, tmp_path, args):
    fifo = _fifo(tmp_path)
    one_line_error(run(*args, fifo, timeout=30), 2, f"{fifo} is a FIFO (named pipe), not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    sock_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        one_line_error(run(*args, sock_path, timeout=30), 2, f"{sock_path} is a socket")
    assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)


@root_only
def test_o_onto_dev_full_stays_a_device(run):
    for args in (("dashboard", "-o", "/dev/full"), ("export", "-o", "/dev/full"), ("backup", "-o", "/dev/null")):
        one_line_error(run(*args), 2, f"{args[-1]} is a character device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_o_onto_a_directory_is_exit_2_for_export_as_for_dashboard(run, tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    for args in (("export", "-o", d), ("export", "--what", "activity", "-o", d), ("backup", "-o", d)):
        one_line_error(run(*args), 2, f"{d} is a directory")
    r = run("dashboard", "-o", d)
    assert r.returncode == 2 and str(d) in r.stderr and "Traceback" not in r.stderr
    assert list(d.iterdir()) == []


# --- 3. a damaged queue, a damaged database --------------------------------------------------------


def _queued(home: Path, n: int = 2) -> Path:
    qf = home / "state" / "queue.sqlite3"
    q = queue.Queue(qf)
    q.put([Span(f"s{i}", 1.7e9 + 60 * i, 1.7e9 + 60 * i + 30, "app", "t", "active") for i in range(n)], closed=True)
    q.close()
    return qf


@pytest.mark.parametrize("damage", ["garbage", "empty"])
def test_a_damaged_queue_is_moved_aside_said_once_and_a_new_one_started(run, tmp_path, damage):
    home = tmp_path / "h"
    qf = _queued(home)
    garbage = b"not a queue " * 500 if damage == "garbage" else b""
    qf.write_bytes(garbage)
    r = run("today", env=home_env(home), check=0)
    moved = queue.damaged_copies(qf)
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    assert stat.S_IMODE(moved[0].stat().st_mode) == 0o600
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"Warning: the queue {qf} ") and str(moved[0]) in line, r.stderr
    if damage == "empty":
        assert "0 bytes" in line and "what it held is lost" in line
    assert "Traceback" not in r.stderr
    # Said once: the next command finds a sound new queue and says nothing.
    again = run("today", env=home_env(home), check=0)
    assert again.stderr == ""
    assert queue.depth(qf) == 0 and sqlite3.connect(qf).execute("SELECT count(*) FROM spans").fetchone() == (0,)
    status = run("status", env=home_env(home))
    assert f"a damaged queue was moved aside to {moved[0]}" in status.stdout, status.stdout
    assert "Traceback" not in status.stderr
    info = json.loads(run("status", "--json", env=home_env(home)).stdout)
    assert info["queue"]["moved_aside"] == [str(moved[0])]


def test_a_queue_damaged_in_its_pages_is_moved_aside_too(run, tmp_path):
    home = tmp_path / "h"
    qf = _queued(home, n=400)  # several pages of table
    raw = bytearray(qf.read_bytes())
    raw[4096 * 2 : 4096 * 3] = b"\xa5" * 4096  # one page past the header overwritten
    qf.write_bytes(bytes(raw))
    r = run("drain", env=home_env(home))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("Warning: the queue")], r.stderr
    assert len(queue.damaged_copies(qf)) == 1


def test_the_daemon_starts_a_new_queue_over_a_damaged_one(tmp_path, daemon_factory):
    home = Path(os.environ["OFFSCREEN_HOME"])
    qf = home / "state" / "queue.sqlite3"
    qf.parent.mkdir(parents=True, mode=0o700)
    qf.write_bytes(b"\x00garbage" * 100)
    qf.chmod(0o600)
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "one"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/x"}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC"):
        env.pop(var, None)
    d = daemon_factory(env, "--interval", 0.1)
    d.wait_status(lambda s: s["state"] == "active")  # the queue is replaced before the first sample
    d.wait_span(lambda s: s.app == "AlphaApp")
    assert d.stop() == 0
    moved = queue.damaged_copies(qf)
    assert len(moved) == 1 and moved[0].read_bytes() == b"\x00garbage" * 100
    assert d.text().count(str(moved[0])) == 1, d.text()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A database of ten demo days (several MB: cut in half, most of its blocks are gone)."""
    from conftest import _offscreen_exe

    home = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "OFFSCREEN_HOME": str(home), "OFFSCREEN_NOW": NOW}
    subprocess.run([*_offscreen_exe(), "demo", "--days", "10", "--seed", "1"], env=env, check=True, capture_output=True)
    return home / "data" / "offscreen.duckdb"


COMMANDS = [
    ("people", "list"),
    ("interactions", "list"),
    ("report",),
    ("today",),
    ("export",),
    LOG,
    ("backup", "-o", "{tmp}/b.json"),
    ("dashboard", "-o", "{tmp}/page.html"),
]


@pytest.mark.parametrize("damage", ["cut in half", "overwritten"])
def test_a_damaged_database_is_one_line_naming_it_and_the_way_out_from_every_command(run, tmp_path, demo_db, damage):
    db = tmp_path / "data" / "offscreen.duckdb"
    db.parent.mkdir(mode=0o700)
    whole = demo_db.read_bytes()
    broken = whole[: len(whole) // 2] if damage == "cut in half" else os.urandom(len(whole) // 4)
    db.write_bytes(broken)
    db.chmod(0o600)
    env = home_env(tmp_path, OFFSCREEN_DB=str(db))
    for args in COMMANDS:
        r = run(*[a.replace("{tmp}", str(tmp_path)) for a in args], env=env)
        one_line_error(r, 1, str(db), "offscreen restore")
    assert db.read_bytes() == broken  # nothing rewritten, nothing replaced
    assert not (tmp_path / "b.json").exists() and not (tmp_path / "page.html").exists()
    status = run("status", env=env)
    assert "Traceback" not in status.stderr and "internal error" not in status.stderr
    assert f"database:    {db}" in status.stdout
    assert "today:       unknown (" in status.stdout and str(db) in status.stdout.split("today:")[1]


def test_a_backup_brings_a_damaged_database_back(run, tmp_path):
    """The way out the message names: move the damaged file away, restore the backup."""
    db = tmp_path / "o.duckdb"
    run("--db", db, *LOG, check=0)
    run("--db", db, "backup", "-o", tmp_path / "b.json.gz", check=0)
    db.write_bytes(db.read_bytes()[:4096])
    line = one_line_error(run("--db", db, "interactions", "list"), 1)
    assert f"mv {db} {db}.damaged" in line
    db.rename(f"{db}.damaged")
    run("--db", db, "restore", tmp_path / "b.json.gz", check=0)
    assert json.loads(run("--db", db, "interactions", "list", "--json", check=0).stdout)[0]["people"] == ["Sam"]


# --- 4. a full disk, a read-only data directory ------------------------------------------------------


@pytest.fixture
def small_fs(tmp_path):
    """An 8 MB tmpfs at tmp_path/fs (root), unmounted afterwards."""
    mnt = tmp_path / "fs"
    mnt.mkdir(mode=0o700)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt: Path) -> None:
    with open(mnt / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass


@root_only
def test_a_full_disk_is_one_line_naming_the_database_and_nothing_half_stored(run, small_fs):
    home = small_fs / "h"
    env = home_env(home)
    run(*LOG, env=env, check=0)
    _fill(small_fs)
    big_note = "x" * 10_000  # the longest note offscreen takes
    r = run("log", "--with", "Jo", "--for", "1h", "--at", "2026-11-29T15:00", "--note", big_note, env=env)
    one_line_error(r, 1, str(home / "data" / "offscreen.duckdb"), "disk is full")
    one_line_error(run("dashboard", "-o", small_fs / "page.html", env=env), 1, str(small_fs / "page.html"))
    assert sorted(p.name for p in small_fs.iterdir()) == ["filler", "h"]  # no temp file left behind
    (small_fs / "filler").unlink()
    people = json.loads(run("people", "list", "--json", env=env, check=0).stdout)
    assert [p["name"] for p in people] == ["Sam"]


@root_only
def test_a_read_only_data_directory_is_one_line_naming_the_path(run, small_fs):
    home = small_fs / "h"
    env = home_env(home)
    run(*LOG, env=env, check=0)
    _queued(home)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    for args in (LOG, ("people", "list"), ("today",), ("drain",)):
        r = run(*args, env=env)
        line = one_line_error(r, 1, "read-only", str(home))
    assert "offscreen.duckdb" in line or "queue.sqlite3" in line
    status = run("status", env=env)
    assert "Traceback" not in status.stderr and "today:       unknown (" in status.stdout
    with pytest.raises(Exception, match=f"cannot write the queue {home / 'state' / 'queue.sqlite3'}: .*read-only"):
        queue.pending(home / "state" / "queue.sqlite3")


# --- 5. imports and restores read only bounded regular files -----------------------------------------


@pytest.mark.parametrize("cmd", [("import", "--format", "json"), ("restore",)], ids=["import", "restore"])
def test_imports_and_restores_refuse_a_fifo_and_a_device_at_once(run, tmp_path, cmd):
    fifo = _fifo(tmp_path)  # no writer: reading it would block forever
    one_line_error(run(*cmd, fifo, timeout=30), 2, f"{fifo} is a FIFO (named pipe), not a regular file")
    one_line_error(run(*cmd, "/dev/zero", timeout=30), 2, "/dev/zero is a character device")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_import_over_the_documented_size_is_refused_before_reading(run, tmp_path):
    from tracker.paths import IMPORT_LIMIT

    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(IMPORT_LIMIT + 1)  # sparse: costs no disk
    one_line_error(run("import", big), 2, str(big), "offscreen import reads at most 100 MB")
    assert "100 MB" in (Path(__file__).parent.parent / "README.md").read_text()


def test_a_restore_that_unpacks_past_the_limit_is_refused(cli, tmp_path, monkeypatch):
    from tracker import paths

    monkeypatch.setattr(paths, "RESTORE_LIMIT", 1 << 20)
    bomb = tmp_path / "b.json.gz"
    bomb.write_bytes(gzip.compress(b" " * (2 << 20)))
    r = cli("restore", bomb, check=2)
    assert r.stderr == f"Error: {bomb} unpacks to over 1 MB; offscreen restore reads at most that\n"


# --- 5b. a dashboard range reaching back to 1900 ----------------------------------------------------


def test_a_dashboard_since_1900_starts_at_the_first_recorded_day(run, tmp_path):
    env = home_env(tmp_path / "h")
    run(*LOG, env=env, check=0)
    out = tmp_path / "page.html"
    r = run("dashboard", "-o", out, "--since", "1900-01-01", env=env, check=0, timeout=120)
    assert r.stdout.splitlines()[0] == (
        "Nothing is recorded before 2026-11-29: the page starts there instead of at --since 1900-01-01."
    )
    assert "Sun 29 Nov 2026" in out.read_text()
    report = json.loads(run("report", "--since", "1900-01-01", "--json", env=env, check=0, timeout=120).stdout)
    assert (report["first_day"], report["days"]) == ("2026-11-29", 2)
    # Nothing recorded at all: the default 90 days, said so.
    empty = home_env(tmp_path / "empty")
    r = run("dashboard", "-o", out, "--since", "1900-01-01", env=empty, check=0, timeout=120)
    assert r.stdout.startswith("Nothing is recorded yet: the page shows from 2026-09-02 instead of --since 1900-01-01.")


def test_a_range_is_bounded_by_the_data_and_a_short_lead_in_is_kept():
    from datetime import datetime, timedelta

    from tracker.domain.ranges import LEAD_IN_DAYS, bounded
    from tracker.domain.times import Calendar, local_zone

    cal = Calendar(local_zone({"TZ": "Europe/Berlin"}), 4)
    now = datetime.fromisoformat(NOW)
    first = datetime.fromisoformat("2026-06-01T10:00:00+02:00")
    lo, hi, moved = bounded(datetime(1900, 1, 1, tzinfo=now.tzinfo), now, now, first, cal)
    assert moved == first.date() and lo == cal.day_start(first.date()) and hi == now
    near = first - timedelta(days=LEAD_IN_DAYS - 1)
    assert bounded(near, now, now, first, cal) == (near, now, None)
    far = datetime(2200, 1, 1, tzinfo=now.tzinfo)
    assert bounded(first, far, now, first, cal)[1] < now + timedelta(days=400)
    assert len(cal.days(lo, hi)) < 200


def test_nothing_is_left_in_a_shared_parent_by_a_refusal(run, tmp_path):
    """A refusal happens before a directory is made: a mistyped OFFSCREEN_HOME in someone's
    world-writable directory leaves no trace there."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    one_line_error(run(*LOG, env=home_env(shared / "a" / "b")), 2, f"directory {shared}")
    assert list(shared.iterdir()) == []
    shutil.rmtree(shared)


@root_only
def test_the_demo_on_a_full_disk_is_one_line(run, small_fs):
    home = small_fs / "h"
    env = home_env(home)
    run(*LOG, env=env, check=0)  # a database that opens; the demo's spans then find no room
    _fill(small_fs)
    one_line_error(run("demo", "--days", "30", "--force", env=env), 1, "free some space")
    (small_fs / "filler").unlink()
    assert [p["name"] for p in json.loads(run("people", "list", "--json", env=env, check=0).stdout)] == ["Sam"]
