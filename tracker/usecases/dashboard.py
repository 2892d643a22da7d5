"""Library side of `offscreen dashboard`: the range asked for, every view's data, the page.

The store aggregates (tracker/store/dashboard.py), the practice rules say who is due and how each
routine's periods went (tracker/usecases/practice.py), and dashboards/ only draws what it is given.
plotly is imported only when the page is drawn: `offscreen --help` must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.config import Config
from tracker.domain import cadence, coverage, fun, reciprocity
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar, from_storage, parse_range
from tracker.errors import UserError
from tracker.store import dashboard as queries
from tracker.usecases import practice

if TYPE_CHECKING:
    from dashboards.views import View

DEFAULT_DAYS = 90
# Over this many days view 1 draws one bar per week: a year of daily bars is hairlines.
WEEKLY_AFTER_DAYS = 183


@dataclass
class Page:
    html: str
    views: list[View]
    note: str | None = None  # said to the user: the range was bounded by the data


def page_range(
    since: str | None,
    until: str | None,
    now: datetime,
    cal: Calendar,
    config: Config,
    first_data: datetime | None = None,
) -> Range:
    """--since / --until as a Range; without --since, the 90 local days before --until (or now),
    or from the day of FIRST_DATA (aware) when that is later: a page of a short history does not
    open on weeks in which nothing could have been recorded."""
    lo, hi = parse_range(since, until, now, cal=cal)
    if lo is None:
        end = (hi - timedelta(microseconds=1)) if hi else now
        lo = cal.day_start(cal.day_of(end) - timedelta(days=DEFAULT_DAYS - 1))
        if first_data is not None and lo < first_data <= end:
            lo = cal.day_start(cal.day_of(first_data))
    hi = hi or now
    if hi <= lo:
        raise UserError(f"--since ({since}) must be before now")
    return Range.of(lo, hi, now, cal, config)


def people_status(con, rng: Range) -> dict:
    """Days since each person's last qualifying contact at the end of the range (or now, if that
    is earlier): everyone with a cadence as `people due` has them, most pressing first, then the
    people without one (listed with the days since they last met, without status)."""
    ref = from_storage(rng.end_utc)
    assert ref is not None
    rows: list[dict[str, Any]] = [
        {
            "name": d.name,
            "last_seen": d.last_seen,
            "never_met": d.never_met,
            "days_since": d.days_since,
            "ideal": d.ideal,
            "max": d.max,
            "status": d.status,
        }
        for d in practice.people_due(con, ref, rng.calendar, rng.config)
    ]
    rest = []
    for p in queries.last_contacts_without_cadence(con, rng.end_utc):
        seen = [p["last"][m] for m in cadence.qualifying_modes(p["cadence_modes"]) if m in p["last"]]
        last = from_storage(max(seen)) if seen else None
        rest.append(
            {
                "name": p["name"],
                "last_seen": last,
                "never_met": last is None,
                "days_since": None if last is None else max(0, rng.calendar.days_between(last, ref)),
                "ideal": None,
                "max": None,
                "status": None,
            }
        )
    return {"people": rows + sorted(rest, key=lambda r: r["name"].lower())}


def routines(con, rng: Range) -> dict:
    """Each routine's periods that reach into the range, with adherence and streaks up to its end."""
    from tracker.store import practice as sp

    # The last instant inside the range: its local day is the routine's "today".
    now = from_storage(rng.end_utc - timedelta(microseconds=1))
    first = rng.first_day
    out = []
    for r in sp.list_routines(con):
        s = practice.routine_summary(con, r, now, rng.calendar)
        out.append(
            {
                "name": r["name"],
                "adherence": s.adherence,
                "current_streak": s.current_streak,
                "longest_streak": s.longest_streak,
                "periods": [(p.start.isoformat(), p.status) for p in s.periods if p.end > first],
            }
        )
    return {"routines": out}


def _mean(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def weekly(d: dict) -> dict:
    """View 1's daily data as local weeks (their Monday): the mean hours per day over the days of
    the week that have data, a 4-week mean for the lines, and how many days of each week have
    screen data (for the partial-week mark); a week without any tracked day has no screen bar."""
    weeks: dict[Any, list[int]] = {}
    for i, day in enumerate(d["day"]):
        weeks.setdefault(coverage.week_of(day), []).append(i)
    out: dict[str, Any] = {"day": list(weeks), "bucket": "week", "week_days": {}}
    for key in ("social_h", "other_h", "watching_h", "f2f_h"):
        out[key] = [_mean([d[key][i] for i in idx]) for idx in weeks.values()]
    out["tracked"] = [any(d["tracked"][i] for i in idx) for idx in weeks.values()]
    out["week_days"] = {str(w): sum(d["tracked"][i] for i in idx) for w, idx in weeks.items()}
    screen = [
        None if s is None else s + (o or 0) + (w or 0)
        for s, o, w in zip(out["social_h"], out["other_h"], out["watching_h"])
    ]
    for key, vals in (("screen_mean7_h", screen), ("f2f_mean7_h", out["f2f_h"])):
        out[key] = [None if v is None else _mean(vals[max(0, k - 3) : k + 1]) for k, v in enumerate(vals)]
    out["tracked_days"], out["interaction_days"] = d["tracked_days"], d["interaction_days"]
    if "phone_h" in d:
        for key in ("phone_h", "phone_social_h"):
            out[key] = [_mean([d[key][i] for i in idx]) for idx in weeks.values()]
        out["phone_week_days"] = {str(w): sum(d["phone_h"][i] is not None for i in idx) for w, idx in weeks.items()}
        out["phone_days"], out["phone_label"] = d["phone_days"], d["phone_label"]
    return out


def with_phone(d: dict, phone: dict) -> dict:
    """A screen-time view's daily data with the reported phone series beside it, day by day
    (tracker/store/dashboard.py phone_daily): its own keys, never added to the measured ones."""
    h = dict(zip(phone["day"], phone["phone_h"]))
    social = dict(zip(phone["day"], phone["phone_social_h"]))
    return {
        **d,
        "phone_h": [h.get(day) for day in d["day"]],
        "phone_social_h": [social.get(day) for day in d["day"]],
        "phone_days": phone["days_reported"],
        "phone_label": phone["label"],
    }


def phone_weeks(d: dict, phone: dict) -> dict:
    """View 3's data with the reported phone hours per local week (summed over its reported days,
    how many days that is per week beside it), apart from the categories' measured hours."""
    weeks: dict[str, list[float]] = {}
    for day, h in zip(phone["day"], phone["phone_h"]):
        if h is not None:
            weeks.setdefault(coverage.week_of(day).isoformat(), []).append(h)
    return {
        **d,
        "phone_week": list(weeks),
        "phone_h": [round(sum(v), 4) for v in weeks.values()],
        "phone_week_days": {w: len(v) for w, v in weeks.items()},
        "phone_days": phone["days_reported"],
        "phone_label": phone["label"],
    }


def top_apps(con, rng: Range) -> dict:
    """The page's top-apps list: the apps with the most active screen time in the range."""
    return queries.top_apps(con, rng)


def view_data(con, rng: Range) -> dict[str, dict]:
    """Every view's data, by view key (dashboards/report.py PAGE_ORDER)."""
    phone = queries.phone_daily(con, rng)
    daily = with_phone(queries.screen_vs_f2f(con, rng), phone)
    return {
        "screen-vs-f2f": weekly(daily) if len(daily["day"]) > WEEKLY_AFTER_DAYS else daily,
        "f2f-per-screen-hour": queries.f2f_per_screen_hour(con, rng),
        "categories-per-week": phone_weeks(queries.categories_per_week(con, rng), phone),
        "weekday-hour": queries.heatmap(con, rng),
        "people": people_status(con, rng),
        "friendship-hours": queries.friendship_hours(con, rng),
        "routines": routines(con, rng),
        "closeness": queries.closeness_points(con, rng),
        "mode-mix": queries.mode_mix(con, rng),
        "lagged": queries.lagged(con, rng),
        "loneliness-vs-f2f": queries.loneliness(con, rng),
        "courage-community": queries.courage(con, rng),
        "serve-and-return": serve_and_return(con, rng),
        "fun": fun.summary(queries.fun_rows(con, rng)),
    }


def serve_and_return(con, rng: Range) -> dict:
    """View 13: who started each person's latest one-to-one interactions, at the end of the range;
    the people with enough of them (tracker/domain/reciprocity.py) drawn, the others counted."""
    found = queries.latest_initiated(con, rng, last_n=reciprocity.LAST_N, window_days=reciprocity.WINDOW_DAYS)
    people = sorted(
        (reciprocity.balance(name, initiated) for name, initiated in found.values()),
        key=lambda b: (b.one_sided is None, b.name.casefold()),
    )
    return {
        "people": [{"name": b.name, **reciprocity.record(b)} for b in people if b.enough],
        "not_enough": sum(not b.enough for b in people),
        "needed": reciprocity.MIN_RECORDED,
        "last_n": reciprocity.LAST_N,
        "window_days": reciprocity.WINDOW_DAYS,
    }


def with_ratio(t: dict) -> dict:
    """TOTALS with the face-to-face minutes per screen hour, or None and why (`ratio_missing`):
    the ratio needs the tracked-days rule (tracker/domain/coverage.py) and some screen time."""
    why = coverage.missing(t["tracked_days"])
    ratio = None if why or t["screen_h"] <= 0 else round(t["f2f_h"] * 60 / t["screen_h"], 2)
    return {**t, "f2f_per_screen_hour_min": ratio, "ratio_missing": why}


def previous(rng: Range) -> Range:
    """The as many local days just before RNG: what the headline compares the range with."""
    n = len(rng.days())
    return replace(rng, since_utc=rng.back(n).since_utc, until_utc=rng.since_utc)


def machines(con, rng: Range, me: str) -> dict:
    """The per-computer view's data (issue 16): each local day's screen hours of this computer
    (ME), of every other computer whose files were read, and of all together (time on two at once
    counted once); a day that has not begun is None. Without another computer only how many there
    are (none), so a page with syncing on but nothing read costs no span query."""
    from tracker.store import sync

    if not sync.has_others(con):
        return {"others": 0}
    end = rng.end_utc
    days = [(d, s, min(e, end)) for d, s, e in rng.days()]
    begun = [s < end for _, s, _ in days]
    got = sync.screen_per_bucket(con, [(s, e) for (_, s, e), b in zip(days, begun) if b], me)

    def hours(minutes: list[float]) -> list[float | None]:
        it = iter(minutes)
        return [round(next(it) / 60, 4) if b else None for b in begun]

    return {
        "others": len(got["hosts"]) - 1,
        "day": [d for d, _, _ in days],
        "hosts": [{"host": h["host"], "label": h["label"], "hours": hours(h["minutes"])} for h in got["hosts"]],
        "union_h": hours(got["union_minutes"]),
    }


def gather(con, rng: Range, me: str | None = None) -> tuple[dict[str, dict], dict]:
    """Every view's data and the header totals (with the previous period's, and whether the two
    may be compared: both tracked enough, tracker/domain/coverage.py), from one connection.
    ME: this computer's host in the sync folder; None (syncing off) leaves the per-computer view out."""
    data = view_data(con, rng)
    if me is not None:
        data["machines"] = machines(con, rng, me)
    t = with_ratio(queries.totals(con, rng))
    t["top_apps"] = top_apps(con, rng)["apps"]
    # Last: the store's per-day cache holds one range, and every query above shares this one's.
    before = with_ratio(queries.totals(con, previous(rng)))
    t["previous"] = before
    t["comparable"] = coverage.comparable(t["tracked_days"], before["tracked_days"])
    return data, t


def dashboard(app, since: str | None = None, until: str | None = None) -> Page:
    """The dashboard page for --since / --until, after draining the daemon's queue."""
    from dashboards import report

    now = app.now()
    rng = page_range(since, until, now, app.calendar, app.config)  # bad input fails before the store opens
    note = None
    me = None
    if app.config.sync.dir:
        from tracker.store.sync import host_identity

        me = host_identity(app.paths.state_dir).host
    with app.store(drain=True) as con:
        first = from_storage(queries.first_recorded(con))
        if since is None:
            rng = page_range(since, until, now, app.calendar, app.config, first)
        rng, note = bounded(rng, since, first)
        data, totals = gather(con, rng, me)
    html, views = report.build_page(data, totals, rng)  # drawn after the connection is closed
    return Page(html, views, note)


def bounded(rng: Range, since: str | None, first: datetime | None) -> tuple[Range, str | None]:
    """RNG bounded by the data (tracker.domain.ranges.bounded), and what to tell the user if it was."""
    from tracker.domain.ranges import bounded as bound
    from tracker.domain.times import to_storage

    lo, hi, now = from_storage(rng.since_utc), from_storage(rng.until_utc), from_storage(rng.now_utc)
    assert lo is not None and hi is not None and now is not None
    new_lo, new_hi, moved = bound(lo, hi, now, first, rng.calendar)
    if since is None:  # the default range is bounded already (page_range): only its end may move
        new_lo, moved = lo, None
    out = replace(rng, since_utc=to_storage(new_lo), until_utc=to_storage(new_hi))
    if moved is None:
        return out, None
    if first is None:
        return out, f"Nothing is recorded yet: the page shows from {moved} instead of --since {since}."
    return out, f"Nothing is recorded before {moved}: the page starts there instead of at --since {since}."
