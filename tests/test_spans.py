"""Pure span logic with literal clocks, no mocks: merging, idle backdating, suspend, steps."""

from __future__ import annotations

import itertools

import pytest

from tracker.domain.spans import Sample, Span, SpanBuilder, Tick, new_span_id

T0 = 1_780_000_000.0  # an arbitrary UTC epoch


class Clock:
    """Three clocks moved by hand: wall (stepable), monotonic, boottime (counts suspend)."""

    def __init__(self):
        self.wall, self.mono, self.boot = T0, 1000.0, 1000.0

    def run(self, s):
        self.wall += s
        self.mono += s
        self.boot += s

    def suspend(self, s):
        self.wall += s
        self.boot += s

    def step(self, s):
        self.wall += s

    def tick(self):
        return Tick(self.wall, self.mono, self.boot)


def builder(idle_after=180):
    ids = (f"s{i}" for i in itertools.count(1))
    return SpanBuilder(idle_after, new_id=lambda: next(ids))


def drive(b, clock, script):
    """script: (seconds, Sample) pairs sampled every second. Returns {id: span} stored."""
    stored = {}
    for seconds, sample in script:
        for _ in range(seconds):
            for s in b.update(clock.tick(), sample):
                stored[s.id] = s
            clock.run(1)
    return stored


def table(stored, b):
    spans = list(stored.values()) + ([b.current] if b.current else [])
    return [
        (s.app, s.state, round(s.start - T0, 3), round(s.end - T0, 3))
        for s in sorted(spans, key=lambda s: (s.start, s.end))
        if s.end > s.start
    ]


def A(app, title="t", idle=0.0, locked=False):
    return Sample(app, title, idle, locked)


def test_consecutive_equal_samples_merge_and_changes_split():
    b, c = builder(), Clock()
    stored = drive(b, c, [(5, A("firefox")), (3, A("code")), (2, A("firefox"))])
    assert table(stored, b) == [("firefox", "active", 0, 5), ("code", "active", 5, 8), ("firefox", "active", 8, 9)]
    assert len(stored) == 2  # two closed, one open


def test_title_change_is_a_new_span():
    b, c = builder(), Clock()
    stored = drive(b, c, [(3, A("firefox", "a")), (3, A("firefox", "b"))])
    assert [(s.title, s.start - T0, s.end - T0) for s in stored.values()] == [("a", 0, 3)]
    assert b.current.title == "b"


def test_idle_is_backdated_to_the_last_input():
    b, c = builder(idle_after=10), Clock()
    # active for 20 s, then no input: the idle reading grows 0,1,2,...; idle from the 10th second on
    script = [(20, A("code"))]
    stored = drive(b, c, script)
    for i in range(15):
        for s in b.update(c.tick(), A("code", idle=float(i))):
            stored[s.id] = s
        c.run(1)
    assert table(stored, b) == [("code", "active", 0, 20), ("code", "idle", 20, 34)]


def test_idle_backdating_relabels_recent_spans_and_resume_starts_at_input():
    b, c = builder(idle_after=10), Clock()
    stored = drive(b, c, [(10, A("code"))])
    # last input at t=10; a window pops up at t=15 (focus change without input)
    for i in range(5):
        stored.update({s.id: s for s in b.update(c.tick(), A("code", idle=float(i)))})
        c.run(1)
    for i in range(5, 12):
        stored.update({s.id: s for s in b.update(c.tick(), A("popup", idle=float(i)))})
        c.run(1)
    # input again at t=21.5 -> the sample at t=22 sees idle 0.5
    stored.update({s.id: s for s in b.update(c.tick(), A("popup", idle=0.5))})
    # the code span is split at the last input; the popup never saw input: idle, not active
    assert table(stored, b) == [
        ("code", "active", 0, 10),
        ("code", "idle", 10, 15),
        ("popup", "idle", 15, 21.5),
        ("popup", "active", 21.5, 22),
    ]


def test_suspend_becomes_an_asleep_span_and_never_counts_as_screen_time():
    b, c = builder(), Clock()
    stored = drive(b, c, [(10, A("code"))])
    c.suspend(3600)
    stored.update(drive(b, c, [(5, A("code"))]))
    rows = table(stored, b)
    # the awake second between the last sample and the suspend is the span's; after resume the
    # first sample starts a new span (the state in between is unknown)
    assert rows == [("code", "active", 0, 9), (None, "asleep", 9, 3609), ("code", "active", 3610, 3614)]
    assert sum(r[3] - r[2] for r in rows if r[1] == "active") == 13


def test_forward_clock_step_leaves_a_gap_not_time():
    b, c = builder(), Clock()
    stored = drive(b, c, [(10, A("code"))])
    c.step(7200)
    stored.update(drive(b, c, [(5, A("code"))]))
    rows = table(stored, b)
    assert rows == [("code", "active", 0, 10), ("code", "active", 7210, 7214)]
    assert sum(r[3] - r[2] for r in rows) == 14  # 15 samples, 14 s between them minus the step tick


def test_backward_clock_step_never_doubles_nor_loses_time():
    b, c = builder(), Clock()
    stored = drive(b, c, [(100, A("code"))])
    c.step(-50)
    stored.update(drive(b, c, [(80, A("firefox"))]))
    rows = table(stored, b)
    for a, b_ in itertools.pairwise(rows):
        assert a[3] <= b_[2], rows  # no overlap
    assert all(r[3] >= r[2] for r in rows)
    assert rows[0] == ("code", "active", 0, 100)
    # the 50 s already covered by stored spans are not recorded twice, and none of the 80 s after
    # the step is lost: the timeline runs on, 50 s ahead of the stepped wall clock (issue 17)
    assert rows[-1][1:] == ("active", 100, 179)
    assert sum(r[3] - r[2] for r in rows) == 179


def test_lock_has_no_app_and_is_not_active():
    b, c = builder(), Clock()
    stored = drive(b, c, [(5, A("code")), (10, A("code", locked=True)), (3, A("code"))])
    assert table(stored, b) == [("code", "active", 0, 5), (None, "locked", 5, 15), ("code", "active", 15, 17)]


def test_unknown_idle_counts_as_active_and_flush_closes():
    b, c = builder(), Clock()
    drive(b, c, [(4, A("code", idle=None))])
    out = b.flush()
    assert [(s.app, s.state, s.end - s.start) for s in out] == [("code", "active", 3)]
    assert b.current is None


@pytest.mark.parametrize("interval", [0.2, 1.0, 5.0])
def test_durations_match_within_one_interval(interval):
    b, c = builder(), Clock()
    stored = {}
    plan = [("a", 7.0), ("b", 3.3), ("c", 11.1), ("a", 2.0)]
    t = 0.0
    for app, dur in plan:
        end = t + dur
        while t < end - 1e-9:
            stored.update({s.id: s for s in b.update(c.tick(), A(app))})
            c.run(interval)
            t += interval
    stored.update({s.id: s for s in b.flush()})
    total = {}
    for s in stored.values():
        total[s.app] = total.get(s.app, 0) + s.seconds
    assert total["b"] == pytest.approx(3.3, abs=interval)
    assert total["c"] == pytest.approx(11.1, abs=interval)
    assert total["a"] == pytest.approx(9.0, abs=2 * interval)


def test_a_reported_change_time_places_the_boundary_within_the_tick():
    b, c = builder(), Clock()
    stored = drive(b, c, [(5, A("code"))])  # samples at 0..4; the clock is now at 5
    c.run(4)  # a slow tick: the next sample comes at 9, but the source says the switch was 2.5 s ago
    stored.update({s.id: s for s in b.update(c.tick(), Sample("firefox", "t", 0.0, False, changed=2.5))})
    assert table(stored, b) == [("code", "active", 0, 6.5), ("firefox", "active", 6.5, 9)]
    # never before the previous sample (it still saw code)
    b2, c2 = builder(), Clock()
    stored2 = drive(b2, c2, [(5, A("code"))])
    stored2.update({s.id: s for s in b2.update(c2.tick(), Sample("firefox", "t", 0.0, False, changed=60))})
    assert table(stored2, b2) == [("code", "active", 0, 4), ("firefox", "active", 4, 5)]


def test_idle_after_a_lost_display_still_relabels_what_ran_since_the_last_input():
    b, c = builder(idle_after=10), Clock()
    stored = drive(b, c, [(3, A("code"))])  # input until t=2
    for i in range(1, 6):  # no input, a new title each second, then the display goes away at t=7
        stored.update({s.id: s for s in b.update(c.tick(), A("code", f"t{i}", idle=float(i)))})
        c.run(1)
    stored.update({s.id: s for s in b.flush()})
    c.run(5)  # back at t=13, still no input
    stored.update({s.id: s for s in b.update(c.tick(), A("code", "t9", idle=11.0))})
    rows = table(stored, b)
    assert [r for r in rows if r[1] == "active"] == [("code", "active", 0, 2)], rows
    assert sum(r[3] - r[2] for r in rows) == 7  # 0-7 recorded; the 6 s without a display are not


def test_an_unknown_idle_time_does_not_pass_for_input_now():
    """A Wayland idle notification says nothing until it fires (idle None): when it fires with the
    time since the last input, the activity since that input becomes idle, however long it ran."""
    b = SpanBuilder(idle_after=2.0)
    out = []
    for i in range(20):  # samples every 0.2 s, no idle time known
        t = 1000.0 + i * 0.2
        out += b.update(Tick(t, t, t), Sample(app="a", title="A", idle=None))
    t = 1003.9  # the notification: no input for 2 s, so the last input was at 1001.9
    out += b.update(Tick(t, t, t), Sample(app="a", title="A", idle=2.0))
    assert [(s.start, s.end, s.state) for s in out] == [(1000.0, 1001.9, "active")]
    assert (b.current.start, b.current.state) == (1001.9, "idle")


def test_spans_have_random_32_hex_ids_and_copies_that_stand_alone():
    """Ids keep uuid4().hex's format (os.urandom now: the daemon imports no uuid, issue 14)."""
    ids = {new_span_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 and int(i, 16) >= 0 and i == i.lower() for i in ids)
    span = Span("a" * 32, 1.0, 2.0, "code", "t", "active")
    copy = span.replace(state="idle")
    assert (copy.state, span.state) == ("idle", "active") and copy is not span
    assert copy == Span("a" * 32, 1.0, 2.0, "code", "t", "idle") != span
    assert (
        repr(span) == "Span(id='" + "a" * 32 + "', start=1.0, end=2.0, app='code', title='t', state='active', exe=None)"
    )
