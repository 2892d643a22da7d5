"""Fun (issue 18), pure: how much fun interactions were, per mode and with routines against
one-offs, beside closeness, with the honest-data rule of tracker/domain/coverage.py: a mean is
shown only over at least MIN_RATED rated interactions, else what is missing is said instead."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.domain import coverage
from tracker.domain.interactions import MODES

MIN_RATED = 5
SOURCE = "laughter helped in most modes in Vlahovic, Roberts & Dunbar 2012"

# One row per (mode, part of a routine) from the store: (mode, routine, interactions, fun rated,
# sum of fun, closeness rated, sum of closeness).
Row = tuple[str, bool, int, int, int, int, int]


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 2) if coverage.enough(n, MIN_RATED) else None


def group(rows: Iterable[Row]) -> dict:
    """The figures of ROWS together: counts, and the means once MIN_RATED are rated."""
    n = fun_n = fun_sum = close_n = close_sum = 0
    for _, _, a, b, c, d, e in rows:
        n, fun_n, fun_sum, close_n, close_sum = n + a, fun_n + b, fun_sum + c, close_n + d, close_sum + e
    return {
        "interactions": n,
        "fun_rated": fun_n,
        "fun_mean": _mean(fun_sum, fun_n),
        "fun_missing": coverage.missing(fun_n, MIN_RATED, "interactions with fun rated"),
        "closeness_rated": close_n,
        "closeness_mean": _mean(close_sum, close_n),
    }


def summary(rows: Iterable[Row]) -> dict:
    """Fun per mode (every mode, in MODES order) and for routines against one-offs."""
    rows = list(rows)
    return {
        "needed": MIN_RATED,
        "by_mode": {m: group(r for r in rows if r[0] == m) for m in MODES},
        "routines": group(r for r in rows if r[1]),
        "one_offs": group(r for r in rows if not r[1]),
        "source": SOURCE,
    }
