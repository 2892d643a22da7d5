"""`offscreen demo` streams its spans (issue 14): chunk by chunk into private files and into the
database, the same data as the pure generator gives in one piece, and never half a history."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.errors import RuntimeFailure
from tracker.store import connect
from tracker.store import demo as store_demo
from tracker.usecases import demo

NOW = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "zone", "now"),
    [
        (70, "Europe/Berlin", datetime(2026, 11, 2, 6, tzinfo=UTC)),  # the October change back
        (40, "America/New_York", datetime(2026, 3, 20, 23, tzinfo=UTC)),  # March, forward
        (30, "Australia/Lord_Howe", datetime(2026, 4, 10, 8, tzinfo=UTC)),  # half-hour change
        (20, "Asia/Kolkata", datetime(2026, 1, 1, 0, 10, tzinfo=UTC)),  # half-hour offset, now at dawn
    ],
)
@pytest.mark.parametrize("chunk_days", [1, 3, 7])
def test_streamed_chunks_are_exactly_the_generated_data(days, zone, now, chunk_days):
    tz = ZoneInfo(zone)
    whole = demo.generate(days, 1, now, tz)
    chunks: list[list] = []
    rest = demo.stream(days, 1, now, tz, chunks.append, chunk_days)
    assert [s for c in chunks for s in c] == whole.spans
    assert all(chunks) and 1 < len(chunks) <= -(-days // chunk_days)
    assert rest.spans == [] and dataclasses.replace(rest, spans=whole.spans) == whole


def _demo_rows(con) -> tuple:
    return con.execute(
        "SELECT (SELECT count(*) FROM activity WHERE source = 'demo'), "
        "(SELECT count(*) FROM interactions WHERE source = 'demo'), "
        "(SELECT count(*) FROM people WHERE source = 'demo'), "
        "(SELECT count(*) FROM checkins WHERE source = 'demo')"
    ).fetchone()


def test_many_chunks_store_every_span_once_in_order(cli, app, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW.isoformat())
    monkeypatch.setattr(demo, "CHUNK_DAYS", 4)
    counts = json.loads(cli("demo", "--days", "30", "--json", check=0).stdout)
    expected = demo.generate(30, 1, NOW, ZoneInfo("Europe/Berlin"))
    with connect(app.paths.db) as con:
        rows = con.execute(
            "SELECT span_id, epoch(start_utc)::BIGINT, epoch(end_utc)::BIGINT, coalesce(app, ''), title, state "
            "FROM activity ORDER BY start_utc"
        ).fetchall()
    assert counts["spans"] == len(expected.spans) == len(rows)
    assert rows == [(f"demo-{n}", s, e, a, t or None, st) for n, (s, e, a, t, st) in enumerate(expected.spans)]
    assert list(app.paths.state_dir.glob("demo-activity-*")) == []


def test_a_failure_in_a_later_chunk_leaves_no_demo_and_keeps_own_data(cli, app, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW.isoformat())
    monkeypatch.setattr(demo, "CHUNK_DAYS", 5)
    cli("log", "lunch", "--with", "Sam", "--at", "2026-11-20 12:00", "--for", "1h", check=0)
    real = store_demo._insert_spans
    calls = []

    def fail_third(con, name):
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeFailure("cannot write the database: the disk is full")
        real(con, name)

    monkeypatch.setattr(store_demo, "_insert_spans", fail_third)
    r = cli("demo", "--days", "30", "--force")
    assert r.returncode == 1 and r.stderr == "Error: cannot write the database: the disk is full\n"
    assert len(calls) == 3
    with connect(app.paths.db) as con:
        assert _demo_rows(con) == (0, 0, 0, 0)
        assert con.execute("SELECT summary FROM interactions").fetchall() == [("lunch",)]
    assert list(app.paths.state_dir.glob("demo-activity-*")) == []
