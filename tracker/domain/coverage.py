"""How many days of a stretch were tracked, and whether that is enough to show a figure.

One rule for every figure drawn from screen time (the report, the dashboard header, every view):
it needs MIN_TRACKED_DAYS days on which the daemon recorded anything (active, idle, locked or
asleep); below that the figure says what is missing instead of printing a number computed from a
day or two. A comparison with an earlier period needs the rule to hold for both periods: a week
before tracking began is not "less screen time", it is no data.

Weeks are local Monday-to-Sunday weeks; a week with fewer than WEEK_DAYS days of data (the
current week, the first week of a range, a week the machine was off) is partial, and the weekly
views mark it so a short week never reads as a drop.
"""

from __future__ import annotations

from datetime import date, timedelta

MIN_TRACKED_DAYS = 7
WEEK_DAYS = 7
TRACKED_WHAT = "days with screen time recorded"
# Nobody counts as a new person until this many days after the first interaction was logged: in
# someone's first weeks of logging every friend is met "for the first time" by the tracker only.
NEW_PEOPLE_AFTER_DAYS = 28


def enough(tracked_days: int, needed: int = MIN_TRACKED_DAYS) -> bool:
    return tracked_days >= needed


def missing(tracked_days: int, needed: int = MIN_TRACKED_DAYS, what: str = TRACKED_WHAT) -> str | None:
    """None when TRACKED_DAYS are enough; otherwise the one wording every figure uses."""
    return None if enough(tracked_days, needed) else f"Needs {needed} {what}, have {tracked_days}."


def comparable(tracked_now: int, tracked_before: int, needed: int = MIN_TRACKED_DAYS) -> bool:
    """Whether a period may be compared with the one before: both were tracked enough."""
    return enough(tracked_now, needed) and enough(tracked_before, needed)


def week_of(day: date) -> date:
    """The Monday starting DAY's local week."""
    return day - timedelta(days=day.weekday())


def partial(days: int) -> bool:
    return days < WEEK_DAYS


def week_label(days: int) -> str:
    """Hover text for a week: '3 of 7 days' when partial, '' when whole."""
    return f"{days} of {WEEK_DAYS} days" if partial(days) else ""
