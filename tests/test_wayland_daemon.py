"""The daemon on a real headless sway (tests/wayland_fixtures.py): foot windows, an XWayland
window, focus via swaymsg, input via `swaymsg seat - cursor move`, idle from the compositor."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time

import pytest

from test_daemon_x11 import assert_no_overlap, per_app, stored, timed, wait_newest
from wayland_fixtures import sway, sway_x  # noqa: F401 (fixtures)
from x11_fixtures import daemon_factory, wait_for  # noqa: F401 (fixtures)

pytestmark = pytest.mark.wayland
INTERVAL = 0.2
# The idle notification arrives within a few ms of the threshold on an idle machine; the daemon reads
# it when it is next scheduled. Without backdating the idle span would start idle_after (2 s) late.
NOTICE = 0.5


def hold(sway_obj, seconds):
    """Keep input coming for SECONDS (the compositor sees the pointer move)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sway_obj.input()
        time.sleep(0.1)


def _switch_and_check(s, d, plan):
    """Focus each window of PLAN in turn; (before, seen) per switch, as test_daemon_x11 does."""
    switches = []
    for win, name, seconds in plan:
        before = time.time()
        s.focus(win)
        wait_newest(d, name, before)
        switches.append((before, time.time()))
        hold(s, seconds)
    return switches


def _check_spans(raw, plan, switches, stopped, exited, first):
    assert [r[3] for r in raw] == [first] + [name for _w, name, _h in plan], raw
    for span, (before, seen) in zip(raw[1:], switches):
        assert before <= span[1] <= seen, (span, before, seen)
    ends = [*switches[1:], (stopped, exited)]
    got = per_app(raw[1:])
    for name in {n for _w, n, _h in plan}:
        mine = [i for i, (_w, n, _h) in enumerate(plan) if n == name]
        low = sum(ends[i][0] - switches[i][1] for i in mine)
        high = sum(ends[i][1] - switches[i][0] for i in mine)
        assert low <= got[name] <= high, (name, got, low, high)
    assert_no_overlap(raw)


def test_sway_session_with_an_xwayland_window_never_uses_x11(sway_x, daemon_factory):
    s = sway_x
    a = s.window("alpha.app", "Alpha document")
    b = s.window("beta.app", "Beta page")
    x = s.x_window("XBetaClass", "an X window")
    s.focus(a)
    assert s.env["DISPLAY"] == s.display  # XWayland's DISPLAY is set, and must not be chosen
    d = daemon_factory(s.env, "--interval", INTERVAL, "--idle-after", 60)
    st = d.wait_status(lambda st: st["state"] == "active")
    assert (st["backend"], st["idle_source"], st["degraded"]) == ("sway", "kde-idle", None)
    d.wait_span(lambda sp: sp.app == "alpha.app")
    plan = ((b, "beta.app", 0.6), (x, "XBetaClass", 0.4), (a, "alpha.app", 0.3), (b, "beta.app", 0.5))
    switches = _switch_and_check(s, d, plan)
    s.set_title(b, "Beta page 2")
    d.wait_span(lambda sp: sp.title == "Beta page 2")
    stopped = time.time()
    assert d.stop() == 0
    exited = time.time()
    rows, raw = stored()
    assert (raw[-1][3], raw[-1][4]) == ("beta.app", "Beta page 2")
    assert stopped <= raw[-1][2] <= exited  # a last sample after SIGTERM
    raw = raw[:-1]  # the title change: its own span, checked above
    _check_spans(raw, plan, switches, raw[-1][2], raw[-1][2], "alpha.app")
    assert {r["title"] for r in rows if r["app"] == "XBetaClass"} == {"an X window"}
    assert "sampling with backend sway" in d.text()


def test_idle_is_backdated_to_the_last_input(sway, daemon_factory):
    s = sway
    s.focus(s.window("alpha.app", "Alpha"))
    earlier = time.time()
    d = daemon_factory(s.env, "--interval", INTERVAL, "--idle-after", 2)
    d.wait_status(lambda st: st["state"] == "active")
    input_window = timed(s.input)
    d.wait_status(lambda st: st["state"] == "idle", timeout=15)
    back_window = timed(s.input)
    d.wait_status(lambda st: st["state"] == "active")
    assert d.stop() == 0
    _rows, raw = stored()
    idle = [r for r in raw if r[5] == "idle"]
    assert len(idle) == 1
    _id, start, end, app, _t, _st = idle[0]
    assert app == "alpha.app"
    assert earlier < start <= input_window[1] + NOTICE  # at the last input, not 2 s later
    assert start + 2 <= end <= back_window[1] + NOTICE
    assert_no_overlap(raw)


def test_reload_recreates_the_idle_notification(sway, daemon_factory, tmp_path):
    s = sway
    s.focus(s.window("alpha.app", "Alpha"))
    env = dict(s.env)
    config = tmp_path / "offscreen" / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[daemon]\nidle_after = 3600\n")
    d = daemon_factory(env, "--interval", INTERVAL)
    d.wait_status(lambda st: st["state"] == "active" and st["idle_after"] == 3600)
    config.write_text("[daemon]\nidle_after = 10\n")
    before = timed(s.input)
    d.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "configuration reloaded" in d.text(), what="the reload")
    d.wait_status(lambda st: st["state"] == "idle", timeout=30)
    assert d.stop() == 0
    _rows, raw = stored()
    (idle,) = [r for r in raw if r[5] == "idle"]
    assert before[0] - 1 <= idle[1] <= time.time() - 10


def test_forced_wlr_foreign_toplevel_on_sway(sway, daemon_factory):
    s = sway
    a = s.window("alpha.app", "Alpha")
    b = s.window("beta.app", "Beta")
    s.focus(a)
    d = daemon_factory({**s.env, "OFFSCREEN_BACKEND": "wlr"}, "--interval", INTERVAL, "--idle-after", 60)
    st = d.wait_status(lambda st: st["state"] == "active")
    assert st["backend"] == "wlr-foreign-toplevel"
    d.wait_span(lambda sp: sp.app == "alpha.app")
    plan = ((b, "beta.app", 0.5), (a, "alpha.app", 0.4))
    switches = _switch_and_check(s, d, plan)
    assert d.stop() == 0
    _rows, raw = stored()
    _check_spans(raw, plan, switches, raw[-1][2], raw[-1][2], "alpha.app")
    from tracker.app import App

    with App.create().store() as con:  # no pid from this protocol, so no executable
        assert con.execute("SELECT DISTINCT exe FROM activity").fetchall() == [(None,)]


def test_a_desktop_whose_channel_is_missing_is_tracked_idle_only(sway, daemon_factory, run, day_start_far_from_now):
    s = sway
    s.focus(s.window("alpha.app", "Alpha"))
    env = {k: v for k, v in s.env.items() if k != "SWAYSOCK"}
    d = daemon_factory({**env, "DISPLAY": ":4242"}, "--interval", INTERVAL, "--idle-after", 60)
    st = d.wait_status(lambda st: st["state"] == "active")
    assert st["backend"] == "idle-only" and st["idle_source"] == "kde-idle"
    assert st["degraded"] == "the desktop is sway but SWAYSOCK is not set: idle only, no app names"
    out = run("status", env=env, check=0).stdout
    assert "warning:     the desktop is sway but SWAYSOCK is not set: idle only, no app names" in out
    doctor = {c["name"]: c for c in json.loads(run("doctor", "--json", env=env, check=0).stdout)["checks"]}
    assert doctor["window source"]["status"] == "warn"
    assert doctor["window source"]["fix"].startswith("systemctl --user import-environment WAYLAND_DISPLAY SWAYSOCK")
    assert d.stop() == 0
    _rows, raw = stored()
    assert {(r[3], r[5]) for r in raw} == {("(unknown app)", "active")}  # not "no window in front"
    label = "unknown app: this desktop gives no window names; see offscreen doctor"
    today = json.loads(run("today", "--json", env=env, check=0).stdout)
    assert [a["app"] for a in today["by_app"]] == [label]
    text = run("today", env=env, check=0).stdout
    assert "  unknown app (*)" in text and f"  (*) {label}" in text


def test_doctor_on_sway_and_what_forcing_x11_costs(sway_x, run):
    s = sway_x
    checks = {c["name"]: c for c in json.loads(run("doctor", "--json", env=s.env, check=0).stdout)["checks"]}
    assert checks["display"] == {
        "name": "display",
        "status": "ok",
        "summary": f"Wayland session at {s.socket_path}; X11 is not used here",
        "fix": None,
    }
    assert checks["window source"]["status"] == "ok" and checks["window source"]["summary"].startswith("sway IPC")
    assert checks["idle source"]["summary"].startswith("org_kde_kwin_idle")
    assert "heuristic" in checks["lock detection"]["summary"]
    env = {**s.env, "OFFSCREEN_BACKEND": "x11"}
    checks = {c["name"]: c for c in json.loads(run("doctor", "--json", env=env, check=0).stdout)["checks"]}
    assert checks["display"]["status"] == "warn"
    assert "only XWayland windows are seen" in checks["display"]["summary"]
    assert checks["display"]["fix"] == "unset OFFSCREEN_BACKEND to use the Wayland sources"


def test_a_locker_process_counts_as_locked(sway, daemon_factory, tmp_path):
    s = sway
    s.focus(s.window("alpha.app", "Alpha"))
    d = daemon_factory(s.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda st: st["state"] == "active")
    locker = tmp_path / "swaylock"  # a process named like the locker, talking to this compositor
    shutil.copy("/bin/sleep", locker)
    proc = subprocess.Popen([str(locker), "60"], env=s.env)
    try:
        d.wait_status(lambda st: st["state"] == "locked", timeout=15)
    finally:
        proc.kill()
        proc.wait()
    d.wait_status(lambda st: st["state"] == "active", timeout=15)
    assert d.stop() == 0


def test_compositor_gone_is_logged_and_retried(sway, daemon_factory):
    s = sway
    s.focus(s.window("alpha.app", "Alpha"))
    d = daemon_factory(s.env, "--interval", INTERVAL, "--idle-after", 60)
    d.wait_status(lambda st: st["state"] == "active")
    d.wait_span(lambda sp: sp.app == "alpha.app" and sp.seconds > 0.3)  # a span of its own length
    s.kill()
    d.wait_status(lambda st: st["backend"] == "none", timeout=15)
    assert d.p.poll() is None
    assert d.stop() == 0
    assert "retrying in" in d.text()
    _rows, raw = stored()
    assert [r[3] for r in raw] == ["alpha.app"]


@pytest.mark.slow
def test_a_minute_of_scripted_work_agrees_with_ground_truth(sway_x, daemon_factory):
    """60 s: three apps, title changes, an idle stretch, each switch's span bounded by when it was
    made and when the daemon was seen to record it (the X11 tests' standard)."""
    s = sway_x
    wins = {
        "editor": s.window("editor", "main.py"),
        "browser": s.window("browser", "News"),
        "XChat": s.x_window("XChat", "general"),
    }
    s.focus(wins["editor"])
    d = daemon_factory(s.env, "--interval", 1, "--idle-after", 4)
    d.wait_status(lambda st: st["state"] == "active")
    d.wait_span(lambda sp: sp.app == "editor")
    order = ["browser", "XChat", "editor", "browser", "editor", "XChat", "browser", "editor"] * 2
    plan = [(wins[n], n, 2.5) for n in order]
    t0 = time.monotonic()
    switches = _switch_and_check(s, d, plan[:8])
    # An idle stretch: no input for 6 s, then work resumes in the editor.
    quiet = timed(lambda: None)
    d.wait_status(lambda st: st["state"] == "idle", timeout=20)
    s.input()
    d.wait_status(lambda st: st["state"] == "active", timeout=10)
    switches2 = _switch_and_check(s, d, plan[8:])
    while time.monotonic() - t0 < 60:
        hold(s, 1)
    stopped = time.time()
    assert d.stop() == 0
    _rows, raw = stored()
    assert_no_overlap(raw)
    active = [r for r in raw if r[5] == "active"]
    idle = [r for r in raw if r[5] == "idle"]
    assert len(idle) == 1 and idle[0][1] <= quiet[1] + NOTICE
    # Every planned switch has its span, starting between the switch and the daemon recording it.
    starts = [r[1] for r in active]
    for (before, seen), (_w, name, _h) in zip(switches + switches2, plan):
        assert any(before <= st <= seen and r[3] == name for st, r in zip(starts, active)), (name, before, seen)
    total = sum(r[2] - r[1] for r in raw)
    assert stopped - raw[0][1] - 1 <= total <= raw[-1][2] - raw[0][1] + 1e-6  # all of it, never more
