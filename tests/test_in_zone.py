"""times.in_zone with any tzinfo: the fixed-offset result it hands out never depends on a zone name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from tracker.domain.times import Calendar, in_zone


class NamelessZone(tzinfo):
    """A valid tzinfo whose tzname() is None (the datetime docs allow that)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=3)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_in_zone_accepts_a_zone_without_a_name():
    local = in_zone(datetime(2026, 1, 1, 21, 30, tzinfo=UTC), NamelessZone())
    assert local.isoformat() == "2026-01-02T00:30:00+03:00"
    assert local.utcoffset() == timedelta(hours=3)


def test_a_calendar_in_a_nameless_zone_draws_local_days():
    cal = Calendar(NamelessZone(), 4)
    start, end = cal.day_bounds(cal.day_of(datetime(2026, 1, 1, 21, 30, tzinfo=UTC)))
    assert (start.isoformat(), end.isoformat()) == ("2026-01-01T04:00:00+03:00", "2026-01-02T04:00:00+03:00")
