"""Dashboard numbers from a HAND-BUILT database: values per view, not HTML.

Zone Europe/Berlin (UTC+1 until 29 March 2026), days start at 04:00 local. The range is the local
days Mon 2 - Wed 4 March 2026 (03:00 UTC on the 2nd to 03:00 UTC on the 5th).
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboards import core_views, figures
from dbrows import add_interaction, add_person
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store import dashboard as queries
from tracker.usecases import dashboard as usecase

HOSTILE_NAME = '<a href="http://evil.test">x</a>'
HOSTILE_NOTE = "<b>bold</b><img src=x onerror=alert(1)>"
D = datetime


BERLIN = Calendar(ZoneInfo("Europe/Berlin"), 4)


def rng_for(since, until, now=None):
    return Range(since_utc=since, until_utc=until, now_utc=now or until, calendar=BERLIN)


RNG = rng_for(D(2026, 3, 2, 3), D(2026, 3, 5, 3))


def add_span(con, sid, start, end, app, title, state="active"):
    con.execute(
        "INSERT INTO activity (span_id, start_utc, end_utc, app, title, state, source) VALUES (?,?,?,?,?,?, 'daemon')",
        [sid, start, end, app, title, state],
    )


def add_person(con, pid, name, tier=None, every=None, mx=None, modes=None):
    con.execute(
        "INSERT INTO people (id, name, name_key, tier, every_days, max_days, cadence_modes, created_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [pid, name, name.lower(), tier, every, mx, modes, D(2026, 1, 1, 12)],
    )


def add_interaction(
    con, iid, at, minutes, mode, people, closeness=None, work=False, deleted=False, note=None, summary=None
):
    con.execute(
        "INSERT INTO interactions (id, summary, happened_at, duration_min, mode, closeness, work, note, logged_at, deleted_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        [iid, summary, at, minutes, mode, closeness, work, note, at, at if deleted else None],
    )
    for p in people:
        con.execute("INSERT INTO interaction_people VALUES (?, ?)", [iid, p])


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "hand.duckdb") as c:
        # Mon 09-10 local: social media (60 min, Mon).
        add_span(c, "a1", D(2026, 3, 2, 8), D(2026, 3, 2, 9), "firefox", "r/berlin - Reddit — Mozilla Firefox")
        # Local 03:30-04:30 on Tue 3rd: 30 min belong to Monday (before 04:00), 30 to Tuesday.
        add_span(c, "a2", D(2026, 3, 3, 2, 30), D(2026, 3, 3, 3, 30), "code", "x.py - Visual Studio Code")
        add_span(c, "a3", D(2026, 3, 3, 10), D(2026, 3, 3, 11), "code", "x.py - Visual Studio Code", "idle")
        add_span(c, "a4", D(2026, 3, 4, 10), D(2026, 3, 4, 12), None, None, "locked")
        # Wed 19:00-19:45 local, an app with a hostile name: category "other".
        add_span(c, "a5", D(2026, 3, 4, 18), D(2026, 3, 4, 18, 45), "<b>evil</b>", None)
        # Starts before the range: only 03:00-03:30 UTC (Mon 04:00-04:30 local) counts.
        add_span(c, "a6", D(2026, 3, 2, 2), D(2026, 3, 2, 3, 30), "code", "y.py - Visual Studio Code")
        add_span(c, "a7", D(2026, 3, 2, 20), D(2026, 3, 2, 23), None, None, "asleep")
        add_person(c, 1, "Sam", tier="inner")
        add_person(c, 2, "Alex", every=1, mx=5)
        add_person(c, 3, "Jo", every=1, mx=2)
        add_person(c, 4, "Lena", tier="close", modes="any")
        add_person(c, 5, "Kai")
        add_person(c, 6, "Nora", tier="friend")
        add_person(c, 7, HOSTILE_NAME)
        # A group dinner Mon 19:00 local, 2 h: counts ONCE as face-to-face time.
        add_interaction(
            c, 1, D(2026, 3, 2, 18), 120, "in-person", [1, 2, 3, 7], closeness=6, note=HOSTILE_NOTE, summary="Dinner"
        )
        add_interaction(c, 2, D(2026, 3, 3, 12), 60, "in-person", [1], closeness=7, deleted=True)
        add_interaction(c, 3, D(2026, 3, 3, 19), 30, "video", [4], closeness=4)
        add_interaction(c, 4, D(2026, 3, 4, 11), 45, "in-person", [5], closeness=3, work=True)
        # Local 03:30-04:30 on Wed 4th: starts on (logical) Tuesday, 30 min there and 30 on Wednesday.
        add_interaction(c, 5, D(2026, 3, 4, 2, 30), 60, "in-person", [2], closeness=5)
        add_interaction(c, 6, D(2026, 3, 4, 20), 15, "text", [1])
        yield c


def test_calendar_days_are_local_with_start_hour():
    cal = RNG.days()
    assert cal == [
        (date(2026, 3, 2), D(2026, 3, 2, 3), D(2026, 3, 3, 3)),
        (date(2026, 3, 3), D(2026, 3, 3, 3), D(2026, 3, 4, 3)),
        (date(2026, 3, 4), D(2026, 3, 4, 3), D(2026, 3, 5, 3)),
    ]
    assert len(queries.hour_calendar(RNG)) == 72


def test_daily_screen_and_face_to_face(con):
    d = queries.daily(con, RNG)
    assert d["day"] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert d["screen_min"] == [120.0, 30.0, 45.0]
    assert d["social_min"] == [60.0, 0.0, 0.0]
    assert d["other_min"] == [60.0, 30.0, 45.0]
    assert d["f2f_min"] == [120.0, 30.0, 75.0]  # group once; deleted, video, text never
    assert d["tracked"] == [True, True, True]


def test_view1_means(con):
    d = queries.screen_vs_f2f(con, RNG)
    assert d["social_h"] == [1.0, 0.0, 0.0]
    assert d["other_h"] == [1.0, 0.5, 0.75]
    assert d["f2f_h"] == [2.0, 0.5, 1.25]
    # The means look back 6 days before the range: span a6 gave Sun 1 March (local 03:00-04:00 on
    # the 2nd, before the day starts) 1 h; untracked days are missing screen data, not zero.
    assert d["screen_mean7_h"] == [1.5, round(3.5 / 3, 4), round(4.25 / 4, 4)]
    # Face-to-face means average the days with data too (Sun 1 March on: tracked, 0 h in person);
    # the days before it had nothing recorded and are gaps, not zeros.
    assert d["f2f_mean7_h"] == [round(2 / 2, 4), round(2.5 / 3, 4), round(3.75 / 4, 4)]
    assert d["tracked"] == [True, True, True]


def test_view2_ratio_and_empty_state(con):
    # The trailing 7 days of each day have only 2 to 4 tracked days: no point yet.
    assert queries.f2f_per_screen_hour(con, RNG)["ratio7"] == [None, None, None]
    for k in range(5):  # the laptop slept through 24-28 February: now every window is tracked
        s = D(2026, 2, 24, 12) + timedelta(days=k)
        add_span(con, f"z{k}", s, s + timedelta(minutes=1), None, None, "asleep")
    d = queries.f2f_per_screen_hour(con, RNG)
    # Trailing 7 days include Sunday 1 March's hour of screen time (span a6).
    assert d["ratio7"] == [40.0, round(150 / 3.5, 4), round(225 / 4.25, 4)]
    assert d["baseline"] == [None, None, None]
    v = core_views.f2f_per_screen_hour(d, RNG)
    assert v.figure is None and v.empty == "Needs 7 days with screen time recorded, have 3."


def test_view3_categories(con):
    d = queries.categories_per_week(con, RNG)
    got = {(w, c): h for w, c, h in zip(d["week"], d["category"], d["hours"])}
    assert got == {
        (date(2026, 3, 2), "social media"): 1.0,
        (date(2026, 3, 2), "programming"): 1.5,
        (date(2026, 3, 2), "other"): 0.75,
    }


def test_view4_heatmap(con):
    d = queries.heatmap(con, RNG)
    assert d["tracked_per_weekday"] == [1, 1, 1, 0, 0, 0, 0]
    cells = {(w, h): v for w in range(7) for h, v in enumerate(d["mean_min"][w]) if v}
    assert cells == {(0, 9): 60.0, (0, 3): 30.0, (0, 4): 30.0, (1, 4): 30.0, (2, 19): 45.0}
    assert d["mean_min"][3][0] is None  # no Thursday tracked
    starts = {(k, w, h): n for k, g in d["starts"].items() for w in range(7) for h in range(24) if (n := g[w][h])}
    assert starts == {("in-person", 0, 19): 1, ("in-person", 2, 12): 1, ("in-person", 1, 3): 1, ("call", 1, 20): 1}
    assert d["hour_order"][:2] == [4, 5] and d["hour_order"][-1] == 3


def test_view5_people_status(con):
    rows = {r["name"]: r for r in usecase.people_status(con, RNG)["people"]}
    got = {n: (r["days_since"], r["ideal"], r["max"], r["status"]) for n, r in rows.items()}
    assert got == {
        "Jo": (3, 1, 2, "overdue"),
        "Alex": (2, 1, 5, "late"),  # last met (logical) Tuesday at 03:30 local
        "Nora": (63, 60, 90, "late"),  # never met: counted from when she was added
        "Sam": (3, 7, 14, "on-track"),  # the deleted meeting on Tuesday does not count
        "Lena": (2, 30, 45, "on-track"),  # cadence_modes 'any': the video call counts
        "Kai": (1, None, None, None),  # no tier, no cadence: listed without status
        HOSTILE_NAME: (3, None, None, None),
    }
    assert rows["Nora"]["never_met"] is True
    order = [r["name"] for r in usecase.people_status(con, RNG)["people"]]
    assert order[:2] == ["Jo", "Nora"]


def test_view6_friendship_hours_leisure_only(con):
    d = queries.friendship_hours(con, RNG)
    assert d["people"] == ["Alex", HOSTILE_NAME, "Jo", "Sam"]  # Kai's time was work
    assert {n: s["total"] for n, s in d["series"].items()} == {"Alex": 3.0, HOSTILE_NAME: 2.0, "Jo": 2.0, "Sam": 2.0}
    assert d["series"]["Alex"]["cum_h"] == [2.0, 3.0]


def test_view8_closeness_and_view9_mode_mix(con):
    d = queries.closeness_points(con, RNG)
    assert list(zip(d["in-person"]["duration_min"], d["in-person"]["closeness"])) == [(120.0, 6), (60.0, 5), (45.0, 3)]
    assert d["in-person"]["people"][0] == sorted(["Sam", "Alex", "Jo", HOSTILE_NAME])
    assert list(zip(d["video"]["duration_min"], d["video"]["closeness"])) == [(30.0, 4)]
    assert d["text"]["duration_min"] == []  # not rated
    m = queries.mode_mix(con, RNG)
    assert {(w, mo): h for w, mo, h in zip(m["week"], m["mode"], m["hours"])} == {
        (date(2026, 3, 2), "in-person"): 3.75,
        (date(2026, 3, 2), "video"): 0.5,
        (date(2026, 3, 2), "text"): 0.25,
    }


def test_view10_needs_enough_days(con):
    v = core_views.lagged(queries.lagged(con, RNG), RNG)
    assert v.figure is None
    assert v.empty == "Needs 28 days with screen time and 3 days after them, have 0."


def test_pearson_ci_fisher_z():
    r = queries.pearson_ci([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])
    assert r["n"] == 5 and r["r"] == round(3 / math.sqrt(10 * 1.5), 4)
    z, se = math.atanh(r["r"]), 1 / math.sqrt(2)
    assert r["lo"] == pytest.approx(math.tanh(z - 1.96 * se), abs=1e-3)
    assert r["hi"] == pytest.approx(math.tanh(z + 1.96 * se), abs=1e-3)
    assert queries.pearson_ci([1, 1, 1, 1], [1, 2, 3, 4]) is None
    assert queries.pearson_ci([1, 2, 3], [1, 2, 3]) is None


def test_lagged_finds_a_planted_association(tmp_path):
    """40 days: on heavy screen days (8 h) there is no meeting, on light days (2 h) a 4 h one."""
    import random
    from datetime import timedelta

    pick = random.Random(3)
    with connect(tmp_path / "lag.duckdb") as c:
        for k in range(40):
            day0 = D(2026, 1, 5, 8) + timedelta(days=k)
            heavy = pick.random() < 0.5
            add_span(c, f"s{k}", day0, day0 + timedelta(hours=8 if heavy else 2), "code", "a")
            if not heavy:
                add_interaction(c, 100 + k, day0 + timedelta(hours=10), 240, "in-person", [])
        rng = rng_for(D(2026, 1, 5, 3), D(2026, 2, 14, 3))
        d = queries.lagged(c, rng)
    assert d["n_days"] == 37  # the last 3 days have no complete t..t+3 window
    assert d["screen"]["n"] == 37 and d["screen"]["r"] < -0.3 and d["screen"]["hi"] < 0
    assert d["screen"]["lo"] < d["screen"]["r"] < d["screen"]["hi"]
    assert d["social"] is None  # no social media at all: no variation, no number


def test_totals_and_cache_follow_new_data(con):
    t = queries.totals(con, RNG)
    assert t == {
        "screen_h": 3.25,
        "social_h": 1.0,
        "watching_h": 0.0,
        "f2f_h": 3.75,
        "interactions": 5,
        "people_in_person": 5,
        "days": 3,
        "tracked_days": 3,
    }
    add_span(con, "new", D(2026, 3, 4, 19), D(2026, 3, 4, 19, 30), "firefox", "Instagram — Mozilla Firefox")
    assert queries.totals(con, RNG)["social_h"] == 1.5


def test_dst_day_is_23_hours_and_spans_split(tmp_path):
    """29 March 2026: clocks jump 02:00 -> 03:00 in Berlin; a span 01:00-05:00 local is 3 real hours."""
    rng = rng_for(D(2026, 3, 28, 3), D(2026, 3, 30, 2))
    assert [(s, e) for _, s, e in rng.days()] == [
        (D(2026, 3, 28, 3), D(2026, 3, 29, 2)),
        (D(2026, 3, 29, 2), D(2026, 3, 30, 2)),
    ]
    assert len(queries.hour_calendar(rng)) == 23 + 24
    with connect(tmp_path / "dst.duckdb") as c:
        add_span(c, "d", D(2026, 3, 29, 0), D(2026, 3, 29, 3), "code", "x")
        assert queries.daily(c, rng)["screen_min"] == [120.0, 60.0]


def test_user_strings_are_escaped_in_figures(con):
    figs = [
        core_views.people_status(usecase.people_status(con, RNG), RNG).figure,
        core_views.friendship_hours(queries.friendship_hours(con, RNG), RNG).figure,
        core_views.closeness(queries.closeness_points(con, RNG), RNG).figure,
    ]
    blob = json.dumps([json.loads(f.to_json()) for f in figs])
    assert "evil.test" in blob
    assert '<a href=\\"http://evil.test' not in blob and "<b>bold" not in blob and "<img" not in blob
    assert '&lt;a href=\\"http://evil.test\\"&gt;x&lt;/a&gt;' in blob
    assert "&lt;b&gt;bold&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;" in blob
    cat = figures.categories_per_week({"week": [date(2026, 3, 2)], "category": ["<b>mine</b>"], "hours": [1.0]})
    assert cat.data[0].name == "&lt;b&gt;mine&lt;/b&gt;"


def test_watching_is_screen_time_with_its_own_series(con):
    """Issue 15: a video playing in front without input is screen time, apart from active use."""
    # Tue 20:00-21:30 local: watching a film in mpv (category video), and 30 min of a social
    # media video watched in firefox (stays in the red social series).
    add_span(con, "w1", D(2026, 3, 3, 19), D(2026, 3, 3, 20, 30), "mpv", "film.mkv - mpv", "watching")
    add_span(con, "w2", D(2026, 3, 4, 19), D(2026, 3, 4, 19, 30), "firefox", "r/videos - Reddit", "watching")
    d = queries.daily(con, RNG)
    assert d["screen_min"] == [120.0, 120.0, 75.0]
    assert d["watching_min"] == [0.0, 90.0, 30.0]
    assert d["social_min"] == [60.0, 0.0, 30.0]
    assert d["other_min"] == [60.0, 30.0, 45.0]  # active use that is not social media
    v1 = queries.screen_vs_f2f(con, RNG)
    assert v1["watching_h"] == [0.0, 1.5, 0.0] and v1["social_h"] == [1.0, 0.0, 0.5]
    t = queries.totals(con, RNG)
    assert (t["screen_h"], t["watching_h"], t["social_h"]) == (5.25, 2.0, 1.5)
    assert {"app": "mpv", "hours": 1.5} in queries.top_apps(con, RNG)["apps"]
    week = queries.categories_per_week(con, RNG)
    assert dict(zip(week["category"], week["hours"]))["video"] == 1.5
    fig = figures.screen_vs_f2f(v1)
    bars = {b.name: b for b in fig.data if b.type == "bar"}
    watching = bars["Screen: watching (a video playing, no input)"]
    assert list(watching.y) == [0.0, 1.5, 0.0]
    assert list(bars["Screen: social media"].base) == [1.0, 2.0, 0.75]  # on top of other + watching
    weekly = usecase.weekly(v1)
    assert weekly["watching_h"] == [0.5]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin", "Australia/Lord_Howe"])
def test_heatmap_cells_are_local_clock_hours_in_every_zone(zone):
    # A UTC hour in India runs 9:30-10:30 on the clock: 10:10 must count under 10, not 9.
    from tracker.domain.times import to_storage

    cal = Calendar(ZoneInfo(zone), 4)
    # Late March to early April: Berlin's and Lord Howe's (a 30-minute) DST changes fall inside.
    since, until = to_storage(cal.day_start(date(2026, 3, 27))), to_storage(cal.day_start(date(2026, 4, 8)))
    rng = Range(since_utc=since, until_utc=until, now_utc=until, calendar=cal)
    cells = queries.hour_calendar(rng)
    for (s, e, _wd, hr), nxt in zip(cells, cells[1:] + [None], strict=True):
        start = cal.local(s)
        assert start.hour == hr, (s, start)
        # On the hour of the clock, unless the clock itself jumped there (Lord Howe's DST ends
        # by going back from 2:00 to 1:30: the cell 1:30-2:00 of the repeated half hour).
        jumped = cal.local(s - timedelta(seconds=1)).utcoffset() != start.utcoffset()
        assert (start.minute, start.second) == (0, 0) or jumped, (s, start)
        assert timedelta(0) < e - s <= timedelta(hours=1)
        if nxt is not None:
            assert nxt[0] == e  # no gap, no overlap
    assert cells[0][0] == rng.since_utc and cells[-1][1] == rng.until_utc
