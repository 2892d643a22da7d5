"""Routine periods, adherence and streaks with literal dates: month ends, leap years, and weeks
that contain the DST changes (Europe/Berlin 2026-03-29 and 2026-10-25)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.domain import streaks
from tracker.domain.times import Calendar

B = ZoneInfo("Europe/Berlin")


def test_monthly_periods_clamp_and_do_not_drift():
    got = [streaks.period_bounds("month", 1, date(2026, 1, 31), k) for k in range(4)]
    assert got == [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 2, 28), date(2026, 3, 31)),  # back to the 31st, not stuck on the 28th
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 4, 30), date(2026, 5, 31)),
    ]
    assert streaks.period_bounds("month", 1, date(2028, 1, 31), 1) == (date(2028, 2, 29), date(2028, 3, 31))
    assert streaks.period_bounds("month", 3, date(2026, 11, 30), 1) == (date(2027, 2, 28), date(2027, 5, 30))


@pytest.mark.parametrize(
    "day, k",
    [
        (date(2026, 1, 30), -1),
        (date(2026, 1, 31), 0),
        (date(2026, 2, 27), 0),
        (date(2026, 2, 28), 1),
        (date(2026, 3, 30), 1),
        (date(2026, 3, 31), 2),
        (date(2027, 1, 31), 12),
    ],
)
def test_month_period_index(day, k):
    assert streaks.period_index("month", 1, date(2026, 1, 31), day) == k


def test_weekly_periods_are_calendar_weeks_across_dst():
    # Started on a Wednesday: periods run Monday..Sunday; the DST weeks are 7 days like any other.
    assert streaks.period_bounds("week", 1, date(2026, 3, 18), 0) == (date(2026, 3, 16), date(2026, 3, 23))
    assert streaks.period_bounds("week", 1, date(2026, 3, 18), 1) == (date(2026, 3, 23), date(2026, 3, 30))
    assert streaks.period_index("week", 1, date(2026, 3, 18), date(2026, 3, 29)) == 1
    assert streaks.period_index("week", 1, date(2026, 3, 18), date(2026, 3, 30)) == 2
    assert streaks.period_bounds("week", 2, date(2026, 10, 19), 0) == (date(2026, 10, 19), date(2026, 11, 2))


def test_every_n_days():
    assert streaks.period_bounds("day", 10, date(2026, 2, 25), 0) == (date(2026, 2, 25), date(2026, 3, 7))
    assert streaks.period_index("day", 10, date(2026, 2, 25), date(2026, 3, 7)) == 1


def test_late_night_dinner_on_dst_night_counts_for_the_evening_before():
    # Friday dinner Saturday 2026-03-28 20:00 .. the clocks jump at 02:00 on Sunday. Logged as
    # starting 01:30 on Sunday, it still belongs to Saturday with 4 am days: inside that week.
    started = datetime(2026, 3, 29, 1, 30, tzinfo=B)
    assert Calendar(B, 4).day_of(started) == date(2026, 3, 28)
    assert Calendar(B, 4).day_of(datetime(2026, 10, 25, 2, 30, tzinfo=B, fold=1)) == date(2026, 10, 24)
    # A dinner Sunday night after the fall-back at 03:30 local: still Saturday's evening.
    s = streaks.summarize(
        "week",
        1,
        date(2026, 10, 12),
        date(2026, 10, 27),
        [Calendar(B, 4).day_of(datetime(2026, 10, 25, 3, 30, tzinfo=B))],
    )
    assert [p.status for p in s.periods] == ["missed", "held", "open"]


def test_summary_held_missed_skipped_and_streaks():
    start = date(2026, 1, 5)  # a Monday
    held = [
        date(2026, 1, 9),
        date(2026, 1, 16),
        date(2026, 1, 17),  # weeks 0, 1 (twice)
        date(2026, 1, 30),  # week 3 (week 2 is skipped)
        date(2026, 2, 13),  # week 5 (week 4 missed)
        date(2026, 2, 20),
        date(2026, 2, 27),
    ]  # weeks 6, 7
    s = streaks.summarize("week", 1, start, date(2026, 3, 4), held, {date(2026, 1, 19)})
    assert [p.status for p in s.periods] == [
        "held",
        "held",
        "skipped",
        "held",
        "missed",
        "held",
        "held",
        "held",
        "open",
    ]
    assert s.periods[1].held_count == 2
    assert (s.held, s.missed, s.skipped) == (6, 1, 1)
    assert s.adherence == pytest.approx(6 / 7)
    # The skipped week 2 neither broke nor extended the first run (3 held); the open week
    # doesn't break the current run.
    assert (s.current_streak, s.longest_streak) == (3, 3)


def test_missed_current_and_longest_differ():
    s = streaks.summarize(
        "day",
        1,
        date(2026, 2, 26),
        date(2026, 3, 3),
        [date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 2)],
    )
    # Feb 26, 27, 28 held, Mar 1 missed, Mar 2 held, Mar 3 (today) open.
    assert [p.status for p in s.periods] == ["held", "held", "held", "missed", "held", "open"]
    assert (s.current_streak, s.longest_streak) == (1, 3)


def test_nothing_decided_yet():
    s = streaks.summarize("month", 1, date(2026, 1, 31), date(2026, 2, 10), [])
    assert [p.status for p in s.periods] == ["open"]
    assert (s.adherence, s.current_streak, s.longest_streak) == (None, 0, 0)
    s = streaks.summarize("month", 1, date(2026, 1, 31), date(2026, 2, 10), [], {date(2026, 1, 31)})
    assert [p.status for p in s.periods] == ["skipped"]


def test_held_beats_skipped_and_out_of_range_days_are_ignored():
    s = streaks.summarize(
        "week",
        1,
        date(2026, 1, 5),
        date(2026, 1, 14),
        [date(2026, 1, 6), date(2025, 12, 1), date(2026, 2, 1)],
        {date(2026, 1, 5)},
    )
    assert [p.status for p in s.periods] == ["held", "open"]


@pytest.mark.parametrize(
    "today, on, expected",
    [
        (date(2026, 10, 21), 4, False),  # Wednesday, dinner planned Friday
        (date(2026, 10, 23), 4, True),  # Friday itself
        (date(2026, 10, 25), 4, True),  # Sunday (the DST day), still not held
        (date(2026, 10, 23), None, False),  # no planned day: 3 days left
        (date(2026, 10, 24), None, True),  # 2 days left
    ],
)
def test_at_risk(today, on, expected):
    s = streaks.summarize("week", 1, date(2026, 10, 19), today, [])
    assert streaks.at_risk(s, "week", on, today) is expected


def test_short_periods_are_never_at_risk():
    s = streaks.summarize("day", 3, date(2026, 10, 19), date(2026, 10, 21), [])
    assert s.periods[-1].status == "open" and streaks.at_risk(s, "day", None, date(2026, 10, 21)) is False
    s = streaks.summarize("day", 7, date(2026, 10, 19), date(2026, 10, 24), [])
    assert streaks.at_risk(s, "day", None, date(2026, 10, 24)) is True


def test_not_at_risk_once_held():
    s = streaks.summarize("week", 1, date(2026, 10, 19), date(2026, 10, 24), [date(2026, 10, 20)])
    assert streaks.at_risk(s, "week", 4, date(2026, 10, 24)) is False


def test_describe():
    assert streaks.describe("week", 1, 4) == "every week on fri"
    assert streaks.describe("day", 10, None) == "every 10 days"
    assert streaks.describe("month", 2, None) == "every 2 months"
