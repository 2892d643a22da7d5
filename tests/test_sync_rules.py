"""The synced folder's pure rules (tracker/domain/sync.py) and the screen-time union
(tracker/store/sync.py, screen_minutes) on literal spans in a real DuckDB."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker import store
from tracker.domain import sync as layout
from tracker.store import sync


def test_file_names_round_trip_and_others_are_never_read():
    assert layout.parse_change(layout.change_name(42, "0a1b2c3d")) == layout.FORMAT
    assert layout.parse_day(layout.day_name(date(2026, 12, 1))) == (layout.FORMAT, date(2026, 12, 1))
    assert layout.parse_change("v2-000000000001-0a1b2c3d.parquet") == 2
    for name in (
        ".offscreen-tmp-0011223344556677.parquet",
        ".syncthing.v1-000000000001-0a1b2c3d.parquet.tmp",
        "v1-000000000001-0a1b2c3d.parquet.part",
        "v1-000000000001-0a1b2c3d (conflicted copy).parquet",
        "~v1-2026-12-01.parquet",
    ):
        assert layout.parse_change(name) is None and layout.parse_day(name) is None, name
    assert layout.parse_day("v1-2026-02-30.parquet") is None


def test_a_higher_version_wins_whatever_the_clocks_say():
    early, late = datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 1, 12, 10)
    assert layout.newer((5, early, "a-000000000000"), (4, late, "b-000000000000"))
    assert not layout.newer((4, late, "b-000000000000"), (5, early, "a-000000000000"))
    # Concurrent (same version): the later stamp, then the host, so every machine picks the same one.
    assert layout.newer((5, late, "a-000000000000"), (5, early, "b-000000000000"))
    assert layout.newer((5, early, "b-000000000000"), (5, early, "a-000000000000"))
    assert layout.newer((1, None, "a-000000000000"), None)


@pytest.mark.parametrize("raw, want", [("Laptop.local", "laptop-local"), ("ÄÖ", "host"), ("x" * 50, "x" * 32)])
def test_host_names_fit_a_folder_name(raw, want):
    assert layout.host_name(raw) == want


def _t(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-12-01T{hhmm}:00")


def test_union_counts_overlapping_time_once_and_clips_to_the_range(tmp_path):
    with store.connect(tmp_path / "x.duckdb") as con:
        con.execute(
            "INSERT INTO activity VALUES ('l1', ?, ?, 'a', NULL, 'active', NULL, 'daemon'),"
            " ('l2', ?, ?, 'a', NULL, 'idle', NULL, 'daemon')",
            [_t("08:00"), _t("09:00"), _t("09:00"), _t("11:00")],
        )
        con.execute(
            "INSERT INTO sync_activity VALUES ('b-1', ?, ?, ?, 'active', 'x'), ('b-1', ?, ?, ?, 'watching', 'x'),"
            " ('c-1', ?, ?, ?, 'active', 'y')",
            [date(2026, 12, 1), _t("08:30"), _t("09:30"), date(2026, 12, 1), _t("10:00"), _t("10:10")]
            + [date(2026, 12, 1), _t("07:00"), _t("07:30")],
        )
        got = sync.screen_minutes(con, _t("07:15").replace(tzinfo=UTC), _t("23:00").replace(tzinfo=UTC), "me")
        assert {h["host"]: h["minutes"] for h in got["hosts"]} == {"me": 60, "b-1": 70, "c-1": 15}
        assert got["hosts"][0]["label"] == "this computer"
        assert got["union_minutes"] == 15 + 90 + 10  # 07:15-07:30, 08:00-09:30, 10:00-10:10
        two = sync.screen_minutes(con, _t("00:00").replace(tzinfo=UTC), _t("23:00").replace(tzinfo=UTC), "me", ["me"])
        assert two == {"hosts": [{"host": "me", "name": "me", "label": "this computer", "minutes": 60.0}],
                       "union_minutes": 60.0}  # fmt: skip


def test_spans_starting_together_on_several_hosts_count_once_whatever_the_sort(tmp_path):
    """The same 2000 spans on three hosts (a restored copy, or two clocks to the microsecond):
    their union is one host's time, however the sort orders the ties (run it many times)."""
    with store.connect(tmp_path / "x.duckdb") as con:
        con.execute(
            """INSERT INTO activity SELECT 's' || i, TIMESTAMP '2026-11-01' + INTERVAL (i * 10) MINUTE,
                      TIMESTAMP '2026-11-01' + INTERVAL (i * 10 + 7) MINUTE, 'a', NULL, 'active', NULL, 'daemon'
               FROM range(2000) r(i)"""
        )
        for h in ("b-1", "c-1"):
            con.execute(
                "INSERT INTO sync_activity SELECT ?, CAST(start_utc AS DATE), start_utc, end_utc, state, app"
                " FROM activity",
                [h],
            )
        for _ in range(20):
            got = sync.screen_minutes(con, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), "me")
            assert got["union_minutes"] == 2000 * 7
            assert [h["minutes"] for h in got["hosts"]] == [2000 * 7] * 3


def test_per_bucket_cuts_at_local_days_of_any_length(tmp_path):
    """Berlin's 25-hour day (24 October 2026, days from 04:00: clocks go back in its night): a span across a day's start is
    split there, each day's union counts the other host's overlap once, and a host without time
    in the days is listed with zeros."""
    from zoneinfo import ZoneInfo

    from tracker.domain.times import Calendar

    cal = Calendar(ZoneInfo("Europe/Berlin"), 4)
    days = cal.days(cal.day_start(date(2026, 10, 24)), cal.day_start(date(2026, 10, 27)))
    assert [round((e - s).total_seconds() / 3600) for _, s, e in days] == [25, 24, 24]

    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text)

    with store.connect(tmp_path / "x.duckdb") as con:
        # The 25th's day starts at 04:00 CET, 03:00 UTC: l1 (02:00-04:00 UTC) is cut there.
        con.execute(
            "INSERT INTO activity VALUES ('l1', ?, ?, 'a', NULL, 'active', NULL, 'daemon'),"
            " ('l2', ?, ?, 'a', NULL, 'watching', NULL, 'daemon'), ('l3', ?, ?, 'a', NULL, 'idle', NULL, 'daemon')",
            [utc("2026-10-25 02:00"), utc("2026-10-25 04:00"), utc("2026-10-26 10:00"), utc("2026-10-26 11:00")]
            + [utc("2026-10-24 10:00"), utc("2026-10-24 12:00")],
        )
        con.execute(
            "INSERT INTO sync_activity VALUES ('b-1', '2026-10-25', ?, ?, 'active', 'x'),"
            " ('b-1', '2026-10-26', ?, ?, 'active', 'x')",
            [utc("2026-10-25 03:30"), utc("2026-10-25 05:00"), utc("2026-10-26 10:30"), utc("2026-10-26 10:45")],
        )
        con.execute("INSERT INTO sync_hosts VALUES ('b-1', 'desktop', now()), ('c-1', 'work', now())")
        got = sync.screen_per_bucket(con, [(s, e) for _, s, e in days], "me")
    assert [(h["host"], h["label"], h["minutes"]) for h in got["hosts"]] == [
        ("me", "this computer", [60.0, 60.0, 60.0]),  # 02:00-03:00 UTC is 24 Oct's; 03:00-04:00 the 25th's
        ("b-1", "b-1", [0.0, 90.0, 15.0]),
        ("c-1", "c-1", [0.0, 0.0, 0.0]),
    ]
    assert got["union_minutes"] == [60.0, 120.0, 60.0]  # 25th: 03:00-05:00 UTC
