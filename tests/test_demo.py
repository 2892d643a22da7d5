"""`offscreen demo`: a seeded, pure, realistic generator and a replace-only-demo bulk insert."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.store import connect
from tracker.usecases import demo

NOW = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def data():
    return demo.generate(120, 1, NOW, BERLIN)


def test_same_seed_same_data_other_seed_other_data(data):
    again = demo.generate(120, 1, NOW, BERLIN)
    assert again.spans == data.spans and again.interactions == data.interactions
    other = demo.generate(120, 2, NOW, BERLIN)
    assert other.spans != data.spans


def test_spans_are_ordered_disjoint_and_never_in_the_future(data):
    s = data.spans
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(s))
    assert all(x[0] < x[1] <= x[0] + max(demo.MAX_SPAN_S, 86400) for x in s)
    assert all(x[1] - x[0] <= demo.MAX_SPAN_S for x in s if x[4] == "active")
    assert max(x[1] for x in s) <= NOW.timestamp()
    first_local = (NOW.astimezone(BERLIN) - timedelta(days=119)).date()
    assert datetime.fromtimestamp(s[0][0], BERLIN).date() >= first_local
    assert set(Counter(x[4] for x in s)) == {"active", "watching", "idle", "locked", "asleep"}


def test_weekday_work_pattern_and_app_mix(data):
    by_hour_wd = Counter()
    apps = Counter()
    for start, end, app, title, state in data.spans:
        if state != "active":
            continue
        t = datetime.fromtimestamp(start, BERLIN)
        by_hour_wd[(t.weekday() < 5, t.hour)] += end - start
        apps[(app, title.split(" - ")[-1] if title else None)] += 1
    # Weekday mornings at 10 are busy at the screen; weekend mornings at 10 far less.
    assert by_hour_wd[(True, 10)] > 3 * by_hour_wd[(False, 10)]
    titles = {t for (_, t) in apps}
    assert any("YouTube" in (t or "") for t in titles) and any("Reddit" in (t or "") for t in titles)
    from category_model import categorize
    from tracker.domain.categories import DEFAULT_RULES

    cats = {categorize(a, t, DEFAULT_RULES) for (a, t), _ in apps.items()}
    cats |= {categorize(app, title, DEFAULT_RULES) for _, _, app, title, st in data.spans[:20000] if st == "active"}
    assert {"social media", "video", "games", "messaging", "email", "programming", "browsing", "other"} <= cats


def test_cast_and_interactions(data):
    assert 12 <= len(data.people) <= 20
    tiers = Counter(p.tier for p in data.people)
    assert tiers["inner"] >= 2 and tiers["close"] >= 3 and tiers[None] >= 1
    assert any(p.kin for p in data.people) and any(p.cadence_modes == "any" for p in data.people)
    keys = {p.key for p in data.people}
    assert all(set(i.people) <= keys for i in data.interactions)
    assert set(Counter(i.mode for i in data.interactions)) == {"in-person", "video", "voice", "text"}
    assert any(i.work for i in data.interactions) and any(len(i.people) >= 3 for i in data.interactions)
    fridays = [i for i in data.interactions if "friday-dinner" in i.tags]
    assert fridays and all(i.happened_at.replace(tzinfo=UTC).astimezone(BERLIN).weekday() == 4 for i in fridays)
    assert len(fridays) >= 10  # a weekly routine over 17 weeks, a few missed


def test_lonely_weeks_have_more_screen_and_fewer_people(data):
    assert data.lonely_weeks
    lonely = set(data.lonely_weeks)

    def monday(ts):
        d = datetime.fromtimestamp(ts, BERLIN).date()
        return d - timedelta(days=d.weekday())

    screen, meet = Counter(), Counter()
    for s, e, _, _, st in data.spans:
        if st in ("active", "watching"):
            screen[monday(s) in lonely] += e - s
    for i in data.interactions:
        if i.mode == "in-person" and not i.work:
            meet[monday(i.happened_at.replace(tzinfo=UTC).timestamp()) in lonely] += i.duration_min
    weeks_l = len(lonely)
    weeks_n = 120 / 7 - weeks_l
    assert screen[True] / weeks_l > 1.1 * screen[False] / weeks_n
    assert meet[True] / weeks_l < 0.6 * meet[False] / weeks_n


@pytest.mark.parametrize("weekday", range(7))
def test_practice_data_is_pure_and_complete_on_every_weekday(weekday):
    """The routine, check-ins and unplug sessions come from the generator (seeded, `now` given),
    so a demo made on a Monday is as complete as one made on a Sunday."""
    now = NOW + timedelta(days=weekday)  # NOW is a Thursday
    d = demo.generate(30, 1, now, BERLIN)
    assert d == demo.generate(30, 1, now, BERLIN)
    (routine,) = d.routines
    assert routine.starts_on.weekday() == 0 and len(routine.people) == 2
    linked = [i for i in d.interactions if i.routine == routine.name]
    assert linked and all(i.happened_at.date() >= routine.starts_on - timedelta(days=1) for i in linked)
    days = (now.astimezone(BERLIN).date() - routine.starts_on).days
    daily = [c for c in d.checkins if c.mood is not None]
    weekly = [c for c in d.checkins if c.ucla is not None]
    sundays = sum(1 for k in range(days) if (routine.starts_on + timedelta(days=k)).weekday() == 6)
    assert 0.6 * days <= len(daily) <= days and len(weekly) == sundays > 0
    assert all(c.at <= now.replace(tzinfo=None) for c in d.checkins)
    assert all(u.start < u.end <= now.replace(tzinfo=None) for u in d.unplug)
    other = demo.generate(30, 2, now, BERLIN)
    assert other.checkins != d.checkins  # --seed reaches the check-ins too


def test_demo_command_writes_and_replaces(cli, app, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW.isoformat())
    r = cli("demo", "--days", "30", "--json", check=0)
    first = json.loads(r.stdout)
    assert first["days"] == 30 and first["spans"] > 5000  # large enough for the table-rebuild path
    with connect(app.paths.db) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM activity WHERE source='demo'), "
            "(SELECT count(*) FROM interactions WHERE source='demo'), "
            "(SELECT count(*) FROM people WHERE source='demo')"
        ).fetchone()
    assert counts == (first["spans"], first["interactions"], first["people"])
    r = cli("demo", "--days", "30", "--seed", "5", "--json", check=0)
    second = json.loads(r.stdout)
    expected = demo.generate(30, 5, NOW, BERLIN)
    with connect(app.paths.db) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM activity), (SELECT count(*) FROM interactions), "
            "(SELECT count(*) FROM people), (SELECT count(*) FROM interaction_people "
            "WHERE interaction_id NOT IN (SELECT id FROM interactions))"
        ).fetchone()
        idx = con.execute("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'activity'").fetchone()[0]
    assert counts == (second["spans"], second["interactions"], second["people"], 0)
    assert idx == 1  # the rebuilt table kept its start_utc index
    with connect(app.paths.db) as con:
        practice = con.execute(
            "SELECT (SELECT count(*) FROM routines), (SELECT count(*) FROM routine_people), "
            "(SELECT count(*) FROM checkins), (SELECT count(*) FROM unplug_sessions), "
            "(SELECT count(*) FROM interactions WHERE routine_id IS NOT NULL), "
            "(SELECT count(*) FROM interactions WHERE summary = 'Friday dinner')"
        ).fetchone()
    # One routine (not two after the re-run), linked to the generator's own dinners, not new ones;
    # exactly what the pure generator made for that seed and `now`.
    assert second["checkins"] == len(expected.checkins) and second["unplug"] == len(expected.unplug)
    assert practice[:4] == (1, 2, len(expected.checkins), len(expected.unplug))
    assert practice[4] == sum(1 for i in expected.interactions if i.routine) > 0
    assert practice[4] <= practice[5]
    assert oct(app.paths.db.stat().st_mode & 0o777) == "0o600"
    assert list(app.paths.state_dir.glob("demo-activity-*")) == []


def test_demo_refuses_real_data_without_force(run, app):
    with connect(app.paths.db) as con:
        con.execute(
            "INSERT INTO activity (span_id, start_utc, end_utc, app, title, state, source) VALUES "
            "('real-1', '2026-11-20 08:00', '2026-11-20 09:00', 'code', 'mine', 'active', 'daemon')"
        )
    r = run("demo", "--days", "10")
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: ") and "--force" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    with connect(app.paths.db) as con:
        assert con.execute("SELECT count(*) FROM activity").fetchone()[0] == 1  # nothing written
    run("demo", "--days", "20", "--force", check=0)
    run("demo", "--days", "20", "--force", check=0)  # replaces demo rows, keeps the real one
    with connect(app.paths.db) as con:
        assert con.execute("SELECT span_id, app FROM activity WHERE source <> 'demo'").fetchall() == [
            ("real-1", "code")
        ]
        assert con.execute("SELECT count(*) FROM activity WHERE source = 'demo'").fetchone()[0] > 5000


@pytest.mark.parametrize("cmd", ["demo", "dashboard", "report"])
def test_help_has_an_example(run, cmd):
    r = run(cmd, "--help", check=0)
    assert "Example" in r.stdout and f"offscreen {cmd}" in r.stdout
