"""Figures with little data say what they need instead of printing a number; untracked days are
gaps, partial weeks are marked, and "new people" are people met for the first time, not first logged.

Europe/Berlin (conftest), days start at 04:00 local; "now" is pinned with OFFSCREEN_NOW or given.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboards import core_views, figures, practice_views
from dbrows import add_interaction, add_person
from inproc import cli  # noqa: F401 (fixture)
from tracker.config import Config
from tracker.domain import coverage
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store import dashboard as queries
from tracker.usecases import dashboard as usecase

B = ZoneInfo("Europe/Berlin")
CAL = Calendar(B, 4)


def u(*a) -> datetime:
    """Berlin wall time -> naive UTC."""
    return datetime(*a, tzinfo=B).astimezone(UTC).replace(tzinfo=None)


def add_span(con, sid, start, end, app="code", title="x.py - Visual Studio Code", state="active"):
    con.execute(
        "INSERT INTO activity (span_id, start_utc, end_utc, app, title, state, source) VALUES (?,?,?,?,?,?, 'daemon')",
        [sid, start, end, app, title, state],
    )


# --- a first week: one tracked day of 5 minutes, logs today and one typed in for last week --------

NOW = datetime(2026, 3, 12, 13, tzinfo=B)  # Thursday 13:00
ENV = {"OFFSCREEN_NOW": NOW.isoformat()}


@pytest.fixture
def first_week(cli, tmp_path):
    cli("log", "--with", "Sam", "--at", "11:00", "--for", "1h", check=0, env=ENV)
    cli("log", "dinner", "--with", "Sam,Alex", "--at", "2026-03-05 19:00", "--for", "2h30m", check=0, env=ENV)
    with connect(tmp_path / "offscreen" / "data" / "offscreen.duckdb") as con:
        add_span(con, "s1", u(2026, 3, 12, 10), u(2026, 3, 12, 10, 5))
    return cli


def test_first_week_report_prints_no_ratio_and_no_change(first_week):
    s = json.loads(first_week("report", "--json", check=0, env=ENV).stdout)
    assert (s["current"]["tracked_days"], s["current"]["days"], s["previous"]["tracked_days"]) == (1, 7, 0)
    assert s["comparable"] is False and s["needed"] == coverage.MIN_TRACKED_DAYS
    assert s["current"]["f2f_per_screen_hour_min"] is None
    assert s["current"]["ratio_missing"] == "Needs 7 days with screen time recorded, have 1."
    assert s["change_pct"] == {"screen_h": None, "f2f_h": None, "f2f_per_screen_hour_min": None}
    lines = first_week("report", check=0, env=ENV).stdout.splitlines()
    assert lines[:8] == [  # wrapped at 80 columns, continuations under the text
        "Last 7 days, compared with the 7 days before:",
        "  Tracked on 1 of 7 days (the 7 days before: 0 of 7); comparing needs 7 tracked",
        "    days in both",
        "  Screen time         5m  (nothing to compare with)",
        "    social media      0m",
        "  Face-to-face     1h00m  (nothing to compare with)",
        "  Ratio         face-to-face per screen hour: needs 7 days with screen time",
        "                recorded, have 1",
    ]
    assert not [line for line in lines if "%" in line or "was " in line]


def test_first_week_dashboard_header_and_default_range(first_week, tmp_path):
    out = tmp_path / "page.html"
    first_week("dashboard", "-o", out, check=0, env=ENV)
    page = out.read_text()
    header = page[page.index("<header>") : page.index("</header>")]
    assert "<b>5m</b><span>screen time (active use and watching)</span>" in header and "0 h" not in header
    assert "face-to-face per screen hour: needs 7 days with screen time recorded, have 1" in header
    assert not re.search(r"\d+(\.\d+)?\s*(min|h\d*m?)\s+face-to-face per screen hour", header)
    # History starts with the dinner typed in for 5 March: the page starts that day, not 90 days back.
    assert "Thu 05 Mar 2026 04:00 – Thu 12 Mar 2026 13:00 (Europe/Berlin)" in header
    assert "<b>1 / 8</b><span>days tracked</span>" in header
    # Every view that needs tracked days says so, with the same words as view 2.
    for key in ("f2f-per-screen-hour", "weekday-hour"):
        section = page[page.index(f'id="view-{key}"') :]
        section = section[: section.index("</section>")]
        assert '<div class="empty-state">Needs 7 days with screen time recorded, have 1.</div>' in section


def test_first_week_dashboard_keeps_since_when_given(first_week, tmp_path):
    out = tmp_path / "page.html"
    first_week("dashboard", "-o", out, "--since", "2026-02-01", check=0, env=ENV)
    assert "Sun 01 Feb 2026 04:00 – Thu 12 Mar 2026 13:00" in out.read_text()


def test_default_range_starts_at_first_data_only_when_history_is_shorter():
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    default = usecase.page_range(None, None, now, CAL, Config())
    assert CAL.day_of(default.since_utc) == CAL.day_of(now) - timedelta(days=usecase.DEFAULT_DAYS - 1)
    recent = datetime(2026, 6, 20, 1, tzinfo=UTC)  # 03:00 local: still 19 June's day
    assert usecase.page_range(None, None, now, CAL, Config(), recent).first_day == date(2026, 6, 19)
    old = datetime(2025, 1, 1, tzinfo=UTC)
    assert usecase.page_range(None, None, now, CAL, Config(), old) == default
    given = usecase.page_range("2026-06-01", None, now, CAL, Config(), recent)
    assert given.first_day == date(2026, 6, 1)


# --- untracked days and partial weeks ------------------------------------------------------------


def test_untracked_days_are_gaps_and_short_weeks_are_partial(tmp_path):
    """Range Mon 2 - Sun 22 March, seen on Wed 18 March: tracked on the 4th and 5th, all of the week
    of the 9th and on the 16th; an in-person meeting on the untracked 7th."""
    now = u(2026, 3, 18, 13)
    rng = Range(since_utc=u(2026, 3, 2, 4), until_utc=u(2026, 3, 23, 4), now_utc=now, calendar=CAL)
    tracked = [date(2026, 3, 4), date(2026, 3, 5), *(date(2026, 3, d) for d in range(9, 16)), date(2026, 3, 16)]
    with connect(tmp_path / "gaps.duckdb") as con:
        for k, day in enumerate(tracked):
            add_span(con, f"s{k}", u(day.year, day.month, day.day, 9), u(day.year, day.month, day.day, 11))
        sam = add_person(con, "Sam", created_at=u(2026, 1, 1, 12))
        add_interaction(con, happened_at=u(2026, 3, 7, 18), duration_min=90, person_ids=[sam])
        view1 = queries.screen_vs_f2f(con, rng)
        cats = queries.categories_per_week(con, rng)
        modes = queries.mode_mix(con, rng)
        view_data = usecase.view_data(con, rng)

    days = view1["day"]
    assert days[0] == date(2026, 3, 2) and len(days) == 21
    by_day = dict(zip(days, zip(view1["other_h"], view1["f2f_h"])))
    for day in days:
        screen, f2f = by_day[day]
        if day in tracked:
            assert (screen, f2f) == (2.0, 0.0), day
        elif day == date(2026, 3, 7):
            assert (screen, f2f) == (None, 1.5)  # logged, not tracked: a meeting but no screen bar
        else:
            assert (screen, f2f) == (None, None), day  # nothing recorded: a gap, not a zero
    assert view1["tracked"] == [d in tracked for d in days]
    # The 7-day means break where the bars do.
    assert [d for d, m in zip(days, view1["screen_mean7_h"]) if m is not None] == tracked
    assert [d for d, m in zip(days, view1["f2f_mean7_h"]) if m is not None] == sorted([*tracked, date(2026, 3, 7)])
    # View 2: a point needs its 7 days tracked: only the weeks 9-15 and 10-16 March are.
    ratio = view_data["f2f-per-screen-hour"]
    assert [d for d, r in zip(ratio["day"], ratio["ratio7"]) if r is not None] == [date(2026, 3, 15), date(2026, 3, 16)]
    assert ratio["best_week_days"] == 7
    assert all(v is None for d, v in zip(days, view1["social_h"]) if d not in tracked)

    # Screen weeks count tracked days; weeks of logged interactions count the days that have begun
    # since the first thing was recorded (4 March).
    assert cats["week_days"] == {"2026-03-02": 2, "2026-03-09": 7, "2026-03-16": 1}
    assert modes["week_days"] == {"2026-03-02": 5, "2026-03-09": 7, "2026-03-16": 3}
    assert view_data["loneliness-vs-f2f"]["week_days"] == modes["week_days"]
    assert view_data["courage-community"]["week_days"] == modes["week_days"]

    fig = figures.categories_per_week(cats)
    (bar,) = fig.data
    assert [str(x) for x in bar.x] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert list(bar.marker.opacity) == [0.4, 1.0, 0.4]
    assert list(bar.customdata) == [" (2 of 7 days)", "", " (1 of 7 days)"]
    assert "%{customdata}" in bar.hovertemplate
    v = core_views.categories_per_week(cats, rng)
    assert "Paler bars are partial weeks, with fewer than 7 days tracked" in v.caption
    mix = practice_views.courage_view(view_data["courage-community"], rng)
    assert "Paler bars are partial weeks" in mix.caption
    assert {tuple(t.marker.opacity) for t in mix.figure.data} == {(0.4,)}  # the week of the 2nd only


def test_view2_without_a_tracked_week_says_so():
    d = {"tracked_days": 9, "needed": 7, "ratio7": [None, None], "best_week_days": 5, "day": [], "baseline": []}
    v = core_views.f2f_per_screen_hour(d, None)
    assert v.figure is None and v.empty == "Needs 7 days with screen time recorded in one week, have 5."


def test_whole_weeks_are_not_marked():
    fig = figures.mode_mix({"week": [date(2026, 3, 9)], "mode": ["in-person"], "hours": [2.0], "week_days": {}})
    assert fig.data[0].marker.opacity is None and fig.data[0].customdata is None


# --- new people -------------------------------------------------------------------------------------


def test_new_people_are_met_for_the_first_time_not_first_logged(tmp_path):
    """A new user starts logging on Mon 5 Oct 2026 with friends of years; Cy is first met in week 6,
    Dee was texted in week 2 and first met in person in week 6."""
    weeks = [date(2026, 10, 5) + timedelta(weeks=k) for k in range(6)]
    rng = Range(since_utc=u(2026, 10, 5, 4), until_utc=u(2026, 11, 16, 4), now_utc=u(2026, 11, 16, 4), calendar=CAL)
    with connect(tmp_path / "new.duckdb") as con:
        ana, ben, cy, dee = (add_person(con, n, created_at=u(2026, 10, 5, 9)) for n in ("Ana", "Ben", "Cy", "Dee"))
        add_interaction(con, happened_at=u(2026, 10, 5, 19), duration_min=60, person_ids=[ana, ben])
        add_interaction(con, happened_at=u(2026, 10, 8, 19), duration_min=60, person_ids=[ben])
        add_interaction(con, happened_at=u(2026, 10, 13, 19), duration_min=5, mode="text", person_ids=[dee])
        add_interaction(con, happened_at=u(2026, 11, 10, 19), duration_min=90, person_ids=[ana, cy, dee])
        d = queries.courage(con, rng)
    assert d["weeks"] == [w.isoformat() for w in (weeks[0], weeks[1], weeks[5])]
    assert d["new_people"] == [0, 0, 2]  # Ana and Ben were first logged, not first met; Cy and Dee are new
    start = datetime.fromisoformat(d["new_from"])
    first_logged = u(2026, 10, 5, 19).replace(tzinfo=UTC)
    assert start == first_logged + timedelta(days=coverage.NEW_PEOPLE_AFTER_DAYS)
    v = practice_views.courage_view(d, rng)
    assert "people you met in person for the first time" in v.caption
    assert "A first meeting counts as new from 2 Nov 2026 on, 4 weeks after your first log" in v.caption


def test_a_merged_person_is_not_new_again(tmp_path):
    rng = Range(since_utc=u(2026, 9, 1, 4), until_utc=u(2026, 11, 30, 4), now_utc=u(2026, 11, 30, 4), calendar=CAL)
    with connect(tmp_path / "merged.duckdb") as con:
        sam = add_person(con, "Sam", created_at=u(2026, 9, 1, 9))
        dup = add_person(con, "Sammy", created_at=u(2026, 9, 1, 9))
        con.execute("UPDATE people SET merged_into = ? WHERE id = ?", [sam, dup])
        add_interaction(con, happened_at=u(2026, 9, 1, 19), duration_min=60, person_ids=[sam])
        add_interaction(con, happened_at=u(2026, 11, 10, 19), duration_min=60, person_ids=[dup])
        d = queries.courage(con, rng)
    assert sum(d["new_people"]) == 0


def test_demo_rows_do_not_start_your_history_for_new_people(tmp_path):
    """With demo data in the database, your own first log (not the demo's, months earlier) decides
    from when a first meeting counts as meeting someone new."""
    from datetime import datetime, timedelta

    from dbrows import add_interaction, add_person
    from tracker.domain import coverage
    from tracker.store import connect
    from tracker.store import dashboard as queries

    demo_first, own_first = datetime(2026, 1, 5, 12), datetime(2026, 11, 2, 12)
    with connect(tmp_path / "n.duckdb") as con:
        d = add_person(con, "Demo Dana", created_at=demo_first, source="demo")
        add_interaction(con, happened_at=demo_first, duration_min=30, person_ids=[d], source="demo")
        me = add_person(con, "Sam", created_at=own_first)
        add_interaction(con, happened_at=own_first, duration_min=30, person_ids=[me])
        assert queries.new_people_from(con) == own_first + timedelta(days=coverage.NEW_PEOPLE_AFTER_DAYS)
        con.execute("DELETE FROM interaction_people WHERE person_id = ?", [me])
        con.execute("DELETE FROM interactions WHERE source <> 'demo'")
        assert queries.new_people_from(con) == demo_first + timedelta(days=coverage.NEW_PEOPLE_AFTER_DAYS)
