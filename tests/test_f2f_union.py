"""Face-to-face time is the UNION of the in-person intervals: a stretch logged twice, or two logs
that overlap, count once wherever time together is shown (today, status, report, dashboard,
people, friendship hours). Expectations are computed by a plain Python interval union.

Zone Europe/Berlin (conftest), days start at 04:00 local (the default).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dbrows import add_interaction, add_person
from inproc import cli  # noqa: F401 (fixture)
from tracker.config import Config
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store import dashboard as queries
from tracker.store import interactions as store_i
from tracker.usecases.today import day_totals

BERLIN = Calendar(ZoneInfo("Europe/Berlin"), 4)
D = datetime


def union_minutes(intervals, lo=None, hi=None) -> float:
    """The reference: minutes covered by the union of (start, end) pairs, clipped to [lo, hi)."""
    clipped = []
    for s, e in intervals:
        s, e = max(s, lo) if lo else s, min(e, hi) if hi else e
        if e > s:
            clipped.append((s, e))
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(clipped):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += (cur_e - cur_s).total_seconds()
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += (cur_e - cur_s).total_seconds()
    return total / 60


def _db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


# "Now" 21:00 in Berlin on Thu 26 Nov 2026; today began at 04:00 local (03:00 UTC).
NOW = D(2026, 11, 26, 20, 0, tzinfo=UTC)
EVENING = D(2026, 11, 26, 18, 0)  # 19:00 Berlin, naive UTC as stored


def test_the_same_evening_logged_three_times_is_one_and_a_half_hours_today(cli, tmp_path):
    """1h, the same 1h again, then 1h30m from the same start: 1h30m of clock time, not 3h30m."""
    with connect(_db(tmp_path)) as con:
        sam = add_person(con, "Sam", created_at=EVENING)
        for minutes in (60, 60, 90):
            add_interaction(con, happened_at=EVENING, duration_min=minutes, person_ids=[sam])
    env = {"OFFSCREEN_NOW": NOW.isoformat()}
    data = json.loads(cli("today", "--json", check=0, env=env).stdout)
    assert data["face_to_face_minutes"] == union_minutes([(EVENING, EVENING + timedelta(minutes=90))]) == 90
    assert "face to face  1h30m" in cli("today", check=0, env=env).stdout
    # status shows the same day totals (tracker.usecases.today.day_totals)
    with connect(_db(tmp_path)) as con:
        assert day_totals(con, BERLIN, Config(), NOW)["face_to_face_minutes"] == 90


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_face_to_face_minutes_is_the_clipped_union_of_live_in_person_intervals(tmp_path, seed):
    rnd = random.Random(seed)
    base = D(2026, 11, 20, 8)
    live = []
    with connect(tmp_path / "t.duckdb") as con:
        pids = [add_person(con, n, created_at=base) for n in ("Sam", "Alex", "Jo")]
        for _ in range(40):
            start = base + timedelta(minutes=rnd.randrange(0, 3 * 24 * 60, 5))
            minutes = rnd.choice([5, 15, 30, 60, 90, 150, 240])
            mode = rnd.choice(["in-person", "in-person", "in-person", "voice"])
            deleted = rnd.random() < 0.15
            people = rnd.sample(pids, rnd.randint(1, 3))
            add_interaction(
                con,
                happened_at=start,
                duration_min=minutes,
                mode=mode,
                person_ids=people,
                deleted_at=start if deleted else None,
            )
            if mode == "in-person" and not deleted:
                live.append((start, start + timedelta(minutes=minutes)))
        assert store_i.face_to_face_minutes(con, None, None) == pytest.approx(union_minutes(live))
        for _ in range(10):
            lo = base + timedelta(minutes=rnd.randrange(0, 3 * 24 * 60))
            hi = lo + timedelta(minutes=rnd.randrange(1, 24 * 60))
            assert store_i.face_to_face_minutes(con, lo, hi) == pytest.approx(union_minutes(live, lo, hi))


def test_a_group_overlap_and_a_deleted_duplicate(tmp_path):
    """A group (one row) counts once; Sam alone 19:30-20:30 overlapping the group 19:00-20:00 adds
    30 min; a deleted duplicate adds nothing; a call at the same time is not in person."""
    with connect(tmp_path / "t.duckdb") as con:
        sam, alex = add_person(con, "Sam", created_at=EVENING), add_person(con, "Alex", created_at=EVENING)
        add_interaction(con, happened_at=EVENING, duration_min=60, person_ids=[sam, alex])
        add_interaction(con, happened_at=EVENING + timedelta(minutes=30), duration_min=60, person_ids=[sam])
        add_interaction(con, happened_at=EVENING, duration_min=60, person_ids=[sam], deleted_at=EVENING)
        add_interaction(con, happened_at=EVENING, duration_min=120, mode="voice", person_ids=[alex])
        assert store_i.face_to_face_minutes(con, None, None) == 90


# --- dashboard and report ------------------------------------------------------------------

# Local days Mon 2 - Wed 4 March 2026 (UTC+1): 03:00 UTC on the 2nd to 03:00 UTC on the 5th.
RNG = Range(since_utc=D(2026, 3, 2, 3), until_utc=D(2026, 3, 5, 3), now_utc=D(2026, 3, 5, 3), calendar=BERLIN)
MON_EVENING = D(2026, 3, 2, 18)  # 19:00 local
# Tue 02:00 local (01:00 UTC) still belongs to Monday; the night runs past Tue 04:00 local.
LATE = D(2026, 3, 3, 1)


@pytest.fixture
def logged(tmp_path):
    """Sam: 19:00-20:00 Mon twice (a duplicate), 19:30-21:00 Mon (overlapping); Sam and Alex
    02:00-05:00 local Mon night (crossing into Tuesday at 04:00), Sam alone 03:00-04:30 in it; work
    time with Alex on Wed 10:00-11:00 and 10:30-11:30 (in person, not leisure)."""
    with connect(tmp_path / "d.duckdb") as con:
        sam = add_person(con, "Sam", created_at=MON_EVENING)
        alex = add_person(con, "Alex", created_at=MON_EVENING)
        rows = [
            (MON_EVENING, 60, [sam], False),
            (MON_EVENING, 60, [sam], False),
            (MON_EVENING + timedelta(minutes=30), 90, [sam], False),
            (LATE, 180, [sam, alex], False),
            (LATE + timedelta(hours=1), 90, [sam], False),
            (D(2026, 3, 4, 9), 60, [alex], True),
            (D(2026, 3, 4, 9, 30), 60, [alex], True),
        ]
        for at, minutes, people, work in rows:
            iid = add_interaction(con, happened_at=at, duration_min=minutes, person_ids=people)
            if work:
                con.execute("UPDATE interactions SET work = true WHERE id = ?", [iid])
        yield con, rows


def _iv(rows, who=None, leisure=False):
    return [
        (at, at + timedelta(minutes=m))
        for at, m, people, work in rows
        if (who is None or who in people) and not (leisure and work)
    ]


def test_daily_series_and_totals_count_the_union_per_local_day(logged):
    con, rows = logged
    d = queries.daily(con, RNG)
    iv = _iv(rows)
    expected = [union_minutes(iv, *RNG.day_bounds(day)) for day in d["day"]]
    assert d["day"] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert d["f2f_min"] == pytest.approx(expected)
    assert expected == [120 + 120, 60, 90]  # Mon: 19:00-21:00 and 02:00-04:00; Tue 04:00-05:00; Wed 10-11:30
    assert queries.totals(con, RNG)["f2f_h"] == round(union_minutes(iv, RNG.since_utc, RNG.until_utc) / 60, 2)
    s = queries.screen_vs_f2f(con, RNG)
    assert s["f2f_h"] == pytest.approx([round(m / 60, 4) for m in expected])


def test_friendship_hours_are_each_persons_leisure_union(logged):
    con, rows = logged
    d = queries.friendship_hours(con, RNG)
    for pid, name in ((1, "Sam"), (2, "Alex")):
        want = union_minutes(_iv(rows, pid, leisure=True), hi=RNG.end_utc) / 60
        if want:
            assert d["series"][name]["total"] == pytest.approx(round(want, 4))
    assert d["series"]["Sam"]["total"] == 2 + 3  # 19:00-21:00, 02:00-05:00
    assert d["series"]["Alex"]["total"] == 3  # the night; the work hours are not leisure


def test_loneliness_weekly_hours_and_people_list_use_the_union(logged, tmp_path):
    con, rows = logged
    weeks = queries.loneliness(con, RNG)
    assert weeks["f2f_hours"] == [round(union_minutes(_iv(rows), RNG.since_utc, RNG.until_utc) / 60, 2)]
    from tracker.store import people as store_p

    hours = {p["name"]: p["in_person_min"] for p in store_p.list_people(con)}
    assert hours == {
        "Sam": pytest.approx(union_minutes(_iv(rows, 1))),
        "Alex": pytest.approx(union_minutes(_iv(rows, 2))),
    }
    assert hours["Sam"] == 300 and hours["Alex"] == 180 + 90


def test_report_json_counts_the_union(cli, tmp_path):
    with connect(_db(tmp_path)) as con:
        sam = add_person(con, "Sam", created_at=EVENING)
        for minutes in (60, 60, 90):
            add_interaction(con, happened_at=EVENING, duration_min=minutes, person_ids=[sam])
    data = json.loads(cli("report", "--json", check=0, env={"OFFSCREEN_NOW": NOW.isoformat()}).stdout)
    assert data["current"]["f2f_h"] == 1.5
    assert data["current"]["interactions"] == 3


def test_mode_mix_in_person_hours_are_the_weekly_union(logged):
    """View 9's in-person bar is clock time too (its count still counts every log)."""
    con, rows = logged
    d = queries.mode_mix(con, RNG)
    (i,) = [k for k, m in enumerate(d["mode"]) if m == "in-person"]
    assert d["week"][i] == date(2026, 3, 2)
    assert d["hours"][i] == pytest.approx(round(union_minutes(_iv(rows), RNG.since_utc, RNG.until_utc) / 60, 4))
    assert d["hours"][i] < sum(m for _, m, _, _ in rows) / 60 and d["n"][i] == len(rows)


def test_mode_mix_counts_a_night_that_crosses_into_the_next_week(tmp_path):
    """Sunday 22:00 to Monday 06:00 local: 6 h in the week it started (days start at 04:00), 2 h in
    the next, 8 h in all, as the totals say."""
    sun = D(2026, 3, 8, 21)  # Sunday 22:00 in Berlin
    rng = Range(since_utc=D(2026, 3, 2, 3), until_utc=D(2026, 3, 16, 3), now_utc=D(2026, 3, 16, 3), calendar=BERLIN)
    with connect(tmp_path / "w.duckdb") as con:
        sam = add_person(con, "Sam", created_at=sun)
        add_interaction(con, happened_at=sun, duration_min=8 * 60, person_ids=[sam])
        d = queries.mode_mix(con, rng)
        total = queries.totals(con, rng)["f2f_h"]
    weeks = {w: h for w, m, h in zip(d["week"], d["mode"], d["hours"]) if m == "in-person"}
    assert weeks == {date(2026, 3, 2): 6.0, date(2026, 3, 9): 2.0} and sum(weeks.values()) == total == 8.0
