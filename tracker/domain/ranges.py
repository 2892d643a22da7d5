"""What a dashboard view or a report is asked about: a stretch of time on THE calendar.

The bounds are naive UTC, the storage convention, because the store compares them with stored
times; every local day is drawn by the `times.Calendar` the range carries, so the store and the
page never work out a zone themselves (SQL never sees a zone name: the zone may be one the C
library knows and DuckDB does not).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from tracker.config import Config
from tracker.domain.times import Calendar, from_storage, to_storage


@dataclass(frozen=True)
class Range:
    """A stretch of local days to show, and the "now" it is seen from."""

    since_utc: datetime  # naive UTC, inclusive
    until_utc: datetime  # naive UTC, exclusive
    now_utc: datetime  # naive UTC "now" (App.now()): days since a meeting, which days are complete
    calendar: Calendar
    config: Config = field(default_factory=Config)

    @classmethod
    def of(cls, since: datetime, until: datetime, now: datetime, calendar: Calendar, config: Config) -> Range:
        """A range from aware instants."""
        return cls(to_storage(since), to_storage(until), to_storage(now), calendar, config)

    @property
    def end_utc(self) -> datetime:
        """The end of what has happened in the range: its end, or now if that is earlier."""
        return min(self.until_utc, self.now_utc)

    def day_of(self, ts_utc: datetime) -> date:
        """The local day a naive-UTC instant belongs to."""
        return self.calendar.day_of(ts_utc)

    @property
    def first_day(self) -> date:
        return self.day_of(self.since_utc)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """Naive-UTC start and end (exclusive) of local DAY."""
        start, end = self.calendar.day_bounds(day)
        return to_storage(start), to_storage(end)

    def days(self) -> list[tuple[date, datetime, datetime]]:
        """Every local day touching the range, with naive-UTC bounds clipped to it."""
        since, until = from_storage(self.since_utc), from_storage(self.until_utc)
        assert since is not None and until is not None
        return [(d, to_storage(s), to_storage(e)) for d, s, e in self.calendar.days(since, until)]

    def back(self, days: int) -> Range:
        """The same range, starting DAYS local days earlier."""
        return replace(self, since_utc=self.day_bounds(self.first_day - timedelta(days=days))[0])
