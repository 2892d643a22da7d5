"""Dashboard views of serve and return, and of fun (issue 18): who starts things with each person,
said kindly and never as a score, and how much fun interactions were per mode and with routines."""

from __future__ import annotations

from dashboards.figures import MODE_COLORS, layout
from dashboards.views import View, esc, register
from tracker.domain.ranges import Range

SIDES = (("me", "you started", "#f4a261"), ("mutual", "together", "#8ab17d"), ("them", "they started", "#2a9d8f"))
ROUTINE_COLOUR = "#264653"
ONE_OFF_COLOUR = "#adb5bd"


@register("serve-and-return")
def serve_and_return_view(d: dict, rng: Range) -> View:
    """Per person: of their latest one-to-one interactions, who started them (you, them, together)."""
    v = View(
        title="Serve and return: who starts things, per person (share of the latest)",
        caption=f"Of each person's last {d['last_n']} one-to-one interactions within {d['window_days']} days of the "
        "range's end, the share you started, they started, or you set up together; a balance to notice, never a "
        f"score. A person shows once {d['needed']} of them say who started (log with --initiated me|them|mutual).",
    )
    if d["not_enough"]:
        n = d["not_enough"]
        v.caption += f" {n} {'person does' if n == 1 else 'people do'} not have enough yet."
    people = d["people"]
    if not people:
        v.empty = (
            f"Nobody has {d['needed']} one-to-one interactions that say who started them yet. "
            'Say it when you log: offscreen log "coffee" --with Sam --initiated them'
        )
        return v
    import plotly.graph_objects as go

    fig = go.Figure()
    names = [esc(p["name"]) for p in people]
    for key, label, colour in SIDES:
        fig.add_trace(
            go.Bar(
                y=names,
                x=[p["shares"][key] for p in people],
                customdata=[[p[key], p["recorded"], esc(p["said"])] for p in people],
                name=label,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}: "
                + label
                + " %{customdata[0]} of %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed", automargin=True)
    said = [p["said"] for p in people if p["one_sided"]]
    v.reading = " ".join(said[:3])
    v.figure = layout(fig, "", x_title="share of the latest one-to-one interactions", height=160 + 34 * len(people))
    return v


@register("fun")
def fun_view(d: dict, rng: Range) -> View:
    """Mean fun (1-5) per mode, and with routines against one-offs, with closeness in the hover."""
    v = View(
        title="Fun per mode, and with routines against one-offs (mean, 1-5)",
        caption=f"How much fun the interactions you rated were (log --fun 1-5), beside closeness: {d['source']}. "
        f"A bar needs {d['needed']} rated interactions.",
    )
    bars = [(m.replace("-", " "), g, MODE_COLORS[m]) for m, g in d["by_mode"].items()]
    bars += [("with routines", d["routines"], ROUTINE_COLOUR), ("one-offs", d["one_offs"], ONE_OFF_COLOUR)]
    shown = [b for b in bars if b[1]["fun_mean"] is not None]
    short = [f"{label} ({g['fun_rated']} rated)" for label, g, _ in bars if g["fun_mean"] is None and g["fun_rated"]]
    if short:
        v.caption += " Not enough yet: " + ", ".join(short) + "."
    if not shown:
        rated = d["one_offs"]["fun_rated"] + d["routines"]["fun_rated"]
        v.empty = (
            f"Needs {d['needed']} interactions with fun rated in one mode, have {rated} rated in all. "
            'Rate it when you log: offscreen log "climbing" --with Jo --for 2h --fun 5'
        )
        return v
    import plotly.graph_objects as go

    def closeness(g: dict) -> str:
        return "-" if g["closeness_mean"] is None else f"{g['closeness_mean']:.1f}/7"

    fig = go.Figure(
        go.Bar(
            x=[label for label, _, _ in shown],
            y=[g["fun_mean"] for _, g, _ in shown],
            customdata=[[g["fun_rated"], closeness(g)] for _, g, _ in shown],
            marker_color=[c for _, _, c in shown],
            hovertemplate="%{x}: fun %{y:.1f}/5 over %{customdata[0]} rated; closeness %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 5])
    best = max(shown, key=lambda b: b[1]["fun_mean"])
    v.reading = f"Most fun: {best[0]} ({best[1]['fun_mean']:.1f} of 5 over {best[1]['fun_rated']} rated)."
    v.figure = layout(fig, "mean fun (1-5)", height=380)
    return v
