"""`offscreen report` and `offscreen today` count the same local days, whatever the zone is called.

CET and EST5EDT are zone names without a '/': the report once fell back to UTC days for them.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

ZONES = ("Europe/Berlin", "CET", "EST5EDT", "UTC")


@pytest.mark.parametrize("zone", ZONES)
def test_report_starts_its_days_where_today_does(run, zone):
    # Pinned, and a week away from any DST change: the report's first day then has today's offset.
    env = {"TZ": zone, "OFFSCREEN_NOW": datetime(2026, 11, 30, 12, 0, tzinfo=UTC).isoformat()}
    today = json.loads(run("today", "--json", env=env, check=0).stdout)
    report = json.loads(run("report", "--json", env=env, check=0).stdout)
    t_since, r_since = datetime.fromisoformat(today["since"]), datetime.fromisoformat(report["since"])
    assert (r_since.utcoffset(), r_since.hour) == (t_since.utcoffset(), t_since.hour) == (t_since.utcoffset(), 4)


@pytest.mark.parametrize(
    "zone, since",
    [
        ("Europe/Berlin", "2026-03-06T04:00:00+01:00"),
        ("CET", "2026-03-06T04:00:00+01:00"),
        ("EST5EDT", "2026-03-06T04:00:00-05:00"),  # standard time on the 6th, summer time from the 8th
        ("UTC", "2026-03-06T04:00:00+00:00"),
    ],
)
def test_report_weeks_are_local_days_of_the_zone(zone, since):
    from tracker.app import App
    from tracker.usecases.report import report

    app = App.create(env={**os.environ, "TZ": zone, "OFFSCREEN_NOW": "2026-03-12T12:00:00+00:00"})
    s = report(app, "week")
    assert (s["since"], s["until"][:19]) == (since, app.now().isoformat()[:19])


def test_dashboard_header_shows_local_days_of_a_zone_without_slash(run, tmp_path):
    out = tmp_path / "cet.html"
    run("dashboard", "-o", out, "--until", "2026-06-30", env={"TZ": "CET"}, check=0)
    assert "Thu 02 Apr 2026 04:00 – Wed 01 Jul 2026 04:00 (CET)" in out.read_text()
