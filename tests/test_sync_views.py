"""Several computers in `offscreen report` and on the dashboard (issue 16): real homes
(OFFSCREEN_HOME, each its own database) sharing one sync folder, through the real console script;
the dashboard's figure read back from the page it wrote."""

from __future__ import annotations

import json
import re

import pytest

from test_sync import NOW, Home, _activity

# NOW is 1 December 2026, 12:00 in Berlin (11:00 UTC); local days start at 04:00 (03:00 UTC).
SPANS = {
    "laptop": [("a0", "2026-11-30 10:00", "2026-11-30 11:00"), ("a1", "2026-12-01 08:00", "2026-12-01 09:00")],
    "desktop": [("b1", "2026-12-01 08:30", "2026-12-01 09:30"), ("b2", "2026-12-01 10:00", "2026-12-01 10:10")],
    "work": [("c1", "2026-12-01 08:15", "2026-12-01 08:45")],  # inside the others' time
}


@pytest.fixture
def homes(tmp_path, run):
    shared = tmp_path / "Sync"
    shared.mkdir()
    return [Home(tmp_path, n, shared, run) for n in SPANS]


@pytest.fixture
def synced(homes):
    """Three computers with screen time that overlaps, each having read the others' files."""
    for h in homes:
        h("today")  # makes each database
        _activity(h.db, SPANS[h.root.name])
    for h in (*homes, *homes[:2]):
        h("sync", "now")
    return homes


def test_report_shows_each_computer_and_their_union_counted_once(synced):
    a, b, c = synced
    s = c.json("report")
    m = s["machines"]
    assert m["hosts"][0]["label"] == "this computer"
    assert {h["host"]: h["screen_h"] for h in m["hosts"]} == {c.host: 0.5, a.host: 2.0, b.host: 1.17}
    # 30 Nov 10:00-11:00 and 1 Dec 08:00-09:30 and 10:00-10:10 UTC: 2h40m, not the 3h40m summed.
    assert m["union_screen_h"] == 2.67 and m["overlap_h"] == 1.0
    assert s["current"]["screen_h"] == 0.5  # every other figure stays this computer's
    text = c("report").stdout
    width = max(len(a.host), len(b.host)) + 2
    first, second = sorted((a, b), key=lambda h: h.host)
    hours = {a.host: "2h00m", b.host: "1h10m"}
    assert (
        "Screen time per computer (every other figure here is this computer's alone):\n"
        f"  {'this computer':<{width}}{'30m':>8}\n"
        f"  {first.host:<{width}}{hours[first.host]:>8}\n"
        f"  {second.host:<{width}}{hours[second.host]:>8}\n"
        f"  {'all together':<{width}}{'2h40m':>8}  (time on two at once counted once)\n"
    ) in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_period_counts_only_its_own_days(synced):
    a, _, c = synced
    m = c.json("report", "--since", "2026-12-01")["machines"]
    assert {h["host"]: h["screen_h"] for h in m["hosts"]}[a.host] == 1.0
    assert m["union_screen_h"] == 1.67  # 08:00-09:30 and 10:00-10:10 UTC


def _figure(html: str, key: str) -> dict:
    """The plotly figure (data and layout) the page draws in view KEY, as the page carries it."""
    section = html[html.index(f'id="view-{key}"') :]
    section = section[: section.index("</section>")]
    call = section[section.index("Plotly.newPlot(") :]
    decode = json.JSONDecoder().raw_decode
    start = call.index("[")
    data, end = decode(call, start)
    layout, _ = decode(call, call.index("{", end))
    return {"data": data, "layout": layout, "section": section}


def test_dashboard_draws_each_computer_per_local_day_and_the_union(synced, tmp_path):
    a, b, c = synced
    out = tmp_path / "page.html"
    c("dashboard", "-o", out, "--since", "2026-11-29")
    html = out.read_text()
    keys = re.findall(r'<section class="view" id="view-([a-z0-9-]+)"', html)
    assert keys[:2] == ["screen-vs-f2f", "machines"]  # beside the screen time it breaks down
    fig = _figure(html, "machines")
    names = [t["name"] for t in fig["data"]]
    together = "all together (time on two at once counted once)"
    assert names[0] == "this computer" and names[-1] == together
    lines = {t["name"]: t for t in fig["data"]}
    days = ["2026-11-29", "2026-11-30", "2026-12-01"]
    assert all(t["x"] == days for t in fig["data"])
    assert {n: t["y"] for n, t in lines.items()} == {
        "this computer": [0, 0, 0.5],
        a.host: [0, 1, 1],
        b.host: [0, 0, 1.1667],
        together: [0, 1, 1.6667],
    }
    assert "All computers together: 2h40m (this computer 30m, " in fig["section"]
    assert "; 1h00m of it on two at once, counted once." in fig["section"]


def test_dashboard_with_sync_on_but_no_other_computer_says_so(homes, tmp_path):
    a = homes[0]
    a("today")
    _activity(a.db, SPANS["laptop"])
    out = tmp_path / "page.html"
    a("dashboard", "-o", out)
    html = out.read_text()
    section = html[html.index('id="view-machines"') :]
    section = section[: section.index("</section>")]
    assert '<div class="empty-state">No other computer&#x27;s files have been read from the sync folder yet' in section
    assert "Plotly.newPlot" not in section
    assert a.json("report")["machines"] is None


def test_without_a_sync_folder_neither_report_nor_dashboard_change(run, tmp_path):
    env = {"OFFSCREEN_NOW": NOW}
    run("demo", "--days", "10", check=0, env=env)
    out = tmp_path / "page.html"
    run("dashboard", "-o", out, check=0, env=env)
    assert 'id="view-machines"' not in out.read_text()
    assert json.loads(run("report", "--json", check=0, env=env).stdout)["machines"] is None
    assert "per computer" not in run("report", check=0, env=env).stdout


@pytest.mark.browser
def test_the_per_computer_view_draws_in_a_real_browser(synced, tmp_path):
    from conftest import require
    from test_dashboard_browser import chromium, html_attrs, marks, sections

    require("chromium")
    c = synced[2]
    out = tmp_path / "page.html"
    c("dashboard", "-o", out, "--since", "2026-11-29")
    dom = chromium(tmp_path, out, "p1")
    assert "data-script-errors" not in html_attrs(dom)
    body = sections(dom)["machines"]
    # Three computers: a line and 3 day markers each; all together: a line.
    assert "main-svg" in body and marks(body) == 3 * (1 + 3) + 1
