"""Phone screen time, as the person reports it: one figure per local day, never measured here.

offscreen cannot see the phone, so the phone's own screen-time screen is the source: the check-in
takes its figure (`offscreen checkin --phone 2h10m --phone-social 50m`), an ActivityWatch import
brings aw-android's. One row per local day and source; a later report of the same day and source
replaces the earlier one. Where a day has figures from several sources, SOURCES' order says which
one counts: what the person typed first, then what was imported, then demo data.

It is its own series everywhere, labelled by where its figures came from (`label`: "phone, as you
reported it", "phone (ActivityWatch)", or both when a period mixes them), next to the computer's measured
screen time and never added to it: the two are measured differently, and a sum would read as one
measurement. Figures over a period follow the tracked-days rule (tracker/domain/coverage.py),
counting the days with a phone figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker.domain import coverage
from tracker.domain.times import MAX_DURATION_MIN, format_duration, parse_duration
from tracker.errors import UserError

LABEL = "phone, as you reported it"
AW_LABEL = "phone (ActivityWatch)"
MIXED_LABEL = "phone, reported and from ActivityWatch"
# The sources a figure may come from, the one that counts for a day first.
SOURCES = ("checkin", "aw", "demo")
REPORTED_WHAT = "days with phone time reported"
HELP = "like 2h10m, 45m or 0 (at most 24h)"
NONE_WORDS = ("none", "-")  # `--phone none`: remove the day's figure


@dataclass(frozen=True)
class PhoneDay:
    day: date  # the local day (tracker.domain.times.Calendar, day_start_hour)
    minutes: float
    social_minutes: float | None
    source: str


def label(sources: Iterable[str]) -> str:
    """The phone series' label for figures from SOURCES (the days' sources): reported (check-ins,
    and demo data, which stands in for them), from ActivityWatch, or both; reported when none."""
    kinds = {"aw" if s == "aw" else "reported" for s in sources}
    if kinds == {"aw"}:
        return AW_LABEL
    return MIXED_LABEL if len(kinds) > 1 else LABEL


def source_words(source: str) -> str:
    """How one day's figure came to be, after its duration: 'as you reported it' or 'from ActivityWatch'."""
    return "from ActivityWatch" if label([source]) == AW_LABEL else "as you reported it"


def parse_minutes(text: str, flag: str) -> float:
    """A reported duration in minutes: 0 up to a day's 24 hours; UserError naming FLAG otherwise."""
    try:
        return parse_duration(text, allow_zero=True)
    except UserError as e:
        raise UserError(f"{flag} {text!r}: {_reason(e)}") from None


def _reason(e: UserError) -> str:
    msg = str(e)
    if "is longer than 24h" in msg:
        return f"a day has 24 hours; give the phone's figure {HELP}"
    if "must be more than 0" in msg:  # with allow_zero only a figure too small to store gets here
        return "rounds to 0 minutes; give 0 or at least 1m"
    return f"not a duration; give the phone's figure {HELP}"


def check(minutes: float | None, social: float | None) -> None:
    """SOCIAL (of it on social media) fits inside MINUTES, and both inside a day."""
    if minutes is not None and not 0 <= minutes <= MAX_DURATION_MIN:
        raise UserError(f"phone time {format_duration(minutes)} does not fit in a day (24 hours)")
    if social is not None and minutes is not None and social > minutes:
        raise UserError(
            f"social media time {format_duration(social)} is more than the phone time {format_duration(minutes)}; "
            "social media time is part of the phone's total"
        )


def is_none(text: str | None) -> bool:
    return text is not None and text.strip().lower() in NONE_WORDS


def pick(rows: list[PhoneDay]) -> dict[date, PhoneDay]:
    """The figure that counts for each day: the first source in SOURCES' order (unknown ones last)."""
    rank = {s: i for i, s in enumerate(SOURCES)}
    out: dict[date, PhoneDay] = {}
    for r in sorted(rows, key=lambda r: (r.day, rank.get(r.source, len(SOURCES)), r.source)):
        out.setdefault(r.day, r)
    return out


def summary(days: dict[date, PhoneDay], n_days: int, needed: int = coverage.MIN_TRACKED_DAYS) -> dict:
    """A period's phone figures, JSON-ready: how many of its N_DAYS days have one, and, when that
    is NEEDED days or more, the total and the mean per reported day (overall and social media);
    below it the figures are None and `missing` says why."""
    reported = len(days)
    why = coverage.missing(reported, needed, REPORTED_WHAT)
    social = [d.social_minutes for d in days.values() if d.social_minutes is not None]
    total = sum(d.minutes for d in days.values())

    def r(x: float) -> float:
        return round(x, 1)

    return {
        "label": label(d.source for d in days.values()),
        "days": n_days,
        "days_reported": reported,
        "needed": needed,
        "missing": why,
        "total_min": None if why else r(total),
        "mean_per_day_min": None if why else r(total / reported),
        "days_with_social": len(social),
        "social_total_min": None if why or not social else r(sum(social)),
        "social_mean_per_day_min": None if why or not social else r(sum(social) / len(social)),
        "sources": {
            s: sum(1 for d in days.values() if d.source == s) for s in sorted({d.source for d in days.values()})
        },
    }


def describe(d: PhoneDay) -> str:
    """'2h10m (50m of it social media)' for a day's figure."""
    social = "" if d.social_minutes is None else f" ({format_duration(d.social_minutes)} of it social media)"
    return format_duration(d.minutes) + social
