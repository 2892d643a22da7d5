"""Assemble the registered views into one self-contained offline HTML page: data in, HTML out.

plotly.js is inlined ONCE (no CDN: the page must work offline); each figure is a div plus a small
script from plotly.io.to_html(include_plotlyjs=False). A tiny script before everything records
script errors in <html data-script-errors>, so a headless browser's --dump-dom can show them.
"""

from __future__ import annotations

import html

from dashboards import (  # noqa: F401  (importing them registers their views)
    core_views,
    machine_views,
    practice_views,
    serve_views,
)
from dashboards.figures import person_colors
from dashboards.views import VIEWS, View
from tracker.domain import coverage
from tracker.domain.ranges import Range
from tracker.domain.times import format_duration

_ERROR_HOOK = """<script>
(function () {
  var errs = [];
  function note(msg) {
    errs.push(String(msg));
    document.documentElement.setAttribute("data-script-errors", errs.join(" | "));
  }
  window.addEventListener("error", function (e) { note(e.message || "error"); });
  window.addEventListener("unhandledrejection", function (e) {
    note("unhandled rejection: " + (e.reason && e.reason.message || e.reason));
  });
})();
</script>"""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f6f7f9; color: #1f2430; }
header { background: #1f2430; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .range { color: #c9ced6; font-size: 14px; }
.totals { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 14px; }
.total { background: #2c3342; border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.total b { display: block; font-size: 20px; }
.total span { color: #c9ced6; font-size: 12px; }
main { max-width: 1180px; margin: 0 auto; padding: 16px; }
section.view { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); margin: 16px 0;
               padding: 16px 20px; }
section.view h2 { font-size: 17px; margin: 0 0 4px; }
section.view p.caption { color: #5a6270; margin: 0 0 8px; font-size: 14px; }
.empty-state { border: 1px dashed #b0b7c0; border-radius: 8px; padding: 28px; text-align: center; color: #5a6270; }
section.view p.reading { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
p.headline { font-size: 16px; margin: 12px 0 0; color: #fff; }
.top-apps { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); margin: 16px 0;
            padding: 12px 20px; }
.top-apps h2 { font-size: 17px; margin: 0 0 4px; }
.top-apps ol { margin: 0; padding-left: 22px; columns: 2; font-size: 14px; }
.top-apps li b { font-weight: 600; color: #5a6270; }
footer { color: #5a6270; font-size: 12px; text-align: center; padding: 24px; }
"""

# The page tells one story, in this order; "view N" in docstrings is a view's place here.
PAGE_ORDER = (
    "screen-vs-f2f",
    "f2f-per-screen-hour",
    "categories-per-week",
    "weekday-hour",
    "people",
    "friendship-hours",
    "routines",
    "closeness",
    "mode-mix",
    "lagged",
    "loneliness-vs-f2f",
    "courage-community",
    "serve-and-return",
    "fun",
)
# Views on the page only when their data was gathered, each after the view named: the usecase
# leaves the key out when the view cannot apply (per computer: syncing is off, issue 16).
OPTIONAL_VIEWS = {"machines": "screen-vs-f2f"}


def page_order(data: dict[str, dict]) -> list[str]:
    """PAGE_ORDER with the optional views whose data was gathered, each in its place."""
    order = list(PAGE_ORDER)
    for key, after in OPTIONAL_VIEWS.items():
        if key in data:
            order.insert(order.index(after) + 1, key)
    return order


def build_views(data: dict[str, dict], rng: Range) -> list[View]:
    """Draw every view from the data gathered under its key, in page order."""
    if missing := (set(PAGE_ORDER) | set(OPTIONAL_VIEWS)) ^ set(VIEWS):
        raise ValueError(f"dashboard views and PAGE_ORDER disagree about {sorted(missing)}")
    if missing := (set(VIEWS) - set(OPTIONAL_VIEWS)) ^ (set(data) - set(OPTIONAL_VIEWS)):
        raise ValueError(f"dashboard data and views disagree about {sorted(missing)}")
    # Colours are assigned once for the page, so a person is the same colour in every view.
    names = [r["name"] for r in data["people"]["people"]] + list(data["friendship-hours"]["people"])
    colors = person_colors(names)
    data = {k: {**d, "colors": colors} if k in PERSON_VIEWS else d for k, d in data.items()}
    return [VIEWS[key](data[key], rng) for key in page_order(data)]


PERSON_VIEWS = ("people", "friendship-hours")  # the views that draw one mark per person


def _hm(hours: float) -> str:
    return format_duration(hours * 60)


def headline(totals: dict, days: int) -> str:
    """One plain sentence: this period against the DAYS before it, or why it can't be compared
    (both periods need enough tracked days, tracker/domain/coverage.py)."""
    before = totals.get("previous")
    if before is None:  # totals gathered without the period before: no headline
        return ""
    if not totals.get("comparable"):
        have = before["tracked_days"]
        why = (
            f"this period has {totals['tracked_days']} tracked days"
            if not coverage.enough(totals["tracked_days"])
            else f"the {days} days before have {have} tracked days"
        )
        return (
            f"Against the previous {days} days: nothing to compare with yet ({why}, needs {coverage.MIN_TRACKED_DAYS})."
        )

    def change(key: str, what: str) -> str:
        now, was = totals[key], before[key]
        if was <= 0:
            return f"{what} {_hm(now)} (none the {days} days before)"
        pct = round((now - was) / was * 100)
        if pct == 0:
            return f"{what} {_hm(now)}, about the same as the {days} days before"
        return f"{what} {_hm(now)}, {'up' if pct > 0 else 'down'} {abs(pct)} % on the {days} days before ({_hm(was)})"

    return f"{change('screen_h', 'Screen time')}; {change('f2f_h', 'face-to-face')}."


def _headline_html(totals: dict, rng: Range) -> str:
    said = headline(totals, len(rng.days()))
    return f'<p class="headline" id="headline">{html.escape(said)}</p>' if said else ""


def _top_apps_html(apps: list[dict]) -> str:
    if not apps:
        return ""
    items = "".join(
        f"<li><span>{html.escape(a['app'])}</span> <b>{html.escape(_hm(a['hours']))}</b></li>" for a in apps
    )
    heading = "Top apps (screen time: active use and watching)"
    return f'<div class="top-apps" id="top-apps"><h2>{heading}</h2><ol>{items}</ol></div>'


def _fmt_range(rng: Range) -> str:
    lo, hi = rng.calendar.local(rng.since_utc), rng.calendar.local(rng.end_utc)
    return f"{lo:%a %d %b %Y %H:%M} – {hi:%a %d %b %Y %H:%M} ({rng.calendar.name})"


def _view_html(v: View) -> str:
    import plotly.io as pio

    head = (
        f'<section class="view" id="view-{html.escape(v.key)}" data-view="{html.escape(v.key)}">'
        f'<h2>{html.escape(v.title)}</h2><p class="caption">{html.escape(v.caption)}</p>'
    )
    if v.reading and v.figure is not None:
        head += f'<p class="reading">{html.escape(v.reading)}</p>'

    if v.figure is None:
        body = f'<div class="empty-state">{html.escape(v.empty or "Nothing to show yet.")}</div>'
    else:
        body = pio.to_html(
            v.figure,
            full_html=False,
            include_plotlyjs=False,
            div_id=f"plot-{v.key}",
            config={"displaylogo": False, "responsive": True},
        )
    return head + body + "</section>"


def render(views: list[View], rng: Range, totals: dict) -> str:
    """The whole page as a string."""
    from plotly.offline import get_plotlyjs

    cards = [
        (format_duration(totals["screen_h"] * 60), "screen time (active use and watching)"),
        (format_duration(totals["social_h"] * 60), "of it social media"),
        *(
            [(format_duration(totals["watching_h"] * 60), "of it watching (a video playing, no input)")]
            if totals.get("watching_h")
            else []
        ),
        (format_duration(totals["f2f_h"] * 60), "face-to-face"),
        (str(totals["interactions"]), "interactions logged"),
        (str(totals["people_in_person"]), "people met in person"),
        (f"{totals['tracked_days']} / {totals['days']}", "days tracked"),
    ]
    if totals.get("ratio_missing"):
        ratio = "face-to-face per screen hour: " + totals["ratio_missing"].rstrip(".").lower()
    elif totals.get("f2f_per_screen_hour_min") is not None:
        ratio = f"{totals['f2f_per_screen_hour_min']:.1f} min face-to-face per screen hour"
    else:
        ratio = ""
    totals_html = "".join(
        f'<div class="total"><b>{html.escape(a)}</b><span>{html.escape(b)}</span></div>' for a, b in cards
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>offscreen: screen time vs face-to-face</title>
{_ERROR_HOOK}
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<header><h1>Screen time vs face-to-face connection</h1>
<div class="range">{html.escape(_fmt_range(rng))}{" · " + html.escape(ratio) if ratio else ""}</div>
<div class="totals">{totals_html}</div>
{_headline_html(totals, rng)}</header>
<main>
{_top_apps_html(totals.get("top_apps", []))}
{"".join(_view_html(v) for v in views)}
</main>
<footer>Made by offscreen on {rng.now_utc:%Y-%m-%d %H:%M} UTC, from data on this machine only.
Associations are not causes; screen use explains little of well-being on average (Orben &amp; Przybylski 2019).</footer>
</body></html>
"""


def build_page(data: dict[str, dict], totals: dict, rng: Range) -> tuple[str, list[View]]:
    """The page (HTML) and its views, from each view's data and the header totals."""
    views = build_views(data, rng)
    return render(views, rng, totals), views
