"""Pure span logic: samples with timestamps in, merged spans out. No I/O, no clock, so every case
is a unit test with literal ticks (tests/test_spans.py, tests/test_spans_properties.py).

Every tick carries three clocks (seconds): `wall` (time.time, UTC epoch; may be stepped by NTP
or a user), `mono` (CLOCK_MONOTONIC; stops during suspend) and `boot` (CLOCK_BOOTTIME; keeps
counting during suspend). The builder keeps its own timeline, which never goes back and always
advances by the time that really passed:
  - suspend: boot advanced more than mono -> an `asleep` span for the difference;
  - forward wall-clock step (wall - boot grew by more than STEP_TOLERANCE): the current span
    ends where the monotonic clocks say it did and recording resumes at the new wall time, a gap
    in which no time passed;
  - backward step: the timeline keeps running on the monotonic clocks, ahead of the wall clock
    by the step, until a forward step takes the difference back. Going back would record a
    stretch twice and waiting for the wall clock would lose the step's length of activity
    (issue 17), so the spans of this run stay consistent with the ones already stored;
  - idle backdating: going idle ends activity at the last input (now - idle seconds), not at the
    threshold. Every active span closed since then is relabelled idle (the one the last input
    fell in is split there), however many there were: closed spans are kept until an input
    after their end is seen, and re-emitted by id.
  - watching (issue 15): no input past idle_after while the front window's media player plays
    (`Sample.playing`) is screen time, not idle. It starts at the threshold (the time before it
    stays active), is never relabelled idle (it closes the stretch idle backdating may rewrite),
    and ends at the sample that sees the pause, the other window or the lock.
Consecutive samples with the same (app, title, state) merge into one span. Spans are upserted by a
random id, so re-emitting a span (its end or state changed) replaces it everywhere downstream.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

STEP_TOLERANCE = 2.0  # s of wall-vs-boottime disagreement per tick that counts as a clock step
SLEEP_TOLERANCE = 2.0  # s of boottime-minus-monotonic per tick that counts as a suspend
# Closed spans kept for idle backdating. Only those closed since the last input are kept, at most
# idle_after / the daemon's 0.05 s minimum gap between samples; the cap bounds memory beyond that
# (older ones are then treated as seen with input: time counted active, never twice).
RECENT_MAX = 4096


# The app of a span recorded on a desktop that names no windows to offscreen ("idle only": GNOME
# without the extension, a compositor without a window protocol). Stored as this name so that the
# span stays distinct from "no window in front" (NULL) all the way to the dashboard; the
# parentheses keep it from ever equalling a real Wayland app id or X11 class.
UNKNOWN_APP = "(unknown app)"
UNKNOWN_APP_LABEL = "unknown app: this desktop gives no window names; see offscreen doctor"


# The states that are screen time (today, report, dashboard): one rule, used by tracker/store too.
SCREEN_STATES = ("active", "watching")


def screen_sql(col: str = "state") -> str:
    """SQL that is true for screen time (one rule for every query in tracker/store)."""
    return f"{col} IN ({', '.join(repr(s) for s in SCREEN_STATES)})"


# The states that keep the app and title of the window in front.
WINDOW_STATES = ("active", "idle", "watching")


def app_label(app: str | None) -> str:
    """How an app is shown in today, the report and the dashboard (one rule for the two no-name cases)."""
    if not app:
        return "(no window)"
    return UNKNOWN_APP_LABEL if app == UNKNOWN_APP else app


# Plain tuples and a slotted class, not dataclasses: the daemon imports this module, and
# dataclasses costs it inspect, ast and dis (~1.4 MB of its memory, issue 14).
class Tick(NamedTuple):
    wall: float
    mono: float
    boot: float


class Sample(NamedTuple):
    """One observation after privacy rules: who is in front, seconds since input, locked."""

    app: str | None
    title: str | None
    idle: float | None = 0.0  # seconds since the last input; None = unknown (counts as active)
    locked: bool = False
    exe: str | None = None
    changed: float | None = None  # seconds since the window/title changed, when the source knows
    playing: bool = False  # the front window's media player reports Playing (tracker/domain/watching.py)


class Span:
    """A stretch of one (app, title, state); mutable: the builder extends and relabels the open one."""

    FIELDS = ("id", "start", "end", "app", "title", "state", "exe")  # in the constructor's order
    __slots__ = ("app", "end", "exe", "id", "start", "state", "title")

    def __init__(
        self,
        id: str,
        start: float,  # UTC epoch seconds
        end: float,
        app: str | None,
        title: str | None,
        state: str,  # active | watching | idle | locked | asleep
        exe: str | None = None,
    ):
        self.id, self.start, self.end = id, start, end
        self.app, self.title, self.state, self.exe = app, title, state, exe

    def _fields(self) -> tuple:
        return (self.id, self.start, self.end, self.app, self.title, self.state, self.exe)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value: as a dataclass is

    def __repr__(self) -> str:
        return "Span(" + ", ".join(f"{n}={v!r}" for n, v in zip(self.FIELDS, self._fields(), strict=True)) + ")"

    def replace(self, **changes: object) -> Span:
        """A copy with CHANGES (a new object: the daemon sees that the open span changed)."""
        out = Span(*self._fields())
        for name, value in changes.items():
            setattr(out, name, value)
        return out

    @property
    def key(self) -> tuple:
        return (self.app, self.title, self.state)

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


def new_span_id() -> str:
    """32 random hex digits (the format uuid4().hex had; os.urandom spares the daemon uuid's imports)."""
    return os.urandom(16).hex()


class SpanBuilder:
    """Feed ticks and samples; get back the spans that changed (closed, truncated or relabelled)."""

    def __init__(self, idle_after: float, new_id: Callable[[], str] = new_span_id):
        self.idle_after = idle_after
        self.new_id = new_id
        self.current: Span | None = None
        self.recent: list[Span] = []  # active spans closed after `floor`, oldest first
        self.floor = float("-inf")  # nothing before this is ever rewritten (input seen, or not active)
        self.t: float | None = None  # timeline time of the last tick
        self.prev_t = float("-inf")
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
            awake = dboot
            if slept > SLEEP_TOLERANCE:
                # The current span ended at the last sample before the suspend.
                self._close(t, out)
                asleep = Span(self.new_id(), t, t + slept, None, None, "asleep")
                self._emit(asleep, out)
                t, awake = asleep.end, dmono
            expected = t + awake  # where the timeline is when the wall clock was not stepped
            if step > STEP_TOLERANCE and tick.wall > expected:
                if self.current is not None:
                    self.current.end = max(self.current.end, expected)
                    self.watermark = max(self.watermark, self.current.end)
                self._close(None, out)
                t = tick.wall
            else:
                t = max(tick.wall, expected, self.watermark)
        self.prev, self.t = tick, t
        return t

    # -- spans --------------------------------------------------------------------------------
    def _emit(self, span: Span, out: list[Span]) -> None:
        self.watermark = max(self.watermark, span.end)
        out.append(span)
        if span.state == "active":
            self.recent.append(span)
            if len(self.recent) > RECENT_MAX:
                self._raise_floor(self.recent[-RECENT_MAX - 1].end)
        else:  # idle, locked and asleep time is never rewritten: nothing before it either
            self._raise_floor(span.end)

    def _raise_floor(self, at: float) -> None:
        self.floor = max(self.floor, at)
        keep = 0
        while keep < len(self.recent) and self.recent[keep].end <= self.floor:
            keep += 1
        del self.recent[:keep]

    def _close(self, end: float | None, out: list[Span]) -> None:
        if self.current is None:
            return
        if end is not None:
            self.current.end = max(self.current.start, end)
        span, self.current = self.current, None
        self._emit(span, out)

    def _open(self, start: float, t: float, sample: Sample, state: str) -> None:
        keep = state in WINDOW_STATES
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

    def _idle_since(self, at: float, out: list[Span]) -> float:
        """No input since AT: relabel the active time after it idle, the closed spans (re-emitted by
        id) and the current one, splitting the span AT falls in. Returns AT clamped to `floor`."""
        at = max(at, self.floor)
        redo = [s for s in self.recent if s.end > at]
        self.recent = [s for s in self.recent if s.end <= at]
        for span in redo:
            if span.start < at:  # the last input fell in this span: active until it, idle after
                rest = Span(self.new_id(), at, span.end, span.app, span.title, "idle", span.exe)
                span.end = at
                out += [span.replace(), rest]
            else:
                span.state = "idle"
                out.append(span.replace())
        if redo:
            self._raise_floor(redo[-1].end)
        cur = self.current
        if cur is not None and cur.state == "active" and cur.end > at:
            if cur.start < at:
                rest = Span(self.new_id(), at, cur.end, cur.app, cur.title, "idle", cur.exe)
                self._close(at, out)
                self.current = rest
            else:
                # A new object with the same id: the daemon sees that the open span changed.
                self.current = cur.replace(state="idle")
            self._raise_floor(at)
        return at

    def state_of(self, sample: Sample) -> str:
        if sample.locked:
            return "locked"
        if sample.idle is not None and sample.idle >= self.idle_after:
            return "watching" if sample.playing else "idle"
        return "active"

    def update(self, tick: Tick, sample: Sample) -> list[Span]:
        """Account for SAMPLE seen at TICK. Returns spans closed or changed (to store)."""
        out: list[Span] = []
        self.prev_t = self.t if self.t is not None else float("-inf")
        t = self._advance(tick, out)
        state = self.state_of(sample)
        key = (sample.app, sample.title, state) if state in WINDOW_STATES else (None, None, state)
        if state == "idle" and sample.idle is not None and (self.current is None or self.current.state == "active"):
            # Also with no current span (flushed when the display was lost, or closed by a clock step):
            # the spans closed since the last input are still relabelled.
            last_input = self._idle_since(t - sample.idle, out)
            if self.current is not None and self.current.state == "active":  # it ended before the last input
                self._close(last_input, out)
                self._open(last_input, t, sample, state)
                return out
        cur = self.current
        if cur is None:
            self._open(t, t, sample, state)
        elif cur.key == key:
            cur.end = max(cur.end, t)
            self.watermark = max(self.watermark, cur.end)
        else:
            boundary = t
            if sample.changed is not None and cur.state in (state, "watching"):
                # An event source told us when the change happened: split there (within this tick). A
                # watching span also ends where the front window changed, whatever comes next.
                boundary = min(t, max(cur.start, cur.end, self.prev_t, t - sample.changed))
            if sample.idle is not None and state == "active" and cur.state in ("idle", "watching"):
                # Activity resumes at the input that ended idleness, never before the last sample.
                boundary = min(t, max(t - sample.idle, self.watermark))
            self._close(boundary, out)
            self._open(boundary, t, sample, state)
        if state == "active":
            # Input seen at t - idle: nothing closed before it will ever be relabelled idle. An
            # unknown idle time (a Wayland idle notification that has not fired) says only that the
            # last input was less than idle_after ago.
            self._raise_floor(t - self.idle_after if sample.idle is None else t - sample.idle)
        return out

    def flush(self) -> list[Span]:
        """Close the current span at the last sample (shutdown, lost display)."""
        out: list[Span] = []
        self._close(None, out)
        return out
