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
from tracker.domain.times import EARLIEST, Calendar, from_storage, to_storage


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


# A --since this many local days or more before the first recorded day starts at that day instead:
# every day of a range costs work (its calendar row, its bucket in every view), so `--since
# 1900-01-01` must cost what the data costs, not 46,000 empty days (issue 17). A shorter lead-in
# is kept as asked: a page may start a little before tracking did.
LEAD_IN_DAYS = 90
# A range ends at most this many days after today: past that nothing can have been recorded.
AHEAD_DAYS = 366


def bounded(
    lo: datetime, hi: datetime, now: datetime, first: datetime | None, cal: Calendar
) -> tuple[datetime, datetime, date | None]:
    """LO and HI (aware) bounded by the data: LO no earlier than FIRST's local day when it is
    LEAD_IN_DAYS or more before it (nothing recorded: LEAD_IN_DAYS before HI's day), HI at most
    AHEAD_DAYS after NOW's day. The third value is the day LO was moved to, or None."""
    latest = cal.day_start(cal.day_of(now) + timedelta(days=AHEAD_DAYS + 1))
    hi = min(hi, latest)
    if first is not None:
        # A stored time before the floor (a year-0001 "zero date" from an old import) is no reason
        # to draw centuries of empty days: the range starts at the floor at the earliest.
        floor = EARLIEST.replace(tzinfo=first.tzinfo) + timedelta(days=LEAD_IN_DAYS + 1)
        start = cal.day_start(cal.day_of(max(first, floor)))
    else:
        start = cal.day_start(cal.day_of(hi - timedelta(microseconds=1)) - timedelta(days=LEAD_IN_DAYS - 1))
    if lo <= start - timedelta(days=LEAD_IN_DAYS if first is not None else 0) and start < hi:
        return start, hi, cal.day_of(start)
    return lo, hi, None
