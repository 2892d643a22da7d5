"""Library side of `offscreen report`: the dashboard's story as numbers, against the previous period.

The command renders it (text or JSON); here it is a plain dict.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from tracker.config import Config
from tracker.domain import coverage, fun
from tracker.domain.ranges import Range, bounded
from tracker.domain.times import Calendar, from_storage, parse_range
from tracker.errors import UserError
from tracker.store import dashboard as queries
from tracker.store import invitations as invites
from tracker.store.practice import checkin_trends
from tracker.usecases.dashboard import people_status, with_ratio

PERIODS = {"week": 7, "month": 30}


def ranges(period: str, now: datetime, cal: Calendar, config: Config) -> tuple[Range, Range]:
    """The last N local days (today included, up to now) and the N days before them."""
    n = PERIODS[period]
    today = cal.day_of(now)
    cur = Range.of(cal.day_start(today - timedelta(days=n - 1)), now, now, cal, config)
    prev = replace(cur, since_utc=cur.back(n).since_utc, until_utc=cur.since_utc)
    return cur, prev


def span(
    since: str,
    until: str | None,
    now: datetime,
    cal: Calendar,
    config: Config,
    first: datetime | None = None,
    bound: bool = False,
) -> tuple[Range, Range, int]:
    """`report --since D [--until D]`: those local days (up to now) and as many days before them;
    with BOUND, bounded by the data (FIRST: the first recorded instant, aware, None for nothing
    recorded) as the dashboard is (tracker.domain.ranges.bounded): `--since 1900-01-01` costs
    what the data costs."""
    lo, hi = parse_range(since, until, now, cal=cal)
    assert lo is not None
    if lo >= now:
        raise UserError(f"--since {since} is in the future; a report covers days that have begun")
    hi = now if hi is None else min(hi, now)
    if bound:
        lo, hi, _ = bounded(lo, hi, now, first, cal)
    cur = Range.of(lo, hi, now, cal, config)
    n = len(cur.days())
    prev = replace(cur, since_utc=cur.back(n).since_utc, until_utc=cur.since_utc)
    return cur, prev, n


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None or before <= 0 else round((now - before) / before * 100, 1)


def build(
    con,
    period: str,
    now: datetime,
    cal: Calendar,
    config: Config,
    since: str | None = None,
    until: str | None = None,
    me: str | None = None,
) -> dict:
    """The report for PERIOD ('week' or 'month') ending at NOW (aware), or for SINCE..UNTIL.

    The ratio follows the tracked-days rule (tracker/domain/coverage.py); changes are given only
    when both periods were tracked enough (`comparable`), never against days before tracking.
    A range shorter than the rule's days needs every one of its days tracked, in both.
    ME: this computer's host in the sync folder (None: syncing is off), for `machines`."""
    if since is not None:
        first = from_storage(queries.first_recorded(con))
        cur, prev, n = span(since, until, now, cal, config, first, bound=True)
        period = "range"
    else:
        cur, prev = ranges(period, now, cal, config)
        n = PERIODS[period]
    needed = min(coverage.MIN_TRACKED_DAYS, n)
    t_cur, t_prev = with_ratio(queries.totals(con, cur)), with_ratio(queries.totals(con, prev))
    comparable = coverage.comparable(t_cur["tracked_days"], t_prev["tracked_days"], needed)

    def change(key: str) -> float | None:
        return _change(t_cur[key], t_prev[key]) if comparable else None

    apps = queries.top_apps(con, cur)
    not_seen = [
        {k: p[k] for k in ("name", "days_since", "status", "max", "never_met")}
        for p in people_status(con, cur)["people"]
        if p["status"] in ("overdue", "late")
    ]

    def trends(r: Range) -> dict:
        t = checkin_trends(con, r.since_utc, r.until_utc, cal)
        return {k: t[k] for k in ("mood", "connected", "ucla3")}

    return {
        "period": period,
        "days": n,
        "first_day": cur.first_day.isoformat(),
        "last_day": cur.day_of(cur.until_utc - timedelta(microseconds=1)).isoformat(),
        "since": cal.iso(cur.since_utc),
        "until": cal.iso(cur.until_utc),
        "previous_since": cal.iso(prev.since_utc),
        "needed": needed,
        "comparable": comparable,
        "current": t_cur,
        "previous": t_prev,
        "change_pct": {k: change(k) for k in ("screen_h", "f2f_h", "f2f_per_screen_hour_min")},
        "top_apps": apps["apps"],
        "categories": apps["categories"][:5],
        "not_seen": not_seen,
        "checkins": {"current": trends(cur), "previous": trends(prev)},
        # Counted in the period each was made: made / received, and which got a yes (issue 18).
        "invitations": {
            "current": invites.counts(con, cur.since_utc, cur.until_utc),
            "previous": invites.counts(con, prev.since_utc, prev.until_utc),
        },
        "fun": fun.summary(queries.fun_rows(con, cur)),
        # Reported, not measured: its own figures, never part of screen_h (tracker/domain/phone.py).
        "phone": {
            "current": queries.phone_summary(con, cur, needed),
            "previous": queries.phone_summary(con, prev, needed),
        },
        # Several computers through a sync folder (issue 16); every figure above is this one's.
        "machines": machines(con, cur, me),
    }


def machines(con, rng: Range, me: str | None) -> dict | None:
    """Screen hours in RNG (up to now) of this computer (ME), of every other computer whose files
    were read, and of all of them together (time on two at once counted once); None when syncing
    is off or no other computer has been read."""
    from tracker.store import sync

    if me is None or not sync.has_others(con):
        return None
    got = sync.screen_per_bucket(con, [(rng.since_utc, rng.end_utc)], me)
    hosts = [
        {"host": h["host"], "name": h["name"], "label": h["label"], "screen_h": round(h["minutes"][0] / 60, 2)}
        for h in got["hosts"]
    ]
    union = got["union_minutes"][0] / 60
    both = sum(h["minutes"][0] for h in got["hosts"]) / 60 - union
    return {"hosts": hosts, "union_screen_h": round(union, 2), "overlap_h": round(both, 2)}


def report(app, period: str, since: str | None = None, until: str | None = None) -> dict:
    """The report for PERIOD (or SINCE..UNTIL) up to app.now(), after draining the daemon's queue."""
    now = app.now()
    if since is not None:
        span(since, until, now, app.calendar, app.config)  # bad dates fail before the drain writes
    me = None
    if app.config.sync.dir:
        from tracker.store.sync import host_identity

        me = host_identity(app.paths.state_dir).host
    with app.store(drain=True) as con:
        return build(con, period, now, app.calendar, app.config, since, until, me)
