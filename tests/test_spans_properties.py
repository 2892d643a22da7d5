"""Properties of the span builder under arbitrary samples, clock steps and suspends (issue 17).

Spans are stored by id, the last version winning, as the daemon's queue and the database do. Whatever
happens, the stored spans never overlap, add up to no more than the time that really passed and
(apart from the awake part of a tick that slept) to no less, so no clock step loses time; and going
idle leaves no active time after the last input, however many windows and titles came and went;
and watching time (a video playing in front, no input: issue 15) is never relabelled idle.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.spans import SLEEP_TOLERANCE, STEP_TOLERANCE, Sample, Span, SpanBuilder, Tick

T0 = 1_780_000_000.0
EPS = 1e-6

# Deterministic: the same examples on every run and machine, and no deadline on a busy machine.
PROPS = settings(derandomize=True, deadline=None, max_examples=400, database=None)

apps = st.sampled_from(["term", "firefox", "code", None])
titles = st.sampled_from(["a", "b", "(3) chat", "make: [12/80]", None])
fraction = st.floats(0.0, 1.0)
run = st.tuples(
    st.just("run"),
    st.floats(0.05, 40.0),  # seconds until the sample
    apps,
    titles,
    st.none() | fraction,  # input at this fraction of the run, or none
    st.booleans() | st.just(False),  # locked (less often than not)
    st.none() | fraction,  # the source says the window changed this fraction of the run ago
    st.booleans(),  # the front window's media player plays
)
suspend = st.tuples(st.just("suspend"), st.floats(SLEEP_TOLERANCE + 0.5, 20_000.0))
step = st.tuples(st.just("step"), st.floats(STEP_TOLERANCE + 0.5, 1e6) | st.floats(-1e6, -(STEP_TOLERANCE + 0.5)))
events = st.lists(st.one_of(run, run, run, suspend, step), max_size=80)


@dataclass
class Sim:
    """The three clocks and the input, moved by the events; feeds a builder, keeps what it stored."""

    idle_after: float
    wall: float = T0
    mono: float = 1000.0
    boot: float = 1000.0
    last_input: float = 1000.0  # monotonic, like the daemon's idle reading
    first_boot: float | None = None
    last_boot: float | None = None  # boottime at the first and the last sample
    unaccounted: float = 0.0  # awake seconds of ticks that slept: the builder cannot place them
    slept_since_tick: float = 0.0
    stored: dict[str, Span] = field(default_factory=dict)

    def __post_init__(self):
        ids = (f"s{i}" for i in itertools.count())
        self.b = SpanBuilder(self.idle_after, new_id=lambda: next(ids))

    def apply(self, ev) -> None:
        if ev[0] == "suspend":
            self.wall += ev[1]
            self.boot += ev[1]
            self.slept_since_tick += ev[1]
        elif ev[0] == "step":
            self.wall += ev[1]
        else:
            _, dt, app, title, input_at, locked, changed, playing = ev
            if input_at is not None:
                self.last_input = self.mono + input_at * dt
            self.wall += dt
            self.mono += dt
            self.boot += dt
            if self.slept_since_tick > SLEEP_TOLERANCE and self.first_boot is not None:
                self.unaccounted += dt
            idle = self.mono - self.last_input
            self.sample(
                Sample(app, title, idle, locked, changed=None if changed is None else changed * dt, playing=playing)
            )

    def sample(self, s: Sample) -> None:
        if self.first_boot is None:
            self.first_boot = self.boot
        self.last_boot, self.slept_since_tick = self.boot, 0.0
        for span in self.b.update(Tick(self.wall, self.mono, self.boot), s):
            self.stored[span.id] = span

    def spans(self) -> list[Span]:
        cur = [self.b.current] if self.b.current else []
        return sorted([*self.stored.values(), *cur], key=lambda s: (s.start, s.end))

    def elapsed(self) -> float:
        return 0.0 if self.first_boot is None or self.last_boot is None else self.last_boot - self.first_boot


def total(spans, state=None) -> float:
    return sum(s.end - s.start for s in spans if state is None or s.state == state)


def check_invariants(sim: Sim) -> None:
    spans = sim.spans()
    assert all(s.end >= s.start for s in spans), spans
    reach = float("-inf")
    for s in spans:
        if s.end > s.start:
            assert s.start >= reach - EPS, f"{s} overlaps a span that runs until {reach}"
            reach = max(reach, s.end)
    covered = total(spans)
    assert covered <= sim.elapsed() + EPS, (covered, sim.elapsed())
    # Nothing lost: clock steps either way, idle backdating and lock changes keep every second.
    assert covered >= sim.elapsed() - sim.unaccounted - EPS, (covered, sim.elapsed(), sim.unaccounted)


@PROPS
@given(st.floats(1.0, 300.0), events)
def test_spans_never_overlap_and_add_up_to_the_time_that_passed(idle_after, evs):
    sim = Sim(idle_after)
    for ev in evs:
        sim.apply(ev)
        check_invariants(sim)
    for span in sim.b.flush():
        sim.stored[span.id] = span
    check_invariants(sim)


no_input_run = st.tuples(st.floats(0.05, 5.0), apps, titles, st.none() | fraction)


@PROPS
@given(
    st.floats(1.0, 200.0),
    events,
    st.lists(no_input_run | st.tuples(st.floats(-1e5, -(STEP_TOLERANCE + 0.5))), max_size=300),
)
def test_going_idle_leaves_no_active_time_after_the_last_input(idle_after, before, stretch):
    """Any number of window and title changes (and backward clock steps) between the last input
    and the idle threshold: once idle, none of that time is active."""
    sim = Sim(idle_after)
    for ev in before:
        sim.apply(ev)
    sim.last_input = sim.mono
    sim.sample(Sample("term", "typing", 0.0))
    active = total(sim.spans(), "active")
    for ev in [*stretch, (idle_after + 1.0, "term", "done", None)]:
        if len(ev) == 1:
            sim.wall += ev[0]
            continue
        dt, app, title, changed = ev
        sim.wall += dt
        sim.mono += dt
        sim.boot += dt
        sim.sample(Sample(app, title, sim.mono - sim.last_input, changed=None if changed is None else changed * dt))
    assert sim.b.current is not None and sim.b.current.state == "idle"
    assert abs(total(sim.spans(), "active") - active) < EPS
    check_invariants(sim)


@PROPS
@given(st.floats(1.0, 300.0), events)
def test_watching_time_is_never_relabelled(idle_after, evs):
    """Once a span is recorded as watching, every later version of it (by id) is watching and at
    least as long: idle backdating, clock steps and suspends never turn it into idle."""
    sim = Sim(idle_after)
    watched: dict[str, float] = {}
    for ev in evs:
        sim.apply(ev)
        for s in sim.spans():
            if s.id in watched:
                assert s.state == "watching" and s.seconds >= watched[s.id] - EPS, s
            if s.state == "watching":
                watched[s.id] = s.seconds
        check_invariants(sim)
