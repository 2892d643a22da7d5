"""The daemon against a real X server (Xvfb + openbox, windows driven by xdotool), issue 3."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time

import pytest

from x11_fixtures import daemon_factory, wait_for, xserver, xserver_nowm  # noqa: F401 (fixtures)

pytestmark = pytest.mark.x11
INTERVAL = 0.2


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
    assert st["idle_source"] == "xscreensaver"
    plan = ((b, "BetaApp", 1.5), (a, "AlphaApp", 1.0), (b, "BetaApp", 0.8), (a, "AlphaApp", 1.2))
    switches = []  # (before, after) each xdotool activation: the change happened in between
    for wid, _name, hold in plan:
        before = time.time()
        xserver.activate(wid)
        switches.append((before, time.time()))
        deadline = time.monotonic() + hold
        while time.monotonic() < deadline:
            xserver.input()
            time.sleep(0.1)
    stopped = time.time()
    assert d.stop() == 0
    exited = time.time()
    assert not d.status_file.exists()
    rows, raw = stored()
    spans = raw  # AlphaApp from the start, then one span per switch
    assert [r[3] for r in spans] == ["AlphaApp"] + [name for _w, name, _h in plan], spans
    # every change is recorded within one interval of when it happened
    for span, (before, after) in zip(spans[1:], switches):
        assert before - 0.05 <= span[1] <= after + INTERVAL + 0.05, (span, before, after)
    assert stopped - INTERVAL - 0.1 <= spans[-1][2] <= exited  # a last sample at SIGTERM
    got = per_app(spans[1:])
    for name in ("AlphaApp", "BetaApp"):
        expect = sum(
            (switches[i + 1][0] if i + 1 < len(plan) else stopped) - switches[i][0]
            for i, (_w, n, _h) in enumerate(plan)
            if n == name
        )
        slack = sum(after - before + INTERVAL for before, after in switches) + INTERVAL
        assert got[name] == pytest.approx(expect, abs=slack), (got, expect)
    assert {r["title"] for r in rows if r["app"] == "BetaApp"} == {"Beta page"}
    assert all(r["state"] == "active" for r in rows)
    assert_no_overlap(raw)
    assert "x11-ewmh" in d.text()


def test_idle_is_backdated_to_last_input(xserver, daemon_factory):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 2)
    d.wait_status(lambda s: s["state"] == "active")
    input_window = timed(xserver.input)  # the last input happens within this (start, end)
    d.wait_status(lambda s: s["state"] == "idle", timeout=10)
    time.sleep(0.5)
    back_window = timed(xserver.input)
    d.wait_status(lambda s: s["state"] == "active")
    assert d.stop() == 0
    _rows, raw = stored()
    idle = [r for r in raw if r[5] == "idle"]
    assert len(idle) == 1
    _id, s, e, app, _t, _st = idle[0]
    assert app == "AlphaApp"
    assert input_window[0] - 0.05 <= s <= input_window[1] + 0.05  # at the last input, not 2 s later
    assert back_window[0] - 0.05 <= e <= back_window[1] + 0.05  # and ends at the input that ended it
    assert_no_overlap(raw)


def test_screensaver_counts_as_locked(xserver, daemon_factory):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda s: s["state"] == "active")
    subprocess.run(["xset", "s", "activate"], env=xserver.env, check=True)
    d.wait_status(lambda s: s["state"] == "locked")
    time.sleep(0.6)
    subprocess.run(["xset", "s", "reset"], env=xserver.env, check=True)
    xserver.input()
    d.wait_status(lambda s: s["state"] == "active")
    time.sleep(0.5)
    assert d.stop() == 0
    rows, raw = stored()
    locked = [r for r in rows if r["state"] == "locked"]
    assert len(locked) == 1 and locked[0]["app"] is None and locked[0]["title"] is None
    assert locked[0]["category"] is None
    assert per_app(raw, "locked")[None] >= 0.6
    assert [r["state"] for r in rows] == ["active", "locked", "active"]


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
    time.sleep(0.5)
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
    time.sleep(0.6)
    x.activate(b)
    time.sleep(0.6)
    assert d.stop() == 0
    rows, _raw = stored()
    assert [(r["app"], r["title"]) for r in rows] == [("AlphaApp", "first"), ("BetaApp", "second")]


def test_utf8_and_latin1_titles(xserver, daemon_factory):
    title = "Grüße – 日本語 🎉"
    a = xserver.window("AlphaApp", title)
    b = xserver.window("BetaApp", wm_name_bytes="naïve €".encode())  # UTF-8 labelled STRING
    c = xserver.window("GammaApp", wm_name_bytes=b"caf\xe9")  # real latin-1
    d = daemon_factory(xserver.env, "--interval", INTERVAL, "--idle-after", 60)
    for w in (a, b, c):
        xserver.activate(w)
        time.sleep(0.5)
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
    for w in (b, a):
        xserver.activate(w)
        time.sleep(0.5)
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
    time.sleep(0.5)  # half a second of AlphaApp
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
        d = daemon_factory(x.env, "--interval", INTERVAL, "--idle-after", 2)
        assert d.wait_status(lambda s: s["state"] == "active")["idle_source"] == "pynput"
        input_window = timed(x.input)
        d.wait_status(lambda s: s["state"] == "idle", timeout=10)
        back_window = timed(x.input)
        d.wait_status(lambda s: s["state"] == "active")
        time.sleep(0.3)
        assert d.stop() == 0
    finally:
        x.close()
    _rows, raw = stored()
    idle = [r for r in raw if r[5] == "idle"]
    assert len(idle) == 1
    # pynput's listener thread stamps the event a moment after the server saw it
    assert input_window[0] - 0.05 <= idle[0][1] <= input_window[1] + INTERVAL
    assert back_window[0] - 0.05 <= idle[0][2] <= back_window[1] + INTERVAL


def test_title_change_of_the_active_window_starts_a_new_span(xserver, daemon_factory):
    a = xserver.window("AlphaApp", "chapter one")
    xserver.activate(a)
    d = daemon_factory(xserver.env, "--interval", 5, "--idle-after", 60)  # events, not polling
    d.wait_status(lambda s: s["state"] == "active")
    time.sleep(0.3)
    changed = time.time()
    xserver.xdotool("set_window", "--name", "chapter two", a)
    wait_for(lambda: "chapter two" in _queued_titles(), what="the new title in the queue")
    seen = time.time()
    assert d.stop() == 0
    rows, raw = stored()
    assert [r["title"] for r in rows] == ["chapter one", "chapter two"]
    assert changed - 0.05 <= raw[1][1] <= seen  # within ms of the change, though the interval is 5 s


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
    time.sleep(0.3)
    xserver.activate(lock)
    d.wait_status(lambda s: s["state"] == "locked")
    time.sleep(0.3)
    assert d.stop() == 0
    rows, _raw = stored()
    assert [(r["app"], r["state"]) for r in rows] == [("AlphaApp", "active"), (None, "locked")]
