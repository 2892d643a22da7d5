"""`offscreen today --date D` / `today yesterday`: the totals of an earlier local day, and which day it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.store import activity, connect

# 12:00 in Berlin (the test zone): today began at 04:00 local.
NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def put(app, rows):
    with connect(app.paths.db) as c:
        activity.upsert_spans(c, [(i, s.timestamp(), e.timestamp(), a, "t", "active", None) for i, s, e, a in rows])


@pytest.fixture
def two_days(app, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW.isoformat())
    cal = app.calendar
    today = cal.day_of(NOW)
    yday_noon = cal.day_start(today - timedelta(days=1)) + timedelta(hours=8)
    put(
        app,
        [
            ("t", NOW - timedelta(minutes=10), NOW - timedelta(minutes=5), "firefox"),  # 5 min today
            ("y", yday_noon, yday_noon + timedelta(minutes=40), "Code"),  # 40 min yesterday
        ],
    )
    return today


@pytest.mark.parametrize("args", [("yesterday",), ("--date", "yesterday"), ("--date", "1d")])
def test_today_shows_yesterday(app, cli, two_days, args):
    data = json.loads(cli("today", *args, "--json", check=0).stdout)
    yday = two_days - timedelta(days=1)
    assert data["day"] == yday.isoformat()
    assert data["since"] == app.calendar.iso(app.calendar.day_start(yday))
    assert data["active_seconds"] == 40 * 60
    assert (data["days_ago"], data["is_today"]) == (1, False)
    text = cli("today", *args, check=0).stdout.splitlines()
    assert text[0].startswith(f"Yesterday ({yday.isoformat()}, ")
    assert text[1].split() == ["screen", "time", "40m"]


def test_today_date_iso_and_today_unchanged(app, cli, two_days):
    data = json.loads(cli("today", "--date", (two_days - timedelta(days=1)).isoformat(), "--json", check=0).stdout)
    assert data["active_seconds"] == 40 * 60
    now = json.loads(cli("today", "--json", check=0).stdout)
    assert (now["day"], now["active_seconds"], now["is_today"]) == (two_days.isoformat(), 300, True)
    older = json.loads(cli("today", "--date", "3d", "--json", check=0).stdout)
    assert (older["day"], older["active_seconds"], older["label"]) == (
        (two_days - timedelta(days=3)).isoformat(),
        0,
        "3 days ago",
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--date", "2099-01-01"),
        ("--date", "2026-02-30"),
        ("--date", "soon"),
        ("yesterday", "--date", "2d"),
    ],
)
def test_today_bad_or_future_day_exits_2(cli, two_days, args):
    r = cli("today", *args, check=2)
    assert r.stderr.startswith("Error:") and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""
