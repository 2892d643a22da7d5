"""Dashboard views 7, 11 and 12 (issue 6): routines, loneliness against face-to-face hours,
courage and community. Each aggregates in SQL (weeks on local days) and returns a small View.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboards.views import Range, View, esc, register

STATUS_COLOURS = {"held": "#2a9d8f", "missed": "#e76f51", "skipped": "#adb5bd", "open": "#f4d35e"}


def _local_expr(col: str, rng: Range) -> str:
    """SQL: the local (shifted) day of a naive-UTC column, for week buckets."""
    tz = rng.tz.replace("'", "")
    return f"(timezone('{tz}', {col} AT TIME ZONE 'UTC') - INTERVAL {int(rng.day_start_hour)} HOUR)::DATE"


def _today(rng: Range):
    from tracker.domain.times import local_day

    end = min(rng.until_utc, datetime.now(UTC).replace(tzinfo=None)) - timedelta(microseconds=1)
    return local_day(end.replace(tzinfo=UTC), rng.day_start_hour)


@register
def routines_view(con, rng: Range) -> View:
    """View 7: each routine's periods in the range (held / missed / skipped / open) with adherence."""
    from tracker.domain import streaks
    from tracker.domain.times import local_day
    from tracker.store import practice as sp

    v = View(
        key="routines",
        title="Connection routines: held or missed per period",
        caption="Each mark is one period of a routine; adherence = held / (held + missed), "
        "skipped periods don't count and never break a streak.",
    )
    today = _today(rng)
    first = local_day(rng.since_utc.replace(tzinfo=UTC), rng.day_start_hour)
    routines = []
    for r in sp.list_routines(con):
        held_rows = con.execute(
            f"""SELECT {_local_expr("happened_at", rng)} AS d, count(*) FROM interactions
                 WHERE routine_id = ? AND deleted_at IS NULL GROUP BY d""",
            [r["id"]],
        ).fetchall()
        held_days = [d for d, n in held_rows for _ in range(n) if d <= today]
        s = streaks.summarize(r["unit"], r["every_n"], r["starts_on"], today, held_days, sp.routine_skips(con, r["id"]))
        shown = [p for p in s.periods if p.end > first]
        routines.append(
            {
                "name": r["name"],
                "adherence": s.adherence,
                "current_streak": s.current_streak,
                "longest_streak": s.longest_streak,
                "periods": [(p.start.isoformat(), p.status) for p in shown],
            }
        )
    v.data = {"routines": routines}
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
    fig.update_layout(
        xaxis_title="period start",
        yaxis_title=None,
        height=200 + 40 * len(routines),
        margin={"l": 20, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.15},
    )
    v.figure = fig
    return v


@register
def loneliness_view(con, rng: Range) -> View:
    """View 11: weekly UCLA-3 loneliness score against weekly face-to-face (in-person) hours."""
    v = View(
        key="loneliness-vs-f2f",
        title="Loneliness score (UCLA-3, 3-9) and face-to-face hours per week",
        caption="Weekly three-item UCLA loneliness scale (Hughes et al. 2004; higher = lonelier) against "
        "hours spent with people in person; an association, not a cause.",
    )
    wk_i = f"date_trunc('week', {_local_expr('i.happened_at', rng)})::DATE"
    wk_c = f"date_trunc('week', {_local_expr('at_utc', rng)})::DATE"
    rows = con.execute(
        f"""WITH f AS (
              SELECT {wk_i} AS week, sum(i.duration_min) / 60.0 AS hours FROM interactions i
               WHERE i.deleted_at IS NULL AND i.mode = 'in-person' AND i.happened_at >= ? AND i.happened_at < ?
               GROUP BY week),
            l AS (
              SELECT {wk_c} AS week, avg(lack_companionship + left_out + isolated) AS ucla, count(*) AS n
                FROM checkins WHERE lack_companionship IS NOT NULL AND at_utc >= ? AND at_utc < ?
               GROUP BY week)
            SELECT coalesce(l.week, f.week) AS week, l.ucla, coalesce(f.hours, 0)
              FROM l FULL OUTER JOIN f ON f.week = l.week ORDER BY week""",
        [rng.since_utc, rng.until_utc, rng.since_utc, rng.until_utc],
    ).fetchall()
    weeks = [r[0].isoformat() for r in rows]
    ucla = [None if r[1] is None else round(float(r[1]), 2) for r in rows]
    hours = [round(float(r[2]), 2) for r in rows]
    v.data = {"weeks": weeks, "ucla3": ucla, "f2f_hours": hours}
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
            marker_color="#8ecae6",
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
    fig.update_layout(
        yaxis={"title": "hours in person", "rangemode": "tozero"},
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
        xaxis_title="week",
        legend={"orientation": "h", "y": 1.12},
        height=420,
        margin={"l": 20, "r": 20, "t": 40, "b": 40},
    )
    if answered < 4:
        v.caption += f" Only {answered} week(s) answered so far: too few to read a trend."
    v.figure = fig
    return v


@register
def courage_view(con, rng: Range) -> View:
    """View 12: per week, interactions I initiated, new people met, and group meetings (>= 3 people)."""
    v = View(
        key="courage-community",
        title="Courage and community per week (count)",
        caption="Interactions you started, people you met for the first time, and groups of 3 or more: "
        "talking to new people goes better than we predict (Epley & Schroeder 2014).",
    )
    wk = f"date_trunc('week', {_local_expr('happened_at', rng)})::DATE"
    rows = con.execute(
        f"""WITH i AS (
              SELECT id, happened_at, initiated,
                     (SELECT count(*) FROM interaction_people ip WHERE ip.interaction_id = interactions.id) AS npeople
                FROM interactions WHERE deleted_at IS NULL),
            firsts AS (
              SELECT ip.person_id, min(i.happened_at) AS happened_at
                FROM i JOIN interaction_people ip ON ip.interaction_id = i.id GROUP BY ip.person_id),
            a AS (
              SELECT {wk} AS week, count(*) FILTER (WHERE initiated = 'me') AS initiated,
                     count(*) FILTER (WHERE npeople >= 3) AS groups
                FROM i WHERE happened_at >= ? AND happened_at < ? GROUP BY week),
            n AS (
              SELECT {wk} AS week, count(*) AS new_people FROM firsts
               WHERE happened_at >= ? AND happened_at < ? GROUP BY week)
            SELECT coalesce(a.week, n.week) AS week, coalesce(a.initiated, 0), coalesce(n.new_people, 0),
                   coalesce(a.groups, 0)
              FROM a FULL OUTER JOIN n ON a.week = n.week ORDER BY week""",
        [rng.since_utc, rng.until_utc, rng.since_utc, rng.until_utc],
    ).fetchall()
    v.data = {
        "weeks": [r[0].isoformat() for r in rows],
        "initiated": [int(r[1]) for r in rows],
        "new_people": [int(r[2]) for r in rows],
        "groups": [int(r[3]) for r in rows],
    }
    if not rows:
        v.empty = 'No interactions in this range yet. Log one: offscreen log "coffee" --with Sam'
        return v
    import plotly.graph_objects as go

    fig = go.Figure()
    for key, label, colour in (
        ("initiated", "I reached out", "#f4a261"),
        ("new_people", "new people", "#2a9d8f"),
        ("groups", "groups of 3+", "#264653"),
    ):
        fig.add_trace(
            go.Bar(
                x=v.data["weeks"],
                y=v.data[key],
                name=label,
                marker_color=colour,
                hovertemplate="week of %{x}: %{y} " + label + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        xaxis_title="week",
        yaxis_title="count",
        legend={"orientation": "h", "y": 1.12},
        height=420,
        margin={"l": 20, "r": 20, "t": 40, "b": 40},
    )
    v.figure = fig
    return v
