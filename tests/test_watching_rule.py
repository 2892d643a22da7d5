"""`watching` without a display: the front-window rule, the span builder, the daemon's sample, the
media watcher's failure policy and the config switch (issue 15)."""

from __future__ import annotations

import io
import os
import select
import subprocess
import time

import pytest

from test_watching import Player, bus  # noqa: F401 (fixture)
from tracker import config as config_mod
from tracker.daemon.loop import Daemon, Log, Settings
from tracker.daemon.queue import Queue
from tracker.domain.spans import Sample, SpanBuilder, Tick, screen_sql
from tracker.domain.watching import descends, front_playing, same_app
from tracker.sampling import Observation, Window
from tracker.sampling.mpris import RETRY_EVERY, MediaWatch
from tracker.sampling.procs import parent_pid

T0 = 1_780_000_000.0
# A browser (100) with a media child (101) and its child (102); a terminal (200) running a player
# (201); 300 is a daemonised player adopted by init.
TREE = {101: 100, 102: 101, 100: 50, 50: 1, 201: 200, 200: 50, 300: 1}


def parent(pid: int) -> int | None:
    return TREE.get(pid)


# -- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window_pid", "window_app", "pids", "apps", "expected"),
    [
        (100, "firefox", {100}, set(), True),  # the window's own process plays
        (100, "firefox", {102}, set(), True),  # a child of a child of the window's process
        (200, "foot", {201}, set(), True),  # a player inside the terminal in front
        (200, "foot", {102}, set(), False),  # the browser plays, the terminal is in front
        (101, "firefox", {100}, set(), False),  # the parent of the window's process is not its player
        (50, "session", {300}, set(), False),  # adopted by init: nobody's child
        (1, "init", {300}, set(), False),  # pid 1 is never a window's player
        (None, "org.mozilla.firefox", set(), {"firefox"}, True),  # no pid (wlr): by app id
        (None, "Firefox", set(), {"firefox"}, True),  # WM_CLASS class, case-insensitively
        (None, "mpv", set(), {"io.mpv.Mpv.desktop"}, True),  # the last part of a reverse-DNS desktop entry
        (None, "mpv", set(), {"mpvplus"}, False),
        (None, "mpv", set(), {"mpv"}, True),
        (400, "code", {201}, {"mpv"}, False),  # background audio: neither process nor app in front
        (None, None, set(), {"mpv"}, False),
    ],
)
def test_front_playing(window_pid, window_app, pids, apps, expected):
    assert front_playing(window_pid, window_app, pids, apps, parent) is expected


def test_descends_stops_after_a_few_levels():
    chain = {i + 1: i for i in range(10, 30)}  # 30 -> 29 -> ... -> 10
    assert descends(14, 10, chain.get)
    assert not descends(30, 10, chain.get)  # twenty levels down: not the window's
    assert same_app("org.gnome.Totem", ["totem"]) and not same_app("", ["x"])


def test_parent_pid_reads_proc():
    assert parent_pid(os.getpid()) == os.getppid()
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert descends(child.pid, os.getpid(), parent_pid)
    finally:
        child.kill()
        child.wait()
    assert parent_pid(2**22 + 1) is None  # above pid_max: no such process


def test_screen_sql_is_the_one_rule():
    assert screen_sql() == "state IN ('active', 'watching')"
    assert screen_sql("a.state") == "a.state IN ('active', 'watching')"


# -- the span builder -----------------------------------------------------------------------------


class Feed:
    """A builder fed at literal times (seconds after T0), with the last input at a literal time."""

    def __init__(self, idle_after=10.0):
        self.b = SpanBuilder(idle_after, new_id=iter(f"s{i}" for i in range(1000)).__next__)
        self.stored: dict = {}
        self.last_input = 0.0

    def at(self, t, app="mpv", title="film", *, playing=False, locked=False, input_=False, changed=None):
        if input_:
            self.last_input = t
        s = Sample(app, title, t - self.last_input, locked, playing=playing, changed=changed)
        for span in self.b.update(Tick(T0 + t, 1000 + t, 1000 + t), s):
            self.stored[span.id] = span
        return self

    def spans(self):
        cur = [self.b.current] if self.b.current else []
        return [
            (s.state, s.app, s.start - T0, s.end - T0)
            for s in sorted([*self.stored.values(), *cur], key=lambda s: s.start)
            if s.end > s.start
        ]


def test_watching_starts_at_the_threshold_and_ends_at_the_pause_without_backdating():
    f = Feed()
    f.at(0, input_=True, playing=True)
    for t in range(1, 31):
        f.at(t, playing=t <= 20)  # Playing until 20 s, Paused from the sample at 21 s
    assert f.spans() == [("active", "mpv", 0, 10), ("watching", "mpv", 10, 21), ("idle", "mpv", 21, 30)]


def test_idle_without_playing_is_backdated_as_before():
    f = Feed()
    f.at(0, input_=True)
    for t in range(1, 16):
        f.at(t)
    assert f.spans() == [("idle", "mpv", 0, 15)]  # from the last input, as before issue 15


def test_input_ends_watching_at_the_input_and_locking_wins():
    f = Feed()
    f.at(0, input_=True, playing=True)
    for t in range(1, 16):
        f.at(t, playing=True)
    f.last_input = 15.5
    f.at(16, playing=True)  # the input at 15.5 s: active use from there
    f.at(17, playing=True)
    for t in range(18, 40):
        f.at(t, playing=True, locked=t >= 30)
    assert f.spans() == [
        ("active", "mpv", 0, 10),
        ("watching", "mpv", 10, 15.5),
        ("active", "mpv", 15.5, 26),  # the first sample past idle_after since the input
        ("watching", "mpv", 26, 30),
        ("locked", None, 30, 39),
    ]


def test_watching_ends_where_the_window_changed_and_is_never_relabelled_idle():
    f = Feed()
    f.at(0, input_=True, playing=True)
    for t in range(1, 15):
        f.at(t, playing=True)
    f.at(15, "code", "x.py", changed=0.5)  # another window came to the front 0.5 s ago
    f.stored.update((s.id, s) for s in f.b.flush())  # the display is lost; then a sample idle again
    for t in range(16, 20):
        f.at(t, "code", "x.py")
    states = f.spans()
    assert states[:3] == [("active", "mpv", 0, 10), ("watching", "mpv", 10, 14.5), ("idle", "code", 14.5, 15)]
    assert sum(e - s for st, _a, s, e in states if st == "watching") == 4.5


def test_playing_with_recent_input_is_active():
    f = Feed()
    for t in range(0, 30, 3):
        f.at(t, input_=True, playing=True)
    assert f.spans() == [("active", "mpv", 0, 27)]


# -- the daemon's sample and the media watcher --------------------------------------------------


def _daemon(tmp_path, count_watching=True, media=None):
    return Daemon(
        settings=Settings(
            interval=1.0, idle_after=10, drain_every=600, privacy=config_mod.Privacy(), count_watching=count_watching
        ),
        open_sampler=lambda: None,
        queue=Queue(tmp_path / "q.sqlite3"),
        status_path=tmp_path / "daemon.json",
        log=Log(stream=io.StringIO(), journal=False),
        media=media,
    )


def _pump(watch: MediaWatch, until, what: str):
    deadline = time.monotonic() + 10
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        if not watch.buffered():
            select.select([watch.fileno()], [], [], 0.1)
        watch.dispatch()


def test_the_daemon_asks_the_players_about_the_front_window(tmp_path, bus):
    watch = MediaWatch(env={"DBUS_SESSION_BUS_ADDRESS": bus})
    watch.poll()
    assert watch.fileno() is not None
    player = Player({**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus}, "tune", "radio", "--no-window", "--playing")
    sibling = subprocess.Popen(["sleep", "60"])  # another window's process: not the player's parent
    try:
        # Its pid, status and names arrive as separate answers: wait for all of them.
        _pump(
            watch,
            lambda: watch.playing_pids() == {player.p.pid} and watch.playing_apps() == {"radio"},
            "the player that appeared",
        )
        d = _daemon(tmp_path, media=watch)
        tick = Tick(T0 + 100, 100.0, 100.0)
        away = 80.0  # monotonic time of the last input: 20 s before, past idle_after
        mine = Observation(Window("Radio", "a song", pid=player.p.pid), last_input=away)
        other = Observation(Window("code", "x.py", pid=sibling.pid), last_input=away)
        assert d._sample(mine, tick).playing and not d._sample(other, tick).playing
        assert d.builder.state_of(d._sample(mine, tick)) == "watching"
        player.send("pause")
        _pump(watch, lambda: not watch.playing_pids(), "the pause")
        assert not d._sample(mine, tick).playing
        player.send("play")
        _pump(watch, watch.playing_pids, "play again")
        off = _daemon(tmp_path, count_watching=False, media=watch)
        assert not off._sample(mine, tick).playing  # the switch: idle as before
        assert not off._sample(Observation(mine.window, away, playing=True), tick).playing
        player.close()
        _pump(watch, lambda: not watch.playing_pids(), "the player gone (NameOwnerChanged)")
    finally:
        player.close()
        sibling.kill()
        sibling.wait()
        watch.close()


def test_without_a_bus_watching_is_off_said_once_and_retried_rarely(tmp_path):
    now = [0.0]
    lines: list[tuple[str, str]] = []
    watch = MediaWatch(
        log=lambda level, msg: lines.append((level, msg)),
        env={"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"},
        clock=lambda: now[0],
    )
    watch.poll()
    watch.dispatch()
    assert watch.fileno() is None and watch.playing_pids() == set() and watch.playing_apps() == set()
    assert [lvl for lvl, _m in lines] == ["info"] and "media players not followed" in lines[0][1]
    now[0] = RETRY_EVERY - 1
    watch.poll()
    assert len(lines) == 1  # not retried before RETRY_EVERY
    now[0] = RETRY_EVERY
    watch.poll()
    assert [lvl for lvl, _m in lines] == ["info", "debug"]  # said once; retries at debug
    watch.set_enabled(False)
    now[0] = 10 * RETRY_EVERY
    watch.poll()
    assert len(lines) == 2  # switched off: no connection tried at all
    quiet = MediaWatch(log=lambda level, msg: lines.append((level, msg)), env={})
    quiet.poll()
    assert "no session bus" in lines[-1][1]


def test_a_bus_that_goes_away_turns_watching_off_not_the_daemon(tmp_path):
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={tmp_path}/bus"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[tuple[str, str]] = []
    watch = MediaWatch(
        log=lambda level, msg: lines.append((level, msg)),
        env={"DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip()},
    )
    try:
        watch.poll()
        assert watch.fileno() is not None and not lines
        bus.kill()
        bus.wait()
        _pump(watch, lambda: watch.fileno() is None, "the lost bus")
        assert lines[0][0] == "info" and "session bus closed" in lines[0][1]
    finally:
        if bus.poll() is None:
            bus.kill()
            bus.wait()
        watch.close()


# -- the config switch ----------------------------------------------------------------------------


def test_count_watching_config():
    assert config_mod.Config().daemon.count_watching is True
    assert config_mod.parse({"daemon": {"count_watching": False}}).daemon.count_watching is False
    with pytest.raises(config_mod.ConfigError, match=r"daemon\.count_watching"):
        config_mod.parse({"daemon": {"count_watching": "no"}})
    sample = config_mod.sample()
    assert "count_watching = true" in sample and "MPRIS" in sample
    assert config_mod.parse(__import__("tomllib").loads(sample)) == config_mod.Config()
