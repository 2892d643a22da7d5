"""Status notes on stderr, only when stderr is a terminal (a real pty here): progress of long work
and "waiting for the database (held by PID N)" after a second of waiting. Piped: silent."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

EXE = [str(Path(sys.executable).with_name("offscreen"))]
NOW = {"OFFSCREEN_NOW": "2026-11-30T20:00:00+01:00"}


def _in_pty(args, env=None, timeout=60) -> tuple[int, str, str]:
    """Run offscreen ARGS with stderr on a pty (stdout piped): (exit code, stdout, terminal text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        EXE + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env={**os.environ, **(env or {})}
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait(timeout=timeout)
    os.close(master)
    return proc.returncode, out, b"".join(chunks).decode(errors="replace")


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process holding DB's write lock for SECONDS (prints 'held' once it has it)."""
    code = f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep({seconds})"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def _db() -> Path:
    return Path(os.environ["OFFSCREEN_HOME"]) / "data" / "offscreen.duckdb"


def test_a_busy_database_says_who_holds_it_after_a_second(run):
    run("people", "add", "Sam", check=0)  # creates and migrates the database
    holder = _hold_lock(_db(), 2.5)
    try:
        t0 = time.monotonic()
        code, out, term = _in_pty(["people", "list"], env={"OFFSCREEN_DB_WAIT": "20"})
        waited = time.monotonic() - t0
    finally:
        holder.wait(timeout=30)
    assert code == 0 and "Sam" in out
    assert f"waiting for the database (held by PID {holder.pid})..." in term
    assert waited >= 1.0
    # Not a terminal: the same wait is silent (stderr holds nothing).
    holder = _hold_lock(_db(), 2.5)
    try:
        r = run("people", "list", env={"OFFSCREEN_DB_WAIT": "20"}, check=0)
    finally:
        holder.wait(timeout=30)
    assert r.stderr == "" and "Sam" in r.stdout


def test_a_short_wait_says_nothing(run):
    run("people", "add", "Sam", check=0)
    code, _, term = _in_pty(["people", "list"])
    assert code == 0 and "waiting" not in term


def test_demo_reports_progress_on_a_terminal_only(run):
    code, out, term = _in_pty(["demo", "--days", "30"], env=NOW)
    assert code == 0 and out.startswith("Wrote demo data")
    assert "Generating 30 days of demo data..." in term and "Writing " in term
    r = run("demo", "--days", "30", env=NOW, check=0)
    assert r.stderr == ""


def test_import_restore_dashboard_and_a_large_drain_report_progress(run, tmp_path):
    from tracker.app import LARGE_DRAIN
    from tracker.daemon import queue
    from tracker.domain.spans import Span
    from tracker.usecases.transfer import LARGE_IMPORT

    rows = [
        {"happened_at": f"2026-{1 + i // 28 % 10:02d}-{1 + i % 28:02d}T{i % 20:02d}:00:00+01:00", "duration_min": 30}
        | {"mode": "text", "people": ["Sam"], "summary": f"row {i}"}
        for i in range(LARGE_IMPORT)
    ]
    src = tmp_path / "many.json"
    src.write_text(__import__("json").dumps(rows))
    code, out, term = _in_pty(["import", str(src)], env=NOW)
    assert code == 0 and f"Importing {LARGE_IMPORT} interactions from {src}..." in term, (out, term)
    run("backup", "-o", str(tmp_path / "b.json"), check=0)
    other = str(tmp_path / "other.duckdb")
    code, _, term = _in_pty(["--db", other, "restore", str(tmp_path / "b.json")], env=NOW)
    assert code == 0 and f"Restoring {tmp_path / 'b.json'} into {other}..." in term, term
    code, _, term = _in_pty(["dashboard", "-o", str(tmp_path / "d.html")], env=NOW)
    assert code == 0 and "Drawing the dashboard..." in term, term
    q = queue.Queue(Path(os.environ["OFFSCREEN_HOME"]) / "state" / "queue.sqlite3")
    t0 = 1_700_000_000
    q.put(
        [Span(f"s{i}", t0 + 10 * i, t0 + 10 * i + 10, "code", "t", "active") for i in range(LARGE_DRAIN)], closed=True
    )
    q.close()
    code, _, term = _in_pty(["drain"], env=NOW)
    assert code == 0 and f"Moving {LARGE_DRAIN} queued activity spans into the database..." in term, term
    # Piped, the same work is silent.
    r = run("--db", str(tmp_path / "third.duckdb"), "import", str(src), env=NOW, check=0)
    assert r.stderr == ""
