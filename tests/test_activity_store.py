"""Activity queries on a real DuckDB file: export rows (contract), today's summary, categories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import config as config_mod
from tracker.store import activity, connect


def put(con, rows):
    """rows: (id, start aware, end aware, app, title, state)"""
    activity.upsert_spans(
        con, [(i, s.timestamp(), e.timestamp(), app, title, state, None) for i, s, e, app, title, state in rows]
    )


def at(h, m=0, day=26):
    return datetime(2026, 11, day, h, m, tzinfo=UTC)


ROWS = [
    ("a", at(2, 30), at(3, 30), "Firefox", "YouTube - Cats", "active"),  # 03:30-04:30 Berlin: crosses day start
    ("b", at(8), at(9), "firefox", "Inbox - Gmail", "active"),
    ("c", at(9), at(9, 30), "Code", "main.py", "active"),
    ("d", at(9, 30), at(9, 40), "Code", "main.py", "idle"),
    ("e", at(9, 40), at(10), None, None, "locked"),
    ("f", at(10), at(11), None, None, "asleep"),
    ("g", at(11), at(11, 15), "excluded", None, "active"),
    ("h", at(11, 15), at(11, 45), "Unknownapp", "x", "active"),
]


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "t.duckdb") as c:
        put(c, ROWS)
        yield c


def test_export_rows_contract(con):
    rows = activity.export_rows(con, None, None, config_mod.Config())
    assert [r["state"] for r in rows] == ["active", "active", "active", "idle", "locked", "asleep", "active", "active"]
    first = rows[0]
    assert first == {
        "start": "2026-11-26T03:30:00+01:00",
        "end": "2026-11-26T04:30:00+01:00",
        "app": "Firefox",
        "title": "YouTube - Cats",
        "state": "active",
        "category": "video",
        "seconds": 3600.0,
    }
    assert [r["category"] for r in rows] == [
        "video",
        "email",
        "programming",
        "programming",
        None,
        None,
        "excluded",
        "other",
    ]
    assert rows[4]["app"] is None and rows[4]["title"] is None
    json.dumps(rows)  # JSON-ready
    for r in rows:
        assert datetime.fromisoformat(r["start"]).utcoffset() is not None


def test_export_rows_range_is_overlap_and_user_rules_recategorise(con):
    cfg = config_mod.parse({"categories": {"rules": [{"category": "work", "app": "(?i)^code$"}]}})
    rows = activity.export_rows(con, at(9, 10), at(9, 35), cfg)
    assert [(r["app"], r["state"], r["category"]) for r in rows] == [
        ("Code", "active", "work"),
        ("Code", "idle", "work"),
    ]


def test_summary_clips_to_the_local_day_and_splits_states(con):
    from zoneinfo import ZoneInfo

    from tracker.domain.times import Calendar

    since = Calendar(ZoneInfo("Europe/Berlin"), 4).day_start(datetime(2026, 11, 26).date())  # 03:00 UTC
    until = since + timedelta(days=1)
    s = activity.summary(con, since, until, config_mod.Config())
    assert s["active_seconds"] == 30 * 60 + 3600 + 1800 + 15 * 60 + 1800
    assert s["idle_seconds"] == 600 and s["locked_seconds"] == 1200 and s["asleep_seconds"] == 3600
    assert s["by_category"] == [
        {"category": "email", "seconds": 3600.0},
        {"category": "other", "seconds": 1800.0},
        {"category": "programming", "seconds": 1800.0},
        {"category": "video", "seconds": 1800.0},
        {"category": "excluded", "seconds": 900.0},
    ]
    assert [(a["app"], a["seconds"]) for a in s["by_app"]][:2] == [("firefox", 3600.0), ("Code", 1800.0)]


def test_face_to_face_counts_in_person_once_and_skips_deleted(con):
    now = datetime(2026, 11, 26, 12)
    con.execute(
        """INSERT INTO interactions (summary, happened_at, duration_min, mode, logged_at, deleted_at) VALUES
           ('lunch', ?, 60, 'in-person', ?, NULL), ('call', ?, 30, 'voice', ?, NULL),
           ('gone', ?, 45, 'in-person', ?, ?), ('yesterday', ?, 20, 'in-person', ?, NULL)""",
        [now, now, now, now, now, now, now, now - timedelta(days=1), now],
    )
    iid = con.execute("SELECT id FROM interactions WHERE summary = 'lunch'").fetchone()[0]
    con.execute("INSERT INTO interaction_people VALUES (?, 1), (?, 2)", [iid, iid])  # a group: counted once
    assert activity.face_to_face_minutes(con, at(3), at(3, day=27)) == 60.0


# "Now" for the `today` tests, pinned: 12:00 in Berlin, so today began at 04:00 (03:00 UTC).
TODAY_NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def test_today_command_text_and_json(app, cli, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", TODAY_NOW.isoformat())
    start, end = TODAY_NOW - timedelta(minutes=3), TODAY_NOW - timedelta(minutes=1)
    early = datetime(2026, 11, 26, 2, 50, tzinfo=UTC)  # 03:50 in Berlin: 10 minutes before today began
    with connect(app.paths.db) as c:
        put(
            c,
            [
                ("x", start, end, "firefox", "Mastodon", "active"),
                ("y", early, early + timedelta(minutes=20), "Code", "t", "active"),
            ],
        )
    data = json.loads(cli("today", "--json", check=0).stdout)
    assert data["active_seconds"] == 120 + 600 and isinstance(data["active_seconds"], int)
    assert data["by_category"] == [
        {"category": "programming", "seconds": 600},
        {"category": "social media", "seconds": 120},
    ]
    assert (data["day"], data["since"]) == ("2026-11-26", "2026-11-26T04:00:00+01:00")
    assert data["until"] == "2026-11-27T04:00:00+01:00"
    r = cli("today", check=0)
    lines = r.stdout.splitlines()
    assert lines[0] == "Today (2026-11-26, since 04:00)"
    assert lines[1].split() == ["screen", "time", "12m"]
    assert [ln.split()[0] for ln in lines[2:5]] == ["idle", "locked", "asleep"]
    assert lines[5].split() == ["face", "to", "face", "0s"]
    assert data["daemon_running"] is False
    assert lines[-1] == "Note: the activity daemon is not running; start it with `offscreen daemon`."


def test_today_json_seconds_are_whole(app, cli, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", TODAY_NOW.isoformat())
    end = TODAY_NOW - timedelta(seconds=30)
    start = end - timedelta(seconds=90, microseconds=600_000)
    with connect(app.paths.db) as c:
        activity.upsert_spans(c, [("x", start.timestamp(), end.timestamp(), "firefox", "t", "active", None)])
    data = json.loads(cli("today", "--json", check=0).stdout)
    assert data["active_seconds"] == 91 and type(data["active_seconds"]) is int
    assert [a["seconds"] for a in data["by_app"]] == [91]
    assert all(type(c["seconds"]) is int for c in data["by_category"])


def test_activity_export_counts_spans_in_words(cli, tmp_path):
    out = tmp_path / "activity.csv"
    r = cli("export", "--what", "activity", "--since", "7d", "-o", out, check=0)
    assert r.stdout == f"Exported 0 activity spans to {out}\n"  # was "0 activity" (and "1 activit")
    assert out.read_text() == "start,end,app,title,state,category\n"
