"""Cadence arithmetic with literal dates (Europe/Berlin, set by conftest), across both DST changes,
and the stored-data rules: counted from when it HAPPENED, in person unless the person says 'any'."""

from __future__ import annotations

import json
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dbrows import add_interaction, add_person
from tracker.config import Cadence, Config
from tracker.domain import cadence
from tracker.domain.times import Calendar
from tracker.store import connect

B = ZoneInfo("Europe/Berlin")
D = Cadence()  # inner (7, 14), close (30, 45), friend (60, 90), acquaintance (180, 365)


def berlin(*a) -> datetime:
    return datetime(*a, tzinfo=B)


def utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@pytest.mark.parametrize(
    "last, now, dsh, days",
    [
        # Spring forward (2026-03-29 02:00 -> 03:00): a night out that ends after the jump is one day.
        (berlin(2026, 3, 28, 23, 30), berlin(2026, 3, 29, 3, 30), 4, 0),
        (berlin(2026, 3, 28, 23, 30), berlin(2026, 3, 29, 3, 30), 0, 1),
        (berlin(2026, 3, 28, 20, 0), berlin(2026, 4, 4, 10, 0), 4, 7),
        # Fall back (2026-10-25 03:00 -> 02:00): the 25-hour day is still one day.
        (berlin(2026, 10, 24, 19, 0), berlin(2026, 10, 25, 3, 30), 4, 0),
        (berlin(2026, 10, 24, 19, 0), berlin(2026, 10, 31, 19, 0), 4, 7),
        (berlin(2026, 10, 24, 20, 0), berlin(2026, 10, 26, 3, 59), 4, 1),
        (berlin(2026, 10, 24, 20, 0), berlin(2026, 10, 26, 4, 0), 4, 2),
        # Month and year ends.
        (berlin(2026, 1, 31, 12, 0), berlin(2026, 3, 1, 12, 0), 4, 29),
        (berlin(2028, 1, 31, 12, 0), berlin(2028, 3, 1, 12, 0), 4, 30),
        (berlin(2026, 12, 31, 23, 0), berlin(2027, 1, 1, 1, 0), 4, 0),
    ],
)
def test_days_between_on_local_days(last, now, dsh, days):
    assert Calendar(B, dsh).days_between(last, now) == days


def test_instants_in_other_zones_use_local_days():
    # 2026-03-29 00:30 UTC is 01:30 in Berlin: day 03-29 with midnight days, 03-28 with 4 am days.
    last = datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("UTC"))
    now = berlin(2026, 3, 29, 12, 0)
    assert Calendar(B, 0).days_between(last, now) == 0
    assert Calendar(B, 4).days_between(last, now) == 1


@pytest.mark.parametrize(
    "now, status, days",
    [
        (berlin(2026, 4, 4, 10, 0), "on-track", 7),  # == ideal
        (berlin(2026, 4, 5, 10, 0), "late", 8),
        (berlin(2026, 4, 11, 23, 0), "late", 14),  # == max
        (berlin(2026, 4, 12, 3, 59), "late", 14),  # still the evening before at 4 am days
        (berlin(2026, 4, 12, 4, 0), "overdue", 15),
    ],
)
def test_status_boundaries_across_spring_dst(now, status, days):
    d = cadence.due(
        1,
        "Sam",
        tier="inner",
        every_days=None,
        max_days=None,
        last_seen=berlin(2026, 3, 28, 20, 0),
        added_at=berlin(2026, 1, 1, 12, 0),
        now=now,
        defaults=D,
        cal=Calendar(B, 4),
    )
    assert (d.status, d.days_since, d.ideal, d.max, d.never_met) == (status, days, 7, 14, False)


@pytest.mark.parametrize(
    "tier, every, mx, expected",
    [
        ("inner", None, None, (7, 14)),
        ("friend", None, None, (60, 90)),
        ("inner", 10, None, (10, 14)),  # tier max still >= ideal
        ("inner", 20, None, (20, 40)),  # tier max < ideal: 2 x ideal
        (None, 21, None, (21, 42)),
        (None, 21, 30, (21, 30)),
        ("close", None, 35, (30, 35)),
        (None, None, 30, (30, 30)),
        (None, None, None, None),
    ],
)
def test_cadence_for(tier, every, mx, expected):
    assert cadence.cadence_for(tier, every, mx, D) == expected


def test_never_met_counts_from_when_added():
    d = cadence.due(
        1,
        "New",
        tier=None,
        every_days=7,
        max_days=None,
        last_seen=None,
        added_at=berlin(2026, 10, 20, 9, 0),
        now=berlin(2026, 10, 30, 9, 0),
        defaults=D,
        cal=Calendar(B, 4),
    )
    assert (d.never_met, d.days_since, d.status, d.last_seen) == (True, 10, "late", None)
    assert (
        cadence.due(
            2,
            "Nobody",
            tier=None,
            every_days=None,
            max_days=None,
            last_seen=None,
            added_at=berlin(2026, 10, 20),
            now=berlin(2026, 10, 30),
            defaults=D,
            cal=Calendar(B, 4),
        )
        is None
    )


def test_qualifying_modes():
    assert cadence.qualifying_modes(None) == ("in-person",)
    assert cadence.qualifying_modes("any") == cadence.MODES
    assert cadence.qualifying_modes("in-person, video") == ("in-person", "video")


def _seed(db):
    added = utc_naive(berlin(2026, 9, 1, 12, 0))
    with connect(db) as con:
        sam = add_person(con, "Sam", tier="inner", created_at=added)
        ana = add_person(con, "Ana", every_days=10, cadence_modes="any", created_at=added)
        kim = add_person(con, "Kim", tier="close", created_at=utc_naive(berlin(2026, 10, 20, 12, 0)))
        add_person(con, "Lee", created_at=added)  # no cadence: not listed
        # Sam: in person on Oct 24 (logged a week later), a video call since (doesn't count for Sam),
        # a deleted in-person meeting and a "future" one (neither counts).
        add_interaction(
            con,
            happened_at=utc_naive(berlin(2026, 10, 24, 19, 0)),
            duration_min=120,
            person_ids=[sam],
            logged_at=utc_naive(berlin(2026, 10, 31, 9, 0)),
        )
        add_interaction(
            con, happened_at=utc_naive(berlin(2026, 11, 5, 19, 0)), duration_min=30, mode="video", person_ids=[sam, ana]
        )
        add_interaction(
            con,
            happened_at=utc_naive(berlin(2026, 11, 6, 19, 0)),
            duration_min=60,
            person_ids=[sam],
            deleted_at=utc_naive(berlin(2026, 11, 7, 9, 0)),
        )
        add_interaction(con, happened_at=utc_naive(berlin(2026, 11, 20, 19, 0)), duration_min=60, person_ids=[sam])
    return sam, ana, kim


def test_people_due_from_stored_interactions(tmp_path):
    from tracker.usecases.practice import people_due

    db = tmp_path / "o.duckdb"
    _seed(db)
    now = berlin(2026, 11, 10, 12, 0)
    with connect(db) as con:
        dues = people_due(con, now, Calendar(B, 4), Config())
    got = [(d.name, d.days_since, d.status, d.ideal, d.max, d.never_met) for d in dues]
    assert got == [
        # Sam: last in person Oct 24 (not the logging date, not the video call) -> 17 days > 14.
        ("Sam", 17, "overdue", 7, 14, False),
        # Ana counts any mode: the video call on Nov 5 -> 5 days (5 before her ideal: next).
        ("Ana", 5, "on-track", 10, 20, False),
        # Kim: never met, added Oct 20 -> 21 days, close tier (30, 45): 9 days before ideal.
        ("Kim", 21, "on-track", 30, 45, True),
    ]


def test_people_due_cli_json(tmp_path, run):
    # `people due` is attached to the `people` group at merge; run the command itself for real.
    db = tmp_path / "offscreen" / "data" / "offscreen.duckdb"
    _seed(db)
    code = (
        "import sys; from tracker.app import App; from tracker.commands.practice import people_due_cmd; "
        "people_due_cmd.main(sys.argv[1:], obj=App.create(), prog_name='offscreen people due')"
    )
    import subprocess
    import sys

    now = datetime(2026, 12, 1, 12, 0, tzinfo=B)  # pinned: the day count cannot change mid-test
    env = {**os.environ, "OFFSCREEN_NOW": now.isoformat()}
    p = subprocess.run([sys.executable, "-c", code, "--json"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    items = json.loads(p.stdout)
    by_name = {i["name"]: i for i in items}
    assert set(by_name) == {"Sam", "Ana", "Kim"}
    from datetime import date

    assert {k: by_name["Sam"][k] for k in ("ideal", "max", "never_met")} == {"ideal": 7, "max": 14, "never_met": False}
    # Sam was last seen in person on 2026-11-20 19:00 Berlin (the latest non-deleted in-person one).
    assert by_name["Sam"]["last_seen"] == "2026-11-20T19:00:00+01:00"
    days = (Calendar(B, 4).day_of(now) - date(2026, 11, 20)).days
    assert by_name["Sam"]["days_since"] == days
    assert by_name["Sam"]["status"] == cadence.status_for(days, 7, 14)
    assert by_name["Kim"]["last_seen"] is None and by_name["Kim"]["never_met"] is True
    order = [cadence.STATUSES.index(i["status"]) for i in items]
    assert order == sorted(order, reverse=True)  # most pressing first


def test_people_due_cli_text(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from tracker.app import App; from tracker.commands.practice import people_due_cmd; "
        "people_due_cmd.main(sys.argv[1:], obj=App.create(), prog_name='offscreen people due')"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout) == (
        0,
        "Nobody has a cadence yet. Give someone one: offscreen people edit NAME --every 14\n",
    )
    _seed(tmp_path / "offscreen" / "data" / "offscreen.duckdb")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["NAME", "DUE", "WHEN", "DAYS", "STATUS", "IDEAL/MAX", "LAST", "SEEN"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["Sam"][-2:] == ["7/14", "2026-11-20"]
    assert rows["Kim"][-2:] == ["30/45", "never"]
    assert rows["Ana"][-2:] == ["10/20", "2026-11-05"]
