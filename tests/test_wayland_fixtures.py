"""The headless sway fixture itself: windows with the right app id and title, title changes, focus, an
XWayland window, and a teardown (after a timeout too) that leaves no process behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wayland_fixtures
from conftest import ROOT, require
from wayland_fixtures import start_sway, sway, sway_x  # noqa: F401 (fixtures)

pytestmark = pytest.mark.wayland


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process."""
    found = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[int(entry)] = (int(fields[1]), fields[0])
    return found


def _tree(pid: int) -> set[int]:
    """PID and all its descendants now."""
    procs, family = _processes(), {pid}
    grew = True
    while grew:
        more = {p for p, (ppid, _) in procs.items() if ppid in family} - family
        family |= more
        grew = bool(more)
    return family


def _alive(pids) -> list[int]:
    procs = _processes()
    return [p for p in pids if p in procs and procs[p][1] != "Z"]


def _xwayland(s) -> set[int]:
    """The Xwayland of S (wlroots starts it in a double fork: not a child of sway)."""
    found = set()
    for pid in _processes():
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if argv[:2] == [b"Xwayland", s.display.encode()]:
            found.add(pid)
    assert found, "no Xwayland process"
    return found


def test_windows_appear_with_their_app_id_and_title(sway):
    a = sway.window("org.example.Alpha", "Alpha – first")
    b = sway.window("beta", "Beta")
    views = {v["id"]: v for v in sway.views()}
    assert {(v["app_id"], v["name"], v["shell"]) for v in views.values()} == {
        ("org.example.Alpha", "Alpha – first", "xdg_shell"),
        ("beta", "Beta", "xdg_shell"),
    }
    assert views[a.con_id]["pid"] == a.proc.pid
    assert sway.focused()["id"] == b.con_id  # sway focuses a new window


def test_the_session_belongs_to_the_compositors_user(sway):
    run = Path(sway.runtime_dir)
    st = run.stat()
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == sway.user.pw_uid == os.stat(f"/proc/{sway.proc.pid}").st_uid
    if os.geteuid() == 0:
        assert sway.user.pw_name == "offscreen-test"
    assert Path(sway.socket_path) == run / sway.wayland_display
    assert stat.S_ISSOCK(os.stat(sway.socket_path).st_mode)
    assert stat.S_ISSOCK(os.stat(sway.swaysock).st_mode)
    assert {k: sway.env[k] for k in ("XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE")} == {
        "XDG_CURRENT_DESKTOP": "sway",
        "XDG_SESSION_TYPE": "wayland",
    }
    assert "DISPLAY" not in sway.env  # no XWayland asked for
    # sway.env is all a client needs, as the tests' own user: swaymsg finds SWAYSOCK, wtype the socket
    r = subprocess.run(["swaymsg", "-t", "get_version"], env=sway.env, capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and '"sway"' in r.stdout, r
    require("wtype")
    r = subprocess.run(["wtype", "-k", "Shift_L"], env=sway.env, capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r


def test_titles_change_and_focus_moves(sway):
    a = sway.window("alpha", "one")
    sway.set_title(a, "one, then ünïcode")  # at once: foot shows the window before its shell runs
    b = sway.window("beta", "two")
    assert sway.view(a.con_id)["name"] == "one, then ünïcode"
    assert sway.view(b.con_id)["name"] == "two"
    sway.set_title(a, "three")
    assert sway.view(a.con_id)["name"] == "three"
    sway.focus(a)
    assert sway.focused()["app_id"] == "alpha"
    sway.focus(b)
    assert sway.focused()["app_id"] == "beta"
    with pytest.raises(ValueError):
        sway.set_title(a, "two\nlines")


def test_an_empty_workspace_has_no_focused_window_and_input_is_accepted(sway):
    a = sway.window("alpha", "one")
    name = sway.empty_workspace()
    assert sway.focused() is None
    assert [w["name"] for w in sway.msg("-t", "get_workspaces") if w["focused"]] == [name]
    sway.input()
    sway.focus(a)  # back to its workspace
    assert sway.focused()["id"] == a.con_id


def test_close_removes_the_window_and_ends_its_client(sway):
    a = sway.window("alpha", "one")
    b = sway.window("beta", "two")
    sway.close(a)
    assert [v["id"] for v in sway.views()] == [b.con_id]
    assert a.proc.poll() is not None


def test_an_xwayland_window_shows_its_class(sway_x):
    w = sway_x.window("native", "Native")
    x = sway_x.x_window("XTerm", "an X title")
    v = sway_x.view(x.con_id)
    assert (v["shell"], v["app_id"], v["window_properties"]["class"], v["name"]) == (
        "xwayland",
        None,
        "XTerm",
        "an X title",
    )
    assert sway_x.env["DISPLAY"] == sway_x.display
    sway_x.set_title(x, "another X title – ünïcode")
    assert sway_x.view(x.con_id)["name"] == "another X title – ünïcode"
    sway_x.focus(w)
    sway_x.focus(x)
    assert sway_x.focused()["window_properties"]["class"] == "XTerm"
    sway_x.close(x)
    assert [v["id"] for v in sway_x.views()] == [w.con_id]
    assert x.proc.poll() is not None


def test_teardown_leaves_no_process():
    s = start_sway(xwayland=True)
    try:
        s.window("alpha", "one")
        s.x_window("XApp", "x")
        started = _tree(s.proc.pid).union(*(_tree(w.proc.pid) for w in s.windows), _xwayland(s))
        # sway, Xwayland, the foot and its shell, the X client at least
        assert len(_alive(started)) >= 5, started
    finally:
        s.close()
    assert _alive(started) == []
    assert not Path(s.runtime_dir).exists()
    s.close()  # twice is harmless


def test_teardown_after_a_compositor_crash():
    s = start_sway(xwayland=True)
    try:
        s.window("alpha", "one")
        started = _tree(s.proc.pid).union(*(_tree(w.proc.pid) for w in s.windows), _xwayland(s))
        s.kill()
        assert s.proc.poll() is not None
    finally:
        s.close()
    assert _alive(started) == []
    # the killed sway's X lock is gone (the number may since belong to another test's server)
    lock = Path(f"/tmp/.X{s.display.lstrip(':')}-lock")
    assert not lock.exists() or lock.read_text().strip() != str(s.proc.pid)


def test_exit_ends_the_compositor_and_teardown_still_cleans_up():
    s = start_sway()
    try:
        s.window("alpha", "one")
        s.exit()
        assert s.proc.returncode == 0  # asked to leave: no crash
    finally:
        s.close()
    assert not Path(s.runtime_dir).exists()


def test_a_missing_test_user_fails_with_what_to_do(monkeypatch):
    monkeypatch.setattr(wayland_fixtures, "TEST_USER", "offscreen-no-such-user")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(pytest.fail.Exception, match="make test-user"):
        wayland_fixtures._account()


INNER = textwrap.dedent("""
    import os
    import time
    from pathlib import Path

    import pytest

    from wayland_fixtures import sway_x  # noqa: F401 (fixture)


    @pytest.mark.timeout(4)
    def test_hangs_with_a_live_compositor(sway_x):
        w = sway_x.window("hung", "hung")
        x = sway_x.x_window("Hung", "hung")
        Path(os.environ["INFO_FILE"]).write_text(f"{sway_x.runtime_dir} {sway_x.proc.pid} {w.proc.pid} {x.proc.pid}")
        time.sleep(600)


    def test_the_run_goes_on():
        pass
""")


def test_a_hung_test_fails_alone_and_its_compositor_is_killed(tmp_path):
    (tmp_path / "test_inner.py").write_text(INNER)
    info = tmp_path / "info"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), "INFO_FILE": str(info)}
    env.pop("CI", None)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
    argv += ["--rootdir", str(tmp_path), str(tmp_path / "test_inner.py")]
    r = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=90)
    runtime_dir, *pids = info.read_text().split() if info.exists() else ["-"]
    try:
        assert r.stdout.splitlines()[-1].startswith("1 failed, 1 passed"), r.stdout + r.stderr
        assert len(pids) == 3, r.stdout
        assert r.stdout.count("Failed: Timeout (>4.0s) from pytest-timeout") == 1, r.stdout
        assert _alive(int(p) for p in pids) == []
        assert wayland_fixtures.processes_in(runtime_dir, wayland_fixtures._account().pw_uid) == []
        assert not Path(runtime_dir).exists()
    finally:
        for p in _alive(int(p) for p in pids):
            os.kill(p, 9)
