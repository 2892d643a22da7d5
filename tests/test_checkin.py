"""`offscreen checkin`: flags without a terminal (in-process), prompts with a real pseudo-terminal
(the console script), scoring (UCLA-3 sum 3-9, direct item as a category) and the trends summary
for `offscreen report`."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store import practice as sp


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-26T20:00:00+01:00")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _rows(db):
    with connect(db) as con:
        return con.execute(
            "SELECT mood, connected, lack_companionship, left_out, isolated, lonely, note FROM checkins ORDER BY id"
        ).fetchall()


def test_daily_flags(cli, db):
    r = cli("checkin", "--mood", "good", "--connected", "7", "--at", "2026-11-20 21:30", check=0)
    assert r.stdout.splitlines() == [
        "Checked in at 2026-11-20 21:30: mood good (4/5), felt connected 7/10.",
        # No weekly answer ever: it is due, and without a terminal we only say so.
        "The weekly loneliness questions are due: offscreen checkin --weekly --lack-companionship ... "
        "--left-out ... --isolated ...",
    ]
    cli("checkin", "--mood", "2", "--connected", "0", check=0)
    assert _rows(db) == [(4, 7, None, None, None, None, None), (2, 0, None, None, None, None, None)]
    with connect(db) as con:
        at = con.execute("SELECT at_utc FROM checkins WHERE id = 1").fetchone()[0]
    assert at == datetime(2026, 11, 20, 20, 30)  # stored as naive UTC (Berlin is UTC+1 in November)


def test_weekly_scoring_and_json(cli, db):
    r = cli(
        "checkin",
        "--weekly",
        "--lack-companionship",
        "some",
        "--left-out",
        "hardly-ever",
        "--isolated",
        "often",
        "--lonely",
        "occasionally",
        "--mood",
        "meh",
        "--json",
        check=0,
    )
    data = json.loads(r.stdout)
    assert {
        k: data[k]
        for k in ("mood", "mood_label", "connected", "lack_companionship", "left_out", "isolated", "ucla3", "lonely")
    } == {
        "mood": 3,
        "mood_label": "meh",
        "connected": None,
        "lack_companionship": 2,
        "left_out": 1,
        "isolated": 3,
        "ucla3": 6,
        "lonely": "occasionally",
    }
    # Answered this week: no longer due, so no hint.
    r = cli("checkin", "--mood", "great", "--at", "2026-11-25 21:00", check=0)
    assert r.stdout.splitlines() == [r.stdout.splitlines()[0]] and "mood great (5/5)" in r.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--mood", "fine"], "mood 'fine': use one of awful, bad, meh, good, great (or 1-5)"),
        (["--mood", "6"], "mood '6'"),
        (["--connected", "11"], "felt connected '11'"),
        (["--connected", "-1"], "felt connected '-1'"),
        (["--lack-companionship", "often"], "missing --left-out, --isolated"),
        (["--weekly", "--mood", "good"], "missing --lack-companionship, --left-out, --isolated"),
        (["--isolated", "always"], "--isolated 'always'"),
        (["--lonely", "very"], "lonely 'very'"),
        ([], "nothing to record"),
        (["--mood", "good", "--at", "2999-01-01 10:00"], "in the future"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(cli, db, args, needle):
    r = cli("checkin", *args, check=2)
    assert r.stderr.startswith("Error: ") and needle in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert r.stdout == ""
    assert not db.exists()  # not even created


def _offscreen() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


def test_prompts_on_a_terminal(db):
    # A real pseudo-terminal on stdin: the command asks, including the weekly questions (due).
    master, slave = pty.openpty()
    try:
        # Enter after the connected answer skips the phone question.
        answers = "so-so\ngood\n8\n\ny\nsome of the time\nhardly ever\n3\nnever\n"
        os.write(master, answers.encode())
        p = subprocess.run(_offscreen() + ["checkin"], stdin=slave, capture_output=True, text=True, timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert p.returncode == 0, p.stderr
    assert "mood 'so-so': use one of" in p.stderr  # asked again after a bad answer
    assert "How often do you feel that you lack companionship?" in p.stdout
    assert "How often do you feel lonely?" in p.stdout
    assert (
        p.stdout.rstrip()
        .splitlines()[-1]
        .endswith("mood good (4/5), felt connected 8/10, loneliness (UCLA-3) 6 on 3-9, lonely: never.")
    )
    assert _rows(db) == [(4, 8, 2, 1, 3, "never", None)]


def test_checkin_trends(tmp_path):
    db = tmp_path / "t.duckdb"

    def at(day, hour):  # local Berlin wall time in November/December (UTC+1) -> naive UTC
        return datetime(2026, 11, day, hour) - timedelta(hours=1)

    with connect(db) as con:
        sp.add_checkin(con, at(9, 21), {"mood": 4, "connected": 6})  # ISO week 46
        sp.add_checkin(con, at(10, 21), {"mood": 2, "connected": 3})
        sp.add_checkin(
            con, at(15, 20), {"lack_companionship": 2, "left_out": 2, "isolated": 1, "lonely": "occasionally"}
        )
        sp.add_checkin(con, at(16, 2), {"mood": 5, "connected": 9})  # 02:00 Monday -> Sunday's day (4 am days)
        sp.add_checkin(con, at(17, 21), {"mood": 3, "lack_companionship": 3, "left_out": 3, "isolated": 3})
        sp.add_checkin(con, at(30, 21), {"mood": 1})  # outside the range
        berlin = Calendar(ZoneInfo("Europe/Berlin"), day_start_hour=4)
        trends = sp.checkin_trends(con, datetime(2026, 11, 1), datetime(2026, 11, 30), cal=berlin)
    assert trends["mood"] == {"n": 4, "mean": 3.5}
    assert trends["connected"] == {"n": 3, "mean": 6.0}
    assert trends["ucla3"] == {"n": 2, "mean": 7.0}
    # Nov 9-15 is ISO week 46 (with the 02:00 Monday check-in, which belongs to Sunday); Nov 17 is week 47.
    assert trends["weeks"] == [
        {"week": "2026-W46", "mood": 3.67, "connected": 6.0, "ucla3": 5.0, "lonely": "occasionally"},
        {"week": "2026-W47", "mood": 3.0, "connected": None, "ucla3": 9.0, "lonely": None},
    ]


@pytest.mark.parametrize("answer, kept", [("y\n", [(2, 3)]), ("n\n", [(4, 7)])])
def test_a_second_checkin_on_a_terminal_asks_to_replace(cli, db, answer, kept):
    cli("checkin", "--weekly", "--lack-companionship", "some", "--left-out", "some", "--isolated", "some", check=0)
    cli("checkin", "--mood", "good", "--connected", "7", check=0)
    master, slave = pty.openpty()
    try:
        os.write(master, answer.encode())
        p = subprocess.run(
            _offscreen() + ["checkin", "--mood", "bad", "--connected", "3"],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert "You already recorded a daily check-in on 2026-11-26" in p.stdout
    assert p.returncode == (0 if answer == "y\n" else 2), p.stderr
    with connect(db) as con:
        assert con.execute("SELECT mood, connected FROM checkins WHERE mood IS NOT NULL").fetchall() == kept
