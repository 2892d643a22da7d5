"""The daemon against a real X server (Xvfb + openbox, windows driven by xdotool)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time

import pytest

from x11_fixtures import daemon_factory, wait_for, xserver, xserver_nowm  # noqa: F401 (fixtures)

pytestmark = pytest.mark.x11
INTERVAL = 0.2
MS = 0.002  # XScreenSaver reports idle time in whole milliseconds
CLOCKS = 0.001  # the daemon reads the wall and monotonic clocks a few microseconds apart


def stored(app_obj=None):
    """All activity rows as dicts (drains the queue first), via the real store."""
    from tracker.app import App
    from tracker.store.activity import export_rows

    app = app_obj or App.create()
    with app.store(drain=True) as con:
        rows = export_rows(con, None, None, app.config)
        raw = con.execute(
            "SELECT span_id, epoch(start_utc), epoch(end_utc), app, title, state FROM activity ORDER BY start_utc"
        ).fetchall()
    return rows, raw


def timed(action):
    """Run ACTION; return the wall-clock (start, end) around it."""
    start = time.time()
    action()
    return start, time.time()


def per_app(raw, state="active"):
    out = {}
    for _id, s, e, app, _title, st in raw:
        if st == state:
            out[app] = out.get(app, 0.0) + (e - s)
    return out


def wait_newest(d, app, since):
    """Wait until the daemon's newest queued span is APP's, begun at SINCE or later."""
    return wait_for(
        lambda: (spans := d.spans()) and spans[-1].app == app and spans[-1].start >= since and spans[-1],
        what=f"a new {app} span in the queue",
    )


def assert_no_overlap(raw):
    spans = sorted((s, e) for _i, s, e, *_ in raw)
    for (s1, e1), (s2, e2) in itertools.pairwise(spans):
        assert e1 <= s2 + 1e-6, (s1, e1, s2, e2)


def test_scripted_session_per_app_durations(xserver, daemon_factory):
    a = xserver.window("AlphaApp", "Alpha document")
    b = xserver.window("BetaApp", "Beta page")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    st = d.wait_status(lambda s: s["state"] == "active")
    assert st["backend"] == "x11-ewmh" and st["pid"] == d.p.pid and st["display"] == xserver.display
    assert st["idle_source"] == "xsync"
    d.wait_span(lambda s: s.app == "AlphaApp")
    plan = ((b, "BetaApp", 0.6), (a, "AlphaApp", 0.3), (b, "BetaApp", 0.4), (a, "AlphaApp", 0.5))
    # (before, seen) per switch: xdotool starts the activation at `before`; at `seen` the test has
    # read the new span in the daemon's queue. The span must start in between, however slow the
    # machine: the daemon cannot see the window before it is activated, nor queue it before it saw it.
    switches = []
    for wid, name, hold in plan:
        before = time.time()
        xserver.activate(wid)
        wait_newest(d, name, before)
        switches.append((before, time.time()))
        deadline = time.monotonic() + hold
        while time.monotonic() < deadline:
            xserver.input()
            time.sleep(0.1)
    stopped = time.time()
    assert d.stop() == 0
    exited = time.time()
    assert json.loads(d.status_file.read_text())["state"] == "stopped"
    rows, raw = stored()
    spans = raw  # AlphaApp from the start, then one span per switch
    assert [r[3] for r in spans] == ["AlphaApp"] + [name for _w, name, _h in plan], spans
    for span, (before, seen) in zip(spans[1:], switches):
        assert before <= span[1] <= seen, (span, before, seen)
    assert stopped <= spans[-1][2] <= exited  # a last sample after SIGTERM
    # Each span runs from its switch to the next one (the last to the final sample): bounded by
    # the same observed instants, so no allowance for a slow machine is needed.
    ends = [*switches[1:], (stopped, exited)]
    got = per_app(spans[1:])
    for name in ("AlphaApp", "BetaApp"):
        mine = [i for i, (_w, n, _h) in enumerate(plan) if n == name]
        low = sum(ends[i][0] - switches[i][1] for i in mine)
        high = sum(ends[i][1] - switches[i][0] for i in mine)
        assert low <= got[name] <= high, (name, got, low, high)
    assert {r["title"] for r in rows if r["app"] == "BetaApp"} == {"Beta page"}
    assert all(r["state"] == "active" for r in rows)
    assert_no_overlap(raw)
    assert "x11-ewmh" in d.text()


def test_idle_is_backdated_to_last_input(xserver, daemon_factory):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    earlier = time.time()  # the activation's input is over: any later idle start is a later input
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 2)
    d.wait_status(lambda s: s["state"] == "active")
    input_window = timed(xserver.input)  # the last input happens within this (start, end)
    d.wait_status(lambda s: s["state"] == "idle", timeout=10)
    back_window = timed(xserver.input)
    d.wait_status(lambda s: s["state"] == "active")
    assert d.stop() == 0
    _rows, raw = stored()
    idle = [r for r in raw if r[5] == "idle"]
    assert len(idle) == 1
    _id, s, e, app, _t, _st = idle[0]
    assert app == "AlphaApp"
    # xdotool's input has reached the server when xdotool exits (XCloseDisplay syncs); the server
    # counts idle time in whole milliseconds, hence MS.
    assert earlier < s <= input_window[1] + MS  # at the last input, not 2 s later
    assert s + 2 <= e <= back_window[1] + MS  # and ends at the input that ended it
    assert_no_overlap(raw)


def test_screensaver_counts_as_locked(xserver, daemon_factory):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda s: s["state"] == "active")
    on = time.time()
    subprocess.run(["xset", "s", "activate"], env=xserver.env, check=True)
    d.wait_status(lambda s: s["state"] == "locked")
    locked_seen = off = time.time()
    subprocess.run(["xset", "s", "reset"], env=xserver.env, check=True)
    xserver.input()
    d.wait_status(lambda s: s["state"] == "active")
    active_seen = time.time()
    assert d.stop() == 0
    rows, raw = stored()
    locked = [r for r in rows if r["state"] == "locked"]
    assert len(locked) == 1 and locked[0]["app"] is None and locked[0]["title"] is None
    assert locked[0]["category"] is None
    assert [r["state"] for r in rows] == ["active", "locked", "active"]
    # Locked from after the screensaver went on until after it went off, each seen by the daemon
    # before its status file said so.
    ((_i, ls, le, *_),) = [r for r in raw if r[5] == "locked"]
    assert on <= ls <= locked_seen and off <= le <= active_seen, (on, ls, locked_seen, off, le, active_seen)


def test_sigkill_then_restart_loses_at_most_two_seconds_and_duplicates_nothing(xserver, daemon_factory):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda s: s["state"] == "active")
    started = time.time()
    time.sleep(2.5)
    killed = time.time()
    d.p.send_signal(signal.SIGKILL)
    d.p.wait()
    d2 = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    d2.wait_status(lambda s: s["state"] == "active" and s["pid"] == d2.p.pid)
    assert "left open by a previous daemon" in d2.text()
    assert d2.stop() == 0
    _rows, raw = stored()
    first = [r for r in raw if r[2] <= killed + 0.01]
    assert first, raw
    covered = sum(e - s for _i, s, e, *_ in first)
    assert covered >= (killed - started) - 2.0
    assert_no_overlap(raw)
    # draining again changes nothing
    _rows2, raw2 = stored()
    assert raw2 == raw


def test_no_window_manager_uses_the_input_focus(xserver_nowm, daemon_factory):
    x = xserver_nowm
    a = x.window("AlphaApp", "first")
    b = x.window("BetaApp", "second")
    x.activate(a)
    d = daemon_factory(x.env, "--interval", INTERVAL, "--idle-after", 60)
    st = d.wait_status(lambda s: s["state"] == "active")
    assert st["backend"] == "x11-focus"
    switched = time.time()
    x.activate(b)
    wait_newest(d, "BetaApp", switched)
    assert d.stop() == 0
    rows, _raw = stored()
    assert [(r["app"], r["title"]) for r in rows] == [("AlphaApp", "first"), ("BetaApp", "second")]


def test_utf8_and_latin1_titles(xserver, daemon_factory):
    title = "Grüße – 日本語 🎉"
    a = xserver.window("AlphaApp", title)
    b = xserver.window("BetaApp", wm_name_bytes="naïve €".encode())  # UTF-8 labelled STRING
    c = xserver.window("GammaApp", wm_name_bytes=b"caf\xe9")  # real latin-1
    xserver.activate(a)
    # Started late on purpose, as on a slow machine: switching before it is ready would lose titles.
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60, delay=1.0)
    d.wait_status(lambda s: s["state"] == "active")  # ready: sampling, with AlphaApp in front
    wait_newest(d, "AlphaApp", 0)
    for w, name in ((b, "BetaApp"), (c, "GammaApp")):
        switched = time.time()
        xserver.activate(w)
        wait_newest(d, name, switched)  # recorded before the next switch
    assert d.stop() == 0
    rows, _raw = stored()
    titles = {r["app"]: r["title"] for r in rows}
    assert titles["AlphaApp"] == title
    assert titles["BetaApp"] == "naïve €"
    assert titles["GammaApp"] == "café"


@pytest.mark.parametrize("mode", ["keep", "redact", "hash"])
def test_privacy_modes_before_storage(xserver, daemon_factory, mode, tmp_path):
    from tracker.domain.privacy import hash_title

    cfg = tmp_path / "offscreen" / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f'[privacy]\ntitles = "{mode}"\nexclude = [{{ title = "(?i)secret" }}]\n')
    a = xserver.window("AlphaApp", "Quarterly report")
    b = xserver.window("BetaApp", "My SECRET diary")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda s: s["state"] == "active")
    for w, name in ((b, "excluded"), (a, "AlphaApp")):
        switched = time.time()
        xserver.activate(w)
        wait_newest(d, name, switched)
    assert d.stop() == 0
    rows, _raw = stored()
    expect = {"keep": "Quarterly report", "redact": None, "hash": hash_title("Quarterly report")}[mode]
    assert [(r["app"], r["title"]) for r in rows] == [("AlphaApp", expect), ("excluded", None), ("AlphaApp", expect)]
    assert rows[1]["category"] == "excluded"
    # nothing of the excluded window reached the queue file or the database
    home = tmp_path / "offscreen"
    for f in list(home.rglob("*")):
        if f.is_file():
            assert b"SECRET" not in f.read_bytes(), f


def test_lost_x_server_is_logged_and_retried_until_it_returns(xserver_nowm, daemon_factory):
    x = xserver_nowm
    a = x.window("AlphaApp", "before")
    x.activate(a)
    d = daemon_factory(x.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda s: s["state"] == "active")
    d.wait_span(lambda s: s.app == "AlphaApp" and s.seconds > 0, what="some AlphaApp time in the queue")
    x.close()  # the X server dies under the daemon
    st = d.wait_status(lambda s: s["backend"] == "none")
    assert st["state"] == "no-display"
    assert "X connection lost" in d.text() and "retrying in 1 s" in d.text()
    # the same display comes back
    num = x.display.lstrip(":")
    back = subprocess.Popen(
        ["Xvfb", x.display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{num}"), what="Xvfb socket")
        d.wait_status(lambda s: s["backend"] == "x11-focus", timeout=20)
        assert d.p.poll() is None
        assert d.stop() == 0
    finally:
        back.terminate()
        back.wait()
    lines = d.text().splitlines()
    assert sum(f"sampling with backend x11-focus on display {x.display}" in ln for ln in lines) == 2
    rows, _raw = stored()
    assert rows[0]["app"] == "AlphaApp" and rows[0]["title"] == "before"


def test_without_xscreensaver_idle_comes_from_pynput(daemon_factory):
    from x11_fixtures import XServer

    x = XServer(wm=True, extra_args=("-extension", "MIT-SCREEN-SAVER"))
    try:
        a = x.window("AlphaApp")
        x.activate(a)
        # Xvfb cannot turn SYNC off: the backend is told to do without it, as on a server without it.
        d = daemon_factory({**x.env, "OFFSCREEN_NO_XSYNC": "1"}, "--interval", INTERVAL, "--idle-after", 2)
        assert d.wait_status(lambda s: s["state"] == "active")["idle_source"] == "pynput"
        input_window = timed(x.input)
        d.wait_status(lambda s: s["state"] == "idle", timeout=10)
        idle_seen = time.time()
        back_window = timed(x.input)
        d.wait_status(lambda s: s["state"] == "active")
        active_seen = time.time()
        assert d.stop() == 0
    finally:
        x.close()
    _rows, raw = stored()
    idle = [r for r in raw if r[5] == "idle"]
    assert len(idle) == 1
    # pynput's listener stamps each event after the server saw it, and before the daemon's next
    # sample reads it: idle starts after the input, at least 2 s (idle-after) before idle was seen,
    # and ends after the input that ended it, before the daemon said "active".
    assert input_window[0] <= idle[0][1] <= idle_seen - 2
    assert back_window[0] <= idle[0][2] <= active_seen


def test_title_change_of_the_active_window_starts_a_new_span(xserver, daemon_factory):
    a = xserver.window("AlphaApp", "chapter one")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", 5, "--idle-after", 60)  # events, not polling
    d.wait_status(lambda s: s["state"] == "active")  # the first sample is in: "chapter one" has begun
    changed = time.time()
    xserver.xdotool("set_window", "--name", "chapter two", a)
    wait_for(lambda: "chapter two" in _queued_titles(), what="the new title in the queue")
    seen = time.time()
    assert d.stop() == 0
    rows, raw = stored()
    assert [r["title"] for r in rows] == ["chapter one", "chapter two"]
    assert changed - CLOCKS <= raw[1][1] <= seen  # at the change, though the interval is 5 s
    # Woken by the title's PropertyNotify, not by the next 5 s poll (which would also satisfy the
    # bounds above): the new title is queued well within one interval of the change.
    assert seen - changed < 2.5, seen - changed


def _queued_titles():
    import sqlite3

    from tracker.app import App

    qf = App.create().paths.queue_file
    try:
        con = sqlite3.connect(f"file:{qf}?mode=ro", uri=True)
        return {r[0] for r in con.execute("SELECT title FROM spans")}
    except sqlite3.OperationalError:
        return set()


def test_a_screen_locker_window_in_front_counts_as_locked(xserver, daemon_factory):
    a = xserver.window("AlphaApp")
    lock = xserver.window("i3lock", "i3lock")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda s: s["state"] == "active")
    xserver.activate(lock)
    d.wait_status(lambda s: s["state"] == "locked")
    assert d.stop() == 0
    rows, _raw = stored()
    assert [(r["app"], r["state"]) for r in rows] == [("AlphaApp", "active"), (None, "locked")]


def test_every_switch_is_a_span_boundary_at_once_whatever_the_interval(xserver, daemon_factory):
    """Issue 17: a switch reached the span boundary only at the next interval (5 of 10 switches
    left no span at --interval 10). Woken by the X event, every switch starts a span within a few
    hundred milliseconds of it, though the daemon polls only every 10 s."""
    a = xserver.window("AlphaApp", "first")
    b = xserver.window("BetaApp", "second")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", 10, "--idle-after", 600)
    d.wait_status(lambda s: s["state"] == "active")
    d.wait_span(lambda s: s.app == "AlphaApp")
    switches = []  # (app, before, after): xdotool --sync returns once the window manager switched
    for wid, name in [(b, "BetaApp"), (a, "AlphaApp")] * 4:
        before = time.time()
        xserver.activate(wid)
        switches.append((name, before, time.time()))
        time.sleep(max(0.0, before + 1.5 - time.time()))
    assert d.stop() == 0
    _rows, raw = stored()
    assert [r[3] for r in raw] == ["AlphaApp"] + [name for name, _b, _a in switches], raw
    for span, (name, before, after) in zip(raw[1:], switches):
        assert before - CLOCKS <= span[1] <= after + 0.4, (name, span[1] - before, after - before)
    assert_no_overlap(raw)


def _switch_later(xserver, wid, delay):
    """Activate WID from a thread after DELAY s; returns the thread and its (before, after) monotonic."""
    import threading

    times = []

    def go():
        time.sleep(delay)
        before = time.monotonic()
        xserver.xdotool("windowactivate", "--sync", wid)
        times.append((before, time.monotonic()))

    t = threading.Thread(target=go)
    t.start()
    return t, times


def test_the_sampler_reports_when_the_switch_happened_not_when_it_was_read(xserver):
    from tracker.sampling.x11 import X11Sampler

    a = xserver.window("AlphaApp", "first")
    b = xserver.window("BetaApp", "second")
    xserver.activate(a)
    s = X11Sampler(xserver.display)
    try:
        assert s.observe().window.app == "AlphaApp"
        thread, times = _switch_later(xserver, b, 0.2)
        woke = None
        for _ in range(20):  # until a read sees BetaApp (a read during the switch may not yet)
            s.wait(60)
            woke = time.monotonic()
            time.sleep(0.3)  # a late read, as from a busy daemon
            read_at = time.monotonic()
            obs = s.observe()
            if obs.window and obs.window.app == "BetaApp":
                break
        thread.join()
        assert obs.window.app == "BetaApp"
        # The change is dated by its event, before the wait returned, not by the late read.
        assert times[0][0] <= obs.changed_at <= woke <= read_at - 0.3, (times, obs.changed_at, woke)
        assert s.observe().changed_at is None  # nothing changed since
    finally:
        s.close()


def test_an_event_read_with_a_reply_does_not_wait_for_the_timeout(xserver):
    """The switch's events arrive while a reply is read (python-xlib queues them off the socket,
    where select cannot see them): wait() acts on them instead of sleeping its whole timeout."""
    from tracker.sampling.x11 import X11Sampler

    a = xserver.window("AlphaApp", "first")
    b = xserver.window("BetaApp", "second")
    xserver.activate(a)
    s = X11Sampler(xserver.display)
    try:
        assert s.observe().window.app == "AlphaApp"
        s.wait(0)  # nothing pending
        before = time.monotonic()
        xserver.xdotool("windowactivate", "--sync", b)
        s.d.get_input_focus()  # a round trip: the PropertyNotify events are now queued in python-xlib
        s.wait(60)
        returned = time.monotonic()
        obs = s.observe()
        assert obs.window.app == "BetaApp"
        assert before <= obs.changed_at <= returned
        assert returned - before < 30  # not the 60 s timeout (the bound only says "not the timeout")
    finally:
        s.close()


def test_titles_changing_without_input_count_once_as_idle(xserver, daemon_factory):
    """Issue 17: a title changing every fraction of a second with no input (a build, a chat tab's
    counter) left the spans before the last 8 active under the idle span: time counted twice."""
    a = xserver.window("AlphaApp", "step 0")
    xserver.activate(a)
    started = time.time()
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 2)
    d.wait_status(lambda s: s["state"] == "active")
    last_input = timed(xserver.input)
    i = 0
    while d.status()["state"] != "idle" or i < 25:  # many changes before the threshold and after
        assert i < 250, "never idle"
        i += 1
        xserver.xdotool("set_window", "--name", f"step {i}", a)
        time.sleep(0.1)
    assert d.stop() == 0
    stopped = time.time()
    _rows, raw = stored()
    assert_no_overlap(raw)
    assert sum(e - s for _i, s, e, *_ in raw) <= stopped - started
    active = [r for r in raw if r[5] == "active"]
    assert active and all(e <= last_input[1] + MS for _i, _s, e, *_ in active), (last_input, active)
    idle_titles = {r[4] for r in raw if r[5] == "idle"}
    assert len(idle_titles) > 10, idle_titles  # each title's time is kept, as idle
