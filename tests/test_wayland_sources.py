"""The stdlib Wayland client (tracker/sampling/wire.py) and the sources on it, against real compositors:
headless sway 1.7 (org_kde_kwin_idle, wlr-foreign-toplevel) and headless KWin 5.27 (ext-idle-notify)."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, require
from tracker.sampling import DisplayLost, NoDisplay, wire, wlidle, wlr
from tracker.sampling.sources import SourceUnavailable

pytestmark = pytest.mark.wayland

TEST_USER = "wltest"  # compositors refuse to run as root (CI is root)
SWAY_CONF = "output HEADLESS-1 resolution 1280x720\nseat seat0 fallback true\ndefault_border none\n"
# foot keeps its shell reading titles from a FIFO (held open read-write, so no EOF) and sets each one
TITLE_LOOP = 'exec 3<>"$0"; while read -r t <&3; do printf "\\033]2;%s\\007" "$t"; done'


def pump(src, cond, what: str, limit: float = 10.0):
    """Dispatch SRC as events arrive until COND() is truthy (LIMIT only bounds a failure)."""
    deadline = time.monotonic() + limit
    while not (value := cond()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if not src.buffered():
            select.select([src], [], [], 0.05)
        src.dispatch()
    return value


def app_of(src) -> str | None:
    w = src.window()
    return w.app if w else None


# -- a minimal compositor starter (tests/wayland_fixtures.py will replace it) --------------------
# What the tests use of `sway`: .socket (Wayland socket path), .run_dir (its XDG_RUNTIME_DIR), .msg(*args)
# (swaymsg), .foot(app_id, title) -> (process, FIFO whose lines become the title), .kill() (the compositor).
def _test_user() -> str:
    if subprocess.run(["id", "-u", TEST_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", TEST_USER], check=True)
    return TEST_USER


class Compositor:
    """One headless compositor as the test user in its own XDG_RUNTIME_DIR."""

    def __init__(self, argv: list[str], env: dict[str, str], files: dict[str, bytes]):
        if os.geteuid() != 0:
            pytest.skip("starting a compositor as the test user needs root (CI runs as root)")
        user = _test_user()
        # outside pytest's tmp_path: its parents are root's 0700 directories
        self.run_dir = Path(tempfile.mkdtemp(prefix="offscreen-wl-"))
        for name, data in files.items():
            (self.run_dir / name).write_bytes(data)
            (self.run_dir / name).chmod(0o755)
        subprocess.run(["chown", "-R", f"{user}:", str(self.run_dir)], check=True)
        argv = [a.replace("{run}", str(self.run_dir)) for a in argv]
        base = {"PATH": "/usr/bin:/bin", "HOME": f"/home/{user}", "XDG_RUNTIME_DIR": str(self.run_dir)}
        self.client_env = base
        self.children: list[subprocess.Popen] = []
        self.proc = self.spawn(argv, env)
        self.socket = ""

    def spawn(self, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Run ARGV as the test user in its own process group (killed at teardown)."""
        full = {**self.client_env, **(env or {})}
        cmd = ["runuser", "-u", TEST_USER, "--", "env", "-i", *(f"{k}={v}" for k, v in full.items()), *argv]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.children.append(p)
        return p

    def wait_socket(self, name: str | None = None) -> str:
        deadline = time.monotonic() + 20
        while True:
            found = [p for p in self.run_dir.glob(name or "wayland-*") if not p.name.endswith(".lock")]
            if found and wire.is_live(str(found[0])):
                self.socket = str(found[0])
                self.client_env = {**self.client_env, "WAYLAND_DISPLAY": found[0].name}
                return self.socket
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"compositor did not start (exit {self.proc.poll()})")
            time.sleep(0.02)

    def kill(self) -> None:
        for p in reversed(self.children):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.run_dir, ignore_errors=True)


class Sway(Compositor):
    def __init__(self):
        require("sway", "swaymsg", "foot")
        env = {"WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1"}
        super().__init__(["sway", "-c", "{run}/sway.conf"], env, {"sway.conf": SWAY_CONF.encode()})
        self.wait_socket()
        self.ipc = ""
        deadline = time.monotonic() + 20
        while not self.ipc or subprocess.run(["swaymsg", "-s", self.ipc, "-t", "get_version"],
                                             capture_output=True).returncode != 0:  # fmt: skip
            ipcs = list(self.run_dir.glob("sway-ipc.*.sock"))
            self.ipc = str(ipcs[0]) if ipcs else ""
            assert time.monotonic() < deadline, "sway's IPC socket never answered"
            time.sleep(0.02)

    def msg(self, *args: str) -> None:
        subprocess.run(["swaymsg", "-s", self.ipc, *args], check=True, capture_output=True)

    def foot(self, app_id: str, title: str) -> tuple[subprocess.Popen, Path]:
        """A foot window; write a line to the returned FIFO to change its title."""
        fifo = self.run_dir / f"title-{app_id}"
        os.mkfifo(fifo, 0o666)
        os.chown(fifo, *_ids())
        return self.spawn(["foot", f"--app-id={app_id}", f"--title={title}", "sh", "-c", TITLE_LOOP, str(fifo)]), fifo


def _ids() -> tuple[int, int]:
    import pwd

    pw = pwd.getpwnam(TEST_USER)
    return pw.pw_uid, pw.pw_gid


@pytest.fixture
def sway():
    c = Sway()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def kwin():
    """Headless KWin 5.27 (the one compositor here with ext_idle_notifier_v1)."""
    require("kwin_wayland", "dbus-run-session")
    # Debian's binary carries cap_sys_resource, which a container cannot exec: run a plain copy
    exe = Path(shutil.which("kwin_wayland") or "kwin_wayland").read_bytes()
    argv = ["dbus-run-session", "--", "{run}/kwin_wayland", "--virtual", "--no-lockscreen", "--socket", "wayland-kde"]
    c = Compositor(
        [*argv, "--width", "1280", "--height", "720"], {"QT_QPA_PLATFORM": "offscreen"}, {"kwin_wayland": exe}
    )
    try:
        c.wait_socket("wayland-kde")
        yield c
    finally:
        c.close()


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
    found = wire.globals(sway.socket)
    for iface in ("wl_compositor", "wl_seat", "org_kde_kwin_idle", "zwlr_foreign_toplevel_manager_v1"):
        assert found[iface] >= 1, iface
    assert found["zwlr_foreign_toplevel_manager_v1"] == 3
    assert "ext_idle_notifier_v1" not in found  # sway >= 1.8 only


def test_protocol_error_is_a_clear_exception(sway):
    conn = wire.Connection(sway.socket)
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
    src = wlr.open(sway.socket)
    try:
        assert (src.name, src.has_pid) == ("wlr-foreign-toplevel", False)
        assert src.window() is None and src.toplevels == {}
        sway.foot("footA", "Title A")
        pump(src, lambda: app_of(src) == "footA", "footA in front")
        _b, fifo_b = sway.foot("footB", "Title B")
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
        with open(fifo_b, "w") as fh:
            fh.write("Renamed B\n")
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
    src = wlr.open(sway.socket)
    sway.kill()
    with pytest.raises(
        DisplayLost, match=f"^the Wayland compositor at {sway.socket} (closed the connection|went away)"
    ):
        pump(src, lambda: False, "DisplayLost")
    src.close()


def test_kde_idle_backdates_resumes_and_recreates(sway):
    t0 = time.monotonic()
    src = wlidle.open(sway.socket, 1.0)
    try:
        assert src.name == "kde-idle"
        now = time.monotonic()
        assert src.last_input(now) is None  # active (time of the last input unknown) until idled
        pump(src, lambda: src.idled_at is not None, "idled")
        seen = time.monotonic()
        # no input since the notification was created (after t0): idled arrives >= 1 s later
        assert t0 <= src.last_input(seen) == src.idled_at - 1.0 <= seen - 1.0

        sway.msg("seat", "-", "cursor", "move", "1", "1")
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
    src = wlidle.open(sway.socket, 60.0)
    sway.kill()
    with pytest.raises(
        DisplayLost, match=f"^the Wayland compositor at {sway.socket} (closed the connection|went away)"
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
    sway.foot("footA", "Title A")
    env = {"XDG_RUNTIME_DIR": str(sway.run_dir), "WAYLAND_DISPLAY": Path(sway.socket).name}
    src = wlr.open(sway.socket)
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
    found = wire.globals(kwin.socket)
    assert {"ext_idle_notifier_v1", "org_kde_kwin_idle", "wl_seat"} <= found.keys()
    with pytest.raises(SourceUnavailable, match="does not offer wlr-foreign-toplevel-management"):
        wlr.open(kwin.socket)
    t0 = time.monotonic()
    src = wlidle.open(kwin.socket, 1.0)
    # org_kde_kwin_idle's simulate_user_activity is input for every notification (a real input path)
    kde = wlidle.open(kwin.socket, 3600.0, protocols=("org_kde_kwin_idle",))
    try:
        assert (src.name, kde.name) == ("ext-idle-notify", "kde-idle")
        pump(src, lambda: src.idled_at is not None, "idled")
        assert t0 - kwin_early(1.0) <= src.last_input(time.monotonic()) == src.idled_at - 1.0
        t1 = time.monotonic()
        kde.simulate_user_activity()
        kde.conn.roundtrip()
        pump(src, lambda: src.idled_at is None, "resumed")
        old = src.notification
        src.set_idle_after(1.2)
        pump(src, lambda: src.idled_at is not None and old in src.conn._free, "idled after the new timeout")
        assert t1 - kwin_early(1.2) <= src.last_input(time.monotonic()) == src.idled_at - 1.2
    finally:
        src.close()
        kde.close()
