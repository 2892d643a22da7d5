"""tracker.sampling.hyprland against a fake Hyprland written from its documentation
(tests/helpers/fake_hyprland.py): focus, titles with commas, no window, lines split across reads,
both socket locations, one short request connection per pid lookup, Hyprland going away."""

from __future__ import annotations

import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from conftest import ROOT
from helpers.fake_hyprland import FakeHyprland
from source_pump import peek_until, pump
from tracker.sampling import DisplayLost, Window, hyprland
from tracker.sampling.sources import SourceUnavailable
from x11_fixtures import wait_for

_seq = itertools.count()


@pytest.fixture
def runtime():
    # Short: a UNIX socket path must fit in 108 bytes, and pytest's tmp_path can be longer.
    path = tempfile.mkdtemp(prefix="hy-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _sig():
    return f"fake{os.getpid()}_{next(_seq)}"


@pytest.fixture
def fake(runtime):
    f = FakeHyprland(runtime, _sig())
    f.add("55aa01", "kitty", "~", 101)
    f.add("55aa02", "firefox", "Mozilla, Firefox", 202)
    f.active = "55aa01"
    f.env = {"XDG_RUNTIME_DIR": runtime, "HYPRLAND_INSTANCE_SIGNATURE": os.path.basename(f.dir)}
    yield f
    f.stop()


@pytest.fixture
def src(fake):
    s = hyprland.open(fake.env)
    fake.wait_clients(1)
    yield s
    s.close()


def test_open_reads_the_active_window_with_one_closed_request(fake, src):
    assert src.window() == Window("kitty", "~", 101)
    assert src.name == "hyprland" and src.has_pid
    [req] = fake.wait_requests(1)
    assert req.command == "j/activewindow" and req.closed_by_client


def test_focus_changes_ask_for_a_pid_once_per_window(fake, src):
    fake.focus("55aa02")
    assert pump(src, lambda w: w.app == "firefox", "firefox") == Window("firefox", "Mozilla, Firefox", 202)
    fake.focus("55aa01")
    assert pump(src, lambda w: w.app == "kitty", "kitty") == Window("kitty", "~", 101)
    # One request at open, one for firefox's pid; kitty's pid was known. Each connection closed.
    reqs = fake.wait_requests(2)
    assert len(fake.requests) == 2 and all(r.command == "j/activewindow" for r in reqs)


def test_titles_of_the_active_window_and_of_another(fake, src):
    assert src.changed_at() is None  # nothing has changed since open
    fake.set_title("55aa01", "vim a, b, c >> d")
    assert pump(src, lambda w: w.title != "~", "the new title") == Window("kitty", "vim a, b, c >> d", 101)
    first = src.changed_at()
    assert first is not None
    fake.set_title("55aa02", "another, page")  # a window in the background
    fake.set_title("55aa01", "last")
    seen = []
    pump(src, lambda w: w.title == "last", "the last title", seen=seen)
    assert all(w == Window("kitty", "vim a, b, c >> d", 101) for w in seen), seen
    assert src.changed_at() > first
    fake.focus("55aa02")
    assert pump(src, lambda w: w.app == "firefox", "firefox").title == "another, page"
    assert len(fake.requests) == 2  # titles never cost a request


@pytest.mark.parametrize("lines", [None, ("activewindow>>,", "activewindowv2>>,")])
def test_no_active_window(fake, src, lines):
    if lines is None:
        fake.focus(None)  # what Hyprland sends: `activewindow>>,` and an empty `activewindowv2>>`
    else:
        fake.active = None
        fake.emit(*lines)
    pump(src, lambda w: w is None, "no window")
    fake.focus("55aa02")
    assert pump(src, lambda w: w is not None, "firefox again") == Window("firefox", "Mozilla, Firefox", 202)


def test_closing_the_active_window_and_another(fake, src):
    fake.close_window("55aa02")  # not the active one
    fake.set_title("55aa01", "still here")
    assert pump(src, lambda w: w.title == "still here", "the title").app == "kitty"
    fake.close_window("55aa01")
    pump(src, lambda w: w is None, "no window after close")


def _wait_readable(src):
    assert select.select([src], [], [], 10)[0], "no data arrived"


def test_lines_split_across_reads(fake, src):
    fake.add("55aa03", "org.gnome.Nautilus", "Grüße, Welt", 303)
    fake.active = "55aa03"
    data = "activewindow>>org.gnome.Nautilus,Grüße, Welt\nactivewindowv2>>55aa03\n".encode()
    cut = data.index("ü".encode()) + 1  # inside the two bytes of ü
    fake.send_raw(data[:cut])
    _wait_readable(src)
    src.dispatch()
    assert src.window() == Window("kitty", "~", 101) and not src.buffered()
    v2 = data.index(b"activewindowv2") + 5
    fake.send_raw(data[cut:v2])  # the activewindow line is complete, its v2 only begun: wait for it
    _wait_readable(src)
    src.dispatch()
    assert src.window() == Window("kitty", "~", 101)
    fake.send_raw(data[v2:])
    assert pump(src, lambda w: w.app != "kitty", "the nautilus window") == Window(
        "org.gnome.Nautilus", "Grüße, Welt", 303
    )


def test_a_full_line_read_ahead_is_buffered(fake, src):
    fake.active = "55aa02"
    fake.emit("activewindow>>firefox,Mozilla, Firefox", "activewindowv2>>55aa02")
    peek_until(src, b"activewindowv2>>55aa02\n")
    src._fill()  # one read takes both lines off the socket, as dispatch() does
    assert src.buffered() and select.select([src], [], [], 0)[0] == []
    src.dispatch()
    assert src.window() == Window("firefox", "Mozilla, Firefox", 202) and not src.buffered()


def test_only_activewindow_or_only_v2_asks_the_request_socket(fake, src):
    """An older Hyprland without v2 lines, or a v2 line alone: the request fills in what is missing."""
    fake.active = "55aa02"
    fake.emit("activewindow>>firefox,Mozilla, Firefox")
    assert pump(src, lambda w: w.pid == 202, "firefox's pid") == Window("firefox", "Mozilla, Firefox", 202)
    fake.active = "55aa01"
    fake.emit("activewindowv2>>55aa01")
    assert pump(src, lambda w: w.app == "kitty", "kitty from the request") == Window("kitty", "~", 101)
    assert all(r.closed_by_client for r in fake.wait_requests(3))


@pytest.mark.parametrize("xdg", [True, False])
def test_the_old_tmp_hypr_location(runtime, xdg):
    sig = _sig()
    f = FakeHyprland(runtime, sig, legacy=True)
    try:
        f.add("77bb01", "Alacritty", "shell", 404)
        f.active = "77bb01"
        assert f.dir == f"/tmp/hypr/{sig}"
        env = {"HYPRLAND_INSTANCE_SIGNATURE": sig, **({"XDG_RUNTIME_DIR": runtime} if xdg else {})}
        s = hyprland.open(env)
        try:
            assert s.window() == Window("Alacritty", "shell", 404) and s.directory == f.dir
        finally:
            s.close()
        assert hyprland.probe(env) == (True, f"Hyprland v0.41.2 at {f.dir}")
    finally:
        f.stop()


def test_unavailable_says_which_paths_it_tried(runtime):
    sig = _sig()
    env = {"XDG_RUNTIME_DIR": runtime, "HYPRLAND_INSTANCE_SIGNATURE": sig}
    new, old = f"{runtime}/hypr/{sig}/.socket2.sock", f"/tmp/hypr/{sig}/.socket2.sock"
    with pytest.raises(SourceUnavailable) as e:
        hyprland.open(env)
    assert str(e.value) == f"no Hyprland event socket answers: tried {new} (no such socket), {old} (no such socket)"
    assert hyprland.probe(env) == (False, str(e.value))
    with pytest.raises(SourceUnavailable, match="HYPRLAND_INSTANCE_SIGNATURE is not set"):
        hyprland.open({"XDG_RUNTIME_DIR": runtime})


def test_probe_names_the_version(fake):
    assert hyprland.probe(fake.env) == (True, f"Hyprland v0.41.2 at {fake.dir}")
    assert all(r.closed_by_client for r in fake.wait_requests(2))


def test_hyprland_going_away_is_display_lost(fake, src):
    fake.stop()
    with pytest.raises(DisplayLost, match="Hyprland closed its event socket"):
        pump(src, lambda w: False, "Hyprland to go away")


def _smoke(env):
    return subprocess.Popen(
        [sys.executable, "-m", "tracker.sampling.hyprland"],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_smoke_loop_prints_plain_words_and_stops_cleanly_on_ctrl_c(fake):
    proc = _smoke(fake.env)
    try:
        assert proc.stdout.readline() == f"source: Hyprland IPC (Hyprland v0.41.2 at {fake.dir})\n"
        assert proc.stdout.readline() == "focused: app kitty, title ~, pid 101\n"
        fake.wait_clients(1)
        fake.focus(None)
        assert proc.stdout.readline() == "no window\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0 and err == "" and out == ""


def test_smoke_loop_without_hyprland_says_error(runtime):
    proc = _smoke({"XDG_RUNTIME_DIR": runtime, "HYPRLAND_INSTANCE_SIGNATURE": ""})
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (1, "")
    assert err == "Error: HYPRLAND_INSTANCE_SIGNATURE is not set (not a Hyprland session)\n"


def test_the_fake_as_a_process_for_daemon_tests(runtime):
    sig = _sig()
    fake = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "helpers" / "fake_hyprland.py"), runtime, sig],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdout.readline() == f"ready {runtime}/hypr/{sig}\n"
        for op in (["add", "1a", "foot", "a, b", 7], ["add", "2b", "mpv", "film", 8], ["focus", "1a"]):
            fake.stdin.write(json.dumps(op) + "\n")
        fake.stdin.flush()
        env = {"XDG_RUNTIME_DIR": runtime, "HYPRLAND_INSTANCE_SIGNATURE": sig}
        s = wait_for(lambda: _open_when(env, "foot"), 10, "the fake's first window")
        try:
            # The fake accepts event clients in a thread of its own: an event it sends before that
            # thread has taken our connection in misses us (Hyprland's own accept has the same gap).
            got = None
            for _ in range(20):
                fake.stdin.write(json.dumps(["focus", "2b"]) + "\n")
                fake.stdin.flush()
                try:
                    got = pump(s, lambda w: w.app == "mpv", "mpv", timeout=0.5)
                    break
                except AssertionError:
                    continue
            assert got == Window("mpv", "film", 8)
            fake.stdin.close()  # the fake stops: Hyprland exited
            with pytest.raises(DisplayLost):
                pump(s, lambda w: False, "the fake to stop")
        finally:
            s.close()
        assert fake.wait(10) == 0
    finally:
        fake.kill()
        fake.wait()


def _open_when(env, app):
    """The source once the fake (fed over a pipe) has its window focused, else None."""
    s = hyprland.open(env)
    if s.window() is not None and s.window().app == app:
        return s
    s.close()
    return None
