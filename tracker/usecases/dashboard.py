"""Library side of `offscreen dashboard`: the range asked for, every view's data, the page.

The store aggregates (tracker/store/dashboard.py), the practice rules say who is due and how each
routine's periods went (tracker/usecases/practice.py), and dashboards/ only draws what it is given.
plotly is imported only when the page is drawn: `offscreen --help` must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.config import Config
from tracker.domain import cadence, coverage
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar, from_storage, parse_range
from tracker.errors import UserError
from tracker.store import dashboard as queries
from tracker.usecases import practice

if TYPE_CHECKING:
    from dashboards.views import View

DEFAULT_DAYS = 90


@dataclass
class Page:
    html: str
    views: list[View]


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


def view_data(con, rng: Range) -> dict[str, dict]:
    """Every view's data, by view key (dashboards/report.py PAGE_ORDER)."""
    return {
        "screen-vs-f2f": queries.screen_vs_f2f(con, rng),
        "f2f-per-screen-hour": queries.f2f_per_screen_hour(con, rng),
        "categories-per-week": queries.categories_per_week(con, rng),
        "weekday-hour": queries.heatmap(con, rng),
        "people": people_status(con, rng),
        "friendship-hours": queries.friendship_hours(con, rng),
        "routines": routines(con, rng),
        "closeness": queries.closeness_points(con, rng),
        "mode-mix": queries.mode_mix(con, rng),
        "lagged": queries.lagged(con, rng),
        "loneliness-vs-f2f": queries.loneliness(con, rng),
        "courage-community": queries.courage(con, rng),
    }


def with_ratio(t: dict) -> dict:
    """TOTALS with the face-to-face minutes per screen hour, or None and why (`ratio_missing`):
    the ratio needs the tracked-days rule (tracker/domain/coverage.py) and some screen time."""
    why = coverage.missing(t["tracked_days"])
    ratio = None if why or t["screen_h"] <= 0 else round(t["f2f_h"] * 60 / t["screen_h"], 2)
    return {**t, "f2f_per_screen_hour_min": ratio, "ratio_missing": why}


def gather(con, rng: Range) -> tuple[dict[str, dict], dict]:
    """Every view's data and the header totals, from one connection."""
    return view_data(con, rng), with_ratio(queries.totals(con, rng))


def dashboard(app, since: str | None = None, until: str | None = None) -> Page:
    """The dashboard page for --since / --until, after draining the daemon's queue."""
    from dashboards import report

    now = app.now()
    rng = page_range(since, until, now, app.calendar, app.config)  # bad input fails before the store opens
    with app.store(drain=True) as con:
        if since is None:
            first = from_storage(queries.first_recorded(con))
            rng = page_range(since, until, now, app.calendar, app.config, first)
        data, totals = gather(con, rng)
    html, views = report.build_page(data, totals, rng)  # drawn after the connection is closed
    return Page(html, views)
