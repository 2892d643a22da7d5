"""`offscreen import-aw`: ActivityWatch export files built from the documented shapes (aw-server's
and aw-server-rust's `GET /api/0/export`), imported into a real DuckDB through the real CLI."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inproc import cli  # noqa: F401 (fixture)
from tracker.config import Privacy
from tracker.domain import aw
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store.activity import upsert_spans

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-26T20:00:00+01:00")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def py_event(start: float, minutes: float, **data) -> dict:
    """aw-server (Python): isoformat with +00:00, duration in float seconds."""
    return {"timestamp": at(start).isoformat(), "duration": minutes * 60.0, "data": data}


def rust_event(eid: int, start: float, minutes: float, **data) -> dict:
    """aw-server-rust: chrono's RFC 3339 with Z and nanoseconds, an event id."""
    ts = at(start).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
    return {"id": eid, "timestamp": ts, "duration": minutes * 60.0, "data": data}


def py_bucket(bid: str, btype: str, host: str, events: list[dict], client: str = "aw-watcher-window") -> dict:
    return {
        "id": bid,
        "created": "2026-11-01T08:00:00.000000+00:00",
        "name": None,
        "type": btype,
        "client": client,
        "hostname": host,
        "events": sorted(events, key=lambda e: e["timestamp"], reverse=True),  # newest first
    }


def rust_bucket(bid: str, btype: str, host: str, events: list[dict], client: str = "aw-watcher-window") -> dict:
    ordered = sorted(events, key=lambda e: e["timestamp"], reverse=True)
    return {
        "id": bid,
        "created": "2026-11-01T08:00:00.000000Z",
        "name": None,
        "type": btype,
        "client": client,
        "hostname": host,
        "data": {},
        "metadata": {"start": ordered[-1]["timestamp"] if ordered else None, "end": None},
        "events": ordered,
        "last_updated": "2026-11-25T10:00:00Z",
    }


def two_hosts() -> dict:
    laptop = [
        py_bucket(
            "aw-watcher-window_laptop",
            "currentwindow",
            "laptop",
            [py_event(0, 30, app="code", title="main.py"), py_event(30, 30, app="firefox", title="News")],
        ),
        py_bucket(
            "aw-watcher-afk_laptop",
            "afkstatus",
            "laptop",
            [py_event(0, 40, status="not-afk"), py_event(40, 20, status="afk")],
            client="aw-watcher-afk",
        ),
    ]
    desktop = [
        rust_bucket("aw-watcher-window_desk", "currentwindow", "desk", [rust_event(7, 50, 30, app="foot", title="~")]),
        rust_bucket(
            "aw-watcher-afk_desk", "afkstatus", "desk", [rust_event(3, 50, 30, status="not-afk")], "aw-watcher-afk"
        ),
        rust_bucket("aw-watcher-web-firefox_desk", "web.tab.current", "desk", [], "aw-client-web"),
    ]
    return {"buckets": {b["id"]: b for b in laptop + desktop}}


def write(tmp_path: Path, export: dict, name: str = "aw.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(export))
    return p


def activity(db: Path) -> list[tuple]:
    """(start minute, end minute, app, title, state, source) of every stored span."""
    with connect(db) as con:
        rows = con.execute("SELECT start_utc, end_utc, app, title, state, source FROM activity ORDER BY start_utc")
        out = rows.fetchall()
    t0 = T0.replace(tzinfo=None)
    return [(round((s - t0).total_seconds() / 60, 3), round((e - t0).total_seconds() / 60, 3), *r) for s, e, *r in out]


def phone(db: Path) -> list[tuple]:
    with connect(db) as con:
        return con.execute("SELECT day, minutes, source FROM phone_time ORDER BY day").fetchall()


def count(db: Path) -> int:
    if not db.exists():
        return 0
    with connect(db) as con:
        row = con.execute("SELECT (SELECT count(*) FROM activity) + (SELECT count(*) FROM phone_time)").fetchone()
    return row[0]


def test_two_hosts_become_one_timeline(cli, tmp_path, db):
    # Laptop (aw-server): window ∩ not-afk is active, afk is idle. Desk (aw-server-rust) is active
    # from minute 50, which wins over the laptop's idle; the web bucket is listed and skipped.
    r = cli("import-aw", write(tmp_path, two_hosts()), "--yes", check=0)
    assert activity(db) == [
        (0, 30, "code", "main.py", "active", "aw"),
        (30, 40, "firefox", "News", "active", "aw"),
        (40, 50, None, None, "idle", "aw"),
        (50, 80, "foot", "~", "active", "aw"),
    ]
    out = r.stdout.splitlines()
    assert "  hosts: desk, laptop" in out
    assert "  bucket aw-watcher-window_desk (currentwindow, windows, host desk): 1 event" in out
    assert (
        "  skipped: bucket aw-watcher-web-firefox_desk (type web.tab.current: offscreen does not read this type)" in out
    )
    assert "  from 2026-11-20 to 2026-11-20 (local days)" in out
    assert "  spans: 4 (active 1h10m, idle 10m)" in out
    assert out[-1] == f"Imported 4 spans (4 new) and 0 phone days (0 new, 0 changed) from {tmp_path / 'aw.json'}."


def test_a_second_import_of_the_same_file_adds_nothing(cli, tmp_path, db):
    f = write(tmp_path, two_hosts())
    cli("import-aw", f, "--yes", check=0)
    first = activity(db)
    r = cli("import-aw", f, "--yes", check=0)
    assert activity(db) == first
    assert "  spans: 4 (active 1h10m, idle 10m), 4 of them already imported" in r.stdout
    assert r.stdout.splitlines()[-1].startswith("Imported 4 spans (0 new)")


def test_overlapping_events_and_buckets_are_never_counted_twice(cli, tmp_path, db):
    # Two window watchers on one host (X11 and Wayland), overlapping each other and themselves;
    # no AFK bucket on that host, so window time is active.
    a = py_bucket(
        "aw-watcher-window_box",
        "currentwindow",
        "box",
        [py_event(0, 20, app="a", title="1"), py_event(10, 20, app="b", title="2")],  # b starts inside a
    )
    b = py_bucket("aw-watcher-window-wayland_box", "currentwindow", "box", [py_event(5, 40, app="c", title="3")])
    cli("import-aw", write(tmp_path, {"buckets": {x["id"]: x for x in (a, b)}}), "--yes", check=0)
    # Oldest start first keeps the time: a (0-20), then c (from 5, cut to 20-45) swallows b (10-30).
    assert [r[:3] for r in activity(db)] == [(0, 20, "a"), (20, 45, "c")]


def test_time_offscreen_recorded_itself_wins(cli, tmp_path, db):
    cli("import-aw", write(tmp_path, {"buckets": {}}), "--yes", check=0)  # creates the database
    with connect(db) as con:
        start = at(10).timestamp()
        upsert_spans(con, [("daemon-1", start, start + 600, "xterm", "t", "active", None)])
    r = cli("import-aw", write(tmp_path, two_hosts()), "--yes", check=0)
    assert [r[:3] + r[4:] for r in activity(db)][:3] == [
        (0, 10, "code", "active", "aw"),
        (10, 20, "xterm", "active", "daemon"),
        (20, 30, "code", "active", "aw"),
    ]
    assert "  left out: 10m that offscreen already holds" in r.stdout
    again = cli("import-aw", tmp_path / "aw.json", "--yes", check=0)
    assert "(0 new)" in again.stdout.splitlines()[-1]
    assert len(activity(db)) == 6


def test_android_buckets_become_phone_minutes_per_local_day(cli, tmp_path, db):
    # Local days start at 04:00 (general.day_start_hour): 03:00-03:30 UTC is 04:00-04:30 Berlin, a
    # new day; 02:30-03:00 UTC belongs to the day before. Two phone buckets overlapping count once.
    def phone_event(hour, minute, minutes, app):
        e = py_event(0, minutes, app=app, package=f"com.{app}", classname=f"com.{app}.Main")
        e["timestamp"] = datetime(2026, 11, 20, hour, minute, tzinfo=UTC).isoformat()
        return e

    old = py_bucket(
        "aw-watcher-android-test",
        "currentwindow",
        "Pixel 7",
        [phone_event(2, 30, 60, "instagram"), phone_event(12, 0, 15, "signal")],
        client="aw-watcher-android",
    )
    new = rust_bucket(
        "aw-watcher-android_Pixel-7", "currentwindow", "Pixel 7", [], client="aw-watcher-android"
    )  # the bucket name aw-android uses since v0.14
    new["events"] = [phone_event(12, 5, 10, "signal")]  # inside the other bucket's 12:00-12:15
    r = cli("import-aw", write(tmp_path, {"buckets": {"a": old, "b": new}}), "--yes", check=0)
    assert phone(db) == [(date(2026, 11, 19), 30.0, "aw"), (date(2026, 11, 20), 45.0, "aw")]
    assert activity(db) == []  # phone time is its own series, never activity
    assert "  phone: 2 days (1h15m)" in r.stdout
    assert r.stdout.splitlines()[-1].endswith(
        "and 2 phone days (2 new, 0 changed) from " + str(tmp_path / "aw.json") + "."
    )
    again = cli("import-aw", tmp_path / "aw.json", "--yes", check=0)
    assert "and 2 phone days (0 new, 0 changed)" in again.stdout
    assert len(phone(db)) == 2


def test_privacy_rules_apply_before_anything_is_stored(cli, tmp_path, db):
    conf = tmp_path / "offscreen" / "config"
    conf.mkdir(parents=True, mode=0o700)
    (conf / "config.toml").write_text('[privacy]\ntitles = "redact"\nexclude = [{ app = "(?i)keepassxc" }]\n')
    w = py_bucket(
        "aw-watcher-window_laptop",
        "currentwindow",
        "laptop",
        [py_event(0, 10, app="KeePassXC", title="bank: hunter2"), py_event(10, 10, app="code", title="secret.py")],
    )
    cli("import-aw", write(tmp_path, {"buckets": {w["id"]: w}}), "--yes", check=0)
    assert [r[2:5] for r in activity(db)] == [("excluded", None, "active"), ("code", None, "active")]


def _rows_unchanged(cli, db, f):
    r = cli("import-aw", f, "--yes")
    assert r.returncode == 2, r
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("Error: "), r.stderr
    assert count(db) == 0
    return r.stderr


def _window(events) -> dict:
    return {"buckets": {"w_1": py_bucket("w_1", "currentwindow", "h", [py_event(0, 1, app="x")]), "w_2": events}}


@pytest.mark.parametrize(
    "bucket2, needle",
    [
        (
            {"type": "currentwindow", "events": [{"timestamp": "2026-11-20T09:00:00Z", "duration": -1}]},
            "event 0: duration -1",
        ),
        (
            {"type": "currentwindow", "events": [{}, {"timestamp": "yesterday", "duration": 1}]},
            "event 0: has no timestamp",
        ),
        (
            {"type": "currentwindow", "events": [py_event(0, 1), {"timestamp": "2026-13-01T00:00:00Z", "duration": 1}]},
            "event 1: timestamp '2026-13-01T00:00:00Z' is not ISO 8601",
        ),
        (
            {"type": "currentwindow", "events": [{"timestamp": "2026-11-20T09:00:00", "duration": 1}]},
            "has no UTC offset",
        ),
        (
            {"type": "currentwindow", "events": [{"timestamp": "0001-01-01T00:00:00Z", "duration": 1}]},
            "before 1900-01-01",
        ),
        ({"type": "currentwindow", "events": [py_event(0, 1), py_event(1, 1), 7]}, "event 2: is not a JSON object"),
        ({"type": "currentwindow", "events": [{"timestamp": "2026-11-20T09:00:00Z", "duration": "5"}]}, "duration '5'"),
        ({"type": "currentwindow", "events": [py_event(0, 1, app=["x"])]}, "event 0: data.app is not a string"),
        ({"type": "afkstatus", "events": [py_event(0, 1, status="away")]}, "event 0: status 'away'"),
        ({"events": []}, "bucket 'w_2' has no type"),
        ({"type": "currentwindow", "events": {}}, "the \"events\" of bucket 'w_2' is not a JSON array"),
    ],
)
def test_a_malformed_event_names_its_bucket_and_index_and_nothing_is_written(cli, tmp_path, db, bucket2, needle):
    err = _rows_unchanged(cli, db, write(tmp_path, _window(bucket2)))
    assert "bucket 'w_2'" in err and needle in err, err


@pytest.mark.parametrize(
    "text, needle",
    [
        ('{"buckets": {"b": {"type": "currentwindow", "events": [{"timestamp": 1,}]}}}', "not valid JSON at line 1"),
        ('{"buckets": {"b": {"type": "x"}}} trailing', "extra data after the export object"),
        ("[1, 2]", "the file is not a JSON object"),
        ('{"events": []}', 'has no "buckets" object'),
        ("\ufeff{", "not valid JSON"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused(cli, tmp_path, db, text, needle):
    f = tmp_path / "aw.json"
    f.write_text(text)
    assert needle in _rows_unchanged(cli, db, f)


def test_only_regular_files_are_read(cli, tmp_path, db):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert "not a regular file" in _rows_unchanged(cli, db, fifo)
    assert "no such file" in _rows_unchanged(cli, db, tmp_path / "missing.json")


def test_dry_run_writes_nothing(cli, tmp_path, db):
    r = cli("import-aw", write(tmp_path, two_hosts()), "--dry-run", check=0)
    assert "  spans: 4 (active 1h10m, idle 10m)" in r.stdout
    assert r.stdout.splitlines()[-1] == "Dry run: nothing written."
    assert count(db) == 0


def test_outside_a_terminal_it_needs_yes(run, tmp_path, db):
    r = run("import-aw", write(tmp_path, two_hosts()))
    assert r.returncode == 2
    assert r.stderr == "Error: not a terminal, so not asking: add --yes to import (or --dry-run to look only)\n"
    assert count(db) == 0


def _offscreen() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


@pytest.mark.parametrize("answer, stored", [("y\n", 4), ("n\n", 0)])
def test_at_a_terminal_it_asks_first(tmp_path, db, answer, stored):
    f = write(tmp_path, two_hosts())
    master, slave = pty.openpty()
    try:
        os.write(master, answer.encode())
        p = subprocess.run(
            _offscreen() + ["import-aw", str(f)], stdin=slave, capture_output=True, text=True, timeout=60
        )
    finally:
        os.close(slave)
        os.close(master)
    assert p.returncode == 0, p.stderr
    # The answer is echoed by the terminal, not by offscreen: the next line follows the question.
    assert p.stdout.splitlines()[-1].startswith(
        "Import? [y/N]: " + ("Imported 4 spans" if stored else "Nothing written.")
    )
    assert count(db) == stored


# --- the pure rules ------------------------------------------------------------------------------

_interval = st.tuples(st.integers(0, 200), st.integers(0, 60))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["h1", "h2"]), st.sampled_from(["window", "afk"]), _interval, st.booleans()),
        max_size=25,
    )
)
def test_spans_never_overlap_and_ids_are_unique(events):
    buckets: dict[str, aw.Bucket] = {}
    for host, kind, (start, length), flag in events:
        bid = f"{kind}_{host}"
        b = buckets.setdefault(bid, aw.Bucket(bid, "currentwindow" if kind == "window" else "afkstatus", "", host))
        s = T0.timestamp() + start * 60
        b.events.append((s, s + length * 60, "app" if flag else "other", None, "afk" if flag else "not-afk"))
    plan = aw.plan(list(buckets.values()), Calendar())
    for a, b in zip(plan.spans, plan.spans[1:], strict=False):
        assert a.end <= b.start
    assert all(s.end > s.start for s in plan.spans)
    assert len({s.span_id for s in plan.spans}) == len(plan.spans)
    window = [e for b in buckets.values() if b.kind == "window" for e in b.events]
    covered = aw._union(sorted((e[0], e[1]) for e in window))
    active = sum(s.end - s.start for s in plan.spans if s.state == "active")
    assert active <= sum(b - a for a, b in covered)


def test_read_applies_privacy_once_per_title():
    text = json.dumps(two_hosts())
    buckets = aw.read(text, "f", Privacy(titles="hash"))
    titles = {e[3] for b in buckets for e in b.events if e[3] is not None}
    assert titles and all(len(t) == 16 for t in titles)  # sha256 prefixes, never the titles
