"""Parse what people type for times, durations and date ranges. Pure: `now` is a parameter.

All results are timezone-aware; naive input is local time (the process's TZ).
Errors are UserError with a message that says what is accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from tracker.errors import UserError

WHEN_HELP = "ISO 8601 (2026-11-26T19:30), 'YYYY-MM-DD HH:MM', 'HH:MM' (today), 'yesterday HH:MM', 'fri HH:MM', 'now' or '2h ago'"
DURATION_HELP = "like 90m, 1h30m, 1.5h or 1:30 (more than 0, at most 24h)"
DATE_HELP = "a date (2026-11-01), 'today', 'yesterday', 'Nd' / 'Nw' (days / weeks ago) or an ISO 8601 time"
MAX_DURATION_MIN = 24 * 60
# A clock a little ahead of another (or a typed 'now' a second late) is not "the future".
FUTURE_TOLERANCE = timedelta(minutes=1)

_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def local_now() -> datetime:
    return datetime.now().astimezone()


def _localize(dt: datetime) -> datetime:
    return dt.astimezone() if dt.tzinfo is None else dt


def _hhmm(text: str) -> time | None:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise UserError(f"invalid time {text!r}: hours 0-23, minutes 0-59")
    return time(h, mi, s)


def _on_day(day: date, t: time) -> datetime:
    # Local wall time on DAY; fold=0 picks the first of two repeated hours in autumn.
    return datetime.combine(day, t).astimezone()


def parse_when(text: str, now: datetime | None = None, *, allow_future: bool = False) -> datetime:
    """Parse a point in time. Rejects the future unless allow_future."""
    now = _localize(now or local_now())
    raw = " ".join(str(text).strip().lower().split())
    if not raw:
        raise UserError(f"empty time; use {WHEN_HELP}")
    result: datetime | None = None
    if raw == "now":
        result = now
    elif m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hours?|d|days?) ago", raw):
        n, unit = float(m.group(1)), m.group(2)[0]
        result = now - timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: n})
    elif (t := _hhmm(raw)) is not None:
        result = _on_day(now.date(), t)
    elif m := re.fullmatch(
        r"(today|yesterday|" + "|".join(_DAYS) + r"|" + "|".join(d[:3] for d in _DAYS) + r")\s+(\S+)", raw
    ):
        t = _hhmm(m.group(2))
        if t is None:
            raise UserError(f"invalid time {text!r}; use {WHEN_HELP}")
        word = m.group(1)
        if word == "today":
            day = now.date()
        elif word == "yesterday":
            day = now.date() - timedelta(days=1)
        else:
            idx = next(i for i, d in enumerate(_DAYS) if d.startswith(word))
            back = (now.weekday() - idx) % 7
            day = now.date() - timedelta(days=back)
            if back == 0 and _on_day(day, t) > now:
                day -= timedelta(days=7)  # "fri 19:00" typed on Friday afternoon means last week
        result = _on_day(day, t)
    else:
        iso = raw.upper().replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", raw) else raw.upper()
        try:
            result = _localize(datetime.fromisoformat(iso))
        except ValueError:
            if re.match(r"\d{4}-\d{1,2}-\d{1,2}", raw):
                raise UserError(f"impossible date or time {text!r}; use {WHEN_HELP}") from None
            raise UserError(f"cannot read time {text!r}; use {WHEN_HELP}") from None
    if not allow_future and result > now + FUTURE_TOLERANCE:
        raise UserError(f"time {text!r} is in the future; log things that have happened")
    return result


def parse_duration(text: str) -> float:
    """Parse a duration into minutes (float). Rejects <= 0 and > 24 h."""
    raw = str(text).strip().lower().replace(" ", "")
    minutes: float | None = None
    if m := re.fullmatch(r"(\d+):([0-5]\d)", raw):
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    elif m := re.fullmatch(r"(?:(\d+(?:\.\d+)?)h(?:ours?|rs?)?)?(?:(\d+(?:\.\d+)?)m(?:in(?:utes?|s)?)?)?", raw):
        if m.group(1) or m.group(2):
            minutes = float(m.group(1) or 0) * 60 + float(m.group(2) or 0)
    elif re.fullmatch(r"\d+(?:\.\d+)?", raw):
        minutes = float(raw)  # a bare number is minutes
    if minutes is None:
        raise UserError(f"cannot read duration {text!r}; use a duration {DURATION_HELP}")
    if minutes <= 0:
        raise UserError(f"duration {text!r} must be more than 0; use a duration {DURATION_HELP}")
    if minutes > MAX_DURATION_MIN:
        raise UserError(f"duration {text!r} is longer than 24h; use a duration {DURATION_HELP}")
    return round(minutes, 3)


def format_duration(minutes: float) -> str:
    """90 -> '1h30m', 45 -> '45m'."""
    total = round(minutes)
    h, m = divmod(total, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m"


def day_start(day: date, day_start_hour: int = 0) -> datetime:
    """The aware local instant a (possibly shifted) local day begins."""
    return _on_day(day, time(day_start_hour))


def local_day(dt: datetime, day_start_hour: int = 0) -> date:
    """The local day an instant belongs to, with days starting at day_start_hour."""
    return (_localize(dt).astimezone() - timedelta(hours=day_start_hour)).date()


def parse_bound(text: str, now: datetime | None = None, *, end: bool = False, day_start_hour: int = 0) -> datetime:
    """Parse --since / --until. A bare date means the start of that day (--until: its end)."""
    now = _localize(now or local_now())
    raw = str(text).strip().lower()
    day: date | None = None
    if raw == "today":
        day = local_day(now, day_start_hour)
    elif raw == "yesterday":
        day = local_day(now, day_start_hour) - timedelta(days=1)
    elif m := re.fullmatch(r"(\d+)\s*([dw])", raw):
        n = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        day = local_day(now, day_start_hour) - timedelta(days=n)
    elif re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
        try:
            day = date.fromisoformat(raw if len(raw) == 10 else "-".join(p.zfill(2) for p in raw.split("-")))
        except ValueError:
            raise UserError(f"impossible date {text!r}; use {DATE_HELP}") from None
    if day is not None:
        return day_start(day + timedelta(days=1) if end else day, day_start_hour)
    try:
        return parse_when(text, now, allow_future=True)
    except UserError:
        raise UserError(f"cannot read date {text!r}; use {DATE_HELP}") from None


def parse_range(
    since: str | None,
    until: str | None,
    now: datetime | None = None,
    *,
    default_days: int | None = None,
    day_start_hour: int = 0,
) -> tuple[datetime | None, datetime | None]:
    """Parse a --since/--until pair; checks since < until. default_days fills a missing --since."""
    now = _localize(now or local_now())
    lo = parse_bound(since, now, day_start_hour=day_start_hour) if since else None
    hi = parse_bound(until, now, end=True, day_start_hour=day_start_hour) if until else None
    if lo is None and default_days is not None:
        lo = day_start(local_day(now, day_start_hour) - timedelta(days=default_days - 1), day_start_hour)
    if lo is not None and hi is not None and lo >= hi:
        raise UserError(f"--since ({since}) must be before --until ({until})")
    return lo, hi
