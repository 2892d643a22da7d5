"""tracker.sampling.sway against a real headless sway: focus, titles, close, empty workspaces,
XWayland classes, sway going away, and nothing left waiting in the read buffer."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys

import pytest

from conftest import ROOT
from source_pump import peek_until, pump
from tracker.sampling import DisplayLost, Window
from tracker.sampling import sway as sway_ipc  # `sway` is the compositor fixture
from tracker.sampling.sources import SourceUnavailable
from wayland_fixtures import sway, sway_x  # noqa: F401 (fixtures)

pytestmark = pytest.mark.wayland


def app_is(app):
    return lambda w: w is not None and w.app == app


def test_initial_focus_comes_from_the_tree(sway):
    sway.window("one", "first window")
    two = sway.window("two", "second window")  # a new window takes the focus
    src = sway_ipc.open(sway.swaysock)
    try:
        win = src.window()
        assert (win.app, win.title, win.pid) == ("two", "second window", two.proc.pid)
        assert src.name == "sway" and src.has_pid
    finally:
        src.close()


def test_focus_switch_and_title_changes(sway):
    one = sway.window("one", "first window")
    two = sway.window("two", "second window")
    src = sway_ipc.open(sway.swaysock)
    try:
        assert src.changed_at() is None  # nothing has changed since open
        sway.focus(one)
        win = pump(src, app_is("one"), "focus on one")
        assert (win.title, win.pid) == ("first window", one.proc.pid)
        first = src.changed_at()
        assert first is not None
        # A title with a comma, and one of a window in the background: only the front one counts.
        sway.set_title(two, "background, renamed")  # returns once sway shows it: its event is queued
        sway.set_title(one, "new, title")
        win = pump(src, lambda w: w.title == "new, title", "the new title")
        assert win.app == "one" and src.changed_at() > first
        sway.focus(two)
        seen = []  # the rename of two reaches the source before the focus event: it must not touch one
        assert pump(src, app_is("two"), "focus on two", seen=seen).title == "background, renamed"
        assert all(w.title == "new, title" for w in seen if w.app == "one"), seen
    finally:
        src.close()


def test_close_moves_to_the_next_window_then_to_none(sway):
    one = sway.window("one", "first window")
    two = sway.window("two", "second window")
    src = sway_ipc.open(sway.swaysock)
    try:
        sway.close(two)
        pump(src, app_is("one"), "focus back on one")
        sway.close(one)
        pump(src, lambda w: w is None, "no window after the last one closed")
    finally:
        src.close()


def test_an_empty_workspace_is_no_window(sway):
    sway.window("one", "first window")
    (home,) = [w["name"] for w in sway.msg("-t", "get_workspaces") if w["focused"]]
    src = sway_ipc.open(sway.swaysock)
    try:
        sway.empty_workspace()
        pump(src, lambda w: w is None, "no window on the empty workspace")
        sway.msg(f"workspace {home}")
        assert pump(src, app_is("one"), "back on one").title == "first window"
    finally:
        src.close()


def test_moving_the_only_window_away_leaves_no_window(sway):
    """Sway sends only a `move` event here (no focus, no workspace event): the source asks the tree."""
    sway.window("one", "first window")
    src = sway_ipc.open(sway.swaysock)
    try:
        sway.msg("move container to workspace 4")
        pump(src, lambda w: w is None, "no window on the emptied workspace")
        sway.msg("workspace 4")
        pump(src, app_is("one"), "one on workspace 4")
    finally:
        src.close()


def test_an_xwayland_window_gives_its_x11_class(sway_x):
    sway_x.window("one", "first window")
    src = sway_ipc.open(sway_x.swaysock)
    try:
        x = sway_x.x_window("XClient", "x client")
        win = pump(src, app_is("XClient"), "the XWayland window")
        assert (win.title, win.pid) == ("x client", x.proc.pid)
    finally:
        src.close()
    src = sway_ipc.open(sway_x.swaysock)  # from the tree too
    try:
        assert src.window().app == "XClient"
    finally:
        src.close()


@pytest.mark.parametrize("how", ["killed", "exit"])
def test_sway_going_away_is_display_lost(sway, how):
    sway.window("one", "first window")
    src = sway_ipc.open(sway.swaysock)
    try:
        if how == "killed":
            sway.kill()  # EOF on the socket
        else:
            sway.exit()  # a `shutdown` event first
        with pytest.raises(DisplayLost):
            pump(src, lambda w: False, "sway to go away")
    finally:
        src.close()


def test_missing_stale_and_silent_sockets_are_unavailable_with_a_reason(tmp_path):
    missing = tmp_path / "sway-ipc.missing.sock"
    with pytest.raises(SourceUnavailable, match=rf"{re.escape(str(missing))} does not exist"):
        sway_ipc.open(str(missing))
    stale = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(stale))
    s.close()  # the file stays, nobody listens: what a crashed sway leaves behind
    with pytest.raises(SourceUnavailable, match="nothing listens"):
        sway_ipc.open(str(stale))
    with pytest.raises(SourceUnavailable, match="SWAYSOCK is not set"):
        sway_ipc.open("")
    silent = tmp_path / "silent.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(silent))
    listener.listen(1)  # accepts in the backlog, never answers
    try:
        with pytest.raises(SourceUnavailable, match="does not answer"):
            sway_ipc.open(str(silent))
        ok, detail = sway_ipc.probe(str(silent))
        assert not ok and "does not answer" in detail
    finally:
        listener.close()
    assert sway_ipc.probe(str(missing)) == (
        False,
        f"sway IPC socket {missing} does not exist (sway is not running, or SWAYSOCK is stale)",
    )


def test_probe_names_the_version(sway):
    version = subprocess.run(["sway", "--version"], capture_output=True, text=True).stdout.split()[-1]
    assert sway_ipc.probe(sway.swaysock) == (True, f"sway {version}")


def test_two_events_in_one_read_are_both_handled_and_flagged_as_buffered(sway):
    one = sway.window("one", "first window")
    two = sway.window("two", "second window")
    src = sway_ipc.open(sway.swaysock)
    try:
        sway.focus(one)
        pump(src, app_is("one"), "focus on one")
        sway.focus(two)  # both return once sway shows the change: neither event is read yet
        sway.set_title(two, "after the switch")
        peek_until(src, b"after the switch")
        src._fill()  # one read takes both events off the socket, as dispatch() and open() do
        assert src.buffered()
        # The point: the socket is no longer readable, so a daemon that only selected would wait.
        assert select.select([src], [], [], 0)[0] == []
        src.dispatch()
        assert (src.window().app, src.window().title) == ("two", "after the switch")
        assert not src.buffered()
    finally:
        src.close()


def _smoke(env):
    return subprocess.Popen(
        [sys.executable, "-m", "tracker.sampling.sway"],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_smoke_loop_prints_plain_words_and_stops_cleanly_on_ctrl_c(sway):
    one = sway.window("one", "first window")
    proc = _smoke(sway.session_env)
    try:
        assert proc.stdout.readline().startswith("source: sway IPC (sway ")
        assert proc.stdout.readline() == f"focused: app one, title first window, pid {one.proc.pid}\n"
        sway.empty_workspace()
        assert proc.stdout.readline() == "no window\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0 and err == "" and out == ""


def test_smoke_loop_without_sway_says_error(tmp_path):
    proc = _smoke({"SWAYSOCK": str(tmp_path / "none.sock")})
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and out == ""
    assert (
        err
        == f"Error: sway IPC socket {tmp_path / 'none.sock'} does not exist (sway is not running, or SWAYSOCK is stale)\n"
    )


def test_focus_in_an_i3_tree_and_after_focus_parent():
    """i3 has no app_id or pid: the X11 class; a focused split container: its focused child."""
    x = {"id": 5, "type": "con", "window": 4194307, "name": "~ - zsh", "window_properties": {"class": "URxvt"}}
    y = {"id": 6, "type": "con", "window": 4194308, "name": "y", "window_properties": {"instance": "xterm"}}
    split = {"id": 4, "type": "con", "window": None, "focused": True, "nodes": [x, y], "focus": [6, 5]}
    ws = {"id": 3, "type": "workspace", "nodes": [split], "focus": [4]}
    assert sway_ipc.focus_in_tree({"id": 1, "type": "root", "nodes": [ws]}) == (6, Window("xterm", "y", None))
    x["focused"], split["focused"] = True, False
    assert sway_ipc.focus_in_tree({"id": 1, "type": "root", "nodes": [ws]}) == (5, Window("URxvt", "~ - zsh", None))
    empty = {"id": 9, "type": "workspace", "focused": True, "nodes": [], "floating_nodes": [], "focus": []}
    assert sway_ipc.focus_in_tree({"id": 1, "type": "root", "nodes": [empty]}) == (None, None)
