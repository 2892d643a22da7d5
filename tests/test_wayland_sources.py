"""The stdlib Wayland client (tracker/sampling/wire.py) and the sources on it, against real compositors:
headless sway 1.7 (org_kde_kwin_idle, wlr-foreign-toplevel) and headless KWin 5.27 (ext-idle-notify), started
by the shared fixtures (tests/wayland_fixtures.py, tests/kwin_fixtures.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT
from kwin_fixtures import kwin  # noqa: F401 (fixture)
from source_pump import pump_until as pump
from tracker.sampling import DisplayLost, NoDisplay, wire, wlidle, wlr
from tracker.sampling.sources import SourceUnavailable
from wayland_fixtures import sway  # noqa: F401 (fixture)

pytestmark = pytest.mark.wayland


def app_of(src) -> str | None:
    w = src.window()
    return w.app if w else None


# -- the wire format and the socket path (no compositor) ------------------------------------------
def test_socket_path_follows_libwayland():
    assert wire.socket_path({"WAYLAND_DISPLAY": "/x/y", "XDG_RUNTIME_DIR": "/run"}) == "/x/y"
    assert wire.socket_path({"WAYLAND_DISPLAY": "wayland-3", "XDG_RUNTIME_DIR": "/run/u"}) == "/run/u/wayland-3"
    assert wire.socket_path({"XDG_RUNTIME_DIR": "/run/u"}) == "/run/u/wayland-0"
    assert wire.socket_path({"WAYLAND_DISPLAY": "wayland-1"}) is None
    assert wire.socket_path({"WAYLAND_DISPLAY": "/abs"}) == "/abs"


def test_encode_decode_round_trip():
    sig = "iufsaon"
    args = [-5, 2**32 - 1, -1.5, "héllo", b"\x01\x02\x03", 7, 0xFF000001]
    data = wire.encode(sig, args)
    assert len(data) % 4 == 0
    assert wire.decode(sig, data) == args
    # bind's untyped new_id: interface, version, id; a null string is length 0
    assert wire.decode("usun", wire.encode("usun", [3, "wl_seat", 7, 9])) == [3, "wl_seat", 7, 9]
    assert wire.encode("s", [None]) == b"\0\0\0\0"
    assert wire.decode("s", b"\0\0\0\0") == [None]


def test_dead_socket_is_unavailable_with_the_path(tmp_path):
    missing = str(tmp_path / "wayland-9")
    stale = tmp_path / "stale"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(stale))
    s.close()  # a socket file nobody listens on: ECONNREFUSED
    for path in (missing, str(stale)):
        for opener in (lambda p: wlidle.open(p, 5.0), wlr.open, wire.globals):
            with pytest.raises(SourceUnavailable, match=f"cannot connect to the Wayland compositor at {path}: "):
                opener(path)
    assert not wire.is_live(missing) and not wire.is_live(str(stale))
    assert issubclass(SourceUnavailable, NoDisplay)


def _fake_registry(path: str, globals_: list[tuple[str, int]]) -> str:
    """A one-connection server at PATH announcing GLOBALS and answering wl_display.sync (nothing else)."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        srv.close()
        buf = b""
        with conn, contextlib.suppress(OSError):  # the client hangs up as soon as it has its answer
            while chunk := conn.recv(4096):
                buf += chunk
                while len(buf) >= 8 and len(buf) >= (size := wire.HEADER.unpack_from(buf)[1] >> 16):
                    oid, word = wire.HEADER.unpack_from(buf)
                    (new,) = wire.U32.unpack_from(buf, 8) if size >= 12 else (0,)
                    buf = buf[size:]
                    if (oid, word & 0xFFFF) == (1, 1):  # get_registry
                        for name, (iface, version) in enumerate(globals_, 1):
                            body = wire.encode("usu", [name, iface, version])
                            conn.sendall(wire.HEADER.pack(new, (8 + len(body)) << 16) + body)
                    elif (oid, word & 0xFFFF) == (1, 0):  # sync: done, then delete_id
                        conn.sendall(wire.HEADER.pack(new, 12 << 16) + wire.encode("u", [0]))
                        conn.sendall(wire.HEADER.pack(1, 12 << 16 | 1) + wire.encode("u", [new]))

    threading.Thread(target=serve, daemon=True).start()
    return path


def test_missing_protocols_are_unavailable_with_a_reason(tmp_path):
    path = _fake_registry(str(tmp_path / "fake-1"), [("wl_seat", 7), ("wl_compositor", 4)])
    with pytest.raises(
        SourceUnavailable, match=r"offers no idle protocol \(none of ext_idle_notifier_v1, org_kde_kwin_idle\)$"
    ):
        wlidle.open(path, 5.0)
    path = _fake_registry(str(tmp_path / "fake-2"), [("org_kde_kwin_idle", 1)])
    with pytest.raises(SourceUnavailable, match=r"has no seat \(wl_seat\)"):
        wlidle.open(path, 5.0)


# -- sway 1.7 -------------------------------------------------------------------------------------
def test_globals_probe_lists_what_sway_offers(sway):
    found = wire.globals(sway.socket_path)
    for iface in ("wl_compositor", "wl_seat", "org_kde_kwin_idle", "zwlr_foreign_toplevel_manager_v1"):
        assert found[iface] >= 1, iface
    assert found["zwlr_foreign_toplevel_manager_v1"] == 3
    assert "ext_idle_notifier_v1" not in found  # sway >= 1.8 only


def test_protocol_error_is_a_clear_exception(sway):
    conn = wire.Connection(sway.socket_path)
    try:
        conn.request(conn.registry, 9)  # wl_registry has no request 9
        with pytest.raises(wire.ProtocolError) as e:
            conn.roundtrip()
        # libwayland reports a bad opcode on wl_display, naming the object in the message
        assert str(e.value) == "Wayland protocol error on wl_display@1 (code 1): invalid method 9, object wl_registry@2"
    finally:
        conn.close()
    assert issubclass(wire.ProtocolError, DisplayLost)


def test_wlr_follows_focus_titles_close_and_empty_workspace(sway):
    src = wlr.open(sway.socket_path)
    try:
        assert (src.name, src.has_pid) == ("wlr-foreign-toplevel", False)
        assert src.window() is None and src.toplevels == {}
        sway.window("footA", "Title A")
        pump(src, lambda: app_of(src) == "footA", "footA in front")
        b = sway.window("footB", "Title B")
        pump(src, lambda: len(src.toplevels) == 2 and app_of(src) == "footB", "footB in front")
        assert src.window() == wlr.Window(app="footB", title="Title B", pid=None)

        before = time.monotonic()
        sway.msg("[app_id=footA] focus")
        pump(src, lambda: app_of(src) == "footA", "footA focused")
        assert src.window().title == "Title A"
        assert before <= src.changed_at() <= time.monotonic()

        sway.msg("[app_id=footB] focus")
        pump(src, lambda: app_of(src) == "footB", "footB focused")
        before = time.monotonic()
        sway.set_title(b, "Renamed B")
        pump(src, lambda: (w := src.window()) is not None and w.title == "Renamed B", "the new title")
        assert src.window().app == "footB"
        assert before <= src.changed_at() <= time.monotonic()

        # a switch never shows "no window" in between (both handles' updates are read together)
        for app in ["footA", "footB"] * 5:
            sway.msg(f"[app_id={app}] focus")
            pump(src, lambda app=app: app_of(src) in (app, None), f"{app} focused")
            assert src.window() is not None

        before = time.monotonic()
        sway.msg("workspace", "9")
        pump(src, lambda: src.window() is None, "no window on an empty workspace")
        # None only once it has lasted the settle, dated when it was first seen
        assert time.monotonic() - src.changed_at() >= wlr.NONE_SETTLE
        assert src.changed_at() >= before
        sway.msg("workspace", "1")
        pump(src, lambda: src.window() is not None, "a window again")

        sway.msg("[app_id=footB] kill")
        pump(src, lambda: len(src.toplevels) == 1, "footB's handle closed")
        pump(src, lambda: app_of(src) == "footA", "footA in front after the close")
    finally:
        src.close()


def test_wlr_display_lost_when_sway_dies(sway):
    src = wlr.open(sway.socket_path)
    sway.kill()
    with pytest.raises(
        DisplayLost, match=f"^the Wayland compositor at {sway.socket_path} (closed the connection|went away)"
    ):
        pump(src, lambda: False, "DisplayLost")
    src.close()


def test_kde_idle_backdates_resumes_and_recreates(sway):
    t0 = time.monotonic()
    src = wlidle.open(sway.socket_path, 1.0)
    try:
        assert src.name == "kde-idle"
        now = time.monotonic()
        assert src.last_input(now) is None  # active (time of the last input unknown) until idled
        pump(src, lambda: src.idled_at is not None, "idled")
        seen = time.monotonic()
        # no input since the notification was created (after t0): idled arrives >= 1 s later
        assert t0 <= src.last_input(seen) == src.idled_at - 1.0 <= seen - 1.0

        sway.input()
        pump(src, lambda: src.idled_at is None, "resumed by pointer input")
        now = time.monotonic()
        assert src.last_input(now) is None

        old = src.notification
        src.set_idle_after(60.0)
        assert src.notification != old and src.idle_after == 60.0
        # wlroots 0.15 (sway 1.7) never acknowledges `release` with delete_id: the id stays retired
        src.conn.roundtrip()
        assert old not in src.conn._objects
        t1 = time.monotonic()
        src.set_idle_after(1.5)
        pump(src, lambda: src.idled_at is not None, "idled after the new timeout")
        assert t1 <= src.last_input(time.monotonic()) == src.idled_at - 1.5

        src.simulate_user_activity()
        pump(src, lambda: src.idled_at is None, "resumed by simulated activity")
    finally:
        src.close()


def test_kde_idle_display_lost_when_sway_dies(sway):
    src = wlidle.open(sway.socket_path, 60.0)
    sway.kill()
    with pytest.raises(
        DisplayLost, match=f"^the Wayland compositor at {sway.socket_path} (closed the connection|went away)"
    ):
        pump(src, lambda: False, "DisplayLost")
    src.close()


def _smoke(module: str, env: dict[str, str], first: str, *args: str) -> tuple[str, str, int]:
    p = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    lines = [p.stdout.readline(), p.stdout.readline()]
    assert lines[1].startswith(first), lines
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    return "".join(lines) + out, err, p.returncode


def test_smoke_loops_print_plain_words(sway, tmp_path):
    sway.window("footA", "Title A")
    env = {"XDG_RUNTIME_DIR": sway.runtime_dir, "WAYLAND_DISPLAY": sway.wayland_display}
    src = wlr.open(sway.socket_path)
    pump(src, src.window, "footA mapped")
    src.close()
    out, err, rc = _smoke("tracker.sampling.wlr", env, "focused: app footA, title Title A")
    assert out.startswith("window source: wlr-foreign-toplevel")
    assert (err, rc) == ("", 0)
    out, err, rc = _smoke("tracker.sampling.wlidle", env, "idle since ", "1")
    assert out.startswith("idle source: kde-idle, idle after 1 s without input\n")
    assert (err, rc) == ("", 0)

    gone = {"XDG_RUNTIME_DIR": str(tmp_path), "WAYLAND_DISPLAY": "wayland-none"}
    for module in ("tracker.sampling.wlr", "tracker.sampling.wlidle"):
        p = subprocess.run([sys.executable, "-m", module], env={**os.environ, "PYTHONPATH": str(ROOT), **gone},
                           capture_output=True, text=True, timeout=20)  # fmt: skip
        assert p.returncode == 1
        assert p.stderr == f"Error: cannot connect to the Wayland compositor at {tmp_path}/wayland-none: " \
                           "No such file or directory\n"  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
        p = subprocess.run([sys.executable, "-m", module], env={**env, "PYTHONPATH": str(ROOT), "WAYLAND_DISPLAY": "w-1"},
                           capture_output=True, text=True, timeout=20)  # fmt: skip
        assert (p.returncode, p.stderr) == (1, "Error: no Wayland socket: XDG_RUNTIME_DIR is not set\n")


# -- KWin 5.27: ext-idle-notify ---------------------------------------------------------------------
def kwin_early(timeout: float) -> float:
    """How early KWin's idle timer may fire: Qt "coarse" timers allow 5 % of the interval, in whole ms."""
    return 0.05 * timeout + 0.002


def test_ext_idle_notify_preferred_backdates_and_resumes(kwin):
    found = wire.globals(kwin.socket_path)
    assert {"ext_idle_notifier_v1", "org_kde_kwin_idle", "wl_seat"} <= found.keys()
    with pytest.raises(SourceUnavailable, match="does not offer wlr-foreign-toplevel-management"):
        wlr.open(kwin.socket_path)
    t0 = time.monotonic()
    src = wlidle.open(kwin.socket_path, 1.0)
    try:
        assert src.name == "ext-idle-notify"
        pump(src, lambda: src.idled_at is not None, "idled")
        assert t0 - kwin_early(1.0) <= src.last_input(time.monotonic()) == src.idled_at - 1.0
        t1 = time.monotonic()
        kwin.input()  # org_kde_kwin_idle's simulate_user_activity: input for every notification
        pump(src, lambda: src.idled_at is None, "resumed")
        old = src.notification
        src.set_idle_after(1.2)
        pump(src, lambda: src.idled_at is not None and old in src.conn._free, "idled after the new timeout")
        assert t1 - kwin_early(1.2) <= src.last_input(time.monotonic()) == src.idled_at - 1.2
    finally:
        src.close()
