"""An unplug session stopped within a minute is discarded, and blocks nothing recorded later."""

from __future__ import annotations

import json

from inproc import cli  # noqa: F401 (fixture)
from tracker.store import connect


def test_unplug_stopped_within_a_minute_is_discarded_and_blocks_nothing(cli, tmp_path):
    cli("unplug", check=0)
    r = cli("unplug", "stop", check=0)
    assert r.stdout.startswith("Discarded the session started at ") and r.stdout.endswith(
        ": under a minute is not kept.\n"
    )
    with connect(tmp_path / "offscreen" / "data" / "offscreen.duckdb") as con:
        assert con.execute("SELECT count(*) FROM unplug_sessions").fetchone() == (0,)
    # The half hour just past covers the moment of the discarded session: recording it works.
    r = cli("unplug", "--at", "30m ago", "--for", "30m", check=0)
    assert r.stdout.startswith("Recorded device-free time ") and r.stdout.endswith(" (30m).\n")
    assert len(json.loads(cli("unplug", "list", "--json", check=0).stdout)) == 1
