"""Library side of `offscreen report`: the dashboard's story as numbers, against the previous period.

The command renders it (text or JSON); here it is a plain dict.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from tracker.config import Config
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import dashboard as queries
from tracker.store.practice import checkin_trends
from tracker.usecases.dashboard import people_status

PERIODS = {"week": 7, "month": 30}


def ranges(period: str, now: datetime, cal: Calendar, config: Config) -> tuple[Range, Range]:
    """The last N local days (today included, up to now) and the N days before them."""
    n = PERIODS[period]
    today = cal.day_of(now)
    cur = Range.of(cal.day_start(today - timedelta(days=n - 1)), now, now, cal, config)
    prev = replace(cur, since_utc=cur.back(n).since_utc, until_utc=cur.since_utc)
    return cur, prev


def _change(now: float, before: float) -> float | None:
    return None if before <= 0 else round((now - before) / before * 100, 1)


def build(con, period: str, now: datetime, cal: Calendar, config: Config) -> dict:
    """The report for PERIOD ('week' or 'month') ending at NOW (aware)."""
    cur, prev = ranges(period, now, cal, config)
    t_cur, t_prev = queries.totals(con, cur), queries.totals(con, prev)

    def ratio(t):  # face-to-face minutes per screen hour
        return None if t["screen_h"] <= 0 else round(t["f2f_h"] * 60 / t["screen_h"], 2)

    apps = queries.top_apps(con, cur)
    not_seen = [
        {k: p[k] for k in ("name", "days_since", "status", "max", "never_met")}
        for p in people_status(con, cur)["people"]
        if p["status"] in ("overdue", "late")
    ]
    r_cur, r_prev = ratio(t_cur), ratio(t_prev)

    def trends(r: Range) -> dict:
        t = checkin_trends(con, r.since_utc, r.until_utc, cal)
        return {k: t[k] for k in ("mood", "connected", "ucla3")}

    return {
        "period": period,
        "since": cal.iso(cur.since_utc),
        "until": cal.iso(cur.until_utc),
        "previous_since": cal.iso(prev.since_utc),
        "current": {**t_cur, "f2f_per_screen_hour_min": r_cur},
        "previous": {**t_prev, "f2f_per_screen_hour_min": r_prev},
        "change_pct": {
            "screen_h": _change(t_cur["screen_h"], t_prev["screen_h"]),
            "f2f_h": _change(t_cur["f2f_h"], t_prev["f2f_h"]),
            "f2f_per_screen_hour_min": _change(r_cur or 0, r_prev or 0) if r_prev else None,
        },
        "top_apps": apps["apps"],
        "categories": apps["categories"][:5],
        "not_seen": not_seen,
        "checkins": {"current": trends(cur), "previous": trends(prev)},
    }


def report(app, period: str) -> dict:
    """The report for PERIOD up to app.now(), after draining the daemon's queue."""
    with app.store(drain=True) as con:
        return build(con, period, app.now(), app.calendar, app.config)
