"""The click parameter types for numbers people type: every integer and decimal option uses one.

click's own INT and FLOAT hand the text to int() and float(), which also take 'nan', 'inf',
'1_000' and other scripts' digits ('٣'); a NaN passes every range check (`daemon --interval nan`
busy-looped, issue 17). Here a number is ASCII digits only, finite, and inside its range.
"""

from __future__ import annotations

import math
import re

import click

_INT = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})")


class Number(click.ParamType):
    """A whole number (WHOLE) or a decimal, from LO to HI inclusive (None: unbounded)."""

    def __init__(self, *, whole: bool, lo: float | None = None, hi: float | None = None):
        self.whole = whole
        self.lo = lo
        self.hi = hi
        self.name = "integer" if whole else "number"

    def convert(self, value, param, ctx):
        if isinstance(value, bool):
            self.fail(f"{value!r} is not a number", param, ctx)
        if isinstance(value, (int, float)):  # a default, or a caller passing a number
            number = value
        else:
            text = str(value).strip()
            if not (_INT if self.whole else _DECIMAL).fullmatch(text):
                kind = "integer" if self.whole else "number"
                self.fail(
                    f"{value!r} is not a valid {kind} (digits 0-9{'' if self.whole else ', one point'})", param, ctx
                )
            number = int(text) if self.whole else float(text)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if (self.lo is not None and number < self.lo) or (self.hi is not None and number > self.hi):
            self.fail(f"{value!r} is not in the range {self._range()}", param, ctx)
        return number

    def _range(self) -> str:
        def fmt(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else str(x)

        if self.lo is not None and self.hi is not None:
            return f"{fmt(self.lo)} to {fmt(self.hi)}"
        if self.lo is not None:
            return f"at least {fmt(self.lo)}"
        return f"at most {fmt(self.hi)}" if self.hi is not None else "of numbers"


def whole(lo: int | None = None, hi: int | None = None) -> Number:
    """An integer option or argument from LO to HI."""
    return Number(whole=True, lo=lo, hi=hi)


def decimal(lo: float | None = None, hi: float | None = None) -> Number:
    """A decimal option from LO to HI."""
    return Number(whole=False, lo=lo, hi=hi)


# Row ids: any whole number (the store says "no interaction #N" for one it does not have).
ID = whole()
