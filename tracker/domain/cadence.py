"""Contact cadences: how long since you last saw someone, against how often you mean to.

Pure: every function takes the time as a parameter. Days are counted on LOCAL dates with days
starting at general.day_start_hour, so a dinner that ran past midnight belongs to the evening it
started, and a DST change never makes a day 23 or 25 "hours long" in the count.

Rules:
- ideal/max come from the person's every_days/max_days, else from config.cadence for their tier.
  With only every_days set, max is the tier's max when that is at least the ideal, else 2 x ideal.
  A person with neither a tier nor every_days has no cadence and is not listed.
- Counting starts when the last qualifying interaction HAPPENED (not when it was typed):
  in person by default, any mode when cadence_modes is 'any' (or a comma list of modes).
- Never met: counting starts on the day the person was added, so adding someone is not
  instantly "overdue"; `last_seen` is None and `never_met` is True.
- on-track if days_since <= ideal; late if ideal < days_since <= max; overdue if days_since > max.
- due_on: the local day the ideal gap is reached (the day counting started + ideal); late from the
  day after. "Most pressing first" is overdue first, then the earliest due_on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tracker.config import Cadence
from tracker.domain.times import Calendar

MODES = ("in-person", "video", "voice", "text")
STATUSES = ("on-track", "late", "overdue")


@dataclass(frozen=True)
class Due:
    person_id: int
    name: str
    ideal: int
    max: int
    last_seen: datetime | None  # aware; start of the last qualifying interaction
    never_met: bool
    days_since: int
    status: str
    due_on: date  # local day the ideal gap is reached; late from the day after


def qualifying_modes(cadence_modes: str | None) -> tuple[str, ...]:
    """Which interaction modes count for a person's cadence ('in-person' when unset)."""
    if not cadence_modes:
        return ("in-person",)
    if cadence_modes.strip() == "any":
        return MODES
    return tuple(m.strip() for m in cadence_modes.split(",") if m.strip() in MODES) or ("in-person",)


def cadence_for(
    tier: str | None, every_days: int | None, max_days: int | None, defaults: Cadence
) -> tuple[int, int] | None:
    """(ideal, max) days for a person, or None when they have no cadence."""
    tier_pair: tuple[int, int] | None = getattr(defaults, tier) if tier else None
    if every_days is not None:
        ideal = every_days
    elif tier_pair is not None:
        ideal = tier_pair[0]
    elif max_days is not None:
        return (max_days, max_days)
    else:
        return None
    if max_days is not None:
        mx = max_days
    elif tier_pair is not None and tier_pair[1] >= ideal:
        mx = tier_pair[1]
    else:
        mx = 2 * ideal
    return ideal, max(mx, ideal)


def status_for(days_since: int, ideal: int, mx: int) -> str:
    if days_since <= ideal:
        return "on-track"
    if days_since <= mx:
        return "late"
    return "overdue"


def due(
    person_id: int,
    name: str,
    *,
    tier: str | None,
    every_days: int | None,
    max_days: int | None,
    last_seen: datetime | None,
    added_at: datetime,
    now: datetime,
    defaults: Cadence,
    cal: Calendar,
) -> Due | None:
    """Due status of one person at NOW (aware datetimes), or None without a cadence."""
    pair = cadence_for(tier, every_days, max_days, defaults)
    if pair is None:
        return None
    ideal, mx = pair
    start = last_seen if last_seen is not None else added_at
    days = max(0, cal.days_between(start, now))
    # Counted from the same day as days_since (never later than today, as days_since is never negative).
    counted_from = cal.day_of(now) - timedelta(days=days)
    return Due(
        person_id,
        name,
        ideal,
        mx,
        last_seen,
        last_seen is None,
        days,
        status_for(days, ideal, mx),
        counted_from + timedelta(days=ideal),
    )


def sort_key(d: Due) -> tuple:
    """Most pressing first: overdue first, then by the day each became (or becomes) due."""
    return (d.status != "overdue", d.due_on, d.name.lower())
