"""The daemon loop in-process with injected clock, sampler and queue: time is a parameter."""

from __future__ import annotations

import io
import itertools
import sqlite3

from tracker import config as config_mod
from tracker.daemon.loop import Daemon, Log, Settings
from tracker.daemon.queue import Queue
from tracker.domain.spans import Tick
from tracker.sampling import Observation, Window

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
