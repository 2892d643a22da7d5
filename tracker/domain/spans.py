"""Pure span logic: samples with timestamps in, merged spans out. No I/O, no clock, so every case
is a unit test with literal ticks (tests/test_spans.py).

Every tick carries three clocks (seconds): `wall` (time.time, UTC epoch; may be stepped by NTP
or a user), `mono` (CLOCK_MONOTONIC; stops during suspend) and `boot` (CLOCK_BOOTTIME; keeps
counting during suspend). From them:
  - suspend: boot advanced more than mono -> an `asleep` span for the difference;
  - wall-clock step: wall - boot changed by more than STEP_TOLERANCE -> the current span ends
    where the monotonic clocks say it did, and recording resumes at the new wall time. A forward
    step leaves a gap (no time passed), a backward one never re-records a stretch already stored
    (times are clamped to the latest stored end), so steps never create negative or doubled time;
  - idle backdating: going idle ends activity at the last input (now - idle seconds), not at the
    threshold, truncating recently closed spans if the last input is older than the current span.
Consecutive samples with the same (app, title, state) merge into one span. Spans are upserted by a
random id, so re-emitting a span (its end moved) replaces it everywhere downstream.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

STEP_TOLERANCE = 2.0  # s of wall-vs-boottime disagreement per tick that counts as a clock step
SLEEP_TOLERANCE = 2.0  # s of boottime-minus-monotonic per tick that counts as a suspend
RECENT = 8  # closed spans kept for idle backdating


@dataclass(frozen=True)
class Tick:
    wall: float
    mono: float
    boot: float


@dataclass(frozen=True)
class Sample:
    """One observation after privacy rules: who is in front, seconds since input, locked."""

    app: str | None
    title: str | None
    idle: float | None = 0.0  # seconds since the last input; None = unknown (counts as active)
    locked: bool = False
    exe: str | None = None
    changed: float | None = None  # seconds since the window/title changed, when the source knows


@dataclass
class Span:
    id: str
    start: float  # UTC epoch seconds
    end: float
    app: str | None
    title: str | None
    state: str  # active | idle | locked | asleep
    exe: str | None = None

    @property
    def key(self) -> tuple:
        return (self.app, self.title, self.state)

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


def new_span_id() -> str:
    return uuid.uuid4().hex


class SpanBuilder:
    """Feed ticks and samples; get back the spans that changed (closed or re-truncated)."""

    def __init__(self, idle_after: float, new_id: Callable[[], str] = new_span_id):
        self.idle_after = idle_after
        self.new_id = new_id
        self.current: Span | None = None
        self.recent: list[Span] = []  # closed spans, newest last
        self.t: float | None = None  # timeline time of the last tick
        self.prev: Tick | None = None
        self.watermark = float("-inf")  # the latest end ever emitted: nothing is recorded before it

    # -- time ---------------------------------------------------------------------------------
    def _advance(self, tick: Tick, out: list[Span]) -> float:
        """Move the timeline to TICK; handles suspend and clock steps. Returns the new time."""
        if self.prev is None or self.t is None:
            t = max(tick.wall, self.watermark)
        else:
            dmono = max(0.0, tick.mono - self.prev.mono)
            dboot = max(0.0, tick.boot - self.prev.boot)
            slept = dboot - dmono
            step = (tick.wall - tick.boot) - (self.prev.wall - self.prev.boot)
            t = self.t
            if slept > SLEEP_TOLERANCE:
                # The current span ended at the last sample before the suspend.
                self._close(t, out)
                asleep = Span(self.new_id(), t, t + slept, None, None, "asleep")
                self._emit(asleep, out)
                t = asleep.end
            if abs(step) > STEP_TOLERANCE:
                awake = dmono if slept > SLEEP_TOLERANCE else dboot
                if self.current is not None:
                    self.current.end = max(self.current.end, t + awake)
                    self.watermark = max(self.watermark, self.current.end)
                self._close(None, out)
                t = max(tick.wall, self.watermark)
            else:
                t = max(tick.wall, t, self.watermark)
        self.prev, self.t = tick, t
        return t

    # -- spans --------------------------------------------------------------------------------
    def _emit(self, span: Span, out: list[Span]) -> None:
        self.watermark = max(self.watermark, span.end)
        out.append(span)
        self.recent.append(span)
        del self.recent[:-RECENT]

    def _close(self, end: float | None, out: list[Span]) -> None:
        if self.current is None:
            return
        if end is not None:
            self.current.end = max(self.current.start, end)
        span, self.current = self.current, None
        self._emit(span, out)

    def _open(self, start: float, t: float, sample: Sample, state: str) -> None:
        keep = state in ("active", "idle")
        self.current = Span(
            self.new_id(),
            start,
            max(start, t),
            sample.app if keep else None,
            sample.title if keep else None,
            state,
            sample.exe if keep else None,
        )
        self.watermark = max(self.watermark, self.current.end)

    def _backdate(self, at: float, out: list[Span]) -> float:
        """Truncate closed spans that ran past AT (the last input); returns AT clamped to them."""
        floor = at
        for span in reversed(self.recent):
            if span.end <= at:
                break
            if span.state not in ("active",):
                floor = max(floor, span.end)  # never rewrite asleep/locked time
                break
            span.end = max(span.start, at)
            out.append(replace(span))
        return floor

    def state_of(self, sample: Sample) -> str:
        if sample.locked:
            return "locked"
        if sample.idle is not None and sample.idle >= self.idle_after:
            return "idle"
        return "active"

    def update(self, tick: Tick, sample: Sample) -> list[Span]:
        """Account for SAMPLE seen at TICK. Returns spans closed or changed (to store)."""
        out: list[Span] = []
        self.prev_t = self.t if self.t is not None else float("-inf")
        t = self._advance(tick, out)
        state = self.state_of(sample)
        cur = self.current
        key = (sample.app, sample.title, state) if state in ("active", "idle") else (None, None, state)
        if cur is None:
            self._open(t, t, sample, state)
        elif cur.key == key:
            cur.end = max(cur.end, t)
            self.watermark = max(self.watermark, cur.end)
        else:
            boundary = t
            if sample.changed is not None and state == cur.state == "active":
                # An event source told us when the change happened: split there (within this tick).
                boundary = min(t, max(cur.start, self.prev_t, t - sample.changed))
            if sample.idle is not None and (
                (state == "idle" and cur.state == "active") or (state == "active" and cur.state == "idle")
            ):
                # Idle starts at the last input; activity resumes at the input that ended idleness.
                boundary = min(t, max(t - sample.idle, self.watermark if cur.state != "active" else float("-inf")))
                if boundary < cur.start:
                    if cur.state == "active":
                        cur.end = cur.start
                        self._close(None, out)
                        boundary = self._backdate(boundary, out)
                    else:
                        boundary = cur.start
            if self.current is not None:
                self._close(boundary, out)
            self._open(boundary, t, sample, state)
        return out

    def flush(self) -> list[Span]:
        """Close the current span at the last sample (shutdown, lost display)."""
        out: list[Span] = []
        self._close(None, out)
        return out
