"""The per-computer view (issue 16): screen time of each computer sharing a sync folder, per
local day, and of all of them together, where time on two at once counts once."""

from __future__ import annotations

from dashboards.figures import PERSON_PALETTE, layout
from dashboards.views import View, esc, register
from tracker.domain.ranges import Range
from tracker.domain.times import format_duration

THIS_COMPUTER = "#3a7bd5"
TOGETHER = "#1f2430"


@register("machines")
def machines_view(d: dict, rng: Range) -> View:
    """One line of hours per day for each computer, and a bold one for all of them together."""
    v = View(
        title="Screen time per computer (hours per day)",
        caption="Screen time (active use and watching) on each computer whose files reached the sync folder, per "
        "local day, and all of them together (the bold line), where time on two computers at once counts once: "
        "on a day two were in use together it is less than the other lines added up. Every other view is this "
        "computer's alone.",
    )
    if not d["others"]:
        v.empty = (
            "No other computer's files have been read from the sync folder yet: set the same [sync] dir on "
            "another computer, let your sync tool carry the folder, then `offscreen sync now`."
        )
        return v
    import plotly.graph_objects as go

    days = [str(x) for x in d["day"]]
    fig = go.Figure()
    for i, h in enumerate(d["hosts"]):
        colour = THIS_COMPUTER if i == 0 else PERSON_PALETTE[(i - 1) % len(PERSON_PALETTE)]
        label = esc(h["label"])
        fig.add_trace(
            go.Scatter(
                x=days,
                y=h["hours"],
                name=label,
                mode="lines+markers",
                line={"color": colour, "width": 1.8},
                marker={"size": 4},
                hovertemplate="%{x}: %{y:.1f} h on " + label + "<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=d["union_h"],
            name="all together (time on two at once counted once)",
            mode="lines",
            line={"color": TOGETHER, "width": 3},
            hovertemplate="%{x}: %{y:.1f} h on all computers together<extra></extra>",
        )
    )
    total = sum(h or 0 for h in d["union_h"])
    both = sum(x or 0 for h in d["hosts"] for x in h["hours"]) - total
    parts = ", ".join(f"{h['label']} {format_duration(sum(x or 0 for x in h['hours']) * 60)}" for h in d["hosts"])
    v.reading = f"All computers together: {format_duration(total * 60)} ({parts})"
    v.reading += f"; {format_duration(both * 60)} of it on two at once, counted once." if both >= 1 / 60 else "."
    v.figure = layout(fig, "hours per day")
    return v
