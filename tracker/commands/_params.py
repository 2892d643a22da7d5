"""The click parameter types for numbers people type: every integer and decimal option uses one.

click's own INT and FLOAT hand the text to int() and float(), which also take 'nan', 'inf',
'1_000' and other scripts' digits ('٣'); a NaN passes every range check (`daemon --interval nan`
busy-looped, issue 17). Here a number is ASCII digits only, finite, and inside its range: the
rule is tracker/domain/numbers.py (the daemon's own argument parsing uses it too).
"""

from __future__ import annotations

import click

from tracker.domain import numbers


class Number(click.ParamType):
    """A whole number (WHOLE) or a decimal, from LO to HI inclusive (None: unbounded)."""

    def __init__(self, *, whole: bool, lo: float | None = None, hi: float | None = None):
        self.whole = whole
        self.lo = lo
        self.hi = hi
        self.name = "integer" if whole else "number"

    def convert(self, value, param, ctx):
        try:
            return numbers.parse(value, whole=self.whole, lo=self.lo, hi=self.hi)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def whole(lo: int | None = None, hi: int | None = None) -> Number:
    """An integer option or argument from LO to HI."""
    return Number(whole=True, lo=lo, hi=hi)


def decimal(lo: float | None = None, hi: float | None = None) -> Number:
    """A decimal option from LO to HI."""
    return Number(whole=False, lo=lo, hi=hi)


# Row ids: any whole number (the store says "no interaction #N" for one it does not have).
ID = whole()
