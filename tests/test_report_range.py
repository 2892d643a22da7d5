"""`offscreen report --since D --until D`: any range, against as many days before it."""

from __future__ import annotations

import json
from datetime import datetime as D

import pytest

from inproc import cli  # noqa: F401 (fixture)
from test_report import BERLIN, NOW, con  # noqa: F401 (fixture)
from tracker.commands.dashboard import render_report
from tracker.config import Config
from tracker.domain import coverage
from tracker.usecases import report as summary


def build(con, since, until=None):
    return summary.build(con, "week", NOW, BERLIN, Config(), since, until)


def test_two_day_range_against_the_two_days_before(con):
    con.execute(
        "INSERT INTO activity (span_id, start_utc, end_utc, app, title, state) VALUES (?,?,?,?,?,'active')",
        ["q", D(2026, 3, 8, 8), D(2026, 3, 8, 9), "code", "x.py - Visual Studio Code"],
    )
    s = build(con, "2026-03-10", "2026-03-11")
    assert (s["period"], s["days"], s["first_day"], s["last_day"]) == ("range", 2, "2026-03-10", "2026-03-11")
    assert (s["since"], s["until"]) == ("2026-03-10T04:00:00+01:00", "2026-03-12T04:00:00+01:00")
    assert s["previous_since"] == "2026-03-08T04:00:00+01:00"
    # Every day of both halves was tracked (the asleep minute): two days are enough for two days.
    assert (s["current"]["tracked_days"], s["previous"]["tracked_days"], s["needed"]) == (2, 2, 2)
    assert s["comparable"] is True
    assert (s["current"]["screen_h"], s["previous"]["screen_h"]) == (3.0, 1.0)
    assert s["change_pct"]["screen_h"] == 200.0
    text = render_report(s)
    assert text.splitlines()[0] == "2026-03-10 to 2026-03-11 (2 days), compared with the 2 days before:"
    assert "(was 1h00m, +200%)" in text


def test_long_range_follows_the_tracked_days_rule(con):
    s = build(con, "2026-03-03", "2026-03-10")
    assert s["days"] == 8 and s["previous_since"] == "2026-02-23T04:00:00+01:00"
    assert s["needed"] == coverage.MIN_TRACKED_DAYS
    # The eight days before were tracked on 27 Feb .. 2 Mar only: no comparison, not "-50%".
    assert s["previous"]["tracked_days"] == 4 and s["comparable"] is False
    assert set(s["change_pct"].values()) == {None}
    assert (s["current"]["screen_h"], s["current"]["f2f_h"]) == (2.0, 2.0)


def test_range_until_defaults_to_now_and_stops_there(con):
    s = build(con, "2026-03-11")
    assert (s["days"], s["until"]) == (2, "2026-03-12T13:00:00+01:00")
    assert build(con, "2026-03-11", "2026-03-20")["until"] == "2026-03-12T13:00:00+01:00"


PIN = {"OFFSCREEN_NOW": "2026-03-12T13:00:00+01:00"}


def test_report_range_cli_json(cli):
    s = json.loads(cli("report", "--since", "2d", "--until", "yesterday", "--json", check=0, env=PIN).stdout)
    assert (s["period"], s["days"], s["first_day"], s["last_day"]) == ("range", 2, "2026-03-10", "2026-03-11")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "2026-03-01", "--week"], "--since/--until exclude"),
        (["--month", "--until", "2026-03-01"], "--since/--until exclude"),
        (["--period", "week", "--since", "3d"], "--since/--until exclude"),
        (["--until", "2026-03-01"], "--until needs --since"),
        (["--since", "2026-03-05", "--until", "2026-03-01"], "must be before"),
        (["--since", "2026-04-01"], "in the future"),
        (["--since", "2026-02-31"], "impossible date"),
        (["--since", "last tuesday"], "cannot read date"),
    ],
)
def test_report_range_bad_input_exits_2(cli, args, message):
    r = cli("report", *args, env=PIN)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith("Error: ") and message in r.stderr and r.stderr.count("\n") == 1
