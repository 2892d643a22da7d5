"""The dashboard page in a real headless Chromium at 1400 px with networking disabled: every view
drew marks (bars, points, lines, the heatmap image: counted in the rendered SVG) or shows its
empty state, no script error, hostile strings inert."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from conftest import require
from tracker.store import connect

pytestmark = pytest.mark.browser

HOSTILE_NAME = '<a href="http://evil.test">x</a>'
HOSTILE_NOTE = "<b>bold</b><img src=x onerror=alert(1)>"
VIEW_KEYS = [
    "screen-vs-f2f",
    "f2f-per-screen-hour",
    "categories-per-week",
    "weekday-hour",
    "people",
    "friendship-hours",
    "closeness",
    "mode-mix",
    "lagged",
]

# Test-only: hover over the hostile interaction in view 8 so its hover label is in the DOM.
HOVER = """<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var gd = document.getElementById("plot-closeness");
    var t = gd.data.findIndex(function (tr) { return tr.name === "in-person"; });
    var p = gd.data[t].text.findIndex(function (s) { return s.indexOf("bold") >= 0; });
    Plotly.Fx.hover(gd, [{curveNumber: t, pointNumber: p}]);
    document.documentElement.setAttribute("data-hovered", String(p));
  }, 300);
});
</script>"""


def chromium(tmp_path, page, name):
    profile = tmp_path / name
    profile.mkdir()
    proc = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=10000",
            "--window-size=1400,2000",
            "--dump-dom",
            str(page),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def html_attrs(dom: str) -> str:
    return re.search(r"<html([^>]*)>", dom).group(1)


def sections(dom: str) -> dict[str, str]:
    out = {}
    for part in re.split(r'(?=<section class="view")', dom)[1:]:
        out[re.search(r'data-view="([^"]+)"', part).group(1)] = part.split("</section>", 1)[0]
    return out


def marks(section: str) -> int:
    """The marks plotly drew in a view's plot area (not its legend): bars and markers with a
    non-empty path, lines with a path, heatmap images. A div, or axes alone, count 0."""
    if 'class="overplot"' not in section:
        return 0
    plot = section.split('class="overplot"', 1)[1].split('class="polarlayer"', 1)[0]
    points = re.findall(r'class="point"[^>]*?(?:>\s*<path[^>]*?)?\sd="([^"]*)"', plot)
    lines = re.findall(r'class="js-line"[^>]*\sd="M[^"]+"', plot)
    return len([d for d in points if d and d != "M0,0Z"]) + len(lines) + len(re.findall(r"<image\b", plot))


def test_page_renders_offline_and_hostile_strings_stay_text(run, app, tmp_path):
    require("chromium")
    run("demo", "--days", "35", check=0)
    at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=2)
    with connect(app.paths.db) as con:
        con.execute(
            "INSERT INTO people (id, name, name_key, tier, created_at) VALUES (9999, ?, ?, 'friend', ?)",
            [HOSTILE_NAME, HOSTILE_NAME.lower(), at],
        )
        con.execute(
            "INSERT INTO interactions (id, summary, happened_at, duration_min, mode, closeness, note, logged_at) "
            "VALUES (99999, ?, ?, 95, 'in-person', 5, ?, ?)",
            [HOSTILE_NAME, at, HOSTILE_NOTE, at],
        )
        con.execute("INSERT INTO interaction_people VALUES (99999, 9999)")
    out = tmp_path / "page.html"
    r = run("dashboard", "-o", out, "--open", check=0, env={"DISPLAY": ""})
    m = re.search(r"(\d+) of (\d+) views with data", r.stdout)
    assert r.stdout.startswith(f"Wrote {out} (") and m and int(m.group(1)) >= len(VIEW_KEYS)
    assert "No display found" in r.stdout
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    html = out.read_text()
    assert html.count("window.PlotlyConfig") <= 1 and len(re.findall(r"plotly\.js v\d", html)) == 1
    assert "<script src=" not in html and len(html) < 6_000_000  # nothing loaded from the network

    dom = chromium(tmp_path, out, "p1")
    assert "data-script-errors" not in html_attrs(dom)
    found = sections(dom)
    assert [k for k in found if k in VIEW_KEYS] == VIEW_KEYS  # in page order; other views may join
    for key, body in found.items():
        assert "main-svg" in body or 'class="empty-state"' in body, key
    assert all("main-svg" in found[k] for k in VIEW_KEYS)  # 35 demo days fill every view
    drawn = {k: marks(body) for k, body in found.items()}
    assert all(drawn[k] > 0 for k in VIEW_KEYS), drawn
    assert all(n > 0 for k, n in drawn.items() if 'class="empty-state"' not in found[k]), drawn
    # The hostile name is a tick label in views 5 and 6: literal text, never a link.
    assert not re.search(r"<a\b[^>]*evil\.test", dom)  # no link element (plotly would make <a xlink:href>)
    assert not re.search(r"<a\b", dom.split("<main>", 1)[1])
    assert '&lt;a href="http://evil.test"&gt;x&lt;/a&gt;' in found["people"]

    hovered = tmp_path / "hover.html"
    hovered.write_text(html.replace("</body>", HOVER + "</body>"))
    dom = chromium(tmp_path, hovered, "p2")
    assert "data-script-errors" not in html_attrs(dom)
    assert re.search(r'data-hovered="(\d+)"', html_attrs(dom)), "the hover script did not run"
    hover = dom.split('class="hoverlayer"', 1)[1]
    assert "&lt;b&gt;bold&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;" in hover
    assert "font-weight:bold" not in hover.replace(" ", "") and "<img" not in dom


def test_marks_counts_nothing_for_an_empty_plot(tmp_path):
    """The control for 'drew something': a plot with axes but no data counts 0, one bar counts."""
    require("chromium")
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    from dashboards.report import _view_html
    from dashboards.views import View

    empty = View("empty", "", figure=go.Figure(), key="empty")
    one = View("one", "", figure=go.Figure(go.Bar(x=["a"], y=[3])), key="one")
    page = tmp_path / "two.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><script>{get_plotlyjs()}</script></head><body>"
        f"{_view_html(empty)}{_view_html(one)}</body></html>"
    )
    found = sections(chromium(tmp_path, page, "p4"))
    assert "main-svg" in found["empty"] and marks(found["empty"]) == 0
    assert marks(found["one"]) == 1


def test_error_hook_reports_script_errors(tmp_path):
    """The control for 'no script error': the page's hook does record a failing script."""
    require("chromium")
    from dashboards.report import _ERROR_HOOK

    page = tmp_path / "broken.html"
    page.write_text(f"<!DOCTYPE html><html><head>{_ERROR_HOOK}</head><body><script>null.x;</script></body></html>")
    attrs = html_attrs(chromium(tmp_path, page, "p3"))
    assert 'data-script-errors="' in attrs and "null" in attrs
