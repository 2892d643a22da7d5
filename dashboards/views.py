"""The protocol every dashboard view follows, and the registry the page is built from.

A view is a pure function `draw(data, rng) -> View`, registered under its key: it receives the
small aggregate the store computed for it (tracker/usecases/dashboard.py gathers them, one per
key), makes one plotly figure from it, or says honestly why it can't ("needs 28 days, have 9").
dashboards/report.py assembles the registered views into one offline page.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracker.domain.ranges import Range


@dataclass
class View:
    title: str  # with units, e.g. "Screen time vs face-to-face (hours per day)"
    caption: str  # one line: what it shows (and a source where a number comes from research)
    figure: Any | None = None  # plotly.graph_objects.Figure
    empty: str | None = None  # honest empty state shown instead of a chart
    reading: str = ""  # the figure's main number read out in plain words, shown above it
    key: str = ""  # stable id, e.g. "screen-vs-f2f", set by `register`; becomes the HTML element id


# Said under a weekly view that has a partial week (dashboards/figures.py mark_partial_weeks).
PARTIAL = (
    "Paler bars are partial weeks, with fewer than 7 {what} (this week, the first week of the range): "
    "hover to see how many."
)

ViewDrawer = Callable[[dict, Range], View]
VIEWS: dict[str, ViewDrawer] = {}


def register(key: str) -> Callable[[ViewDrawer], ViewDrawer]:
    """Decorator: the view drawn from the data gathered under KEY."""

    def add(fn: ViewDrawer) -> ViewDrawer:
        @functools.wraps(fn)
        def draw(data: dict, rng: Range) -> View:
            v = fn(data, rng)
            v.key = key
            return v

        if key in VIEWS:
            raise ValueError(f"two dashboard views registered as {key!r}")
        VIEWS[key] = draw
        return draw

    return add


def esc(s: Any) -> str:
    """Escape a user string before it reaches plotly: plotly.js renders <a>, <b>, <br> as markup."""
    return html.escape("" if s is None else str(s), quote=False)
