"""Routine periods, adherence and streaks. Pure: dates in, results out.

Everything works on LOCAL calendar dates (the caller maps instants to local days with
general.day_start_hour), so DST changes cannot stretch or shrink a period.

Periods:
- `day` (every N days): blocks of N days starting on the routine's start date.
- `week` (every N weeks): calendar weeks (Monday first); blocks of N weeks from the Monday of the
  start week. `--on fri` is the planned day inside each period (for display and "at risk").
- `month` (every N months): from the start date's day of month, clamped to short months and always
  computed from the start, so Jan 31 -> Feb 28 (Feb 29 in leap years) -> Mar 31 -> Apr 30.

Per period: `held` (at least one interaction logged for the routine in it), `skipped` (explicitly
skipped and not held), `missed` (over and neither), `open` (the current period, not held yet).
Adherence = held / (held + missed). A skipped period neither breaks nor extends a streak; an open
period does not break the current streak either (it can still be held).
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Period:
    start: date  # first local day
    end: date  # first local day AFTER the period
    status: str  # held | skipped | missed | open
    held_count: int = 0


@dataclass(frozen=True)
class Summary:
    periods: list[Period] = field(default_factory=list)
    held: int = 0
    missed: int = 0
    skipped: int = 0
    adherence: float | None = None  # held / (held + missed); None when nothing is decided yet
    current_streak: int = 0
    longest_streak: int = 0


def add_months(d: date, months: int, day: int | None = None) -> date:
    """D moved by MONTHS, on DAY (default d.day) clamped to the target month's length."""
    m0 = d.year * 12 + (d.month - 1) + months
    y, m = divmod(m0, 12)
    m += 1
    return date(y, m, min(day or d.day, calendar.monthrange(y, m)[1]))


def first_period_start(unit: str, starts_on: date) -> date:
    if unit == "week":
        return starts_on - timedelta(days=starts_on.weekday())
    return starts_on


def period_bounds(unit: str, every_n: int, starts_on: date, k: int) -> tuple[date, date]:
    """Start and end (exclusive) of the K-th period (k >= 0)."""
    anchor = first_period_start(unit, starts_on)
    if unit == "day":
        s = anchor + timedelta(days=k * every_n)
        return s, s + timedelta(days=every_n)
    if unit == "week":
        s = anchor + timedelta(days=7 * k * every_n)
        return s, s + timedelta(days=7 * every_n)
    if unit == "month":
        return add_months(anchor, k * every_n, anchor.day), add_months(anchor, (k + 1) * every_n, anchor.day)
    raise ValueError(f"unknown unit {unit!r}")


def period_index(unit: str, every_n: int, starts_on: date, day: date) -> int:
    """Index of the period containing DAY (-1 when DAY is before the first period)."""
    anchor = first_period_start(unit, starts_on)
    if day < anchor:
        return -1
    if unit == "day":
        return (day - anchor).days // every_n
    if unit == "week":
        return (day - anchor).days // (7 * every_n)
    months = (day.year - anchor.year) * 12 + day.month - anchor.month
    k = max(0, months // every_n)
    # The clamped start day can put DAY in the period before or after the month guess.
    while period_bounds(unit, every_n, starts_on, k)[0] > day:
        k -= 1
    while period_bounds(unit, every_n, starts_on, k)[1] <= day:
        k += 1
    return k


def periods(unit: str, every_n: int, starts_on: date, today: date) -> list[tuple[date, date]]:
    """All periods from the first up to and including the one containing TODAY."""
    last = period_index(unit, every_n, starts_on, today)
    return [period_bounds(unit, every_n, starts_on, k) for k in range(last + 1)]


def summarize(
    unit: str,
    every_n: int,
    starts_on: date,
    today: date,
    held_days: list[date],
    skipped_starts: Iterable[date] = (),
) -> Summary:
    """Classify every period up to TODAY and compute adherence and streaks."""
    bounds = periods(unit, every_n, starts_on, today)
    skipped_set = set(skipped_starts)
    out: list[Period] = []
    counts: dict[int, int] = {}
    starts = [s for s, _ in bounds]
    for d in held_days:
        k = bisect.bisect_right(starts, d) - 1  # periods are contiguous: find by start
        if 0 <= k < len(bounds) and d < bounds[k][1]:
            counts[k] = counts.get(k, 0) + 1
    for k, (s, e) in enumerate(bounds):
        n = counts.get(k, 0)
        if n:
            status = "held"
        elif s in skipped_set:
            status = "skipped"
        elif e > today:
            status = "open"
        else:
            status = "missed"
        out.append(Period(s, e, status, n))
    held = sum(p.status == "held" for p in out)
    missed = sum(p.status == "missed" for p in out)
    skipped = sum(p.status == "skipped" for p in out)
    longest = run = 0
    for p in out:
        if p.status == "held":
            run += 1
            longest = max(longest, run)
        elif p.status == "missed":
            run = 0
    current = 0
    for p in reversed(out):
        if p.status == "held":
            current += 1
        elif p.status == "missed":
            break
    return Summary(
        periods=out,
        held=held,
        missed=missed,
        skipped=skipped,
        adherence=(held / (held + missed)) if held + missed else None,
        current_streak=current,
        longest_streak=longest,
    )


def planned_day(unit: str, on_weekday: int | None, start: date, end: date) -> date | None:
    """The planned day (--on) inside a weekly period, if any."""
    if on_weekday is None or unit != "week":
        return None
    d = start + timedelta(days=(on_weekday - start.weekday()) % 7)
    return d if d < end else None


def at_risk(summary: Summary, unit: str, on_weekday: int | None, today: date) -> bool:
    """True when the current period is still open and about to be missed.

    About to be missed: its planned day (--on) is today or has passed, or, without one, at most
    one day (today and tomorrow) is left of the period. Periods shorter than a week are never
    "at risk": a daily habit would otherwise ask for the one nudge of every day.
    """
    if not summary.periods or summary.periods[-1].status != "open":
        return False
    cur = summary.periods[-1]
    if (cur.end - cur.start).days < 7:
        return False
    planned = planned_day(unit, on_weekday, cur.start, cur.end)
    if planned is not None:
        return today >= planned
    return (cur.end - today).days <= 2


def describe(unit: str, every_n: int, on_weekday: int | None) -> str:
    """'every week on fri', 'every 2 weeks', 'every 10 days', 'every month'."""
    base = f"every {unit}" if every_n == 1 else f"every {every_n} {unit}s"
    return base + (f" on {WEEKDAYS[on_weekday]}" if on_weekday is not None else "")
