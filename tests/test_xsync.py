"""The X11 sampler on events (issue 14): XSync IDLETIME alarms, screen saver Notify events, the window
manager's death seen by DestroyNotify, and observe() with nothing changed costing no round trip.
Real Xvfb + openbox; input and activation by xdotool."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from x11_fixtures import wait_for, xserver, xserver_nowm  # noqa: F401 (fixtures)

pytestmark = pytest.mark.x11
MS = 0.002  # IDLETIME counts whole milliseconds
NOT_THE_TIMEOUT = 30.0  # wait(60) returning sooner than this returned for an event


def timed(action):
    """Run ACTION; return the monotonic (start, end) around it."""
    start = time.monotonic()
    action()
    return start, time.monotonic()


def requests(s) -> int:
    """The X requests the sampler's connection has sent so far (python-xlib's sequence number)."""
    return s.d.display.request_serial


def quiet(s) -> bool:
    """Only events matter now: the next read without one is the rare safety re-read."""
    from tracker.sampling.x11 import SAFETY_EVERY

    return s.deadline() == s._last_full + SAFETY_EVERY


def until(s, cond, limit=20.0):
    """wait() and observe() until COND(observation) holds; returns (observation, when seen)."""
    deadline = time.monotonic() + limit
    while True:
        obs = s.observe()
        if cond(obs):
            return obs, time.monotonic()
        assert time.monotonic() < deadline, "the sampler never saw it"
        s.wait(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def sampler(xserver):
    from tracker.sampling.x11 import X11Sampler

    made = []

    def make(**kw):
        s = X11Sampler(xserver.display, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def test_idle_at_idle_after_with_the_last_input_then_active_at_the_next_input(xserver, sampler):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    s = sampler(idle_after=2.0)
    assert (s.name, s.idle_source) == ("x11-ewmh", "xsync")
    first = s.observe()
    assert first.window.app == "AlphaApp" and first.last_input is None  # active: less than 2 s ago
    last = timed(xserver.input)
    idle, seen = until(s, lambda o: o.last_input is not None)
    # The last input, to the millisecond, and seen by the alarm, not before idle_after had passed.
    assert last[0] - MS <= idle.last_input <= last[1] + MS, (last, idle.last_input)
    assert seen >= last[0] + 2.0
    assert quiet(s)  # idle: only the next input (an alarm event) matters
    assert s.observe().last_input == idle.last_input  # still idle, the same last input
    back = timed(xserver.input)
    s.wait(60)
    returned = time.monotonic()
    resumed = s.observe()
    assert returned - back[0] < NOT_THE_TIMEOUT  # woken by the alarm
    # The input that ended idleness is reported once (the active span starts there), then "active".
    assert back[0] - MS <= resumed.last_input <= back[1] + MS, (back, resumed.last_input)
    assert s.observe().last_input is None


def test_set_idle_after_arms_the_alarm_again(xserver, sampler):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    s = sampler(idle_after=600.0)
    last = timed(xserver.input)
    assert s.observe().last_input is None
    s.set_idle_after(0.5)  # the threshold drops far below 600 s: idle half a second after that input
    idle, seen = until(s, lambda o: o.last_input is not None)
    assert last[0] - MS <= idle.last_input <= last[1] + MS
    assert seen >= last[0] + 0.5
    s.set_idle_after(600.0)  # 0.5 s without input is not 600 s: active again, with no input
    assert s.observe().last_input is None
    s.set_idle_after(0.3)
    idle2, _seen = until(s, lambda o: o.last_input is not None)
    assert idle2.last_input == pytest.approx(idle.last_input, abs=2 * MS)  # still no input since


def test_screen_saver_on_and_off_come_as_events(xserver, sampler):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    s = sampler(idle_after=600.0)
    assert s.observe().locked is False
    s.wait(0)
    subprocess.run(["xset", "s", "activate"], env=xserver.env, check=True, timeout=10)
    before = requests(s)
    obs, _ = until(s, lambda o: o.locked)
    assert requests(s) == before  # the event said so: no query
    subprocess.run(["xset", "s", "reset"], env=xserver.env, check=True, timeout=10)
    obs, _ = until(s, lambda o: not o.locked)
    assert obs.window.app == "AlphaApp"


def test_a_window_manager_that_dies_is_seen_by_its_event(xserver, sampler):
    from tracker.sampling import x11

    a = xserver.window("AlphaApp")
    xserver.activate(a)
    s = sampler(idle_after=600.0)
    assert s.observe().window.app == "AlphaApp" and s.name == "x11-ewmh"
    s.wait(0)
    killed = time.monotonic()
    xserver.wm.kill()
    xserver.wm.wait()
    until(s, lambda o: s.name == "x11-focus", limit=NOT_THE_TIMEOUT)  # no WM: the focus is polled from now on
    assert time.monotonic() - killed < min(NOT_THE_TIMEOUT, x11.SAFETY_EVERY)  # not the safety re-read
    assert s.deadline() <= s._last_observe + 1.0  # the focus is polled (at the interval, or sooner while settling)
    xserver.wm = subprocess.Popen(["openbox", "--sm-disable"], env=xserver.env, stderr=subprocess.DEVNULL)
    wait_for(xserver._wm_ready, what="openbox again")

    def back():
        s.wait(1.0)
        s.observe()
        return s.name == "x11-ewmh"

    wait_for(back, what="the new window manager seen")


def test_observe_costs_no_round_trip_when_nothing_changed(xserver, sampler):
    a = xserver.window("AlphaApp", "one")
    xserver.activate(a)
    s = sampler(idle_after=600.0)
    assert s.observe().window.title == "one"
    until(s, lambda o: quiet(s), limit=5)  # the activation's events have been read
    before = requests(s)
    for _ in range(200):
        obs = s.observe()
    assert requests(s) == before, requests(s) - before
    assert obs.window.title == "one" and quiet(s)
    xserver.xdotool("set_window", "--name", "two", a)  # an event: read once, then quiet again
    obs, _ = until(s, lambda o: o.window.title == "two")
    assert requests(s) > before
    until(s, lambda o: quiet(s), limit=5)
    before = requests(s)
    for _ in range(50):
        assert s.observe().window.title == "two"
    assert requests(s) == before


def test_only_the_extensions_used_are_loaded(xserver, sampler):
    import Xlib.ext

    full = list(Xlib.ext.__extensions__)
    s = sampler()
    assert s.d.extensions == ["MIT-SCREEN-SAVER"]  # SYNC is bound by tracker.sampling.xsync
    assert s.sync is not None
    assert Xlib.ext.__extensions__ == full  # restored for other displays (pynput's need RECORD)


def test_without_sync_the_screensaver_idle_time_is_polled(xserver, sampler, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NO_XSYNC", "1")
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    s = sampler(idle_after=600.0, interval=0.7)
    assert s.idle_source == "xscreensaver"
    obs = s.observe()
    assert obs.last_input is not None and obs.last_input <= time.monotonic()
    assert s.deadline() == pytest.approx(s._last_observe + 0.7)


def test_without_a_window_manager_the_focus_is_polled_at_the_interval(xserver_nowm):
    from tracker.sampling.x11 import X11Sampler

    a = xserver_nowm.window("AlphaApp")
    xserver_nowm.activate(a)
    s = X11Sampler(xserver_nowm.display, idle_after=600.0, interval=0.4)
    try:
        assert s.name == "x11-focus" and s.idle_source == "xsync"
        assert s.observe().window.app == "AlphaApp"
        assert s.deadline() == pytest.approx(s._last_observe + 0.4)
    finally:
        s.close()


# -- deadline() of the Wayland sampler ------------------------------------------------------------


class _Source:
    """A window source stand-in: only what deadline() looks at."""

    name, has_pid = "stub", True

    def __init__(self, settling=False, locked=None):
        self._settling = settling
        if locked is not None:
            self.locked = lambda: locked

    def settling(self):
        return self._settling


def test_wayland_deadline(tmp_path):
    from tracker.sampling import lockers
    from tracker.sampling.lockers import LockerWatch
    from tracker.sampling.wayland import SETTLE_RECHECK, WaylandSampler

    (tmp_path / "proc").mkdir()
    gnome = WaylandSampler(_Source(locked=False), None, lockers=LockerWatch(proc=str(tmp_path / "proc")))
    assert gnome.deadline() is None  # the source reports the lock itself: events only
    now = time.monotonic()
    settling = WaylandSampler(_Source(settling=True, locked=False), None)
    assert now <= settling.deadline() <= time.monotonic() + SETTLE_RECHECK
    watch = LockerWatch(proc=str(tmp_path / "proc"))
    sway = WaylandSampler(_Source(), None, lockers=watch)
    assert sway.deadline() <= time.monotonic()  # never looked for a locker: now
    watch.locked(100.0)
    assert sway.deadline() == 100.0 + lockers.CHECK_EVERY  # a locker process is looked for by polling /proc


class _Idle:
    """An idle source stand-in: idle (a last input) or active (None)."""

    def __init__(self, last_input):
        self.value = last_input

    def last_input(self, now):
        return self.value


def test_wayland_deadline_polls_no_locker_while_idle(tmp_path):
    from tracker.sampling import lockers
    from tracker.sampling.lockers import LockerWatch
    from tracker.sampling.wayland import WaylandSampler

    (tmp_path / "proc").mkdir()
    watch = LockerWatch(proc=str(tmp_path / "proc"))
    watch.locked(100.0)
    idle = _Idle(50.0)
    sway = WaylandSampler(_Source(), idle, lockers=watch)
    assert sway.deadline() is None  # idle: a lock would change a label, not screen time; no timer
    idle.value = None  # input again (the resumed event woke the daemon): lockers polled again
    assert sway.deadline() == 100.0 + lockers.CHECK_EVERY


def test_doctor_says_idle_comes_from_the_idletime_alarm(run, xserver):
    r = run("doctor", "--json", env={"WAYLAND_DISPLAY": "", "XAUTHORITY": "", "DISPLAY": xserver.display}, check=0)
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["idle (XSync)"]["status"] == "ok", checks["idle (XSync)"]
    assert checks["idle (XSync)"]["summary"].startswith("SYNC IDLETIME answers: idle for ")
    assert checks["idle (XScreenSaver)"]["status"] == "ok"  # still there: it says when the saver runs
