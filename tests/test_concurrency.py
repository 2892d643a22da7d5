"""Two processes logging 25 interactions each at the same time store all 50."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tracker import store

# Each worker runs the real console script 25 times in a row, as fast as it can.
WORKER = textwrap.dedent("""
    import subprocess, sys
    exe, who = sys.argv[1], sys.argv[2]
    for i in range(25):
        r = subprocess.run([exe, "log", f"round {i}", "--with", who, "--at", f"2025-11-20 {i % 24:02d}:00",
                            "--for", f"{i + 1}m"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            sys.exit(f"log {i} failed with {r.returncode}: {r.stderr}")
""")


@pytest.mark.slow
def test_two_processes_logging_at_once_lose_nothing(tmp_path):
    exe = Path(sys.executable).with_name("offscreen")
    env = dict(os.environ)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(exe), who],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("Ana", "Bo")
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    db = tmp_path / "offscreen" / "data" / "offscreen.duckdb"
    with store.connect(db) as con:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM interactions").fetchone() == (50, 50)
        per_person = con.execute(
            """SELECT p.name, count(*), sum(i.duration_min) FROM interactions i
               JOIN interaction_people ip ON ip.interaction_id = i.id JOIN people p ON p.id = ip.person_id
               GROUP BY p.name ORDER BY p.name"""
        ).fetchall()
    # Every single log arrived, with its own values: 1 + 2 + ... + 25 minutes per person.
    assert per_person == [("Ana", 25, 325.0), ("Bo", 25, 325.0)]
