"""Dashboard views of connection practice: routines held or missed, loneliness against
face-to-face hours, courage and community. Each draws the small aggregate gathered for it.
"""

from __future__ import annotations

from datetime import datetime

from dashboards.figures import F2F, layout, mark_partial_weeks
from dashboards.views import PARTIAL, View, esc, register
from tracker.domain.coverage import NEW_PEOPLE_AFTER_DAYS
from tracker.domain.ranges import Range

STATUS_COLOURS = {"held": "#2a9d8f", "missed": "#e76f51", "skipped": "#adb5bd", "open": "#f4d35e"}


@register("routines")
def routines_view(d: dict, rng: Range) -> View:
    """Each routine's periods in the range (held / missed / skipped / open) with adherence."""
    v = View(
        title="Connection routines: held or missed per period",
        caption="Each mark is one period of a routine; adherence = held / (held + missed), "
        "skipped periods don't count and never break a streak.",
    )
    routines = d["routines"]
    if not routines:
        v.empty = 'No routines yet. Add one: offscreen routine add "Friday dinner" --every week --on fri'
        return v
    if not any(r["periods"] for r in routines):
        v.empty = "No routine periods fall in this range."
        return v
    import plotly.graph_objects as go

    fig = go.Figure()
    labels = {}
    for r in routines:
        adh = "-" if r["adherence"] is None else f"{round(100 * r['adherence'])}%"
        labels[r["name"]] = f"{esc(r['name'])} ({adh}, streak {r['current_streak']}, best {r['longest_streak']})"
    for status, colour in STATUS_COLOURS.items():
        xs, ys = [], []
        for r in routines:
            for start, st in r["periods"]:
                if st == status:
                    xs.append(start)
                    ys.append(labels[r["name"]])
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="markers",
                    name=status,
                    marker={"size": 14, "symbol": "square", "color": colour},
                    hovertemplate="%{y}<br>period from %{x}: " + status + "<extra></extra>",
                )
            )
    fig.update_yaxes(automargin=True)
    v.figure = layout(fig, "", x_title="period start", height=200 + 40 * len(routines))
    return v


@register("loneliness-vs-f2f")
def loneliness_view(d: dict, rng: Range) -> View:
    """Weekly UCLA-3 loneliness score against weekly face-to-face (in-person) hours."""
    v = View(
        title="Loneliness score (UCLA-3, 3-9) and face-to-face hours per week",
        caption="Weekly three-item UCLA loneliness scale (Hughes et al. 2004; higher = lonelier) against "
        "hours spent with people in person; an association, not a cause.",
    )
    weeks, ucla, hours = d["weeks"], d["ucla3"], d["f2f_hours"]
    answered = sum(u is not None for u in ucla)
    if answered == 0:
        v.empty = (
            "No weekly loneliness answers in this range yet. Answer the three questions once a week: "
            "offscreen checkin --weekly"
        )
        return v
    import plotly.graph_objects as go

    fig = go.Figure()
    # Bars on the base axis, the score on the overlaying one so the line is drawn on top.
    fig.add_trace(
        go.Bar(
            x=weeks,
            y=hours,
            name="face-to-face hours",
            marker_color=F2F,
            hovertemplate="week of %{x}: %{y:.1f} h in person<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=ucla,
            name="loneliness (3-9)",
            mode="lines+markers",
            connectgaps=False,
            line={"color": "#6a4c93", "width": 3},
            marker={"size": 9},
            yaxis="y2",
            hovertemplate="week of %{x}: score %{y}<extra></extra>",
        )
    )
    layout(fig, "hours in person", x_title="week", height=420)
    fig.update_layout(
        yaxis={"rangemode": "tozero"},
        yaxis2={
            "title": "UCLA-3 score (3-9, higher = lonelier)",
            "range": [2.5, 9.5],
            "tickmode": "linear",
            "tick0": 3,
            "dtick": 1,
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
        },
        margin={"r": 60},
    )
    if answered < 4:
        v.caption += f" Only {answered} week(s) answered so far: too few to read a trend."
    if mark_partial_weeks(fig, d["week_days"]):
        v.caption += " " + PARTIAL.format(what="days")
    v.figure = fig
    return v


@register("courage-community")
def courage_view(d: dict, rng: Range) -> View:
    """Per week: interactions I initiated, invitations made and accepted, new people met, and group
    meetings (>= 3 people), against the person's own usual of reaching out."""
    v = View(
        title="Courage and community per week (count)",
        caption="Interactions you started, invitations you made (and the ones they said yes to), invitations "
        "you said yes to, people you met in person for the first time, and groups of 3 or more: talking to "
        "new people goes better than we predict (Epley & Schroeder 2014). An invitation counts in the week "
        f"it was made. The line is your own usual: times you reached out (started or invited) per week over "
        f"the {d.get('usual_weeks', 4)} weeks before; a reference, not a target.",
    )
    if d.get("new_from"):
        since = datetime.fromisoformat(d["new_from"])
        v.caption += (
            f" A first meeting counts as new from {since.day} {since:%b %Y} on, "
            f"{NEW_PEOPLE_AFTER_DAYS // 7} weeks after your first log: "
            "before that it only means you started logging."
        )
    if not d["weeks"]:
        v.empty = 'No interactions in this range yet. Log one: offscreen log "coffee" --with Sam'
        return v
    import plotly.graph_objects as go

    fig = go.Figure()
    for key, label, colour in (
        ("initiated", "I reached out", "#f4a261"),
        ("invited", "I invited", "#e9c46a"),
        ("they_accepted", "they said yes to mine", "#8ab17d"),
        ("you_accepted", "I said yes to theirs", "#6a4c93"),
        ("new_people", "new people", "#2a9d8f"),
        ("groups", "groups of 3+", "#264653"),
    ):
        if key not in d:  # data gathered before invitations existed
            continue
        fig.add_trace(
            go.Bar(
                x=d["weeks"],
                y=d[key],
                name=label,
                marker_color=colour,
                hovertemplate="week of %{x}: %{y} " + label + "<extra></extra>",
            )
        )
    if mark_partial_weeks(fig, d["week_days"]):
        v.caption += " " + PARTIAL.format(what="days")
    usual = d.get("reach_usual") or []
    if any(u is not None for u in usual):
        fig.add_trace(
            go.Scatter(
                x=d["weeks"],
                y=usual,
                name="my usual reaching out",
                mode="lines",
                connectgaps=False,
                line={"color": "#f4a261", "dash": "dot", "width": 2},
                hovertemplate="week of %{x}: usually %{y} a week<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    v.figure = layout(fig, "count", x_title="week", height=420)
    return v
