"""`offscreen checkin list|edit|delete` and one daily check-in per local day (one set of weekly
answers per local week): a second one is refused in scripts unless --replace, so the report's
trends count each day once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store import practice as sp

NOW = "2026-11-26T20:00:00+01:00"  # a Thursday, Berlin (UTC+1)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _rows(db):
    with connect(db) as con:
        return con.execute("SELECT id, mood, connected, lack_companionship, note FROM checkins ORDER BY id").fetchall()


def _error(r):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    return lines[0]


def _weekly(*extra):
    return ("checkin", "--weekly", "--lack-companionship", "some", "--left-out", "some", "--isolated", "often", *extra)


def test_second_daily_checkin_on_a_day_is_refused_then_replaced(cli, db):
    cli("checkin", "--mood", "good", "--connected", "7", "--at", "09:00", check=0)
    before = _rows(db)
    err = _error(cli("checkin", "--mood", "bad", check=None))
    assert "already recorded a daily check-in on 2026-11-26" in err and "--replace" in err
    assert _rows(db) == before  # nothing written
    r = cli("checkin", "--mood", "bad", "--replace", check=0)
    assert "It replaces check-in 1." in r.stdout
    assert [row[1:] for row in _rows(db)] == [(2, None, None, None)]
    # The report's trends count the day once.
    cal = Calendar(ZoneInfo("Europe/Berlin"), day_start_hour=4)
    with connect(db) as con:
        t = sp.checkin_trends(con, datetime(2026, 11, 1), datetime(2026, 12, 1), cal)
    assert t["mood"] == {"n": 1, "mean": 2.0}


def test_local_days_decide_not_calendar_dates(cli, db):
    # Local days start at 04:00 (general.day_start_hour): 03:30 still belongs to the evening before.
    cli("checkin", "--mood", "good", "--at", "2026-11-25 21:00", check=0)
    assert "on 2026-11-25" in _error(cli("checkin", "--mood", "meh", "--at", "2026-11-26 03:30"))
    # 04:30 Berlin is 03:30 UTC on the 26th; 23:30 Berlin is 22:30 UTC: one local day.
    cli("checkin", "--mood", "meh", "--at", "2026-11-26 04:30", check=0)
    _error(cli("checkin", "--connected", "3", "--at", "2026-11-26 19:00"))
    assert len(_rows(db)) == 2


def test_replacing_the_daily_part_keeps_the_weekly_answers(cli, db):
    cli(*_weekly("--mood", "good", "--at", "08:00"), check=0)
    cli("checkin", "--mood", "great", "--replace", check=0)
    assert [row[1:] for row in _rows(db)] == [(None, None, 2, None), (5, None, None, None)]


def test_one_set_of_weekly_answers_per_local_week(cli, db):
    cli(*_weekly("--at", "2026-11-23 10:00"), check=0)  # Monday of this week
    err = _error(cli(*_weekly()))
    assert "the weekly questions in the week of 2026-11-23" in err
    assert len(_rows(db)) == 1
    cli(*_weekly("--at", "2026-11-22 10:00"), check=0)  # Sunday: the week before
    assert len(_rows(db)) == 2


def test_list_with_range_and_json_ids(cli, db):
    for day, mood in (("2026-11-20", "bad"), ("2026-11-22", "meh"), ("2026-11-24", "good")):
        cli("checkin", "--mood", mood, "--at", f"{day} 21:00", check=0)
    rows = json.loads(
        cli("checkin", "list", "--since", "2026-11-21", "--until", "2026-11-23", "--json", check=0).stdout
    )
    assert [(r["id"], r["mood_label"], r["at"]) for r in rows] == [(2, "meh", "2026-11-22T21:00:00+01:00")]
    text = cli("checkin", "list", check=0).stdout.splitlines()
    assert text[0].split() == ["ID", "AT", "MOOD", "CONNECTED", "UCLA-3", "LONELY", "NOTE"]
    assert [line.split()[0] for line in text[1:]] == ["1", "2", "3"]
    _error(cli("checkin", "list", "--since", "2026-11-25", "--until", "2026-11-21"))


def test_edit_changes_only_what_is_given(cli, db):
    cli("checkin", "--mood", "good", "--connected", "7", "--note", "dinner", check=0)
    r = cli("checkin", "edit", "1", "--connected", "4", "--json", check=0)
    assert json.loads(r.stdout)["connected"] == 4
    assert _rows(db) == [(1, 4, 4, None, "dinner")]
    cli("checkin", "edit", "1", "--note", "", check=0)
    assert _rows(db) == [(1, 4, 4, None, None)]


def test_edit_refuses_bad_input_and_writes_nothing(cli, db):
    cli("checkin", "--mood", "good", "--at", "2026-11-25 21:00", check=0)
    cli("checkin", "--mood", "bad", check=0)
    before = _rows(db)
    assert "no check-in 9" in _error(cli("checkin", "edit", "9", "--mood", "good"))
    _error(cli("checkin", "edit", "1", "--mood", "wonderful"))
    _error(cli("checkin", "edit", "1"))
    assert "missing --left-out, --isolated" in _error(cli("checkin", "edit", "1", "--lack-companionship", "some"))
    assert "already a daily check-in" in _error(cli("checkin", "edit", "1", "--at", "2026-11-26 08:00"))
    _error(cli("checkin", "edit", "x", "--mood", "good"))
    assert "--lonely goes with the weekly questions" in _error(cli("checkin", "edit", "1", "--lonely", "never"))
    _error(cli("checkin", "edit", "1", "--at", "yesterday-ish"))
    _error(cli("checkin", "edit", "1", "--at", "2999-01-01 10:00"))
    assert _rows(db) == before
    cli("checkin", "edit", "1", "--at", "2026-11-24 21:00", check=0)
    with connect(db) as con:
        at = con.execute("SELECT at_utc FROM checkins WHERE id = 1").fetchone()[0]
    assert at == datetime(2026, 11, 24, 21) - timedelta(hours=1)


def test_delete_is_confirmed(cli, db):
    cli("checkin", "--mood", "good", check=0)
    assert "--yes" in _error(cli("checkin", "delete", "1"))
    assert len(_rows(db)) == 1
    r = cli("checkin", "delete", "1", "--yes", check=0)
    assert r.stdout == "Deleted check-in 1 from 2026-11-26 20:00.\n"
    assert _rows(db) == []
    _error(cli("checkin", "delete", "1", "--yes"))
    # The day is free again.
    cli("checkin", "--mood", "meh", check=0)


def test_answers_do_not_go_with_a_subcommand(cli, db):
    _error(cli("checkin", "--mood", "good", "list"))
    assert _rows(db) == []


def test_trends_count_a_day_once_even_from_older_data(tmp_path):
    # Two daily check-ins on one local day and two weekly sets in one week, as a database written
    # before one-a-day (or merged from a backup) may hold: the latest of each counts.
    cal = Calendar(ZoneInfo("Europe/Berlin"), day_start_hour=4)

    def at(day, hour):  # Berlin wall time (UTC+1) -> naive UTC
        return datetime(2026, 11, day, hour) - timedelta(hours=1)

    with connect(tmp_path / "t.duckdb") as con:
        sp.add_checkin(con, at(24, 9), {"mood": 1, "connected": 2})
        sp.add_checkin(con, at(24, 21), {"mood": 5})
        sp.add_checkin(con, at(25, 2), {"mood": 4, "connected": 8})  # 02:00: still the 24th's day
        sp.add_checkin(con, at(25, 21), {"mood": 3})
        sp.add_checkin(con, at(23, 10), {"lack_companionship": 3, "left_out": 3, "isolated": 3})
        sp.add_checkin(con, at(26, 10), {"lack_companionship": 1, "left_out": 1, "isolated": 2, "lonely": "never"})
        t = sp.checkin_trends(con, datetime(2026, 11, 1), datetime(2026, 12, 1), cal)
    assert t["mood"] == {"n": 2, "mean": 3.5}  # 4 (the 24th's latest) and 3
    assert t["connected"] == {"n": 1, "mean": 8.0}
    assert t["ucla3"] == {"n": 1, "mean": 4.0}
    assert t["weeks"] == [{"week": "2026-W48", "mood": 3.5, "connected": 8.0, "ucla3": 4.0, "lonely": "never"}]


def test_list_bad_range_writes_nothing(cli, db):
    _error(cli("checkin", "list", "--since", "last tuesday"))
    assert not db.exists()
