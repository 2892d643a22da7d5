"""`offscreen report` and `offscreen today` count the same local days, whatever the zone is called.

CET and EST5EDT are zone names without a '/': the report once fell back to UTC days for them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

ZONES = ("Europe/Berlin", "CET", "EST5EDT", "UTC")


@pytest.mark.parametrize("zone", ZONES)
def test_report_starts_its_days_where_today_does(run, zone):
    # Pinned to the real clock: both commands then see the same instant, however `today` reads it.
    env = {"TZ": zone, "OFFSCREEN_NOW": datetime.now(UTC).isoformat(timespec="seconds")}
    today = json.loads(run("today", "--json", env=env, check=0).stdout)
    report = json.loads(run("report", "--json", env=env, check=0).stdout)
    t_since, r_since = datetime.fromisoformat(today["since"]), datetime.fromisoformat(report["since"])
    assert (r_since.utcoffset(), r_since.hour) == (t_since.utcoffset(), t_since.hour) == (t_since.utcoffset(), 4)
