"""`offscreen unplug`: start/stop, after the fact, and whether the daemon's activity data shows
the computer really stayed untouched. Activity spans are written the way the daemon's drain
writes them (rows in `activity`). In-process, with the clock pinned ($OFFSCREEN_NOW)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.times import local_zone, to_storage
from tracker.store import connect


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-26T20:00:00+01:00")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _span(con, sid, start, end, state, app="firefox"):
    # Local Berlin wall times in November (UTC+1) -> naive UTC, as the daemon stores them.
    con.execute(
        "INSERT INTO activity (span_id, start_utc, end_utc, app, state) VALUES (?, ?, ?, ?, ?)",
        [sid, _utc(start), _utc(end), app, state],
    )


def _utc(local: str) -> datetime:
    return to_storage(datetime.fromisoformat(local).replace(tzinfo=local_zone()))


def test_start_stop_and_one_at_a_time(cli, db):
    r = cli("unplug", "--for", "2h", check=0)
    assert (
        r.stdout == "Unplugged from 20:00 until 22:00 (2h00m). Enjoy. `offscreen unplug stop` if you come back early.\n"
    )
    r = cli("unplug", check=2)
    assert r.stderr == (
        "Error: a device-free session is already running since 20:00; `offscreen unplug stop` ends it\n"
    )
    r = cli("unplug", "--for", "2h", "stop", check=2)
    assert "not a subcommand" in r.stderr
    r = cli("unplug", "stop", check=0)  # under a minute: discarded (tests/test_unplug_short_sessions.py)
    assert r.stdout == "Discarded the session started at 20:00: under a minute is not kept.\n"
    r = cli("unplug", "stop", check=2)
    assert r.stderr == "Error: no device-free session is running; start one with `offscreen unplug --for 2h`\n"
    cli("unplug", "--at", "5m ago", "--for", "2h", check=0)
    r = cli("unplug", "stop", check=0)
    assert r.stdout == "Welcome back: 5m device-free since 19:55.\n"
    with connect(db) as con:
        rows = con.execute("SELECT planned_end_utc - start_utc, end_utc IS NOT NULL FROM unplug_sessions").fetchall()
    assert [(td.total_seconds(), stopped) for td, stopped in rows] == [(7200.0, True)]


def test_bad_input(cli, db):
    for args, needle in [
        (["--for", "0m"], "must be more than 0"),
        (["--for", "25h"], "longer than 24h"),
        (["--at", "2999-01-01 10:00"], "in the future"),
        (["--at", "soon"], "cannot read time"),
    ]:
        r = cli("unplug", *args, check=2)
        assert needle in r.stderr and r.stderr.startswith("Error: "), r.stderr
    assert not db.exists() or json.loads(cli("unplug", "list", "--since", "2000-01-01", "--json", check=0).stdout) == []


def test_after_the_fact_and_verdicts(cli, db):
    cli("unplug", "--at", "2026-11-20 18:00", "--for", "2h", "--note", "dinner", check=0)
    r = cli("unplug", "--at", "2026-11-21 18:00", "--for", "2h", check=0)
    assert r.stdout == "Recorded device-free time 18:00-20:00 (2h00m).\n"
    cli("unplug", "--at", "2026-11-22 10:00", "--for", "1h", check=0)
    r = cli("unplug", "--at", "2026-11-20 19:00", "--for", "1h", check=2)
    assert r.stderr == "Error: overlaps session 1 from 2026-11-20 18:00\n"
    with connect(db) as con:
        # Session 1: idle throughout (the span reaches past both ends).
        _span(con, "a", "2026-11-20T17:50", "2026-11-20T20:10", "idle")
        # Session 2: locked, then 15 minutes of use, then idle again; use before it doesn't count.
        _span(con, "b0", "2026-11-21T17:00", "2026-11-21T18:00", "active")
        _span(con, "b1", "2026-11-21T18:00", "2026-11-21T19:00", "locked")
        _span(con, "b2", "2026-11-21T19:00", "2026-11-21T19:15", "active")
        _span(con, "b3", "2026-11-21T19:15", "2026-11-21T20:00", "idle")
        # Session 3: the daemon recorded nothing.
    items = json.loads(cli("unplug", "list", "--since", "2026-11-01", "--json", check=0).stdout)
    assert [
        (i["id"], i["start"], i["end"], i["minutes"], i["verdict"], i["active_min"], i["observed_min"], i["note"])
        for i in items
    ] == [
        (1, "2026-11-20T18:00:00+01:00", "2026-11-20T20:00:00+01:00", 120.0, "untouched", 0.0, 120.0, "dinner"),
        (2, "2026-11-21T18:00:00+01:00", "2026-11-21T20:00:00+01:00", 120.0, "used", 15.0, 120.0, None),
        (3, "2026-11-22T10:00:00+01:00", "2026-11-22T11:00:00+01:00", 60.0, "no data", 0.0, 0.0, None),
    ]
    text = cli("unplug", "list", "--since", "2026-11-01", check=0).stdout.splitlines()
    assert [line.split() for line in text] == [
        ["ID", "START", "LENGTH", "COMPUTER", "NOTE"],
        ["1", "2026-11-20", "18:00", "2h00m", "untouched", "dinner"],
        ["2", "2026-11-21", "18:00", "2h00m", "used", "(15m", "active)"],
        ["3", "2026-11-22", "10:00", "1h00m", "no", "data"],
    ]
    # --since filters by start.
    assert [i["id"] for i in json.loads(cli("unplug", "list", "--since", "2026-11-21", "--json", check=0).stdout)] == [
        2,
        3,
    ]
