"""The dashboard reads at a glance, on the demo's data with "now" pinned: one colour per person in
every view, a People axis where the closest tier is readable, one look and one face-to-face
colour in every view, weekly bars over long ranges, dot sizes explained, the top apps, a headline
against the previous period, and the correlation read out in words."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import plotly.io as pio
import pytest

from dashboards import figures, report
from inproc import cli  # noqa: F401 (fixture)
from tracker.domain import coverage
from tracker.domain.times import format_duration
from tracker.store import dashboard as queries
from tracker.usecases import dashboard as usecase

NOW = "2026-06-10T15:00:00+02:00"
ENV = {"OFFSCREEN_NOW": NOW, "TZ": "Europe/Berlin"}


def page(cli, monkeypatch, demo_days: int, since: str | None = None):
    """The app, the range, every view's data and totals, and the page, for a demo of DEMO_DAYS."""
    from tracker.app import App

    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    cli("demo", "--days", str(demo_days), check=0)
    app = App.create()
    pg = usecase.dashboard(app, since=since)
    now = app.now()
    with app.store() as con:
        first = None if since else queries.first_recorded(con)
        from tracker.domain.times import from_storage

        rng = usecase.page_range(since, None, now, app.calendar, app.config, from_storage(first))
        data, totals = usecase.gather(con, rng)
        daily = queries.screen_vs_f2f(con, rng)
        apps = queries.top_apps(con, rng)["apps"]
    views = {v.key: v for v in pg.views}
    return {"app": app, "rng": rng, "data": data, "totals": totals, "views": views, "html": pg.html,
            "daily": daily, "apps": apps}  # fmt: skip


def since_days(app, n: int) -> str:
    return str(app.calendar.day_of(app.now()) - timedelta(days=n - 1))


@pytest.fixture
def demo(cli, monkeypatch):
    return page(cli, monkeypatch, 120, since="2026-03-13")


def person_colours(views) -> tuple[dict, dict]:
    """(name -> line colour in view 6, name -> swatch colour in view 5's tick labels)."""
    lines = {tr.name: tr.line.color for tr in views["friendship-hours"].figure.data if tr.mode == "lines"}
    ticks = {}
    for label in views["people"].figure.layout.yaxis.ticktext or ():
        m = re.match(r'<span style="color:(#[0-9A-Fa-f]{6})">.</span> (.*)$', label)
        assert m, label
        ticks[m.group(2)] = m.group(1)
    return lines, ticks


def test_one_distinct_colour_per_person_the_same_in_every_view(demo):
    lines, ticks = person_colours(demo["views"])
    assert len(lines) >= 11  # the demo's friends with leisure time: more than plotly's 10 default colours
    assert None not in lines.values() and len(set(lines.values())) == len(lines)
    assert len(set(ticks.values())) == len(ticks) == len(demo["data"]["people"]["people"])
    assert all(ticks[n] == c for n, c in lines.items())


def x_position(fig, x: float) -> float:
    """Where X falls across the x axis (0 left, 1 right), as the browser would draw it."""
    ax = fig.layout.xaxis
    if ax.type == "log":
        lo, hi = ax.range
        return (math.log10(x) - lo) / (hi - lo)
    top = max(v for tr in fig.data for v in tr.x if v is not None)  # autorange from 0
    return x / top


def test_people_view_gives_the_closest_tier_room(demo):
    fig = demo["views"]["people"].figure
    rows = [r for r in demo["data"]["people"]["people"] if r["max"]]
    closest = min(rows, key=lambda r: r["max"])
    widest = max(rows, key=lambda r: r["max"])
    assert closest["max"] * 10 < widest["max"]  # close friends and acquaintances on one page
    assert x_position(fig, closest["max"]) > 0.4
    assert x_position(fig, widest["max"]) < 1
    bars = [tr for tr in fig.data if tr.type == "bar"]
    days = {y: cd[3] for tr in bars for y, cd in zip(tr.y, tr.customdata)}  # true days in the hover
    assert days == {r["name"]: r["days_since"] for r in demo["data"]["people"]["people"]}


def test_one_template_and_one_face_to_face_colour_in_every_view(demo):
    figs = {k: v.figure for k, v in demo["views"].items() if v.figure is not None}
    assert len(figs) == len(report.PAGE_ORDER)
    white = pio.templates["plotly_white"]
    font = figs["screen-vs-f2f"].layout.font.family
    for key, fig in figs.items():
        assert fig.layout.template == white, key
        assert fig.layout.font.family == font, key
    f2f_bars = [
        (key, tr.name, tr.marker.color)
        for key, fig in figs.items()
        for tr in fig.data
        if tr.type == "bar" and re.search(r"face-to-face|in-person|in person", tr.name or "", re.I)
    ]
    assert {k for k, _, _ in f2f_bars} >= {"screen-vs-f2f", "mode-mix", "loneliness-vs-f2f"}
    assert {c for _, _, c in f2f_bars} == {figures.F2F}, f2f_bars


def test_heatmap_says_what_dot_size_means(demo):
    starts = demo["data"]["weekday-hour"]["starts"]
    counts = [n for kind in starts.values() for row in kind for n in row if n]
    caption = demo["views"]["weekday-hour"].caption
    assert f"the smallest dot is {min(counts)}, the largest {max(counts)}" in caption
    assert max(counts) > min(counts)


def test_long_ranges_draw_weeks_short_ones_days(cli, monkeypatch):
    long = page(cli, monkeypatch, 365, since="2025-06-11")
    d, daily = long["data"]["screen-vs-f2f"], long["daily"]
    weeks = sorted({coverage.week_of(day) for day in daily["day"]})
    assert len(daily["day"]) == 365 and d["day"] == weeks
    fig = long["views"]["screen-vs-f2f"].figure
    assert [len(tr.x) for tr in fig.data if tr.type == "bar"] == [len(weeks)] * 4  # other, watching, social, f2f
    k = len(weeks) // 2  # a whole week in the middle: the bar is the mean of its days
    days = [i for i, day in enumerate(daily["day"]) if coverage.week_of(day) == weeks[k]]
    assert len(days) == 7
    f2f = [daily["f2f_h"][i] for i in days if daily["f2f_h"][i] is not None]
    assert d["f2f_h"][k] == pytest.approx(sum(f2f) / len(f2f), abs=1e-3)
    assert "one bar per week" in long["views"]["screen-vs-f2f"].caption

    short = usecase.dashboard(long["app"], since=since_days(long["app"], 90))
    fig = next(v.figure for v in short.views if v.key == "screen-vs-f2f")
    assert [len(tr.x) for tr in fig.data if tr.type == "bar"] == [90] * 4


def test_top_apps_are_listed_largest_first(demo):
    html = demo["html"]
    block = html.split('id="top-apps"', 1)[1].split("</ol>", 1)[0]
    shown = re.findall(r"<li><span>([^<]*)</span> <b>([^<]*)</b></li>", block)
    assert shown == [(a["app"], format_duration(a["hours"] * 60)) for a in demo["apps"]]
    assert len(shown) == 5


def sentence(html: str) -> str:
    return re.search(r'<p class="headline" id="headline">([^<]*)</p>', html).group(1)


def test_headline_compares_with_the_period_before(demo):
    from dataclasses import replace

    rng, app = demo["rng"], demo["app"]
    n = len(rng.days())
    prev = replace(rng, since_utc=rng.back(n).since_utc, until_utc=rng.since_utc)
    with app.store() as con:
        now, before = queries.totals(con, rng), queries.totals(con, prev)
    assert before["tracked_days"] >= coverage.MIN_TRACKED_DAYS
    pct = round((now["f2f_h"] - before["f2f_h"]) / before["f2f_h"] * 100)
    way = "up" if pct > 0 else "down"
    said = sentence(demo["html"])
    assert said.startswith(f"Screen time {format_duration(now['screen_h'] * 60)}, ")
    assert f"face-to-face {format_duration(now['f2f_h'] * 60)}, {way} {abs(pct)} % on the {n} days before" in said
    assert said.count(".") == 1 and said.endswith(".")


def test_headline_says_when_there_is_nothing_to_compare_with(cli, monkeypatch):
    p = page(cli, monkeypatch, 30)  # the page opens on the first day of data: nothing before it
    n = len(p["rng"].days())
    assert sentence(p["html"]) == (
        f"Against the previous {n} days: nothing to compare with yet "
        f"(the {n} days before have 0 tracked days, needs {coverage.MIN_TRACKED_DAYS})."
    )


@pytest.mark.parametrize(
    ("r", "lo", "hi", "said"),
    [
        (-0.28, -0.46, -0.07, "A weak negative association: on heavier screen days you met people a little less"),
        (0.35, 0.12, 0.55, "A moderate positive association: on heavier screen days you met people somewhat more"),
        (-0.6, -0.75, -0.4, "A strong negative association: on heavier screen days you met people clearly less"),
        (0.05, -0.2, 0.3, "Almost no association between screen time and later in-person time"),
    ],
)
def test_correlation_in_words(r, lo, hi, said):
    text = figures.in_words({"r": r, "lo": lo, "hi": hi, "n": 60})
    assert text.startswith(said)
    assert ("may be no association" in text) == (lo <= 0 <= hi)
    assert not re.search(r"\b(because|causes?|leads? to|makes? you|reduces?)\b", text, re.I)


def test_correlation_view_reads_its_number_out(demo):
    d = demo["data"]["lagged"]
    assert d["screen"] is not None
    reading = demo["views"]["lagged"].reading
    assert reading == f"{figures.in_words(d['screen'], 'screen')} {figures.in_words(d['social'], 'social-media')}"
    assert f'<p class="reading">{reading}</p>' in demo["html"]
