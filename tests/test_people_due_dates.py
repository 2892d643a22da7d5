"""`offscreen people due`: each person's due date (last seen + ideal days), shown and sorted by."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dbrows import add_interaction, add_person
from inproc import cli  # noqa: F401 (fixture)
from test_cadence import _seed, berlin, utc_naive
from tracker.store import connect

NOW = berlin(2026, 11, 10, 12, 0)


@pytest.fixture
def seeded(app):
    _seed(app.paths.db)
    with connect(app.paths.db) as con:
        added = utc_naive(berlin(2026, 1, 1, 12, 0))
        # A friend (ideal 60, max 90) last met 66 days ago: late, due 6 days ago.
        mx = add_person(con, "Max", tier="friend", created_at=added)
        add_interaction(con, happened_at=utc_naive(NOW - timedelta(days=66)), duration_min=60, person_ids=[mx])
        # An acquaintance (180, 365) met 200 days ago: late, due 20 days ago -- before Sam's due day,
        # but Sam is overdue and comes first.
        ola = add_person(con, "Ola", tier="acquaintance", created_at=added)
        add_interaction(con, happened_at=utc_naive(NOW - timedelta(days=200)), duration_min=60, person_ids=[ola])
    return app


def expected(app):
    day = app.calendar.day_of
    return [
        # name, status, due day: the day counting starts + ideal
        ("Sam", "overdue", day(berlin(2026, 10, 24, 19, 0)) + timedelta(days=7)),
        ("Ola", "late", day(NOW) - timedelta(days=200 - 180)),
        ("Max", "late", day(NOW) - timedelta(days=66 - 60)),
        ("Ana", "on-track", day(berlin(2026, 11, 5, 19, 0)) + timedelta(days=10)),
        ("Kim", "on-track", day(berlin(2026, 10, 20, 12, 0)) + timedelta(days=30)),
    ]


def test_people_due_json_has_due_on_and_is_sorted_by_it(seeded, cli):
    items = json.loads(cli("people", "due", "--json", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()}).stdout)
    today = seeded.calendar.day_of(NOW)
    want = expected(seeded)
    assert [(i["name"], i["status"], i["due_on"]) for i in items] == [(n, s, d.isoformat()) for n, s, d in want]
    assert [i["due_in_days"] for i in items] == [(d - today).days for _, _, d in want]
    # Overdue first, then by due day (DAYS alone reads 17, 200, 66, 5, 21).
    rest = [i["due_on"] for i in items if i["status"] != "overdue"]
    assert rest == sorted(rest)


def test_people_due_text_shows_the_due_day(seeded, cli):
    out = cli("people", "due", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()}).stdout.splitlines()
    assert out[0].split() == ["NAME", "DUE", "WHEN", "DAYS", "STATUS", "IDEAL/MAX", "LAST", "SEEN"]
    today = seeded.calendar.day_of(NOW)
    rows = [line.split() for line in out[1:]]
    assert [r[:2] for r in rows] == [[n, d.isoformat()] for n, _, d in expected(seeded)]
    whens = {r[0]: " ".join(r[2:4]) if r[2] == "in" or r[3] == "ago" else r[2] for r in rows}
    assert whens["Max"] == "6d ago" and whens["Ana"] == f"in {(expected(seeded)[3][2] - today).days}d"


def test_due_on_today_says_today(app, cli):
    with connect(app.paths.db) as con:
        p = add_person(con, "Tia", every_days=3, created_at=utc_naive(berlin(2026, 1, 1, 12, 0)))
        add_interaction(con, happened_at=utc_naive(NOW - timedelta(days=3)), duration_min=30, person_ids=[p])
    out = cli("people", "due", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()}).stdout.splitlines()
    assert out[1].split()[:5] == ["Tia", app.calendar.day_of(NOW).isoformat(), "today", "3", "on-track"]
