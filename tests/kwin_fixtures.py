"""Real headless KWin 5.27 for the Wayland tests: the compositor on its own session bus, client windows,
focus, titles, input, XWayland windows.

KWin refuses root like sway, so as root it runs as `offscreen-test` (tests/wayland_fixtures.py's user and
helpers). `kwin_wayland --virtual` runs under `dbus-run-session` with a bus configuration that also
admits root (a session bus admits only its own user), so the daemon under test, root in CI, reaches
KWin's D-Bus API. Debian's binary carries cap_sys_resource, which a container cannot exec: it runs
from a plain copy. foot dies of SIGFPE under --virtual: windows are tests/helpers/wlwin.py (a stdlib
Wayland client, run as root: root may connect to the user's socket) and tests/xwin.py on XWayland.
"""

from __future__ import annotations

import os
import pwd
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, require
from tracker.sampling import wire, wlidle
from wayland_fixtures import (
    SESSION_VARS,
    TIMEOUT,
    _account,
    _stat,
    as_user,
    end_session,
    processes_in,
    remove_x_lock,
    start_with_retries,
    user_env,
)
from x11_fixtures import wait_for

HERE = Path(__file__).resolve().parent
SOCKET = "wayland-kde"
BUS_CONF = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="{user}"/>
    <allow user="{tests}"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
# One-shot scripts (Plasma 5 API: the fixture runs KWin 5.27): %d is a client's pid.
FOCUS_SCRIPT = """\
var clients = workspace.clientList();
for (var i = 0; i < clients.length; i++) {
    if (clients[i].pid === %d) { workspace.activeClient = clients[i]; }
}
"""


@dataclass
class KWinWindow:
    """A window the fixture opened: its client process and what it last said (tests/helpers/wlwin.py)."""

    proc: subprocess.Popen
    app: str
    title: str
    x11: bool = False
    lines: queue.Queue = field(default_factory=queue.Queue)
    active: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _apply(self, got: str | None) -> None:
        if got in ("activated", "deactivated"):
            self.active = got == "activated"

    def drain(self) -> bool:
        """Apply what the client has said so far; returns whether it has the focus."""
        while True:
            try:
                got = self.lines.get_nowait()
            except queue.Empty:
                return self.active
            self._apply(got)

    def expect(self, line: str) -> None:
        """Wait until the client says LINE (earlier lines are consumed and applied)."""
        while True:
            try:
                got = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"the window {self.app} never said {line!r} (exit {self.proc.poll()})") from None
            if got is None:
                raise AssertionError(f"the window {self.app} exited {self.proc.wait()} before saying {line!r}")
            self._apply(got)
            if got == line:
                return


class KWin:
    """kwin_wayland 5.27 --virtual, ready: its Wayland socket accepts and org.kde.KWin is on its bus."""

    def __init__(self, xwayland: bool = False):
        require("kwin_wayland", "dbus-run-session", "dbus-daemon", *(["Xwayland", "xhost"] if xwayland else []))
        self.user = _account()
        self.xwayland = xwayland
        self.proc: subprocess.Popen | None = None
        self.windows: list[KWinWindow] = []
        self.display: str | None = None
        self._idle: wlidle.WaylandIdle | None = None
        self._bus = None
        self._scripts = 0
        self._seen: set[int] = set()
        self.runtime_dir = tempfile.mkdtemp(prefix="offscreen-kwin-")
        self.socket_path = str(Path(self.runtime_dir) / SOCKET)
        self.bus_address = f"unix:path={self.runtime_dir}/bus"
        # Where the source under test writes its script: KWin (the test user) must read it; root's
        # tmp_path is 0700.
        self.state_dir = Path(self.runtime_dir) / "state"
        self._log = None
        try:
            os.chown(self.runtime_dir, self.user.pw_uid, self.user.pw_gid)
            os.chmod(self.runtime_dir, 0o700)
            self._start()
        except BaseException:
            self.close()
            raise

    def _base_env(self) -> dict[str, str]:
        return user_env(self.runtime_dir, Path(self.runtime_dir) / "home")

    def _as_user(self) -> dict:
        return as_user(self.user, self.runtime_dir)

    def _start(self) -> None:
        run = Path(self.runtime_dir)
        for d in (run / "home", run / "fixture"):
            d.mkdir(mode=0o755)
            os.chown(d, self.user.pw_uid, self.user.pw_gid)
        self.state_dir.mkdir(mode=0o755)
        exe = run / "kwin_wayland"
        shutil.copyfile(shutil.which("kwin_wayland") or "/usr/bin/kwin_wayland", exe)
        exe.chmod(0o755)
        conf = run / "bus.conf"
        me = pwd.getpwuid(os.geteuid()).pw_name
        conf.write_text(BUS_CONF.format(path=run / "bus", user=self.user.pw_name, tests=me))
        conf.chmod(0o644)
        argv = ["dbus-run-session", f"--config-file={conf}", "--", str(exe), "--virtual", "--no-lockscreen"]
        argv += ["--socket", SOCKET, "--width", "1280", "--height", "720"]
        if self.xwayland:
            argv.append("--xwayland")
        self._log = open(run / "kwin.log", "wb")
        self.proc = subprocess.Popen(
            argv,
            env={**self._base_env(), "QT_QPA_PLATFORM": "offscreen"},
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
            **self._as_user(),
        )
        wait_for(lambda: self._ready() or self.proc.poll() is not None, TIMEOUT, "KWin's socket and D-Bus name")
        if self.proc.poll() is not None:
            raise AssertionError(f"KWin exited {self.proc.returncode}: {self.log_tail()}")
        if self.xwayland:
            self._start_xwayland()

    def _ready(self) -> bool:
        if not wire.is_live(self.socket_path) or not os.path.exists(Path(self.runtime_dir) / "bus"):
            return False
        try:  # the name comes before the scripting object: ready when /Scripting answers
            return self.has_name("org.kde.KWin") and not self.scripting("isScriptLoaded", "s", "none")[0]
        except (OSError, AssertionError):
            return False

    def _start_xwayland(self) -> None:
        # KWin starts Xwayland with --xwayland and admits its own user only: let root's X clients in.
        def granted():
            for lock in Path("/tmp").glob(".X*-lock"):
                try:
                    pid = int(lock.read_text().strip())
                except (OSError, ValueError):
                    continue
                if pid in processes_in(self.runtime_dir, self.user.pw_uid):
                    display = ":" + lock.name[2:-5]
                    grant = ["xhost", f"+si:localuser:{pwd.getpwuid(os.geteuid()).pw_name}"]
                    env = {**self._base_env(), "DISPLAY": display}
                    r = subprocess.run(grant, env=env, capture_output=True, timeout=TIMEOUT, **self._as_user())
                    if r.returncode == 0:
                        self.display = display
                        return True
            return False

        wait_for(granted, TIMEOUT, "XWayland to start and admit the tests' X clients")

    # -- the session bus ----------------------------------------------------------------------------

    def bus(self):
        """The fixture's own blocking jeepney connection to KWin's session bus."""
        if self._bus is None:
            from jeepney.io.blocking import open_dbus_connection

            self._bus = open_dbus_connection(bus=self.bus_address, auth_timeout=TIMEOUT)
        return self._bus

    def call(self, dest: str, path: str, iface: str, method: str, sig: str = "", *args):
        """A method call on the session bus; its reply's body (fails on an error reply)."""
        from jeepney import DBusAddress, MessageType, new_method_call

        msg = new_method_call(DBusAddress(path, bus_name=dest, interface=iface), method, sig, args)
        reply = self.bus().send_and_get_reply(msg, timeout=TIMEOUT)
        if reply.header.message_type == MessageType.error:
            raise AssertionError(f"{method}: {reply.header.fields} {reply.body}")
        return reply.body

    def has_name(self, name: str) -> bool:
        bus = "org.freedesktop.DBus"
        return self.call(bus, "/org/freedesktop/DBus", bus, "NameHasOwner", "s", name)[0]

    def scripting(self, method: str, sig: str = "", *args):
        return self.call("org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting", method, sig, *args)

    def run_script(self, text: str) -> None:
        """Load and start a one-shot KWin script. KWin reads its file asynchronously, after start()
        has returned: the script stays loaded until the next one (unloaded then) or the teardown."""
        if self._scripts:
            self.scripting("unloadScript", "s", f"offscreen-fixture-{self._scripts}")
        self._scripts += 1
        name = f"offscreen-fixture-{self._scripts}"
        path = Path(self.runtime_dir) / "fixture" / f"{name}.js"
        path.write_text(text)
        path.chmod(0o644)
        (script_id,) = self.scripting("loadScript", "ss", str(path), name)
        assert script_id >= 0, f"KWin refused the script {path}"
        self.scripting("start")

    def script_loaded(self, name: str) -> bool:
        return self.scripting("isScriptLoaded", "s", name)[0]

    # -- what tests use -----------------------------------------------------------------------------

    @property
    def session_env(self) -> dict[str, str]:
        """The variables a client (or the daemon under test) of this Plasma session needs."""
        env = {
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "WAYLAND_DISPLAY": SOCKET,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "XDG_CURRENT_DESKTOP": "KDE",
            "KDE_SESSION_VERSION": "5",
            "XDG_SESSION_TYPE": "wayland",
        }
        if self.display:
            env["DISPLAY"] = self.display
        return env

    @property
    def env(self) -> dict[str, str]:
        """os.environ in this session: session_env set, another desktop's variables gone."""
        drop = (*SESSION_VARS, "DBUS_SESSION_BUS_ADDRESS", "KDE_SESSION_VERSION", "KDE_FULL_SESSION")
        return {**{k: v for k, v in os.environ.items() if k not in drop}, **self.session_env}

    def window(self, app_id: str, title: str) -> KWinWindow:
        """A Wayland window with APP_ID and TITLE, once its buffer is committed and KWin has activated it."""
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "helpers" / "wlwin.py"), app_id, title],
            env={**os.environ, **self.session_env, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            encoding="utf-8",
        )
        win = self._track(KWinWindow(proc, app_id, title))
        win.expect("mapped")
        if not win.active:
            win.expect("activated")  # KWin activates a new window: a test starts from that state
        return win

    def x_window(self, cls: str, title: str) -> KWinWindow:
        """An X client window (tests/xwin.py, class CLS) on XWayland; focus it with focus()."""
        if not self.display:
            raise AssertionError("this KWin runs without XWayland: KWin(xwayland=True) or the kwin_x fixture")
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "xwin.py"), cls, title],
            env={**os.environ, "DISPLAY": self.display},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            encoding="utf-8",
        )
        win = self._track(KWinWindow(proc, cls, title, x11=True))
        win.lines.get(timeout=TIMEOUT)  # xwin.py prints its window id once mapped
        return win

    def _track(self, win: KWinWindow) -> KWinWindow:
        def read():
            for line in win.proc.stdout:
                win.lines.put(line.rstrip("\n"))
            win.lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        self.windows.append(win)
        return win

    def focus(self, win: KWinWindow) -> None:
        """Activate WIN with a one-shot KWin script; for Wayland windows, wait until the client is told
        (a test pumps its source anyway: a deactivation still on its way cannot mislead it)."""
        win.drain()
        self.run_script(FOCUS_SCRIPT % win.pid)
        if not win.x11:
            wait_for(win.drain, TIMEOUT, f"{win.app} to be activated")

    def set_title(self, win: KWinWindow, title: str) -> None:
        """Change WIN's title as its client would; returns once KWin has handled it (Wayland windows)."""
        win.proc.stdin.write(title + "\n")
        win.proc.stdin.flush()
        if not win.x11:
            win.expect("title")
        win.title = title

    def close(self, win: KWinWindow | None = None) -> None:
        """The client of WIN exits (its window goes); no WIN: tear everything down."""
        if win is None:
            self._teardown()
            return
        win.proc.stdin.close()
        try:
            win.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            win.proc.kill()
            win.proc.wait()

    def input(self) -> None:
        """User input on KWin's seat: org_kde_kwin_idle's simulate_user_activity (resets every idle timer)."""
        if self._idle is None:
            self._idle = wlidle.open(self.socket_path, 3600.0, protocols=("org_kde_kwin_idle",))
        self._idle.simulate_user_activity()
        self._idle.conn.roundtrip()

    def kill(self) -> None:
        """KWin crashes (SIGKILL); dbus-run-session then ends its bus too."""
        self._remember()
        kwin = [p for p in processes_in(self.runtime_dir, self.user.pw_uid) if _comm(p) == "kwin_wayland"]
        for pid in kwin:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: all(_stat(p) in (None,) or _stat(p)[0] == "Z" for p in kwin), TIMEOUT, "KWin to die")

    def log_tail(self) -> str:
        try:
            return (Path(self.runtime_dir) / "kwin.log").read_text(errors="replace")[-2000:]
        except FileNotFoundError:
            return ""

    def _remember(self) -> None:
        self._seen.update(processes_in(self.runtime_dir, self.user.pw_uid))

    def _teardown(self) -> None:
        """Kill the windows, KWin, its bus and everything started in this runtime dir; remove it. Safe twice."""
        for closable in (self._idle, self._bus):
            if closable is not None:
                try:
                    closable.close()
                except Exception:
                    pass
        self._idle = self._bus = None
        end_session(self.runtime_dir, self.user.pw_uid, self._seen, self.proc, self.windows)
        self.windows = []
        if self._log is not None:
            self._log.close()
            self._log = None
        # A killed Xwayland leaves its lock and socket in /tmp; the lock names the Xwayland pid.
        if remove_x_lock(self.display, self._seen):
            self.display = None
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def start_kwin(xwayland: bool = False, attempts: int = 3) -> KWin:
    """KWin, retried with a fresh runtime dir when it exits during its start (a busy machine)."""
    return start_with_retries(lambda: KWin(xwayland=xwayland), "KWin exited", attempts)


@pytest.fixture
def kwin():
    k = start_kwin()
    yield k
    k.close()


@pytest.fixture
def kwin_x():
    """KWin with XWayland: x_window works and env has DISPLAY."""
    k = start_kwin(xwayland=True)
    yield k
    k.close()
