"""`offscreen routine` in-process (the console script's main()) against a real DuckDB file.

The CLI's clock is pinned ($OFFSCREEN_NOW) to a Thursday evening, and the data is laid out
relative to that local day (days start at 04:00 by default); interactions held for a routine are
inserted with the store's SQL helpers, so deleted and unlinked ones can be laid out directly.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest

from dbrows import add_interaction, add_person
from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.times import Calendar, local_zone, to_storage
from tracker.store import connect
from tracker.store import practice as sp

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-26T20:00:00+01:00")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _noon_utc(day):
    return to_storage(Calendar(local_zone()).wall(day, time(12, 0)))


def _people(db, *names):
    with connect(db) as con:
        return [add_person(con, n, created_at=_noon_utc(TODAY - timedelta(days=30))) for n in names]


def test_add_validates_and_writes_nothing_on_error(cli, db):
    r = cli("routine", "add", "Friday dinner", "--every", "week", "--with", "Sam", check=2)
    assert r.stderr == "Error: unknown person 'Sam'; add them first: offscreen people add 'Sam'\n"
    for args, needle in [
        (["--every", "fortnightly"], "--every 'fortnightly'"),
        (["--every", "0 days"], "use 1-366 days"),
        (["--every", "month", "--on", "fri"], "--on only works with weekly routines"),
        (["--every", "week", "--on", "someday"], "--on 'someday'"),
        (["--every", "week", "--since", "2999-01-01"], "is in the future"),
    ]:
        r = cli("routine", "add", "X", *args, check=2)
        assert r.stderr.startswith("Error: ") and needle in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert cli("routine", "list", "--json", check=0).stdout.strip() == "[]"


def test_add_list_and_duplicates(cli, db):
    _people(db, "Sam", "Alex")
    r = cli(
        "routine", "add", "Friday  dinner", "--every", "week", "--on", "fri", "--with", "sam", "--with", "Alex", check=0
    )
    today = TODAY
    assert r.stdout == (
        f"Added routine 'Friday dinner': every week on fri with Sam, Alex, from {today}.\n"
        'Log it with: offscreen log --routine "Friday dinner" ...\n'
    )
    r = cli("routine", "add", "friday dinner", "--every", "month", check=2)
    assert "already exists" in r.stderr
    items = json.loads(cli("routine", "list", "--json", check=0).stdout)
    assert len(items) == 1
    item = items[0]
    assert {
        k: item[k]
        for k in (
            "name",
            "every",
            "with",
            "starts_on",
            "held",
            "missed",
            "skipped",
            "adherence",
            "current_streak",
            "longest_streak",
        )
    } == {
        "name": "Friday dinner",
        "every": "every week on fri",
        "with": ["Alex", "Sam"],
        "starts_on": today.isoformat(),
        "held": 0,
        "missed": 0,
        "skipped": 0,
        "adherence": None,
        "current_streak": 0,
        "longest_streak": 0,
    }
    assert item["this_period"] == "open"
    text = cli("routine", "list", check=0).stdout.splitlines()
    assert text[0].split() == ["ROUTINE", "EVERY", "THIS", "PERIOD", "STREAK", "NOW/BEST", "ADHERENCE", "WITH"]
    assert text[1].startswith("Friday dinner  every week on fri  open")
    assert text[1].endswith("0/0              -          Alex, Sam")


def test_held_missed_skipped_streaks_and_remove(cli, db):
    (sam,) = _people(db, "Sam")
    today = TODAY
    start = today - timedelta(days=6)
    cli("routine", "add", "Walk", "--every", "day", "--with", "Sam", "--since", start.isoformat(), check=0)
    with connect(db) as con:
        rid = sp.get_routine(con, "walk")["id"]
        for back in (6, 5, 3, 1):
            add_interaction(
                con,
                happened_at=_noon_utc(today - timedelta(days=back)),
                duration_min=45,
                person_ids=[sam],
                routine_id=rid,
            )
        # Deleted, and not linked to the routine: neither counts.
        add_interaction(
            con,
            happened_at=_noon_utc(today - timedelta(days=2)),
            duration_min=45,
            person_ids=[sam],
            routine_id=rid,
            deleted_at=_noon_utc(today - timedelta(days=1)),
        )
        add_interaction(con, happened_at=_noon_utc(today - timedelta(days=4)), duration_min=45, person_ids=[sam])
    r = cli("routine", "skip", "walk", "--date", (today - timedelta(days=4)).isoformat(), "--reason", "rain", check=0)
    d4 = today - timedelta(days=4)
    assert r.stdout == f"Skipped Walk for {d4} .. {d4}.\n"
    r = cli("routine", "skip", "walk", "--date", (today - timedelta(days=4)).isoformat(), check=0)
    assert r.stdout == f"Walk was already skipped for {d4} .. {d4}.\n"
    r = cli("routine", "skip", "walk", "--date", (today - timedelta(days=1)).isoformat(), check=2)
    assert "was held; nothing to skip" in r.stderr
    r = cli("routine", "skip", "walk", "--date", (today - timedelta(days=9)).isoformat(), check=2)
    assert "before the routine started" in r.stderr

    data = json.loads(cli("routine", "show", "walk", "--json", check=0).stdout)
    assert [p["status"] for p in data["periods"]] == ["held", "held", "skipped", "held", "missed", "held", "open"]
    assert [p["start"] for p in data["periods"]] == [(start + timedelta(days=i)).isoformat() for i in range(7)]
    assert (data["held"], data["missed"], data["skipped"], data["adherence"]) == (4, 1, 1, 0.8)
    assert (data["current_streak"], data["longest_streak"]) == (1, 3)
    # A daily routine is never "at risk": it would claim every day's one nudge.
    assert data["at_risk"] is False

    text = cli("routine", "show", "walk", "--last", "3", check=0).stdout.splitlines()
    assert text == [
        "Walk: every day with Sam",
        f"Since {start}: held 4, missed 1, skipped 1; adherence 80%; streak 1 (best 3)",
        "1 interaction with Sam logged without --routine could count; link them: offscreen routine link Walk",
        f"  {today}  open",
        f"  {today - timedelta(days=1)}  held",
        f"  {today - timedelta(days=2)}  missed",
    ]

    assert cli("routine", "remove", "WALK", check=0).stdout == "Removed routine 'Walk'.\n"
    r = cli("routine", "show", "walk", check=2)
    assert r.stderr == "Error: no routine called 'walk' (add one with `offscreen routine add`)\n"
    with connect(db) as con:  # the interactions keep their link
        assert con.execute("SELECT count(*) FROM interactions WHERE routine_id = ?", [rid]).fetchone()[0] == 5


@pytest.mark.parametrize(
    "args",
    [
        ["routine", "--help"],
        ["routine", "add", "--help"],
        ["routine", "list", "--help"],
        ["routine", "show", "--help"],
        ["routine", "skip", "--help"],
        ["routine", "edit", "--help"],
        ["routine", "link", "--help"],
        ["routine", "remove", "--help"],
        ["checkin", "--help"],
        ["unplug", "--help"],
        ["unplug", "stop", "--help"],
        ["unplug", "list", "--help"],
        ["nudge", "--help"],
    ],
)
def test_help_has_an_example(cli, args):
    r = cli(*args, check=0)
    assert "Example" in r.stdout and "offscreen " + args[0] in r.stdout
