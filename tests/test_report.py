"""`offscreen report`: the dashboard's story in the terminal, against the previous period."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from datetime import datetime as D
from zoneinfo import ZoneInfo

import pytest

from tracker.commands.dashboard import render_report
from tracker.config import Config
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.usecases import report as summary

NOW = D(2026, 3, 12, 12, tzinfo=UTC)  # Thu; Berlin is UTC+1, days start 04:00 local = 03:00 UTC
BERLIN = Calendar(ZoneInfo("Europe/Berlin"), 4)


def build(con, period="week"):
    return summary.build(con, period, NOW, BERLIN, Config())


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "r.duckdb") as c:
        spans = [
            ("c1", D(2026, 3, 10, 8), D(2026, 3, 10, 10), "firefox", "r/berlin - Reddit — Mozilla Firefox"),
            ("c2", D(2026, 3, 11, 8), D(2026, 3, 11, 9), "code", "x.py - Visual Studio Code"),
            ("p1", D(2026, 3, 2, 8), D(2026, 3, 2, 12), "code", "x.py - Visual Studio Code"),
        ]
        for sid, s, e, app, title in spans:
            c.execute(
                "INSERT INTO activity (span_id, start_utc, end_utc, app, title, state) VALUES (?,?,?,?,?,'active')",
                [sid, s, e, app, title],
            )
        c.execute(
            "INSERT INTO activity (span_id, start_utc, end_utc, state) VALUES ('i', '2026-03-11 10:00', '2026-03-11 15:00', 'idle')"
        )
        # The laptop slept through every other day of both weeks: each day was tracked, so the
        # weeks may be compared (tests/test_honest_figures.py has the weeks that may not).
        for day in range(14):
            s = D(2026, 2, 27, 5) + timedelta(days=day)
            c.execute(
                "INSERT INTO activity (span_id, start_utc, end_utc, state) VALUES (?, ?, ?, 'asleep')",
                [f"z{day}", s, s + timedelta(minutes=1)],
            )
        for pid, name in ((1, "Sam"), (2, "Jo")):
            c.execute(
                "INSERT INTO people (id, name, name_key, tier, created_at) VALUES (?,?,?, 'inner', '2026-01-01')",
                [pid, name, name.lower()],
            )
        for iid, at, mins, who in ((1, D(2026, 3, 10, 18), 90, [1]), (2, D(2026, 3, 3, 18), 30, [1, 2])):
            c.execute(
                "INSERT INTO interactions (id, happened_at, duration_min, mode, logged_at) VALUES (?,?,?, 'in-person', ?)",
                [iid, at, mins, at],
            )
            for p in who:
                c.execute("INSERT INTO interaction_people VALUES (?, ?)", [iid, p])
        yield c


def test_week_against_previous_week(con):
    s = build(con)
    assert s["since"] == "2026-03-06T04:00:00+01:00" and s["previous_since"] == "2026-02-27T04:00:00+01:00"
    assert s["until"] == "2026-03-12T13:00:00+01:00"
    c, p = s["current"], s["previous"]
    assert (c["screen_h"], c["social_h"], c["f2f_h"], c["f2f_per_screen_hour_min"]) == (3.0, 2.0, 1.5, 30.0)
    assert (p["screen_h"], p["f2f_h"], p["f2f_per_screen_hour_min"]) == (4.0, 0.5, 7.5)
    assert s["change_pct"] == {"screen_h": -25.0, "f2f_h": 200.0, "f2f_per_screen_hour_min": 300.0}
    assert s["top_apps"] == [{"app": "firefox", "hours": 2.0}, {"app": "code", "hours": 1.0}]
    assert s["categories"] == [{"category": "social media", "hours": 2.0}, {"category": "programming", "hours": 1.0}]
    # Jo was last met on 3 March (9 days; inner circle: ideal 7, max 14): late. Sam on the 10th.
    assert s["not_seen"] == [{"name": "Jo", "days_since": 9, "status": "late", "max": 14, "never_met": False}]


def test_text_rendering(con):
    text = render_report(build(con))
    assert text.splitlines() == [
        "Last 7 days, compared with the 7 days before:",
        "  Tracked on 7 of 7 days (the 7 days before: 7 of 7)",
        "  Screen time      3h00m  (was 4h00m, -25%)",
        "    social media   2h00m",
        "  Face-to-face     1h30m  (was 30m, +200%)",
        "  Ratio         30.0 min face-to-face per screen hour (was 7.5)",
        "  Interactions  1, people met in person: 1",
        "Top apps: firefox 2h00m, code 1h00m",
        "Categories: social media 2h00m, programming 1h00m",
        "Not seen for a while:",
        "  Jo: 9 days (late, at most 14)",
    ]


def test_month_period_bounds(con):
    s = build(con, "month")
    assert s["since"] == "2026-02-11T04:00:00+01:00" and s["previous_since"] == "2026-01-12T04:00:00+01:00"
    assert s["current"]["screen_h"] == 7.0 and s["current"]["f2f_h"] == 2.0 and s["previous"]["screen_h"] == 0


def test_report_cli_on_empty_and_demo_database(run):
    r = run("report", "--json", check=0)
    s = json.loads(r.stdout)
    assert s["period"] == "week" and s["current"]["screen_h"] == 0 and s["change_pct"]["screen_h"] is None
    r = run("report", check=0)
    assert r.stdout.startswith("Last 7 days, compared with the 7 days before:")
    run("demo", "--days", "21", check=0)
    s = json.loads(run("report", "--month", "--json", check=0).stdout)
    assert s["period"] == "month" and s["current"]["screen_h"] > 20 and s["current"]["f2f_h"] > 1
    assert s["top_apps"] and s["categories"]
    # Demo data has check-ins, many apps and categories: every line still fits 80 columns.
    text = run("report", "--month", check=0).stdout
    assert "Check-ins" in text and "Categories:" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_dashboard_on_an_empty_database_shows_every_empty_state(run, tmp_path):
    out = tmp_path / "empty.html"
    r = run("dashboard", "-o", out, check=0)
    # Other views (dashboards/practice_views.py) may join the page: at least the 9 core ones.
    m = re.search(r"(\d+) of (\d+) views with data", r.stdout)
    assert r.stdout.startswith(f"Wrote {out} (") and m and m.group(1) == "0" and int(m.group(2)) >= 9
    html = out.read_text()
    assert html.count('<section class="view"') == html.count('class="empty-state"') == int(m.group(2))
    assert "Needs 28 days with screen time and 3 days after them, have 0." in html
    assert "Needs 7 days with screen time recorded, have 0." in html


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "garbage"], "Error: cannot read date 'garbage'"),
        (["--since", "2026-01-10", "--until", "2026-01-01"], "Error: --since (2026-01-10) must be before --until"),
    ],
)
def test_dashboard_bad_input_writes_nothing(run, tmp_path, args, message):
    out = tmp_path / "bad.html"
    r = run("dashboard", "-o", out, *args)
    assert r.returncode == 2 and r.stderr.startswith(message) and not out.exists()


def test_dashboard_output_must_not_be_a_directory(run, tmp_path):
    r = run("dashboard", "-o", tmp_path)
    assert r.returncode == 2 and "is a directory" in r.stderr


def test_page_draws_every_view_in_page_order_and_needs_data_for_each(con):
    from dashboards import report
    from tracker.domain.ranges import Range
    from tracker.usecases import dashboard

    rng = Range(since_utc=D(2026, 3, 2, 3), until_utc=D(2026, 3, 5, 3), now_utc=D(2026, 3, 12, 12), calendar=BERLIN)
    data, totals = dashboard.gather(con, rng)
    page, views = report.build_page(data, totals, rng)
    assert [v.key for v in views] == list(report.PAGE_ORDER)
    assert [m.group(1) for m in re.finditer(r'<section class="view" id="view-([a-z0-9-]+)"', page)] == [
        v.key for v in views
    ]
    del data["routines"]
    with pytest.raises(ValueError, match="routines"):
        report.build_views(data, rng)


def test_dashboard_default_range_is_90_days_before_until(run, tmp_path):
    out = tmp_path / "u.html"
    run("dashboard", "-o", out, "--until", "2026-06-30", check=0)
    # Berlin summer time; days start at 04:00: 2 April 04:00 to 1 July 04:00 local.
    assert "Thu 02 Apr 2026 04:00 – Wed 01 Jul 2026 04:00 (Europe/Berlin)" in out.read_text()


def test_checkin_trends_against_previous_period(con):
    for at, mood, connected in ((D(2026, 3, 10, 20), 4, 8), (D(2026, 3, 11, 20), 2, 4), (D(2026, 3, 3, 20), 3, 5)):
        con.execute("INSERT INTO checkins (at_utc, mood, connected) VALUES (?, ?, ?)", [at, mood, connected])
    con.execute(
        "INSERT INTO checkins (at_utc, lack_companionship, left_out, isolated, lonely) "
        "VALUES ('2026-03-08 20:00', 2, 1, 3, 'occasionally')"
    )
    s = build(con)
    assert s["checkins"]["current"] == {
        "mood": {"n": 2, "mean": 3.0},
        "connected": {"n": 2, "mean": 6.0},
        "ucla3": {"n": 1, "mean": 6.0},
    }
    assert s["checkins"]["previous"]["mood"] == {"n": 1, "mean": 3.0}
    assert s["checkins"]["previous"]["ucla3"] == {"n": 0, "mean": None}
    lines = render_report(s).splitlines()
    at = lines.index("  Check-ins     mood 3.0/5 (was 3.0)")
    assert lines[at + 1 : at + 3] == [
        "                connected 6.0/10 (was 5.0)",
        "                loneliness (UCLA-3, higher = lonelier) 6.0/9",
    ]
    assert max(map(len, lines)) <= 80


def test_dashboard_into_a_file_as_directory_is_a_clear_exit_2(run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = run("dashboard", "-o", blocker / "page.html")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"Error: directory {blocker} is not a directory; create it first or write elsewhere\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
