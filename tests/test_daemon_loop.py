"""The daemon loop in-process with injected clock, sampler and queue: time is a parameter."""

from __future__ import annotations

import io
import itertools
import os
import sqlite3

from tracker import config as config_mod
from tracker.daemon.loop import Daemon, Log, Settings
from tracker.daemon.queue import Queue
from tracker.domain.spans import Tick
from tracker.sampling import Observation, Window
from x11_fixtures import daemon_factory  # noqa: F401 (fixture)

T0 = 1_780_000_000.0


class SteppedClock:
    """Advances 1 s per tick; the test schedules a suspend or a wall-clock step at tick N."""

    def __init__(self, events):
        self.n, self.events = 0, events
        self.wall, self.mono, self.boot = T0, 100.0, 100.0

    def tick(self):
        kind, secs = self.events.get(self.n, (None, 0))
        if kind == "suspend":
            self.wall += secs
            self.boot += secs
        elif kind == "step":
            self.wall += secs
        t = Tick(self.wall, self.mono, self.boot)
        self.n += 1
        self.wall += 1
        self.mono += 1
        self.boot += 1
        return t


class ListSampler:
    """Returns the given observations in turn; asks the daemon to stop after the last one."""

    name, idle_source = "list", "script"

    def __init__(self, apps, daemon_ref):
        self.apps, self.i, self.ref = apps, 0, daemon_ref

    def observe(self):
        app = self.apps[min(self.i, len(self.apps) - 1)]
        self.i += 1
        return Observation(window=Window(app, f"{app} title"), last_input=None)

    def wait(self, timeout, wake_fd=None):
        if self.i >= len(self.apps):
            self.ref[0].stop = True

    def close(self):
        pass


def run_loop(tmp_path, apps, events, privacy=None):
    privacy = config_mod.Privacy() if privacy is None else privacy
    ref = []
    sampler = ListSampler(apps, ref)
    q = Queue(tmp_path / "q.sqlite3")
    log = io.StringIO()
    d = Daemon(
        settings=Settings(interval=0.0, idle_after=180, drain_every=600, privacy=privacy),
        open_sampler=lambda: sampler,
        queue=q,
        status_path=tmp_path / "daemon.json",
        log=Log(stream=log, level="debug", journal=False),
        clock=SteppedClock(events),
    )
    ref.append(d)
    assert d.run() == 0
    con = sqlite3.connect(tmp_path / "q.sqlite3")
    rows = con.execute('SELECT app, state, start - ?, "end" - ?, closed FROM spans ORDER BY start', [T0, T0]).fetchall()
    return rows, log.getvalue()


def test_suspend_in_the_loop_becomes_asleep(tmp_path):
    rows, log = run_loop(tmp_path, ["a"] * 5 + ["b"] * 3, {5: ("suspend", 600)})
    # a: samples at 0..4, the suspend is seen at the 6th tick (wall 605)
    assert rows == [("a", "active", 0, 4, 1), (None, "asleep", 4, 604, 1), ("b", "active", 605, 608, 1)]
    assert "stopped" in log


def test_wall_clock_step_back_in_the_loop_never_overlaps(tmp_path):
    rows, _log = run_loop(tmp_path, ["a"] * 10 + ["b"] * 10, {10: ("step", -5)})
    assert rows[0][:2] == ("a", "active")
    for prev, nxt in itertools.pairwise(rows):
        assert prev[3] <= nxt[2]
    assert all(r[4] == 1 for r in rows)  # shutdown closed everything


def test_privacy_is_applied_before_the_queue(tmp_path):
    p = config_mod.parse({"privacy": {"titles": "redact", "exclude": [{"app": "^b$"}]}}).privacy
    rows, _log = run_loop(tmp_path, ["a", "a", "b", "b", "a"], {}, privacy=p)
    assert [r[:2] for r in rows] == [("a", "active"), ("excluded", "active"), ("a", "active")]
    con = sqlite3.connect(tmp_path / "q.sqlite3")
    assert con.execute("SELECT count(*) FROM spans WHERE title IS NOT NULL").fetchone()[0] == 0


def test_a_backend_that_fails_to_start_is_retried_not_a_crash(tmp_path):
    ref, attempts = [], []
    sampler = ListSampler(["a", "a", "a"], ref)

    def flaky_open():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("extension query failed")
        return sampler

    log = io.StringIO()
    d = Daemon(
        settings=Settings(interval=0.0, idle_after=180, drain_every=600, privacy=config_mod.Privacy()),
        open_sampler=flaky_open,
        queue=Queue(tmp_path / "q.sqlite3"),
        status_path=tmp_path / "daemon.json",
        log=Log(stream=log, level="info", journal=False),
        clock=SteppedClock({}),
    )
    ref.append(d)
    assert d.run() == 0
    lines = log.getvalue().splitlines()
    assert (
        "ERROR backend failed to start: RuntimeError: extension query failed; recording nothing, retrying in 1 s"
        in lines
    )
    assert "INFO sampling with backend list" in lines
    assert len(attempts) == 2


class FlakyQueue(Queue):
    """A real queue whose writes fail for a while (disk full), then work again."""

    def __init__(self, path, fail_calls):
        super().__init__(path)
        self.calls, self.fail_calls = 0, fail_calls

    def put(self, spans, closed):
        self.calls += 1
        if self.calls in self.fail_calls:
            raise sqlite3.OperationalError("database or disk is full")
        super().put(spans, closed)


def test_a_failing_queue_write_keeps_the_spans_for_the_next_one(tmp_path):
    ref = []
    sampler = ListSampler(["a", "a", "b", "b", "c", "c", "c"], ref)
    log = io.StringIO()
    q = FlakyQueue(tmp_path / "q.sqlite3", fail_calls={3, 4, 5})
    d = Daemon(
        settings=Settings(interval=0.0, idle_after=180, drain_every=600, privacy=config_mod.Privacy()),
        open_sampler=lambda: sampler,
        queue=q,
        status_path=tmp_path / "daemon.json",
        log=Log(stream=log, level="info", journal=False),
        clock=SteppedClock({}),
    )
    ref.append(d)
    assert d.run() == 0
    assert "ERROR cannot write the queue" in log.getvalue()
    con = sqlite3.connect(tmp_path / "q.sqlite3")
    rows = con.execute('SELECT app, start - ?, "end" - ?, closed FROM spans ORDER BY start', [T0, T0]).fetchall()
    assert rows == [("a", 0, 2, 1), ("b", 2, 4, 1), ("c", 4, 7, 1)]


def test_debug_logging_says_when_a_span_starts_without_its_title(tmp_path):
    _rows, log = run_loop(tmp_path, ["a", "a", "b"], {})
    lines = log.splitlines()
    assert "DEBUG new span: active, app a" in lines and "DEBUG new span: active, app b" in lines
    assert not any("title" in line for line in lines)  # ListSampler titles are "<app> title"
    quiet = io.StringIO()
    Log(stream=quiet, level="info", journal=False)("debug", "new span: active, app a")
    assert quiet.getvalue() == ""


class PlayingSampler(ListSampler):
    """The same window all along, the last input at the start, its player playing (issue 15)."""

    def observe(self):
        self.i += 1
        return Observation(window=Window("mpv", "film"), last_input=100.0, playing=True)


def test_watching_in_the_loop_and_the_config_switch_on_reload(tmp_path):
    """No input past idle_after with the front window's player playing is `watching`; a reload
    that sets daemon.count_watching = false makes the rest idle, and turns the media watcher off."""
    from tracker.sampling.mpris import MediaWatch

    cfg = tmp_path / "config.toml"
    cfg.write_text("[daemon]\nidle_after = 10\n")
    ref: list = []
    sampler = PlayingSampler(["mpv"] * 40, ref)
    media = MediaWatch(env={})  # no session bus: off, never raising
    d = Daemon(
        settings=Settings(interval=0.0, idle_after=10, drain_every=600, privacy=config_mod.Privacy()),
        open_sampler=lambda: sampler,
        queue=Queue(tmp_path / "q.sqlite3"),
        status_path=tmp_path / "daemon.json",
        log=Log(stream=io.StringIO(), level="debug", journal=False),
        clock=SteppedClock({}),
        reload_config=lambda: config_mod.load(cfg),
        media=media,
    )
    ref.append(d)

    def wait(timeout, wake_fd=None):
        if sampler.i == 20:  # SIGHUP after the 20th sample, with the switch off
            cfg.write_text("[daemon]\nidle_after = 10\ncount_watching = false\n")
            d.request_reload()
        ListSampler.wait(sampler, timeout, wake_fd)

    sampler.wait = wait
    assert d.run() == 0
    rows = sqlite3.connect(tmp_path / "q.sqlite3").execute(
        'SELECT state, start - ?, "end" - ? FROM spans ORDER BY start', [T0, T0]
    )
    # Samples at 0, 1, 2 ... s (mono 100, 101 ...): idle_after passes at the 11th; the switch at the 21st.
    assert rows.fetchall() == [
        ("active", 0, 10),
        ("watching", 10, 20),
        ("idle", 20, 40),
    ]  # 40: the last sample at shutdown
    assert d.settings.count_watching is False and media.enabled is False


# -- waking: timers and events, counted through the injected clock and sampler (issue 14) --------


class VirtualClock:
    """Monotonic time that only the sampler's wait advances: the loop's wakes are counted, never timed."""

    def __init__(self):
        self.mono = 100.0

    def monotonic(self):
        return self.mono

    def tick(self):
        return Tick(T0 + self.mono - 100.0, self.mono, self.mono)


class QuietSampler:
    """An event-driven sampler on a desktop where nothing happens: deadline() None, no fd ever
    readable, so every wait lasts its whole timeout. SCRIPT(mono) gives (app, last_input) at a time."""

    name, idle_source = "quiet", "script"

    def __init__(self, clock, until, script, deadline=None):
        self.clock, self.until, self.script = clock, until, script
        self.next_change = deadline  # DEADLINE(mono): the sampler's own deadline, None = events only
        self.observed: list[float] = []
        self.daemon = None

    def deadline(self):
        return None if self.next_change is None else self.next_change(self.clock.mono)

    def observe(self):
        self.observed.append(self.clock.mono)
        app, last_input = self.script(self.clock.mono)
        return Observation(window=Window(app, f"{app} title"), last_input=last_input)

    def wait(self, timeout, wake_fd=None):
        self.clock.mono += timeout
        if self.clock.mono >= self.until:
            self.daemon.stop = True

    def close(self):
        pass


class CountingQueue(Queue):
    """A real queue with a real heartbeat file that counts what the loop writes."""

    def __init__(self, path, heartbeat):
        super().__init__(path, heartbeat=heartbeat)
        self.puts, self.beats = 0, 0

    def put(self, spans, closed):
        self.puts += 1
        super().put(spans, closed)

    def beat(self, span):
        self.beats += 1
        super().beat(span)


def quiet_daemon(tmp_path, sampler, clock, watchdog_usec=None, spawn_drain=None, drain_every=86400):
    from tracker.daemon.sdnotify import Notifier

    q = CountingQueue(tmp_path / "q.sqlite3", tmp_path / "hb")
    d = Daemon(
        settings=Settings(interval=1.0, idle_after=180, drain_every=drain_every, privacy=config_mod.Privacy()),
        open_sampler=lambda: sampler,
        queue=q,
        status_path=tmp_path / "daemon.json",
        log=Log(stream=io.StringIO(), level="debug", journal=False),
        clock=clock,
        notifier=Notifier(env={"WATCHDOG_USEC": watchdog_usec} if watchdog_usec else {}),
        spawn_drain=spawn_drain,
    )
    sampler.daemon = d
    return d, q


def test_a_quiet_idle_desktop_is_sampled_and_beats_only_at_the_watchdogs_pace(tmp_path):
    clock = VirtualClock()
    # Idle all along (the last input long before the start): no screen time, nothing changes.
    sampler = QuietSampler(clock, until=100.0 + 600, script=lambda t: ("a", -1000.0))
    d, q = quiet_daemon(tmp_path, sampler, clock, watchdog_usec="30000000")  # WatchdogSec=30: a ping every 15 s
    assert d.run() == 0
    gaps = [b - a for a, b in itertools.pairwise(sampler.observed)]
    # 600 s at one wake per 15 s (and one more for the WAL checkpoint a minute after the first write)
    assert len(sampler.observed) <= 600 / 15 + 3, sampler.observed
    assert sum(1 for g in gaps if g < 15 - 0.01) <= 1, gaps  # the checkpoint's wake: the only other timer
    assert q.beats <= len(sampler.observed)  # a heartbeat per watchdog ping, none in between
    assert q.puts <= 3  # the span when it opened, and at shutdown: no minutely write while nothing counts


def test_without_a_watchdog_a_quiet_idle_desktop_is_not_sampled_at_all(tmp_path):
    clock = VirtualClock()
    sampler = QuietSampler(clock, until=100.0 + 3 * 3600, script=lambda t: ("a", -1000.0))
    d, q = quiet_daemon(tmp_path, sampler, clock)
    assert d.run() == 0
    # The first sample, the WAL checkpoint a minute later, then the longest sleep (an hour) at a time.
    assert len(sampler.observed) <= 2 + 3, sampler.observed
    assert q.beats <= 2


def test_screen_time_beats_every_two_seconds_and_reaches_sqlite_every_minute(tmp_path):
    from tracker.daemon import queue as queue_mod
    from tracker.daemon.loop import HEARTBEAT_EVERY

    clock = VirtualClock()
    # Active all along (last_input None: input less than idle_after ago), deadline() None.
    ends = []

    def watch(t):
        rows = queue_mod.spans(tmp_path / "q.sqlite3")
        ends.append((t, rows[-1][5] if rows else None))
        return ("a", None)

    sampler = QuietSampler(clock, until=100.0 + 300, script=watch)
    d, q = quiet_daemon(tmp_path, sampler, clock)
    assert d.run() == 0
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(sampler.observed)]
    assert set(gaps) <= {HEARTBEAT_EVERY, 0.05}, gaps  # the heartbeat's pace; 0.05: MIN_GAP after the checkpoint
    assert len(sampler.observed) <= 300 / HEARTBEAT_EVERY + 3
    assert 300 / HEARTBEAT_EVERY - 2 <= q.beats <= len(sampler.observed)
    assert q.puts <= 300 / 60 + 2
    # What a reader sees at each sample: the end of the sample before it, at most one heartbeat old.
    for (_t, end), (t_prev, _e) in zip(ends[2:], ends[1:]):
        assert end is not None and end >= T0 + (t_prev - 100.0) - 1e-6


class Recorder:
    """spawn_drain for tests: a real short-lived child (true) per call; records when, and what
    the queue held then."""

    def __init__(self, clock, queue_file):
        self.clock, self.queue_file, self.calls = clock, queue_file, []

    def __call__(self):
        from tracker.daemon import queue as queue_mod

        self.calls.append((self.clock.mono, [(r[3], r[6]) for r in queue_mod.spans(self.queue_file)]))
        return os.posix_spawn("/bin/true", ["true"], os.environ)


def away_script(away_s):
    """Active until mono 110, no input from then on for AWAY_S, then input again."""
    back = 110.0 + away_s

    def script(t):
        return ("a", None) if t < 110.0 or t >= back else ("a", 110.0)

    def deadline(t):  # an idle source with alarms: idle_after after the last input, and the return
        return next((x for x in (110.0 + 180, back) if x > t), None)

    return script, deadline, back


def test_a_return_after_thirty_minutes_away_drains_and_nudges_at_once(tmp_path):
    clock = VirtualClock()
    script, deadline, back = away_script(31 * 60)
    sampler = QuietSampler(clock, until=back + 30, script=script, deadline=deadline)
    rec = Recorder(clock, tmp_path / "q.sqlite3")
    d, _q = quiet_daemon(tmp_path, sampler, clock, spawn_drain=rec)
    assert d.run() == 0
    drains = [c for c in rec.calls if c[0] < back + 30]
    assert [t for t, _rows in drains][:1] == [back], rec.calls  # at the sample that saw the return
    # The absence is in the queue, closed, when the drain starts: the nudge can ask about it.
    assert ("idle", 1) in drains[0][1]
    assert len(rec.calls) == 2  # that one, and shutdown's final drain


def test_a_shorter_absence_waits_for_the_hourly_drain(tmp_path):
    clock = VirtualClock()
    script, deadline, back = away_script(29 * 60)
    sampler = QuietSampler(clock, until=back + 30, script=script, deadline=deadline)
    rec = Recorder(clock, tmp_path / "q.sqlite3")
    d, _q = quiet_daemon(tmp_path, sampler, clock, spawn_drain=rec)
    assert d.run() == 0
    assert len(rec.calls) == 1  # shutdown's final drain only


HOLD = "import sys, duckdb\ncon = duckdb.connect(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.read()\n"


def test_a_finished_drain_child_wakes_the_daemon_by_sigchld(tmp_path, daemon_factory, app):
    """Locked (no heartbeat), the sampler polled once a minute, the drain every 5 s: the drain
    child fails on a busy database, and the daemon says so long before any timer would wake it."""
    import json
    import subprocess
    import sys

    from tracker.store import connect
    from x11_fixtures import wait_for

    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "doc"], [0.3, None, None, "locked"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "OFFSCREEN_DB_WAIT": "0.3"}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LOG_LEVEL"):
        env.pop(var, None)
    app.paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    app.paths.config_file.write_text("[daemon]\ndrain_every = 5\n[nudges]\nenabled = false\n")
    with connect(app.paths.db):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(app.paths.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        d = daemon_factory(env, "--interval", 60)
        d.wait_status(lambda s: s["state"] == "locked", timeout=15)
        # The drain starts at 5 s and fails within a second or two; without SIGCHLD the next wake
        # would be the sampler's minute (or the WAL checkpoint's, a minute after the first write).
        wait_for(lambda: "drain child exited 1" in d.text(), timeout=30, what="the drain child reaped")
        assert d.p.poll() is None
    finally:
        holder.stdin.close()
        holder.wait()
    assert d.stop() == 0


def test_without_a_display_a_due_logind_retry_never_makes_the_loop_spin(tmp_path):
    # logind failed once (no system bus) and its retry time has passed; then the display goes away.
    # Nothing asks logind again until a sampler exists, so its deadline must not be waited for: a
    # wait of 0 s again and again was a busy loop (found in review).
    from tracker.sampling import NoDisplay
    from tracker.sampling.logind import LockHint, LogindError

    clock = VirtualClock()

    def nodisplay():
        raise NoDisplay("no display")

    def no_bus(addr):
        raise LogindError("no system bus")

    hint = LockHint(connect=no_bus)
    hint.retry_at = clock.mono - 1.0
    q = Queue(tmp_path / "q.sqlite3")
    d = Daemon(
        settings=Settings(interval=1.0, idle_after=180, drain_every=3600, privacy=config_mod.Privacy()),
        open_sampler=nodisplay,
        queue=q,
        status_path=tmp_path / "daemon.json",
        log=Log(stream=io.StringIO(), level="debug", journal=False),
        clock=clock,
        lock_hint=hint,
    )
    waits: list[float] = []

    def wait(timeout):
        waits.append(timeout)
        clock.mono += timeout
        if clock.mono >= 100.0 + 600 or len(waits) > 10_000:
            d.stop = True

    d._wait = wait
    assert d.run() == 0
    # 600 s without a display: the backend retried at 1, 2, 4 ... 60 s, nothing in between.
    assert len(waits) <= 30, (len(waits), waits[:20])
    assert min(waits) > 0


def test_a_sample_that_keeps_failing_is_retried_at_the_interval_not_at_once(tmp_path):
    # X11 wants a re-read MIN_GAP after a read that did not finish; if the same error repeats
    # (a window whose properties cannot be read), that must not become 20 tries a second.
    clock = VirtualClock()

    class Failing(QuietSampler):
        def observe(self):
            self.observed.append(self.clock.mono)
            raise RuntimeError("a window that cannot be read")

    sampler = Failing(clock, until=100.0 + 60, script=None, deadline=lambda t: t + 0.05)
    d, _q = quiet_daemon(tmp_path, sampler, clock)
    assert d.run() == 0
    assert 30 <= len(sampler.observed) <= 60 + 3, len(sampler.observed)  # about one a second (interval 1)
