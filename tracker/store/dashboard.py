"""DuckDB aggregations for the dashboard and `offscreen report`: small column dicts.

Local days and hours are exact and never need a zone name in SQL: the range's Calendar gives each
local day's (and hour's) start and end as naive UTC instants (DST-aware, days starting at
general.day_start_hour), and activity is summed into those buckets from the UTC quarter-hour
rollups (tracker/store/rollups.py: every local hour of a real zone is whole quarters of UTC; an
edge off a quarter, the range ending now, is clipped from the spans), so the cost is the range's,
not the history's, and a span crossing a day or hour boundary is split exactly (integer
microseconds).
Screen time is active use and watching (a video playing in front without input; issue 15), one
rule: tracker.domain.spans.screen_sql; view 1 shows watching as its own series. Face-to-face time
is the clock time of the union of live in-person interactions
(tracker.store.interactions.in_person_union): a group dinner, or one logged twice, counts once.
Nothing here returns raw rows: the page size must not grow with the data.
"View N" in a docstring is the view's place on the page (dashboards/report.py PAGE_ORDER).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from tracker.domain import cadence, coverage
from tracker.domain import phone as phones
from tracker.domain.categories import rules_for, sql_case
from tracker.domain.ranges import Range
from tracker.domain.spans import SCREEN_STATES, app_label, screen_sql
from tracker.store import rollups
from tracker.store.interactions import ends_at, in_person_union
from tracker.store.phone import between as phone_between

LAG_DAYS = 3  # in-person minutes on t..t+3
MIN_LAG_DAYS = 28
BASELINE_DAYS = 28


# --- calendar tables -------------------------------------------------------------------------


_DAYS: dict[tuple, list[tuple[date, datetime, datetime]]] = {}


def _days(rng: Range) -> list[tuple[date, datetime, datetime]]:
    """rng.days(), worked out once per range: the views of one page ask for it a dozen times, and
    each is a zone lookup per day (five years: 40 ms a time)."""
    key = (rng.since_utc, rng.until_utc, rng.calendar)
    if key not in _DAYS:
        if len(_DAYS) >= 8:
            _DAYS.clear()
        _DAYS[key] = rng.days()
    return _DAYS[key]


def hour_calendar(rng: Range) -> list[tuple[datetime, datetime, int, int]]:
    """(start, end, weekday of the local day, local clock hour) for every local hour of the range.

    The cells are local clock hours, not UTC hours: in a zone half an hour off UTC (India, +5:30)
    or 45 minutes (Nepal) a UTC hour would run from :30 to :30 on the clock and put 10:10 under
    9 o'clock. A DST change makes one cell shorter or longer, as the clock does.
    """
    out = []
    local = rng.calendar.local
    hour = timedelta(hours=1)
    for d, s, e in _days(rng):
        wd = d.weekday()
        # One zone lookup per day where the offset holds all day (every day but a change's).
        off = local(s).utcoffset()
        steady = off is not None and off == local(e).utcoffset()
        t = s
        while t < e:
            o = off if steady else local(t).utcoffset()
            wall = t + o if o is not None else t
            nxt = min(wall.replace(minute=0, second=0, microsecond=0) + hour - (wall - t), e)
            if nxt <= t:  # never stall (an offset change landing exactly here)
                nxt = min(t + hour, e)
            out.append((t, nxt, wd, wall.hour))
            t = nxt
    return out


def _temp(con, name: str, columns: str, rows: list[tuple]) -> None:
    """Create temp table NAME from Python rows: one list parameter per column, unnested together
    (20x faster than multi-row VALUES with thousands of parameters)."""
    cols = [c.strip().split() for c in columns.split(",")]
    if not rows:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        return
    select = ", ".join(f"unnest(${i + 1}::{typ}[]) AS {col}" for i, (col, typ) in enumerate(cols))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}", [list(c) for c in zip(*rows)])


def _cal(con, rng: Range) -> None:
    """Temp table cal(day, s, e): the range's local days, so SQL buckets by day without a zone."""
    _temp(con, "cal", "day DATE, s TIMESTAMP, e TIMESTAMP", _days(rng))


def _cols(cur) -> dict[str, list]:
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}


_BACK_DAYS = 7 + BASELINE_DAYS - 1  # the widest look-back any view needs (view 2)


def _case(con, rng: Range) -> tuple[str, tuple]:
    """The category CASE (on app_k, title_k) for RNG's rules, with the rollups made current for
    them, and what they stand for (rollups.ensure: changes whenever activity does)."""
    rules = rules_for(rng.config)
    return sql_case(rules, "app_k", "title_k"), rollups.ensure(con, rules)


def _day_agg(con, rng: Range) -> Range:
    """Build (once per connection, range, rules and activity contents) the temp tables
    day_agg(day, state, category, app_k, micros) of activity per local day for the range extended
    by _BACK_DAYS, and ext_cal for that calendar. Returns the extended range."""
    ext = rng.back(_BACK_DAYS)
    case, state = _case(con, ext)
    key = repr((ext.since_utc, ext.until_utc, ext.calendar, state))
    try:
        if con.execute("SELECT k FROM day_agg_key").fetchone()[0] == key:
            return ext
    except Exception:  # no cache table yet in this connection
        pass
    days = _days(ext)
    _temp(con, "ext_cal", "idx INTEGER, day DATE, s TIMESTAMP, e TIMESTAMP", [(i, *row) for i, row in enumerate(days)])
    rollups.bucket_sums(con, "day_sums", [(s, e, d) for d, s, e in days], "day DATE", case)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE day_agg AS
           SELECT day, state, category, coalesce(app, '') AS app_k, sum(micros)::BIGINT AS micros
           FROM day_sums GROUP BY ALL"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE day_agg_key AS SELECT ? AS k", [key])
    return ext


# --- daily screen and face-to-face -----------------------------------------------------------


def daily(con, rng: Range, back: int = 0) -> dict[str, list]:
    """Per local day (from BACK days before the range): screen minutes (social media / other),
    watching minutes (all, and those not in social media: view 1 stacks social, watching, other),
    in-person minutes, tracked (any activity recorded) or not."""
    _day_agg(con, rng)
    first = rng.first_day - timedelta(days=back)
    # The union of in-person time (overlapping logs count once), islands clipped to each day.
    islands = in_person_union(
        f"i.happened_at < (SELECT max(e) FROM ext_cal) AND {ends_at('i')} > (SELECT min(s) FROM ext_cal)"
    )
    cur = con.execute(
        f"""WITH scr AS (
          SELECT day, sum(micros) FILTER ({screen_sql()}) / 60e6 AS screen,
                 coalesce(sum(micros) FILTER ({screen_sql()} AND category = 'social media'), 0) / 60e6 AS social,
                 coalesce(sum(micros) FILTER (state = 'watching'), 0) / 60e6 AS watching,
                 coalesce(sum(micros) FILTER (state = 'watching' AND category <> 'social media'), 0) / 60e6
                   AS watching_other
          FROM day_agg GROUP BY day),
        f2f AS (
          SELECT c.day, sum(epoch(least(u.e, c.e) - greatest(u.s, c.s))) / 60.0 AS f2f
          FROM ext_cal c JOIN {islands} u ON u.s < c.e AND u.e > c.s GROUP BY c.day)
        SELECT c.day, coalesce(scr.screen, 0) AS screen_min, coalesce(scr.social, 0) AS social_min,
               coalesce(scr.screen, 0) - coalesce(scr.social, 0) - coalesce(scr.watching_other, 0) AS other_min,
               coalesce(scr.watching, 0) AS watching_min, coalesce(scr.watching_other, 0) AS watching_other_min,
               coalesce(f2f.f2f, 0) AS f2f_min, scr.day IS NOT NULL AS tracked
        FROM ext_cal c LEFT JOIN scr USING (day) LEFT JOIN f2f USING (day)
        WHERE c.day >= ? ORDER BY c.day""",
        [first],
    )
    out = _cols(cur)
    for k in ("screen_min", "social_min", "other_min", "watching_min", "watching_other_min", "f2f_min"):
        out[k] = [round(float(v), 4) for v in out[k]]
    return out


def _rolling_mean(values: list, window: int) -> list:
    out = []
    for i in range(len(values)):
        w = [v for v in values[max(0, i - window + 1) : i + 1] if v is not None]
        out.append(round(sum(w) / len(w), 4) if w else None)
    return out


def first_recorded(con) -> datetime | None:
    """When the first thing was recorded: the earliest activity span or (not deleted) interaction."""
    return con.execute(
        """SELECT least((SELECT min(start_utc) FROM activity),
                        (SELECT min(happened_at) FROM interactions WHERE deleted_at IS NULL))"""
    ).fetchone()[0]


def _interaction_days(con, first: date) -> set[date]:
    """The local days (of ext_cal, from FIRST) on which any interaction that is not deleted started."""
    rows = con.execute(
        """SELECT DISTINCT c.day FROM ext_cal c JOIN interactions i ON i.happened_at >= c.s AND i.happened_at < c.e
           WHERE i.deleted_at IS NULL AND c.day >= ?""",
        [first],
    ).fetchall()
    return {r[0] for r in rows}


def screen_vs_f2f(con, rng: Range) -> dict:
    """View 1: daily hours with 7-day means (the means also use the 6 days before the range).

    A day without screen tracking has no screen hours (None, a gap), not zero; its face-to-face
    hours are None too unless an interaction was logged on it or time with people reached into it
    (a night out past the day boundary). The means average the days that have a value."""
    d = daily(con, rng, back=6)
    logged = _interaction_days(con, d["day"][0]) if d["day"] else set()
    seen = [t or day in logged or m > 0 for day, t, m in zip(d["day"], d["tracked"], d["f2f_min"])]
    screen = [s / 60 if t else None for s, t in zip(d["screen_min"], d["tracked"])]
    f2f = [v / 60 if r else None for v, r in zip(d["f2f_min"], seen)]
    m_screen, m_f2f = _rolling_mean(screen, 7), _rolling_mean(f2f, 7)
    first = rng.first_day
    keep = [i for i, day in enumerate(d["day"]) if day >= first]

    def hours(key: str, i: int) -> float | None:
        return round(d[key][i] / 60, 4) if d["tracked"][i] else None

    return {
        "day": [d["day"][i] for i in keep],
        "social_h": [hours("social_min", i) for i in keep],
        "other_h": [hours("other_min", i) for i in keep],
        "watching_h": [hours("watching_other_min", i) for i in keep],  # social media's watching is in social_h
        "f2f_h": [None if (h := f2f[i]) is None else round(h, 4) for i in keep],
        # A mean is drawn on the days that have data, so its line breaks where the bars do.
        "screen_mean7_h": [m_screen[i] if screen[i] is not None else None for i in keep],
        "f2f_mean7_h": [m_f2f[i] if f2f[i] is not None else None for i in keep],
        "tracked": [bool(d["tracked"][i]) for i in keep],
        "tracked_days": sum(1 for i in keep if d["tracked"][i]),
        "interaction_days": sum(1 for i in keep if d["f2f_min"][i] > 0),
    }


def phone_daily(con, rng: Range) -> dict:
    """Phone screen time as the person reported it, per local day of the range: hours (None: no
    figure that day), of it social media, and which source counted (tracker/domain/phone.py).
    Its own series: nothing here is added to the measured screen time of `daily`."""
    days = [d for d, _, _ in _days(rng)]
    chosen = phones.pick(phone_between(con, days[0], days[-1])) if days else {}

    def hours(m: float | None) -> float | None:
        return None if m is None else round(m / 60, 4)

    return {
        "label": phones.label(d.source for d in chosen.values()),
        "day": days,
        "phone_h": [hours(chosen[d].minutes) if d in chosen else None for d in days],
        "phone_social_h": [hours(chosen[d].social_minutes) if d in chosen else None for d in days],
        "source": [chosen[d].source if d in chosen else None for d in days],
        "days_reported": len(chosen),
    }


def phone_summary(con, rng: Range, needed: int = coverage.MIN_TRACKED_DAYS) -> dict:
    """The range's reported phone time in figures (tracker.domain.phone.summary)."""
    days = [d for d, _, _ in _days(rng)]
    chosen = phones.pick(phone_between(con, days[0], days[-1])) if days else {}
    return phones.summary(chosen, len(days), needed)


def _week_days(con, rng: Range, *, tracked: bool) -> dict[str, int]:
    """Per local week (its Monday, ISO) how many of its days have data: days with screen
    tracking (TRACKED, for the screen views), or days of the range that have begun, from the first
    day anything was recorded (for the views of logged interactions)."""
    if tracked:
        d = daily(con, rng)
        days = [day for day, t in zip(d["day"], d["tracked"]) if t]
    else:
        first = first_recorded(con)
        if first is None:
            return {}
        lo = max(rng.first_day, rng.day_of(first))
        days = [day for day, s, _ in _days(rng) if day >= lo and s < rng.end_utc]
    out: dict[str, int] = {}
    for day in days:
        wk = coverage.week_of(day).isoformat()
        out[wk] = out.get(wk, 0) + 1
    return out


def f2f_per_screen_hour(con, rng: Range) -> dict:
    """View 2: in-person minutes per screen hour over the trailing 7 days (a point needs
    coverage.MIN_TRACKED_DAYS of them tracked, the one rule), against the ratio of the 28 days before
    those 7 (the person's own baseline; shown when >= 14 of them were tracked)."""
    d = daily(con, rng, back=_BACK_DAYS)
    first = rng.first_day
    n = len(d["day"])

    def ratio(lo: int, hi: int, min_tracked: int) -> float | None:
        lo = max(lo, 0)
        tracked = [i for i in range(lo, hi + 1) if d["tracked"][i]]
        screen_h = sum(d["screen_min"][i] for i in tracked) / 60
        if len(tracked) < min_tracked or screen_h <= 0:
            return None
        f2f = sum(d["f2f_min"][i] for i in range(lo, hi + 1))
        return round(f2f / screen_h, 4)

    days: list[date] = []
    ratio7: list[float | None] = []
    baseline: list[float | None] = []
    best = 0  # the most tracked days in any point's 7
    for i in range(n):
        if d["day"][i] < first:
            continue
        days.append(d["day"][i])
        best = max(best, sum(1 for j in range(max(i - 6, 0), i + 1) if d["tracked"][j]))
        ratio7.append(ratio(i - 6, i, coverage.MIN_TRACKED_DAYS) if i - 6 >= 0 else None)
        baseline.append(ratio(i - 6 - BASELINE_DAYS, i - 7, 14) if i - 6 - BASELINE_DAYS >= 0 else None)
    return {
        "day": days,
        "ratio7": ratio7,
        "baseline": baseline,
        "tracked_days": sum(1 for i in range(n) if d["day"][i] >= first and d["tracked"][i]),
        "needed": coverage.MIN_TRACKED_DAYS,
        "best_week_days": best,
    }


# --- categories per week ---------------------------------------------------------------------


def categories_per_week(con, rng: Range) -> dict:
    """View 3: screen hours per category per week (weeks start on Monday of the local day)."""
    _day_agg(con, rng)
    cur = con.execute(
        f"""SELECT CAST(day - CAST(isodow(day) - 1 AS INTEGER) AS DATE) AS week, category,
                  sum(micros) / 3.6e9 AS hours
           FROM day_agg WHERE {screen_sql()} AND day >= ? GROUP BY ALL ORDER BY week, category""",
        [rng.first_day],
    )
    out: dict[str, Any] = _cols(cur)
    out["hours"] = [round(float(h), 4) for h in out["hours"]]
    out["week_days"] = _week_days(con, rng, tracked=True)
    return out


def top_apps(con, rng: Range, limit: int = 5) -> dict:
    """Screen hours per app (and per category) in the range, largest first."""
    _day_agg(con, rng)
    rows = con.execute(
        f"""SELECT app_k, category, sum(micros) / 3.6e9 AS hours FROM day_agg
           WHERE {screen_sql()} AND day >= ? GROUP BY ALL ORDER BY hours DESC, app_k""",
        [rng.first_day],
    ).fetchall()
    apps: dict[str, float] = {}
    cats: dict[str, float] = {}
    for app, cat, h in rows:
        apps[app] = apps.get(app, 0) + h
        cats[cat] = cats.get(cat, 0) + h
    return {
        "apps": [
            {"app": app_label(a or None), "hours": round(h, 2)}
            for a, h in sorted(apps.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        ],
        "categories": [
            {"category": c, "hours": round(h, 2)} for c, h in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


# --- weekday x hour --------------------------------------------------------------------------


def heatmap(con, rng: Range) -> dict:
    """View 4: mean screen minutes per (weekday, local hour) over tracked days of that weekday,
    and how many in-person meetings and calls (video, voice) started in each cell; text is left
    out, it would cover every cell."""
    _day_agg(con, rng)
    first = rng.first_day
    per_wd = [0] * 7
    for (d,) in con.execute("SELECT DISTINCT day FROM day_agg WHERE day >= ?", [first]).fetchall():
        per_wd[d.weekday()] += 1
    hours = hour_calendar(rng)
    _temp(
        con,
        "hcal",
        "idx INTEGER, s TIMESTAMP, e TIMESTAMP, wd INTEGER, hr INTEGER",
        [(i, *h) for i, h in enumerate(hours)],
    )
    rollups.bucket_sums(con, "hour_sums", hours, "wd INTEGER, hr INTEGER", _case(con, rng)[0], SCREEN_STATES)
    minutes = [[0.0] * 24 for _ in range(7)]
    for wd, hr, micros in con.execute("SELECT wd, hr, sum(micros) FROM hour_sums GROUP BY ALL").fetchall():
        minutes[wd][hr] += micros / 60e6
    mean = [[round(minutes[w][h] / per_wd[w], 4) if per_wd[w] else None for h in range(24)] for w in range(7)]
    starts = {"in-person": [[0] * 24 for _ in range(7)], "call": [[0] * 24 for _ in range(7)]}
    for wd, hr, mode, n in con.execute(
        """SELECT h.wd, h.hr, i.mode, count(*) FROM hcal h JOIN interactions i
             ON i.happened_at >= h.s AND i.happened_at < h.e
           WHERE i.deleted_at IS NULL AND i.mode <> 'text' GROUP BY ALL"""
    ).fetchall():
        starts["in-person" if mode == "in-person" else "call"][wd][hr] += n
    return {
        "mean_min": mean,
        "tracked_per_weekday": per_wd,
        "tracked_days": sum(per_wd),
        "starts": starts,
        "hour_order": [(rng.calendar.day_start_hour + k) % 24 for k in range(24)],
    }


# --- people ----------------------------------------------------------------------------------


def last_contacts_without_cadence(con, ref_utc: datetime) -> list[dict]:
    """People with no tier and no gaps of their own (`people due` leaves them out), each with the
    start of their last interaction in each mode up to REF_UTC, people merged into them included."""
    rows = con.execute(
        """WITH last AS (
             SELECT p.id AS pid, i.mode, max(i.happened_at) AS at
               FROM people p JOIN people m ON m.id = p.id OR m.merged_into = p.id
               JOIN interaction_people ip ON ip.person_id = m.id
               JOIN interactions i ON i.id = ip.interaction_id
              WHERE p.merged_into IS NULL AND i.deleted_at IS NULL AND i.happened_at <= ? GROUP BY ALL)
           SELECT p.name, p.cadence_modes, list(struct_pack(mode := last.mode, at := last.at))
                  FILTER (last.mode IS NOT NULL)
             FROM people p LEFT JOIN last ON last.pid = p.id
            WHERE p.merged_into IS NULL AND p.tier IS NULL AND p.every_days IS NULL AND p.max_days IS NULL
            GROUP BY p.id, p.name, p.cadence_modes""",
        [ref_utc],
    ).fetchall()
    return [{"name": n, "cadence_modes": m, "last": {x["mode"]: x["at"] for x in last or []}} for n, m, last in rows]


def friendship_hours(con, rng: Range, top: int = 12) -> dict:
    """View 6: cumulative LEISURE in-person hours per person (work=false), all history up to the
    end of the range; series points inside the range, top people by total. Hours are the clock
    time of the union of that person's leisure in-person interactions (a stretch logged twice
    counts once), a point at the start of each stretch, which counts up to the end of the range."""
    ref = rng.end_utc
    islands = in_person_union("NOT i.work AND i.happened_at <= ?", per_person=True)
    cur = con.execute(
        f"""WITH x AS (
             SELECT p.name, u.s AS happened_at, epoch(least(u.e, ?::TIMESTAMP) - u.s) / 3600.0 AS h
             FROM {islands} u JOIN people p ON p.id = u.person_id
             WHERE p.merged_into IS NULL),
           c AS (SELECT name, happened_at, sum(h) OVER (PARTITION BY name ORDER BY happened_at
                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum FROM x)
           SELECT name, happened_at, cum FROM c ORDER BY name, happened_at""",
        [ref, ref],
    )
    series: dict[str, dict] = {}
    for name, ts, cum in cur.fetchall():
        s = series.setdefault(name, {"at": [], "cum_h": [], "before": 0.0, "total": 0.0})
        if ts < rng.since_utc:
            s["before"] = round(cum, 4)
        else:
            s["at"].append(ts)
            s["cum_h"].append(round(cum, 4))
        s["total"] = round(cum, 4)
    names = sorted(series, key=lambda n: (-series[n]["total"], n.lower()))[:top]
    return {"people": names, "series": {n: series[n] for n in names}, "since": rng.since_utc, "until": ref}


# --- interactions ----------------------------------------------------------------------------


def closeness_points(con, rng: Range) -> dict:
    """View 8: (duration, closeness) of each rated interaction in range, by mode."""
    cur = con.execute(
        """SELECT i.mode, i.duration_min, i.closeness, i.summary, i.note,
                  list(p.name ORDER BY p.name) FILTER (p.name IS NOT NULL) AS people
           FROM interactions i LEFT JOIN interaction_people ip ON ip.interaction_id = i.id
           LEFT JOIN people p ON p.id = ip.person_id
           WHERE i.deleted_at IS NULL AND i.closeness IS NOT NULL AND i.happened_at >= ? AND i.happened_at < ?
           GROUP BY i.id, i.mode, i.duration_min, i.closeness, i.summary, i.note, i.happened_at
           ORDER BY i.happened_at""",
        [rng.since_utc, rng.until_utc],
    )
    out: dict[str, dict[str, list[object]]] = {
        m: {"duration_min": [], "closeness": [], "summary": [], "note": [], "people": []} for m in cadence.MODES
    }
    for mode, dur, cl, summary, note, people in cur.fetchall():
        o = out[mode]
        o["duration_min"].append(float(dur))
        o["closeness"].append(int(cl))
        o["summary"].append(summary)
        o["note"].append(note)
        o["people"].append(people or [])
    return out


def mode_mix(con, rng: Range) -> dict:
    """View 9: hours per mode per week (by the local day each interaction started). In-person hours
    are clock time, the union of in-person intervals clipped to the week (as everywhere else), so two
    logs of one evening count once; other modes sum their durations."""
    _cal(con, rng)
    cur = con.execute(
        f"""WITH {_WEEKS},
            f AS (
              SELECT wk.week, sum(epoch(least(u.e, wk.e) - greatest(u.s, wk.s))) / 3600.0 AS hours
                FROM wk JOIN {in_person_union()} u ON u.s < wk.e AND u.e > wk.s GROUP BY wk.week),
            m AS (
              SELECT CAST(c.day - CAST(isodow(c.day) - 1 AS INTEGER) AS DATE) AS week, i.mode,
                     sum(i.duration_min) / 60.0 AS hours, count(*) AS n
                FROM cal c JOIN interactions i ON i.happened_at >= c.s AND i.happened_at < c.e
               WHERE i.deleted_at IS NULL GROUP BY ALL)
           SELECT week, mode, n, hours FROM m WHERE mode <> 'in-person'
           UNION ALL
           -- In person: every week with in-person clock time, also one a night out only reached into.
           SELECT coalesce(f.week, m.week), 'in-person', coalesce(m.n, 0), coalesce(f.hours, 0)
             FROM f FULL JOIN (SELECT * FROM m WHERE mode = 'in-person') m ON m.week = f.week
           ORDER BY 1, 2"""
    )
    out: dict[str, Any] = _cols(cur)
    out["hours"] = [round(float(h), 4) for h in out["hours"]]
    out["week_days"] = _week_days(con, rng, tracked=False)
    return out


# --- loneliness, courage and community ----------------------------------------------------------

# The local weeks (Monday to Sunday of local days) of the range, from the temp table cal.
_WEEKS = "wk AS (SELECT CAST(day - CAST(isodow(day) - 1 AS INTEGER) AS DATE) AS week, s, e FROM cal)"


def loneliness(con, rng: Range) -> dict:
    """View 11: per local week, the mean UCLA-3 score (3-9) of the weekly check-ins answered in it,
    and the hours spent in person (the union of in-person time, clipped to the week)."""
    _cal(con, rng)
    rows = con.execute(
        f"""WITH {_WEEKS},
            f AS (
              SELECT wk.week, sum(epoch(least(u.e, wk.e) - greatest(u.s, wk.s))) / 3600.0 AS hours
                FROM wk JOIN {in_person_union()} u ON u.s < wk.e AND u.e > wk.s GROUP BY wk.week),
            l AS (
              SELECT wk.week, avg(c.lack_companionship + c.left_out + c.isolated) AS ucla
                FROM wk JOIN checkins c ON c.at_utc >= wk.s AND c.at_utc < wk.e
               WHERE c.lack_companionship IS NOT NULL GROUP BY wk.week)
            SELECT coalesce(l.week, f.week) AS week, l.ucla, coalesce(f.hours, 0)
              FROM l FULL OUTER JOIN f ON f.week = l.week ORDER BY week"""
    ).fetchall()
    return {
        "weeks": [r[0].isoformat() for r in rows],
        "ucla3": [None if r[1] is None else round(float(r[1]), 2) for r in rows],
        "f2f_hours": [round(float(r[2]), 2) for r in rows],
        "week_days": _week_days(con, rng, tracked=False),
    }


def new_people_from(con) -> datetime | None:
    """From when a first meeting counts as meeting someone new: coverage.NEW_PEOPLE_AFTER_DAYS
    after the first interaction was logged (typed, or imported with its logged time). Demo rows
    mixed into your database do not start your history; a database of demo data alone uses its own."""
    first = con.execute(
        """SELECT coalesce(min(logged_at) FILTER (source <> 'demo'), min(logged_at))
             FROM interactions WHERE deleted_at IS NULL"""
    ).fetchone()[0]
    return None if first is None else first + timedelta(days=coverage.NEW_PEOPLE_AFTER_DAYS)


def courage(con, rng: Range) -> dict:
    """View 12: per local week, interactions I started, people met in person for the first time
    ever (from new_people_from on: before that a first meeting is only a first log), and group
    meetings (3 or more people); and the invitations of the weeks, against the person's own usual
    (_with_invitations). People merged into someone count as that person."""
    _cal(con, rng)
    since = new_people_from(con)
    rows = con.execute(
        f"""WITH {_WEEKS},
            i AS (
              SELECT id, happened_at, initiated, mode,
                     (SELECT count(*) FROM interaction_people ip WHERE ip.interaction_id = interactions.id) AS npeople
                FROM interactions WHERE deleted_at IS NULL),
            firsts AS (
              SELECT coalesce(p.merged_into, p.id) AS person_id, min(i.happened_at) AS happened_at
                FROM i JOIN interaction_people ip ON ip.interaction_id = i.id JOIN people p ON p.id = ip.person_id
               WHERE i.mode = 'in-person' GROUP BY ALL),
            a AS (
              SELECT wk.week, count(*) FILTER (WHERE i.initiated = 'me') AS initiated,
                     count(*) FILTER (WHERE i.npeople >= 3) AS groups
                FROM wk JOIN i ON i.happened_at >= wk.s AND i.happened_at < wk.e GROUP BY wk.week),
            n AS (
              SELECT wk.week, count(*) FILTER (WHERE f.happened_at >= $since) AS new_people
                FROM wk JOIN firsts f ON f.happened_at >= wk.s AND f.happened_at < wk.e GROUP BY wk.week)
            SELECT coalesce(a.week, n.week) AS week, coalesce(a.initiated, 0), coalesce(n.new_people, 0),
                   coalesce(a.groups, 0)
              FROM a FULL OUTER JOIN n ON a.week = n.week ORDER BY week""",
        {"since": since},
    ).fetchall()
    out: dict[str, Any] = {
        "weeks": [r[0] for r in rows],
        "initiated": [int(r[1]) for r in rows],
        "new_people": [int(r[2]) for r in rows],
        "groups": [int(r[3]) for r in rows],
    }
    _with_invitations(con, rng, out)
    out["weeks"] = [w.isoformat() for w in out["weeks"]]
    out["week_days"] = _week_days(con, rng, tracked=False)
    out["new_from"] = None if since is None else rng.calendar.iso(since)
    return out


USUAL_WEEKS = 4  # the person's own baseline in view 12: the weeks just before each week


def _with_invitations(con, rng: Range, out: dict[str, Any]) -> None:
    """View 12's invitations (issue 18), per local week, in OUT (its weeks joined by the weeks
    invitations were made in): invited (you gave), they_accepted (of those), received,
    you_accepted (of those); and reach_usual, the person's own baseline: the mean per week of
    times they reached out (interactions they started and invitations they made) over the
    USUAL_WEEKS weeks before, None until their history covers those weeks. Never a score."""
    from tracker.store import invitations as invites

    cal = rng.calendar

    def bounds(week: date) -> tuple[datetime, datetime]:
        return rng.day_bounds(week)[0], rng.day_bounds(week + timedelta(days=7))[0]

    made = [
        r[0]
        for r in con.execute(
            "SELECT made_at FROM invitations WHERE made_at >= ? AND made_at < ?", [rng.since_utc, rng.until_utc]
        ).fetchall()
    ]
    weeks = sorted(set(out["weeks"]) | {coverage.week_of(cal.day_of(m)) for m in made})
    old = dict(zip(out["weeks"], zip(out["initiated"], out["new_people"], out["groups"])))
    out["weeks"] = weeks
    for n, key in enumerate(("initiated", "new_people", "groups")):
        out[key] = [old.get(w, (0, 0, 0))[n] for w in weeks]
    per = invites.weekly(con, [(w, max(bounds(w)[0], rng.since_utc), min(bounds(w)[1], rng.until_utc)) for w in weeks])
    for key in ("invited", "they_accepted", "received", "you_accepted"):
        out[key] = [per[w][key] for w in weeks]
    first = invites.first_reach(con)
    windows = [(bounds(w - timedelta(days=7 * USUAL_WEEKS))[0], bounds(w)[0]) for w in weeks]
    counted = iter(invites.reaching_out_many(con, [x for x in windows if first is not None and first <= x[0]]))
    out["reach_usual"] = [
        None if first is None or first > lo else round(next(counted) / USUAL_WEEKS, 2) for lo, _ in windows
    ]
    out["usual_weeks"] = USUAL_WEEKS


# --- lagged association ----------------------------------------------------------------------


def pearson_ci(xs: list[float], ys: list[float]) -> dict | None:
    """Pearson r with a 95 % CI (Fisher z); None when undefined (n < 4 or no variation)."""
    n = len(xs)
    if n < 4:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    r = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)
    r = max(-1.0, min(1.0, r))
    z = math.atanh(max(-0.999999, min(0.999999, r)))
    se = 1 / math.sqrt(n - 3)
    return {
        "n": n,
        "r": round(r, 4),
        "lo": round(math.tanh(z - 1.96 * se), 4),
        "hi": round(math.tanh(z + 1.96 * se), 4),
    }


def _center_by_weekday(values: list[float], weekdays: list[int]) -> list[float]:
    sums: dict[int, list[float]] = {}
    for v, w in zip(values, weekdays):
        sums.setdefault(w, []).append(v)
    means = {w: sum(v) / len(v) for w, v in sums.items()}
    return [v - means[w] for v, w in zip(values, weekdays)]


def lagged(con, rng: Range) -> dict:
    """View 10: screen (and social-media) minutes on tracked day t against in-person minutes on
    t..t+3, both centred on their weekday means (so 'weekends have more of both' is not counted);
    days whose t+3 has not ended yet are left out."""
    d = daily(con, rng)
    ref = rng.end_utc
    days = d["day"]
    complete = [rng.day_bounds(day)[1] <= ref for day in days]
    idx = [i for i in range(len(days) - LAG_DAYS) if d["tracked"][i] and complete[i + LAG_DAYS]]
    out: dict[str, int | dict | None] = {"n_days": len(idx), "needed": MIN_LAG_DAYS, "screen": None, "social": None}
    if len(idx) < MIN_LAG_DAYS:
        return out
    wds = [days[i].weekday() for i in idx]
    y = _center_by_weekday([sum(d["f2f_min"][i : i + LAG_DAYS + 1]) for i in idx], wds)
    out["screen"] = pearson_ci(_center_by_weekday([d["screen_min"][i] for i in idx], wds), y)
    out["social"] = pearson_ci(_center_by_weekday([d["social_min"][i] for i in idx], wds), y)
    return out


def totals(con, rng: Range) -> dict:
    """Header numbers: screen hours, in-person hours, interactions, people met in person."""
    d = daily(con, rng)
    row = con.execute(
        """SELECT count(DISTINCT i.id), count(DISTINCT ip.person_id) FILTER (i.mode = 'in-person')
           FROM interactions i LEFT JOIN interaction_people ip ON ip.interaction_id = i.id
           WHERE i.deleted_at IS NULL AND i.happened_at >= ? AND i.happened_at < ?""",
        [rng.since_utc, rng.until_utc],
    ).fetchone()
    return {
        "screen_h": round(sum(d["screen_min"]) / 60, 2),
        "social_h": round(sum(d["social_min"]) / 60, 2),
        "watching_h": round(sum(d["watching_min"]) / 60, 2),  # part of screen_h
        "f2f_h": round(sum(d["f2f_min"]) / 60, 2),
        "interactions": row[0],
        "people_in_person": row[1],
        "days": len(d["day"]),
        "tracked_days": sum(d["tracked"]),
    }


# --- fun and serve and return (issue 18) -------------------------------------------------------


def fun_rows(con, rng: Range) -> list[tuple]:
    """Per mode and part-of-a-routine or not, the live interactions starting in range: how many,
    how many with fun rated and its sum, how many with closeness rated and its sum
    (tracker.domain.fun.Row)."""
    return [
        (mode, bool(routine), int(n), int(fn), int(fs or 0), int(cn), int(cs or 0))
        for mode, routine, n, fn, fs, cn, cs in con.execute(
            """SELECT mode, routine_id IS NOT NULL, count(*), count(fun), sum(fun), count(closeness), sum(closeness)
                 FROM interactions WHERE deleted_at IS NULL AND happened_at >= ? AND happened_at < ?
                GROUP BY ALL ORDER BY ALL""",
            [rng.since_utc, rng.until_utc],
        ).fetchall()
    ]


def latest_initiated(con, rng: Range, *, last_n: int, window_days: int) -> dict[int, tuple[str, list[str | None]]]:
    """Who started each person's latest one-to-one interactions up to the end of the range
    (tracker.store.reciprocity.latest_initiated)."""
    from tracker.store.reciprocity import latest_initiated as latest

    return latest(con, rng.end_utc, last_n=last_n, window_days=window_days)
