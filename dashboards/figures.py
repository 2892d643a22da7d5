"""Pure: aggregated data (tracker/store/dashboard.py) -> plotly Figure, one function per view.

Every user string (people, category names from the user's rules, summaries, notes) goes through
views.esc first: plotly.js renders <a href>, <b> and <br> in ticks, legends and hover text.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import plotly.graph_objects as go

from dashboards.views import esc
from tracker.domain import coverage

SCREEN = "#8c96a3"
SOCIAL = "#d9534f"
WATCHING = "#5b7fb8"  # watching (issue 15): screen time, apart from active use
F2F = "#2e9e5b"
PHONE = "#6f42c1"  # reported phone time: its own colour and a dashed line, never a screen bar
MODE_COLORS = {"in-person": "#2e9e5b", "video": "#3a7bd5", "voice": "#f0a202", "text": "#9b59b6"}
STATUS_COLORS = {"on-track": "#2e9e5b", "late": "#f0a202", "overdue": "#d9534f", None: "#b0b7c0"}
CATEGORY_COLORS = {
    "social media": "#d9534f",
    "video": "#e67e22",
    "games": "#9b59b6",
    "messaging": "#3a7bd5",
    "email": "#17a2b8",
    "programming": "#34495e",
    "browsing": "#95a5a6",
    "other": "#c8ccd0",
    "excluded": "#e0e0e0",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# One colour per person, the same in every view: 24 distinct hues (plotly's Dark24), so a page
# with a dozen people never gives two of them the same colour (plotly's default has 10).
PERSON_PALETTE = (
    "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100", "#750D86",
    "#EB663B", "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE",
    "#862A16", "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038",
)  # fmt: skip
TEMPLATE = "plotly_white"
FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=13)


def person_colors(names: list[str]) -> dict[str, str]:
    """Each name's colour, assigned once per page in a stable order (case-insensitive name
    order), so a person keeps their colour in every view and from one page to the next."""
    order = sorted(set(names), key=lambda n: (n.lower(), n))
    return {n: PERSON_PALETTE[i % len(PERSON_PALETTE)] for i, n in enumerate(order)}


def layout(fig: go.Figure, y_title: str, *, x_title: str | None = None, height: int = 380) -> go.Figure:
    """The look every view shares: template, font, margins, legend above the plot."""
    return _layout(fig, y_title, x_title=x_title, height=height)


def _layout(fig: go.Figure, y_title: str, *, x_title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin=dict(l=60, r=20, t=20, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        hovermode="closest",
        font=FONT,
    )
    fig.update_yaxes(title_text=y_title)
    if x_title:
        fig.update_xaxes(title_text=x_title)
    return fig


def screen_vs_f2f(d: dict) -> go.Figure:
    """View 1: stacked screen bars (other / watching / social media) beside face-to-face bars, 7-day means;
    one bar per week (mean hours per day with data, 4-week means) when d["bucket"] is "week"."""
    fig = go.Figure()
    days = [str(x) for x in d["day"]]
    weekly = d.get("bucket") == "week"
    at = "week of %{x}" if weekly else "%{x}"
    per = " per day" if weekly else ""
    fig.add_bar(
        x=days,
        y=d["other_h"],
        name="Screen: other",
        marker_color=SCREEN,
        offsetgroup="screen",
        hovertemplate=at + ": %{y:.1f} h other screen" + per + "<extra></extra>",
    )
    watching = d.get("watching_h") or [None] * len(days)
    fig.add_bar(
        x=days,
        y=watching,
        base=d["other_h"],
        name="Screen: watching (a video playing, no input)",
        marker_color=WATCHING,
        offsetgroup="screen",
        hovertemplate=at + ": %{y:.1f} h watching" + per + "<extra></extra>",
    )
    fig.add_bar(
        x=days,
        y=d["social_h"],
        base=[None if o is None else o + (w or 0) for o, w in zip(d["other_h"], watching)],
        name="Screen: social media",
        marker_color=SOCIAL,
        offsetgroup="screen",
        hovertemplate=at + ": %{y:.1f} h social media" + per + "<extra></extra>",
    )
    fig.add_bar(
        x=days,
        y=d["f2f_h"],
        name="Face-to-face",
        marker_color=F2F,
        offsetgroup="f2f",
        hovertemplate=at + ": %{y:.1f} h face-to-face" + per + "<extra></extra>",
    )
    mean = "4-week mean" if weekly else "7-day mean"
    fig.add_scatter(
        x=days, y=d["screen_mean7_h"], name=f"Screen, {mean}", mode="lines", line=dict(color="#3d4450", width=2.5)
    )
    fig.add_scatter(
        x=days, y=d["f2f_mean7_h"], name=f"Face-to-face, {mean}", mode="lines", line=dict(color="#1b6b3c", width=2.5)
    )
    phone_line(fig, days, d, at + ": %{y:.1f} h on the phone" + per)
    _shade_untracked(fig, d["day"], d["tracked"], 7 if weekly else 1)
    fig.update_layout(barmode="group", bargap=0.15)
    if weekly:
        mark_partial_weeks(fig, d["week_days"])
    return _layout(fig, "hours per day", x_title="week starting" if weekly else None)


def phone_line(fig: go.Figure, x: list[str], d: dict, hover: str) -> None:
    """The phone's screen time as the person reported it: a dashed line with open markers of its
    own, labelled so, on the days (weeks) that have a figure; drawn only when there is one."""
    ys = d.get("phone_h") or []
    if not any(y is not None for y in ys):
        return
    label = d.get("phone_label", "phone, as you reported it")
    fig.add_scatter(
        x=x,
        y=ys,
        name=label[0].upper() + label[1:],
        mode="lines+markers",
        connectgaps=False,
        line=dict(color=PHONE, dash="dash", width=2),
        marker=dict(color=PHONE, symbol="diamond-open", size=7),
        hovertemplate=hover + f" ({label})<extra></extra>",
    )


def _shade_untracked(fig: go.Figure, days: list[date], tracked: list[bool], days_per_bar: int = 1) -> None:
    """Grey bands over runs of days (or weeks) without screen tracking: no bars, not zero bars."""
    run: list[date] = []
    for day, t in [*zip(days, tracked), (None, True)]:
        if not t and day is not None:
            run.append(day)
            continue
        if run:
            half = timedelta(hours=12 * days_per_bar)
            fig.add_vrect(
                x0=(datetime.combine(run[0], time()) - half).isoformat(),
                x1=(datetime.combine(run[-1], time()) + half).isoformat(),
                fillcolor="#b0b7c0",
                opacity=0.18,
                line_width=0,
                layer="below",
            )
            run = []


def mark_partial_weeks(fig: go.Figure, week_days: dict[str, int]) -> bool:
    """Paler bars, and '(3 of 7 days)' in the hover, for weeks with fewer than 7 days of data, so
    a short week does not read as a drop; True when there is such a week. WEEK_DAYS maps a week's
    Monday (ISO) to its days with data; a week it does not list is taken as whole."""
    found = False
    for tr in fig.data:
        if tr.type != "bar":
            continue
        days = [week_days.get(str(x), coverage.WEEK_DAYS) for x in tr.x]
        labels = [f" ({lbl})" if (lbl := coverage.week_label(n)) else "" for n in days]
        if not any(labels):
            continue
        found = True
        tr.marker.opacity = [0.4 if lbl else 1.0 for lbl in labels]
        tr.customdata = labels
        if tr.hovertemplate:
            tr.hovertemplate = tr.hovertemplate.replace("<extra>", "%{customdata}<extra>")
    return found


def f2f_per_screen_hour(d: dict) -> go.Figure:
    """View 2: rolling 7-day ratio against the trailing 4-week baseline."""
    days = [str(x) for x in d["day"]]
    fig = go.Figure()
    fig.add_scatter(
        x=days,
        y=d["baseline"],
        name="Your 4-week baseline",
        mode="lines",
        line=dict(color="#8c96a3", dash="dash", width=2),
    )
    fig.add_scatter(
        x=days,
        y=d["ratio7"],
        name="Last 7 days",
        mode="lines",
        line=dict(color=F2F, width=3),
        hovertemplate="%{x}: %{y:.1f} min face-to-face per screen hour<extra></extra>",
    )
    return _layout(fig, "face-to-face minutes per screen hour")


def categories_per_week(d: dict) -> go.Figure:
    """View 3: stacked weekly hours per category."""
    fig = go.Figure()
    cats = sorted(set(d["category"]), key=lambda c: (list(CATEGORY_COLORS).index(c) if c in CATEGORY_COLORS else 99, c))
    for cat in cats:
        xs = [str(w) for w, c in zip(d["week"], d["category"]) if c == cat]
        ys = [h for h, c in zip(d["hours"], d["category"]) if c == cat]
        fig.add_bar(
            x=xs,
            y=ys,
            name=esc(cat),
            marker_color=CATEGORY_COLORS.get(cat),
            hovertemplate="week of %{x}: %{y:.1f} h %{fullData.name}<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    mark_partial_weeks(fig, d.get("week_days", {}))
    if d.get("phone_week"):
        days = d["phone_week_days"]
        phone_line(
            fig,
            [str(w) for w in d["phone_week"]],
            d,
            "week of %{x}: %{y:.1f} h on the phone on %{customdata} reported days",
        )
        fig.data[-1].customdata = [days[str(w)] for w in d["phone_week"]]
    return _layout(fig, "screen hours per week", x_title="week starting")


def heatmap(d: dict) -> go.Figure:
    """View 4: weekday x hour mean screen minutes, with markers where interactions started."""
    order = d["hour_order"]
    labels = [f"{h:02d}" for h in order]
    z = [[row[h] for h in order] for row in d["mean_min"]]
    fig = go.Figure()
    fig.add_heatmap(
        x=labels,
        y=list(WEEKDAYS),
        z=z,
        colorscale="Greys",
        zmin=0,
        zmax=60,
        colorbar=dict(title=dict(text="min/h"), thickness=12),
        hovertemplate="%{y} %{x}:00: %{z:.0f} min of screen<extra></extra>",
    )
    for kind, color, symbol in (("in-person", F2F, "circle"), ("call", "#3a7bd5", "diamond")):
        xs, ys, sizes, texts = [], [], [], []
        for w in range(7):
            for k, h in enumerate(order):
                n = d["starts"][kind][w][h]
                if n:
                    xs.append(labels[k])
                    ys.append(WEEKDAYS[w])
                    sizes.append(n)
                    texts.append(f"{n} {'meeting' if kind == 'in-person' else 'call'}{'s' if n != 1 else ''} started")
        if xs:
            top = max(sizes)
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="markers",
                name="in-person meetings started" if kind == "in-person" else "calls started (video, voice)",
                marker=dict(
                    color=color,
                    symbol=symbol,
                    size=[6 + 14 * (s / top) ** 0.5 for s in sizes],
                    line=dict(color="white", width=1),
                    opacity=0.85,
                ),
                text=texts,
                hovertemplate="%{y} %{x}:00: %{text}<extra></extra>",
            )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "", x_title="hour of the day (local)", height=360)


PEOPLE_TICKS = (1, 2, 3, 7, 14, 30, 60, 90, 180, 365, 730)


def people_status(d: dict) -> go.Figure:
    """View 5: horizontal bars of days since last contact, coloured by status, ideal/max ticks, on
    a log axis: a close friend's week and an acquaintance's year are both readable (on a linear
    axis to 365 days the close tier is squeezed into the left tenth). A contact today (0 days) is
    drawn at half a day; each name carries its person colour (d["colors"])."""
    rows = d["people"]
    names = [esc(r["name"]) for r in rows]
    colors = d.get("colors", {})
    fig = go.Figure()
    top = 1.0
    for status, label in (("overdue", "overdue"), ("late", "late"), ("on-track", "on track"), (None, "no cadence")):
        sel = [i for i, r in enumerate(rows) if r["status"] == status and r["days_since"] is not None]
        if not sel:
            continue
        top = max([top] + [rows[i]["days_since"] for i in sel])
        fig.add_bar(
            y=[names[i] for i in sel],
            x=[max(rows[i]["days_since"], 0.5) for i in sel],
            orientation="h",
            name=label,
            marker_color=STATUS_COLORS[status],
            customdata=[
                [
                    rows[i]["ideal"] or "-",
                    rows[i]["max"] or "-",
                    "never met in person" if rows[i]["never_met"] else "last qualifying contact",
                    rows[i]["days_since"],
                ]
                for i in sel
            ],
            hovertemplate="%{y}: %{customdata[3]} days (%{customdata[2]}); ideal %{customdata[0]}, "
            "max %{customdata[1]}<extra></extra>",
        )
    ideal = [(names[i], r["ideal"]) for i, r in enumerate(rows) if r["ideal"]]
    if ideal:
        top = max([top] + [r["max"] for r in rows if r["max"]])
        fig.add_scatter(
            y=[n for n, _ in ideal],
            x=[v for _, v in ideal],
            mode="markers",
            name="ideal gap",
            marker=dict(symbol="line-ns-open", size=16, color="#1b6b3c", line=dict(width=3)),
        )
        fig.add_scatter(
            y=[names[i] for i, r in enumerate(rows) if r["max"]],
            x=[r["max"] for r in rows if r["max"]],
            mode="markers",
            name="maximum gap",
            marker=dict(symbol="line-ns-open", size=16, color="#b02a2a", line=dict(width=3)),
        )
    ticks = [t for t in PEOPLE_TICKS if t <= top * 1.3] or [1]
    fig.update_xaxes(type="log", range=[math.log10(0.5), math.log10(top * 1.3)], tickvals=ticks, ticktext=ticks)
    labels = [
        f'<span style="color:{colors[r["name"]]}">\u25a0</span> {n}' if r["name"] in colors else n
        for r, n in zip(rows, names)
    ]
    fig.update_yaxes(
        categoryorder="array",
        categoryarray=list(reversed(names)),
        tickvals=names,
        ticktext=labels,
        automargin=True,
    )
    return _layout(fig, "", x_title="days since last contact (log scale)", height=max(260, 28 * len(rows) + 90))


def friendship_hours(d: dict) -> go.Figure:
    """View 6: cumulative leisure hours per person with 50 / 90 / 200 h reference lines (Hall 2019)."""
    fig = go.Figure()
    since, until = str(d["since"]), str(d["until"])
    top = 0.0
    for name in d["people"]:
        s = d["series"][name]
        xs = [since] + [str(t) for t in s["at"]] + [until]
        ys = [s["before"]] + s["cum_h"] + [s["total"]]
        top = max(top, s["total"])
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=esc(name),
            line=dict(shape="hv", width=2, color=d.get("colors", {}).get(name)),
            hovertemplate="%{fullData.name}: %{y:.1f} h<extra></extra>",
        )
    for h, label in ((50, "50 h: casual friend"), (90, "90 h: friend"), (200, "200 h: close friend")):
        fig.add_hline(
            y=h,
            line=dict(color="#8c96a3", dash="dot", width=1.5),
            annotation_text=label,
            annotation_position="top left",
            annotation_font_color="#5a6270",
        )
    fig.update_yaxes(range=[0, max(60.0, top * 1.1, 0)])
    return _layout(fig, "hours together (leisure, cumulative)", height=420)


def closeness(d: dict) -> go.Figure:
    """View 8: duration vs closeness per interaction, one colour per mode."""
    fig = go.Figure()
    for mode, pts in d.items():
        if not pts["duration_min"]:
            continue
        texts = []
        for summary, note, people in zip(pts["summary"], pts["note"], pts["people"]):
            bits = [esc(summary or mode)]
            if people:
                bits.append("with " + esc(", ".join(people)))
            if note:
                bits.append(esc(note[:120]))
            texts.append("<br>".join(bits))
        fig.add_scatter(
            x=pts["duration_min"],
            y=pts["closeness"],
            mode="markers",
            name=mode,
            text=texts,
            marker=dict(color=MODE_COLORS[mode], size=8, opacity=0.6),
            hovertemplate="%{text}<br>%{x:.0f} min, closeness %{y}<extra></extra>",
        )
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[0.5, 7.5], dtick=1)
    return _layout(fig, "closeness (1-7, overlap of circles)", x_title="duration (minutes, log scale)")


def mode_mix(d: dict) -> go.Figure:
    """View 9: stacked weekly hours per mode."""
    fig = go.Figure()
    for mode, colour in MODE_COLORS.items():
        xs = [str(w) for w, m in zip(d["week"], d["mode"]) if m == mode]
        ys = [h for h, m in zip(d["hours"], d["mode"]) if m == mode]
        if xs:
            fig.add_bar(
                x=xs,
                y=ys,
                name=mode,
                marker_color=colour,
                hovertemplate="week of %{x}: %{y:.1f} h " + mode + "<extra></extra>",
            )
    fig.update_layout(barmode="stack")
    mark_partial_weeks(fig, d.get("week_days", {}))
    return _layout(fig, "hours per week", x_title="week starting")


def strength(r: float) -> str:
    """A correlation's size in words (Cohen's rough bands: 0.1 small, 0.3 medium, 0.5 large)."""
    a = abs(r)
    return "almost no" if a < 0.1 else "a weak" if a < 0.3 else "a moderate" if a < 0.5 else "a strong"


def in_words(v: dict, what: str = "screen") -> str:
    """One plain sentence for V (r, lo, hi): the size and direction of the association, what it
    means for in-person time, and whether the interval allows none at all; no causal wording."""
    r, lo, hi = v["r"], v["lo"], v["hi"]
    size = strength(r)
    if size == "almost no":
        text = f"almost no association between {what} time and later in-person time"
    else:
        how = {"a weak": "a little", "a moderate": "somewhat", "a strong": "clearly"}[size]
        direction, more = ("negative", "less") if r < 0 else ("positive", "more")
        text = (
            f"{size} {direction} association: on heavier {what} days you met people {how} {more} "
            "in person that day and the 3 after"
        )
    if lo <= 0 <= hi:
        text += " (the interval includes zero: it may be no association at all)"
    return text[0].upper() + text[1:] + "."


def lagged(d: dict) -> go.Figure:
    """View 10: correlation with 95 % CI for screen and social-media minutes."""
    fig = go.Figure()
    labels, rs, lo, hi, texts = [], [], [], [], []
    for key, label in (("screen", "screen minutes"), ("social", "social-media minutes")):
        v = d[key]
        if v is None:
            continue
        labels.append(label)
        rs.append(v["r"])
        lo.append(v["r"] - v["lo"])
        hi.append(v["hi"] - v["r"])
        texts.append(f"r = {v['r']:+.2f} [{v['lo']:+.2f}, {v['hi']:+.2f}], n = {v['n']} days")
    fig.add_scatter(
        x=rs,
        y=labels,
        mode="markers+text",
        text=texts,
        textposition="top center",
        marker=dict(size=12, color="#3a7bd5"),
        showlegend=False,
        error_x=dict(type="data", symmetric=False, array=hi, arrayminus=lo, thickness=2, width=8),
        hovertemplate="%{text}<extra></extra>",
    )
    fig.add_vline(x=0, line=dict(color="#5a6270", width=1))
    fig.update_xaxes(range=[-1, 1], zeroline=False)
    fig.update_yaxes(range=[-0.6, len(labels) - 0.4])
    return _layout(
        fig, "", x_title="correlation with in-person minutes on that day and the 3 after (95 % CI)", height=260
    )
