"""The protocol every dashboard view follows, and the registry the page is built from.

A view is a function `build(con, rng) -> View`: it runs its own DuckDB aggregation (small result,
never raw rows), makes one plotly figure from it, or says honestly why it can't ("needs 28 days,
have 9"). dashboards/report.py assembles the registered views into one offline page.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.config import Config


@dataclass(frozen=True)
class Range:
    """What a view is asked to show."""

    since_utc: datetime  # naive UTC, inclusive
    until_utc: datetime  # naive UTC, exclusive
    day_start_hour: int  # local days start at this hour (a night out belongs to the evening before)
    tz: str  # IANA zone name for DuckDB's timezone(): local time for day and hour buckets
    config: Config = field(default_factory=Config)
    now_utc: datetime | None = None  # naive UTC "now" for days-since and complete days; None = clock


@dataclass
class View:
    key: str  # stable id, e.g. "screen-vs-f2f"; becomes the HTML element id
    title: str  # with units, e.g. "Screen time vs face-to-face (hours per day)"
    caption: str  # one line: what it shows (and a source where a number comes from research)
    figure: Any | None = None  # plotly.graph_objects.Figure
    empty: str | None = None  # honest empty state shown instead of a chart
    data: dict = field(default_factory=dict)  # the aggregated numbers, for tests and --json


ViewBuilder = Callable[[Any, Range], View]
VIEWS: list[ViewBuilder] = []


def register(fn: ViewBuilder) -> ViewBuilder:
    """Decorator: add a view builder to the page, in definition order."""
    VIEWS.append(fn)
    return fn


def esc(s: Any) -> str:
    """Escape a user string before it reaches plotly: plotly.js renders <a>, <b>, <br> as markup."""
    return html.escape("" if s is None else str(s), quote=False)


def local_tz_name() -> str:
    """The IANA name of the local zone ($TZ, else /etc/localtime's target, else UTC)."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if (tz and "/" in tz) or tz == "UTC":
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        return Path("/etc/timezone").read_text().strip() or "UTC"
    except OSError:
        return "UTC"
