"""Numbers people type: ASCII digits only, finite, inside a range (one rule for click and the daemon).

int() and float() also take 'nan', 'inf', '1_000' and other scripts' digits ('٣'); a NaN passes
every range check (`daemon --interval nan` busy-looped, issue 17). tracker/commands/_params.py
wraps this for click; `python -m tracker.daemon` uses it directly (no click in the daemon).
"""

from __future__ import annotations

import math
import re

_INT = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})")


def parse(value: object, *, whole: bool, lo: float | None = None, hi: float | None = None) -> float:
    """VALUE as a number from LO to HI inclusive (None: unbounded); ValueError says why not."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):  # a default, or a caller passing a number
        number: float = value
    else:
        text = str(value).strip()
        if not (_INT if whole else _DECIMAL).fullmatch(text):
            kind = "integer" if whole else "number"
            raise ValueError(f"{value!r} is not a valid {kind} (digits 0-9{'' if whole else ', one point'})")
        number = int(text) if whole else float(text)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ValueError(f"{value!r} is not in the range {describe(lo, hi)}")
    return number


def describe(lo: float | None, hi: float | None) -> str:
    """The range LO..HI in words: '0.05 to 60', 'at least 1', 'at most 9'."""

    def fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x)

    if lo is not None and hi is not None:
        return f"{fmt(lo)} to {fmt(hi)}"
    if lo is not None:
        return f"at least {fmt(lo)}"
    return f"at most {fmt(hi)}" if hi is not None else "of numbers"
