"""Time and duration parsing with literal datetimes (Europe/Berlin from conftest)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker.domain.times import Calendar, parse_bound, parse_duration, parse_range, parse_when
from tracker.errors import UserError

B = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 18, 0, tzinfo=B)
CAL = Calendar(B)  # midnight days
CAL4 = Calendar(B, 4)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("now", NOW),
        ("17:30", datetime(2026, 11, 26, 17, 30, tzinfo=B)),
        ("yesterday 19:00", datetime(2026, 11, 25, 19, 0, tzinfo=B)),
        ("2026-11-20 12:15", datetime(2026, 11, 20, 12, 15, tzinfo=B)),
        ("2026-11-20T12:15", datetime(2026, 11, 20, 12, 15, tzinfo=B)),
        ("2026-11-20T11:15:00+00:00", datetime(2026, 11, 20, 12, 15, tzinfo=B)),
        ("2h ago", NOW - timedelta(hours=2)),
        ("thu 12:00", datetime(2026, 11, 26, 12, 0, tzinfo=B)),
        ("thu 19:00", datetime(2026, 11, 19, 19, 0, tzinfo=B)),
        ("mon 09:00", datetime(2026, 11, 23, 9, 0, tzinfo=B)),
    ],
)
def test_parse_when(text, expected):
    assert parse_when(text, NOW, zone=B) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("thu 19:00", datetime(2026, 11, 26, 19, 0, tzinfo=B)),  # today, still ahead
        ("thu 12:00", datetime(2026, 12, 3, 12, 0, tzinfo=B)),  # today's is past: next week
        ("fri 19:00", datetime(2026, 11, 27, 19, 0, tzinfo=B)),
        ("mon 09:00", datetime(2026, 11, 30, 9, 0, tzinfo=B)),
        ("19:00", datetime(2026, 11, 26, 19, 0, tzinfo=B)),
        ("17:00", datetime(2026, 11, 27, 17, 0, tzinfo=B)),
        ("yesterday 19:00", datetime(2026, 11, 25, 19, 0, tzinfo=B)),  # said outright: as said
        ("2026-11-20 12:15", datetime(2026, 11, 20, 12, 15, tzinfo=B)),
    ],
)
def test_parse_when_ahead(text, expected):
    assert parse_when(text, NOW, zone=B, ahead=True) == expected


@pytest.mark.parametrize("text", ["2026-13-40 10:00", "25:00", "tomorrow", "", "19:00", "2027-01-01 10:00", "abc"])
def test_parse_when_rejects(text):
    with pytest.raises(UserError):
        parse_when(text, NOW, zone=B)


@pytest.mark.parametrize(
    "text, minutes", [("90m", 90), ("1h30m", 90), ("1.5h", 90), ("1:30", 90), ("2h", 120), ("45", 45)]
)
def test_parse_duration(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["abc", "-5m", "0m", "30h", "", "1:75", "24h1m"])
def test_parse_duration_rejects(text):
    with pytest.raises(UserError):
        parse_duration(text)


def test_bounds_and_day_start():
    assert parse_bound("2026-11-01", NOW, cal=CAL) == datetime(2026, 11, 1, tzinfo=B)
    assert parse_bound("2026-11-01", NOW, cal=CAL, end=True) == datetime(2026, 11, 2, tzinfo=B)
    assert parse_bound("7d", NOW, cal=CAL) == datetime(2026, 11, 19, tzinfo=B)
    assert parse_bound("yesterday", NOW, cal=CAL4) == datetime(2026, 11, 25, 4, tzinfo=B)
    # 2 am belongs to the evening before when days start at 4.
    assert str(CAL4.day_of(datetime(2026, 11, 26, 2, 0, tzinfo=B))) == "2026-11-25"
    with pytest.raises(UserError):
        parse_bound("2026-02-30", NOW, cal=CAL)
    with pytest.raises(UserError):
        parse_range("2026-11-10", "2026-11-01", NOW, cal=CAL)
    lo, hi = parse_range(None, None, NOW, cal=CAL, default_days=90)
    assert hi is None and lo == datetime(2026, 8, 29, tzinfo=ZoneInfo("Europe/Berlin"))


def test_dst_day_start():
    # 2026-03-29: Berlin springs forward; the local day still starts at local midnight.
    assert parse_bound("2026-03-29", NOW, cal=CAL, end=True) - parse_bound("2026-03-29", NOW, cal=CAL) == timedelta(
        hours=23
    )


def test_tomorrow_only_where_the_future_is_allowed():
    assert parse_when("tomorrow 07:00", NOW, zone=B, allow_future=True) == datetime(2026, 11, 27, 7, 0, tzinfo=B)
    with pytest.raises(UserError, match="in the future"):
        parse_when("tomorrow 07:00", NOW, zone=B)
