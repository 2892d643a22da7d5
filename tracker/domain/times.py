"""Time in one place: the local calendar, the storage convention, and parsing what people type.

- `Calendar` is THE calendar: the local zone (worked out once, by `local_zone()`) and the hour
  local days start at (config general.day_start_hour). Every day boundary offscreen draws, for
  `today`, `report`, the dashboard, cadences, streaks and nudges, comes from one of its methods.
- Storage is naive UTC (`to_storage` / `from_storage`); local time is for display and day
  boundaries only (`Calendar.local`, `Calendar.iso`).
- The parsers are pure: `now` is a parameter (an aware datetime in the calendar's zone, from
  `App.now()`), and naive input is wall time in the calendar's zone.
- Every time a person or a file gives lies in [EARLIEST, LATEST) (`check_range`): a year-0001
  "zero date" from another program's export would otherwise be stored, and then no local time
  could be worked out for it west of UTC. A wall time the clocks skip (the spring change to
  daylight saving time) is refused, never moved an hour (`wall_time`).
- Numbers are ASCII digits only: Python's regex digit class and int() also take '²' and Arabic-Indic digits.
Errors are UserError with a message that says what is accepted.
"""

from __future__ import annotations

import math
import os
import re
import time as _time
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import NamedTuple, overload

from tracker.errors import UserError

WHEN_HELP = (
    "ISO 8601 (2026-11-26T19:30), 'YYYY-MM-DD HH:MM', 'HH:MM' (today), 'yesterday HH:MM', 'fri HH:MM', "
    "'now' or '2h ago'"
)
# Said in the --help of every option that takes a WHEN (the rule is `wall_time` and `check_range`).
WHEN_RULES = "Years 1900-2199; a wall time skipped when daylight saving time begins is refused, not moved"
DURATION_HELP = "like 90m, 1h30m, 1.5h or 1:30 (more than 0, at most 24h)"
DATE_HELP = "a date (2026-11-01), 'today', 'yesterday', 'Nd' / 'Nw' (days / weeks ago) or an ISO 8601 time"
MAX_DURATION_MIN = 24 * 60
# A clock a little ahead of another (or a typed 'now' a second late) is not "the future".
FUTURE_TOLERANCE = timedelta(minutes=1)
# The times offscreen keeps (wall time, any offset): far enough either way for any life, near
# enough that every zone's local time of them exists (datetime ends at year 1 and 9999).
EARLIEST = datetime(1900, 1, 1)
LATEST = datetime(2200, 1, 1)
RANGE_HELP = "offscreen keeps times from 1900-01-01 to 2199-12-31"


# --- the local zone ---------------------------------------------------------------------------


class SystemZone(tzinfo):
    """The C library's idea of local time, for a $TZ that names no zone file (a POSIX rule such
    as 'XYZ-3'): the same answers `datetime.astimezone()` gives, as a tzinfo.

    An instant converted into it (`astimezone`, `fromutc`) carries the fixed offset localtime(3)
    gives for that instant, so it is exact in the repeated hour too; the daemon renders its status
    times with it (`instant_zone`).
    """

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=-_time.timezone)
        stamp = _time.mktime((*dt.replace(tzinfo=None).timetuple()[:8], -1))
        return timedelta(seconds=_time.localtime(stamp).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return _time.tzname[0]

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
        local = _time.localtime(stamp)
        # A fixed offset, not self: asked again, the wall time alone is ambiguous in the repeated hour.
        offset = timedelta(seconds=local.tm_gmtoff)
        return (dt + offset).replace(tzinfo=timezone(offset, local.tm_zone))

    def __repr__(self) -> str:
        return f"SystemZone({_time.tzname[0]})"


def local_zone(env: Mapping[str, str] | None = None, localtime: Path = Path("/etc/localtime")) -> tzinfo:
    """The local zone, worked out once per process: $TZ (a zone name such as Europe/Berlin, CET or
    EST5EDT, or a zone file's path), else /etc/localtime, else UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # here: the daemon never needs it (~0.4 MB)

    env = os.environ if env is None else env
    tz = env.get("TZ")
    if tz is not None:
        name = tz.removeprefix(":")
        if not name:
            return UTC  # TZ set but empty means UTC to the C library too
        try:
            if name.startswith("/"):
                with open(name, "rb") as fh:
                    return ZoneInfo.from_file(fh, key=name)
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return SystemZone()
    try:
        target = os.path.realpath(localtime)
        if "zoneinfo/" in target:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
        with open(localtime, "rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def instant_zone() -> tzinfo:
    """The local zone for showing instants only (the daemon's status file): the C library's, which
    reads the same $TZ and /etc/localtime as `local_zone`, exact for every instant, and needs no
    zoneinfo (the daemon stays small, issue 14). A day's bounds need `local_zone`."""
    return SystemZone()


def in_zone(dt: datetime, zone: tzinfo) -> datetime:
    """DT as local time in ZONE, carried as a fixed UTC offset (what `astimezone()` gives).

    Never hand out datetimes whose tzinfo is a ZoneInfo: Python subtracts two of them with the
    same tzinfo as wall times, so a day across a DST change would come out 24 hours long.
    A time whose local time does not exist (year 1 west of UTC: an older database's "zero date",
    stored before check_range) comes back in UTC, or as it is: every rendering of a stored value
    must work.
    """
    try:
        local = dt.astimezone(zone)
    except OverflowError:
        try:
            local = dt.astimezone(UTC)
        except OverflowError:
            local = dt
    offset = local.utcoffset()
    assert offset is not None
    name = local.tzname()
    return local.replace(tzinfo=timezone(offset, name) if name is not None else timezone(offset))


class TimeRefused(UserError):
    """A readable time offscreen will not take: out of range, or skipped by the clocks."""


def check_range(dt: datetime, text: object) -> datetime:
    """DT (naive or aware: compared as wall time), or UserError when it is outside [EARLIEST, LATEST)."""
    wall = dt.replace(tzinfo=None)
    if wall < EARLIEST:
        raise TimeRefused(f"time {text!r} is before {EARLIEST:%Y-%m-%d}; {RANGE_HELP}")
    if wall >= LATEST:
        raise TimeRefused(f"time {text!r} is in the future, after {LATEST.year - 1}-12-31; {RANGE_HELP}")
    return dt


def wall_time(naive: datetime, zone: tzinfo, text: object) -> datetime:
    """Local wall time NAIVE in ZONE as an aware instant (the first of a repeated autumn hour).

    A wall time the clocks skip is refused: taking it as the hour before or after would store a
    time the person never typed (issue 17), and only they know which one they meant.
    """
    # Through UTC: astimezone() into the tzinfo a datetime already has changes nothing.
    aware = in_zone(naive.replace(tzinfo=zone).astimezone(UTC), zone)
    if aware.replace(tzinfo=None) != naive:
        raise TimeRefused(
            f"time {text!r} does not exist in {zone_name(zone)}: the clocks skip it on {naive:%Y-%m-%d} "
            f"(daylight saving time begins); give a time before the jump or after it, such as {aware:%H:%M}"
        )
    return aware


def zone_name(zone: tzinfo) -> str:
    """A name for display: the IANA key when there is one."""
    return getattr(zone, "key", None) or zone.tzname(None) or "local"


# --- storage: naive UTC -----------------------------------------------------------------------


def utc_now() -> datetime:
    """Aware UTC now. Commands take their `now` from App.now(); this is for the daemon and files."""
    return datetime.now(UTC)


def to_storage(dt: datetime) -> datetime:
    """Aware datetime -> naive UTC, the storage convention."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: give a zone (storage is UTC)")
    return dt.astimezone(UTC).replace(tzinfo=None)


def as_storage(dt: datetime) -> datetime:
    """For store functions that take either: aware -> naive UTC; a naive datetime already is one."""
    return dt if dt.tzinfo is None else to_storage(dt)


@overload
def from_storage(dt: datetime) -> datetime: ...
@overload
def from_storage(dt: None) -> None: ...
def from_storage(dt: datetime | None) -> datetime | None:
    """Stored naive UTC -> aware UTC (None stays None)."""
    return None if dt is None else dt.replace(tzinfo=UTC)


# --- the calendar -----------------------------------------------------------------------------


class Calendar(NamedTuple):  # a tuple, not a dataclass: the daemon imports this module (issue 14)
    """Local days in one zone, starting at `day_start_hour` (a night out belongs to its evening)."""

    zone: tzinfo = UTC
    day_start_hour: int = 0

    @property
    def name(self) -> str:
        return zone_name(self.zone)

    def local(self, dt: datetime) -> datetime:
        """An instant in local time (a fixed offset, see `in_zone`). Naive input is stored naive UTC."""
        return in_zone(dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC), self.zone)

    def iso(self, dt: datetime | None) -> str | None:
        """Local ISO 8601 with offset, to the second (naive input is stored naive UTC)."""
        return None if dt is None else self.local(dt).isoformat(timespec="seconds")

    def wall(self, day: date, t: time) -> datetime:
        """Local wall time T on DAY as an aware instant (fold=0: the first of a repeated hour)."""
        return in_zone(datetime.combine(day, t, tzinfo=self.zone), self.zone)

    def day_of(self, dt: datetime) -> date:
        """The local day an instant belongs to (naive input is stored naive UTC)."""
        local = self.local(dt).replace(tzinfo=None)
        try:
            return (local - timedelta(hours=self.day_start_hour)).date()
        except OverflowError:  # the first hours of year 1 (see in_zone)
            return local.date()

    def day_start(self, day: date) -> datetime:
        """The aware instant local DAY begins."""
        return self.wall(day, time(self.day_start_hour))

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """Aware start and end (exclusive) of local DAY: 23 or 25 hours long across DST."""
        return self.day_start(day), self.day_start(day + timedelta(days=1))

    def days_between(self, earlier: datetime, later: datetime) -> int:
        """Whole local days from EARLIER's day to LATER's day (0 = the same local day)."""
        return (self.day_of(later) - self.day_of(earlier)).days

    def days(self, since: datetime, until: datetime) -> list[tuple[date, datetime, datetime]]:
        """Every local day touching [since, until), each with its bounds clipped to the range."""
        out: list[tuple[date, datetime, datetime]] = []
        day = self.day_of(since)
        while True:
            start, end = self.day_bounds(day)
            if start >= until:
                return out
            out.append((day, max(start, since), min(end, until)))
            day += timedelta(days=1)


_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _hhmm(text: str) -> time | None:
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?", text)
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise UserError(f"invalid time {text!r}: hours 0-23, minutes 0-59")
    return time(h, mi, s)


def _on_day(day: date, t: time, zone: tzinfo, text: object) -> datetime:
    # Local wall time on DAY; fold=0 picks the first of two repeated hours in autumn.
    return wall_time(datetime.combine(day, t), zone, text)


def parse_when(text: str, now: datetime, *, zone: tzinfo, allow_future: bool = False, ahead: bool = False) -> datetime:
    """Parse a point in time; wall times are in ZONE (App.zone), relative ones from NOW (App.now()).

    Rejects the future unless allow_future. A bare weekday or time means the last such one, or
    with AHEAD (when something is planned for, implies allow_future) the next one, today's if
    still ahead. Hand-written rather than dateparser & co: those cost
    more import time than `offscreen log`'s whole budget and accept far more than we can explain.
    """
    raw = " ".join(str(text).strip().lower().split())
    if not raw:
        raise UserError(f"empty time; use {WHEN_HELP}")
    result: datetime | None = None
    if raw == "now":
        result = now
    elif m := re.fullmatch(r"([0-9]{1,15}(?:\.[0-9]{1,9})?)\s*(m|min|mins|minutes?|h|hours?|d|days?) ago", raw):
        n, unit = float(m.group(1)), m.group(2)[0]
        try:
            result = now - timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: n})
        except OverflowError:
            raise TimeRefused(f"time {text!r} is before {EARLIEST:%Y-%m-%d}; {RANGE_HELP}") from None
    elif (t := _hhmm(raw)) is not None:
        day = now.date()
        if ahead and datetime.combine(day, t) < now.replace(tzinfo=None):
            day += timedelta(days=1)
        result = _on_day(day, t, zone, text)
    elif m := re.fullmatch(
        r"(today|yesterday|tomorrow|" + "|".join(_DAYS) + r"|" + "|".join(d[:3] for d in _DAYS) + r")\s+(\S+)", raw
    ):
        t = _hhmm(m.group(2))
        if t is None:
            raise UserError(f"invalid time {text!r}; use {WHEN_HELP}")
        word = m.group(1)
        if word == "today":
            day = now.date()
        elif word == "yesterday":
            day = now.date() - timedelta(days=1)
        elif word == "tomorrow":  # only useful where the future is allowed (planning an unplug block)
            day = now.date() + timedelta(days=1)
        else:
            idx = next(i for i, d in enumerate(_DAYS) if d.startswith(word))
            if ahead:
                day = now.date() + timedelta(days=(idx - now.weekday()) % 7)
                if datetime.combine(day, t) < now.replace(tzinfo=None):
                    day += timedelta(days=7)  # "fri 19:00" typed on Friday night means next week
            else:
                day = now.date() - timedelta(days=(now.weekday() - idx) % 7)
                if datetime.combine(day, t) > now.replace(tzinfo=None):
                    day -= timedelta(days=7)  # "fri 19:00" typed on Friday afternoon means last week
        result = _on_day(day, t, zone, text)
    else:
        iso = raw.upper().replace(" ", "T", 1) if re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]", raw) else raw.upper()
        if not iso.isascii():  # fromisoformat reads other scripts' digits too
            raise UserError(f"cannot read time {text!r}; use {WHEN_HELP}")
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            if re.match(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", raw):
                raise UserError(f"impossible date or time {text!r}; use {WHEN_HELP}") from None
            raise UserError(f"cannot read time {text!r}; use {WHEN_HELP}") from None
        check_range(parsed, text)  # before any zone arithmetic: year 1 has no local time west of UTC
        result = parsed if parsed.tzinfo is not None else wall_time(parsed, zone, text)
    check_range(result, text)
    if not (allow_future or ahead) and result > now + FUTURE_TOLERANCE:
        raise UserError(f"time {text!r} is in the future; log things that have happened")
    return result


def parse_duration(text: str, *, allow_zero: bool = False) -> float:
    """Parse a duration into minutes (float). Rejects <= 0 (< 0 with ALLOW_ZERO) and > 24 h."""
    raw = str(text).strip().lower().replace(" ", "")
    minutes: float | None = None
    num = r"[0-9]{1,9}(?:\.[0-9]{1,9})?"  # at most 9 digits: no float overflows, no int() digit limit
    if m := re.fullmatch(r"([0-9]{1,9}):([0-5][0-9])", raw):
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    elif m := re.fullmatch(rf"(?:({num})h(?:ours?|rs?)?)?(?:({num})m(?:in(?:utes?|s)?)?)?", raw):
        if m.group(1) or m.group(2):
            minutes = float(m.group(1) or 0) * 60 + float(m.group(2) or 0)
    elif re.fullmatch(num, raw):
        minutes = float(raw)  # a bare number is minutes
    if minutes is None:
        raise UserError(f"cannot read duration {text!r}; use a duration {DURATION_HELP}")
    if minutes <= 0 and not (allow_zero and minutes == 0):
        raise UserError(f"duration {text!r} must be more than 0; use a duration {DURATION_HELP}")
    return check_minutes(minutes, text, allow_zero=allow_zero)


def check_minutes(minutes: float, text: object, *, allow_zero: bool = False) -> float:
    """MINUTES rounded as stored (to the thousandth), or UserError unless finite, more than 0 once
    rounded (`--for 0.0001m` would store a 0-minute interaction; ALLOW_ZERO takes an exact 0, as a
    reported day without phone use) and at most 24 hours."""
    if not math.isfinite(minutes):
        raise UserError(f"cannot read duration {text!r}; use a duration {DURATION_HELP}")
    if minutes > MAX_DURATION_MIN:
        raise UserError(f"duration {text!r} is longer than 24h; use a duration {DURATION_HELP}")
    if allow_zero and minutes == 0:
        return 0.0
    if round(minutes, 3) <= 0:
        raise UserError(f"duration {text!r} must be more than 0; use a duration {DURATION_HELP}")
    return round(minutes, 3)


def format_duration(minutes: float) -> str:
    """90 -> '1h30m', 45 -> '45m'."""
    total = round(minutes)
    h, m = divmod(total, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m"


def parse_bound(text: str, now: datetime, *, cal: Calendar, end: bool = False) -> datetime:
    """Parse --since / --until. A bare date means the start of that local day (--until: its end)."""
    raw = str(text).strip().lower()
    day: date | None = None
    if raw == "today":
        day = cal.day_of(now)
    elif raw == "yesterday":
        day = cal.day_of(now) - timedelta(days=1)
    elif m := re.fullmatch(r"([0-9]{1,9})\s*([dw])", raw):
        n = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        if n > (cal.day_of(now) - EARLIEST.date()).days:
            raise TimeRefused(f"date {text!r} is before {EARLIEST:%Y-%m-%d}; {RANGE_HELP}")
        day = cal.day_of(now) - timedelta(days=n)
    elif re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", raw):
        try:
            day = date.fromisoformat(raw if len(raw) == 10 else "-".join(p.zfill(2) for p in raw.split("-")))
        except ValueError:
            raise UserError(f"impossible date {text!r}; use {DATE_HELP}") from None
    if day is not None:
        check_range(datetime.combine(day, time()), text)
        return cal.day_start(day + timedelta(days=1) if end else day)
    try:
        return parse_when(text, now, allow_future=True, zone=cal.zone)
    except TimeRefused:
        raise  # out of range, or skipped by the clocks: that message says more than "cannot read"
    except UserError:
        raise UserError(f"cannot read date {text!r}; use {DATE_HELP}") from None


def parse_range(
    since: str | None, until: str | None, now: datetime, *, cal: Calendar, default_days: int | None = None
) -> tuple[datetime | None, datetime | None]:
    """Parse a --since/--until pair; checks since < until. default_days fills a missing --since."""
    lo = parse_bound(since, now, cal=cal) if since else None
    hi = parse_bound(until, now, end=True, cal=cal) if until else None
    if lo is None and default_days is not None:
        lo = cal.day_start(cal.day_of(now) - timedelta(days=default_days - 1))
    if lo is not None and hi is not None and lo >= hi:
        raise UserError(f"--since ({since}) must be before --until ({until})")
    return lo, hi
