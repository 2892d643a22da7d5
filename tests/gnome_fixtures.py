"""Real headless GNOME Shell 43 for the GNOME tests: the shell, foot windows, focus, titles, input.

gnome-shell refuses root like every compositor, so as root it runs as `offscreen-test` (the user,
the private runtime dir and the teardown come from tests/wayland_fixtures.py). What it needs here:
a private, empty system bus (it waits for logind/GDM answers otherwise), the keyfile settings
backend (no dconf service), and its extensions copied in BEFORE it starts and listed in
~/.config/glib-2.0/settings/keyfile: a running shell never loads an extension copied in later.
The session bus admits root too (a config that includes Debian's session.conf), so the tests and
the sources under test stay root, like the daemon on sway.

Driving it: tests/helpers/gnome_unsafe_extension (tests only) turns on the shell's unsafe mode, so
`org.gnome.Shell.Eval` answers; the fixture uses it to leave the overview, focus a window and read
what the shell sees. Input is real: org.gnome.Mutter.RemoteDesktop pointer motion.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import require
from wayland_fixtures import SESSION_VARS, TIMEOUT, TITLE_LOOP, _account, as_user, end_session, processes_in, user_env
from x11_fixtures import wait_for

HERE = Path(__file__).resolve().parent
UNSAFE = "offscreen-tests-unsafe@offscreen.local"
UNSAFE_DIR = HERE / "helpers" / "gnome_unsafe_extension"
SESSION_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <!-- the tests (root) talk to this user's session bus, as to its compositor sockets on sway -->
  <policy context="default"><allow user="root"/></policy>
</busconfig>
"""
# The shell's own session: the bus address for the tests, then a private system bus, then the shell.
START = (
    'printf %s "$DBUS_SESSION_BUS_ADDRESS" > "$XDG_RUNTIME_DIR/session-bus.tmp"; '
    'mv "$XDG_RUNTIME_DIR/session-bus.tmp" "$XDG_RUNTIME_DIR/session-bus"; '
    'dbus-daemon --session --nofork --address="unix:path=$XDG_RUNTIME_DIR/sysbus" & '
    'while [ ! -S "$XDG_RUNTIME_DIR/sysbus" ]; do sleep 0.02; done; '
    'DBUS_SYSTEM_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/sysbus" '
    "exec gnome-shell --headless --wayland --no-x11 --virtual-monitor 1280x720"
)


@dataclass
class GWin:
    """A foot window the fixture opened: its client process (the window's pid), app id, title."""

    proc: subprocess.Popen
    app: str
    title: str
    fifo: Path


class GnomeShell:
    """gnome-shell 43 headless with our extension (unless `offscreen=False`), ready for windows."""

    def __init__(self, offscreen: bool = True, prepare_home=None):
        require("gnome-shell", "dbus-run-session", "dbus-daemon", "foot")
        self.user = _account()
        self.proc: subprocess.Popen | None = None
        self.windows: list[GWin] = []
        self.bus = None  # the tests' own jeepney connection (Eval, RemoteDesktop)
        self._rd_session: str | None = None
        self._seen: set[int] = set()
        self._log = None
        self.address = ""
        self.runtime_dir = tempfile.mkdtemp(prefix="offscreen-gnome-")
        self.home = Path(self.runtime_dir) / "home"
        try:
            os.chmod(self.runtime_dir, 0o700)
            self._prepare(offscreen, prepare_home)
            self._start(offscreen)
        except BaseException:
            self.close()
            raise

    # -- start ------------------------------------------------------------------------------------

    def _prepare(self, offscreen: bool, prepare_home) -> None:
        from tracker.ops import gnome_extension

        self.home.mkdir(mode=0o700)
        enabled = []
        if offscreen:
            gnome_extension.copy_files({"HOME": str(self.home)}, 43)  # the shipped files, as install copies them
            enabled.append(gnome_extension.UUID)
        shutil.copytree(UNSAFE_DIR, self.home / ".local/share/gnome-shell/extensions" / UNSAFE)
        enabled.append(UNSAFE)  # last: once it is on, the shell has enabled ours too
        settings = self.home / ".config/glib-2.0/settings"
        settings.mkdir(parents=True)
        (settings / "keyfile").write_text(f"[org/gnome/shell]\nenabled-extensions={enabled!r}\n")
        if prepare_home is not None:
            prepare_home(self.home)
        (Path(self.runtime_dir) / "session.conf").write_text(SESSION_CONF)
        subprocess.run(["chown", "-R", f"{self.user.pw_uid}:{self.user.pw_gid}", self.runtime_dir], check=True)

    def _base_env(self) -> dict[str, str]:
        return user_env(self.runtime_dir, self.home)

    def _as_user(self) -> dict:
        return as_user(self.user, self.runtime_dir)

    def _start(self, offscreen: bool) -> None:
        env = {
            **self._base_env(),
            "GSETTINGS_BACKEND": "keyfile",
            "XDG_CURRENT_DESKTOP": "GNOME",
            "XDG_SESSION_TYPE": "wayland",
        }
        conf = str(Path(self.runtime_dir) / "session.conf")
        self._log = open(Path(self.runtime_dir) / "gnome-shell.log", "wb")
        self.proc = subprocess.Popen(
            ["dbus-run-session", f"--config-file={conf}", "--", "sh", "-c", START],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
            **self._as_user(),
        )
        addr_file = Path(self.runtime_dir) / "session-bus"
        wait_for(lambda: addr_file.exists() or self.proc.poll() is not None, TIMEOUT, "the session bus")
        self._check_alive()
        self.address = addr_file.read_text()
        from jeepney.io.blocking import open_dbus_connection

        self.bus = open_dbus_connection(bus=self.address)
        # Ready when the test extension is enabled: extensions are enabled at the end of the start.
        try:
            wait_for(lambda: self._check_alive() or self._unsafe_on(), TIMEOUT * 2, "GNOME Shell and its extensions")
        except AssertionError as e:
            raise AssertionError(f"{e}: {self.log_tail()}") from None
        # It starts in the overview, where no window gets the focus; a hide() during the startup
        # animation is undone by it, so hide once the animations are over, until it stays hidden.
        leave = (
            "if (!Main.layoutManager._startingUp && !Main.overview.animationInProgress) Main.overview.hide(); "
            "Main.layoutManager._startingUp || Main.overview.visible || Main.overview.animationInProgress"
        )
        wait_for(lambda: self.eval(leave) is False, TIMEOUT, "the overview to close")
        self.socket_path = str(Path(self.runtime_dir) / "wayland-0")

    def _check_alive(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"gnome-shell exited {self.proc.returncode}: {self.log_tail()}")
        return False

    def _unsafe_on(self) -> bool:
        try:
            ok, _ = self.call("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell", "Eval", "s", ("true",))
        except AssertionError:
            return False  # not on the bus yet
        return bool(ok)

    # -- what tests use ---------------------------------------------------------------------------

    @property
    def session_env(self) -> dict[str, str]:
        """What the daemon of this session would have: the session bus, the Wayland socket, the desktop."""
        return {
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "WAYLAND_DISPLAY": "wayland-0",
            "DBUS_SESSION_BUS_ADDRESS": self.address,
            "XDG_CURRENT_DESKTOP": "GNOME",
            "XDG_SESSION_TYPE": "wayland",
        }

    @property
    def env(self) -> dict[str, str]:
        """os.environ in this session: session_env set, another desktop's variables gone."""
        env = {k: v for k, v in os.environ.items() if k not in SESSION_VARS}
        return {**env, **self.session_env}

    def call(self, dest: str, path: str, iface: str, name: str, signature: str = "", body: tuple = ()):
        """A blocking method call on the session bus; fails the test on an error reply."""
        from jeepney import DBusAddress, MessageType, new_method_call

        msg = new_method_call(DBusAddress(path, bus_name=dest, interface=iface), name, signature or None, body)
        reply = self.bus.send_and_get_reply(msg, timeout=TIMEOUT)
        if reply.header.message_type == MessageType.error:
            raise AssertionError(f"{dest} {name}: {reply.body}")
        return reply.body

    def eval(self, code: str):
        """org.gnome.Shell.Eval (unsafe mode): the value of CODE, parsed from its JSON."""
        ok, out = self.call("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell", "Eval", "s", (code,))
        if not ok:
            raise AssertionError(f"Eval failed: {out}")
        return json.loads(out) if out else None

    def windows_seen(self) -> list[dict]:
        """Every normal window the shell manages: pid, wm_class, title, focused."""
        return self.eval(
            "global.display.list_all_windows().map(w => ({pid: w.get_pid(), wm_class: w.get_wm_class(), "
            "title: w.get_title(), focused: w === global.display.focus_window}))"
        )

    def seen(self, win: GWin) -> dict | None:
        return next((w for w in self.windows_seen() if w["pid"] == win.proc.pid), None)

    def focused(self) -> dict | None:
        return next((w for w in self.windows_seen() if w["focused"]), None)

    def window(self, app_id: str, title: str) -> GWin:
        """A foot window with APP_ID and TITLE, once the shell has it and has focused it."""
        fifo = Path(self.runtime_dir) / f"title-{len(self.windows)}.fifo"
        os.mkfifo(fifo, 0o600)
        os.chown(fifo, self.user.pw_uid, self.user.pw_gid)
        log = Path(self.runtime_dir) / f"{fifo.stem}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(
                ["foot", f"--app-id={app_id}", f"--title={title}", "sh", "-c", TITLE_LOOP, str(fifo)],
                env={**self._base_env(), "WAYLAND_DISPLAY": "wayland-0"},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=fh,
                start_new_session=True,
                **self._as_user(),
            )
        win = GWin(proc, app_id, title, fifo)
        self.windows.append(win)

        def shown():
            if proc.poll() is not None:
                raise AssertionError(f"foot exited {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
            return (w := self.seen(win)) and w["focused"] and w

        w = wait_for(shown, TIMEOUT, f"foot {app_id} to be shown and focused")
        assert (w["wm_class"], w["title"]) == (app_id, title), w
        return win

    def focus(self, win: GWin) -> None:
        """Give WIN the focus (as a click would) and wait until the shell reports it."""
        self.eval(
            f"global.display.list_all_windows().find(w => w.get_pid() === {win.proc.pid})"
            ".activate(global.get_current_time())"
        )
        wait_for(lambda: (w := self.focused()) and w["pid"] == win.proc.pid, TIMEOUT, "the focus")

    def set_title(self, win: GWin, title: str) -> None:
        """Change WIN's title as its client would, and wait until the shell reports it."""
        if any(ord(c) < 32 or ord(c) == 127 for c in title):
            raise ValueError("a title with control characters cannot go through the client")
        fd = wait_for(lambda: _writer(win), TIMEOUT, "the window's shell to read its FIFO")
        try:
            os.write(fd, (title + "\n").encode())
        finally:
            os.close(fd)
        wait_for(lambda: (w := self.seen(win)) and w["title"] == title, TIMEOUT, "the new title")
        win.title = title

    def close_window(self, win: GWin) -> None:
        """The client of WIN exits; returns once the shell no longer has the window."""
        win.proc.kill()
        win.proc.wait(TIMEOUT)
        wait_for(lambda: self.seen(win) is None, TIMEOUT, "the window to go")

    def input(self) -> None:
        """Pointer motion through Mutter's RemoteDesktop (resets the idle monitor, as a user would)."""
        rd = "org.gnome.Mutter.RemoteDesktop"
        if self._rd_session is None:
            (path,) = self.call(rd, "/org/gnome/Mutter/RemoteDesktop", rd, "CreateSession")
            self.call(rd, path, f"{rd}.Session", "Start")
            self._rd_session = path  # lives as long as this connection
        before = time.monotonic()
        self.call(rd, self._rd_session, f"{rd}.Session", "NotifyPointerMotionRelative", "dd", (1.0, 1.0))
        # The motion is queued in the compositor: return once the idle monitor has counted it (its
        # idle time no longer reaches back before the call), so a test's clock starts after it.
        im = "org.gnome.Mutter.IdleMonitor"
        wait_for(
            lambda: (
                self.call(im, "/org/gnome/Mutter/IdleMonitor/Core", im, "GetIdletime")[0] / 1000
                <= time.monotonic() - before
            ),
            what="the input counted by Mutter's idle monitor",
        )

    def kill(self) -> None:
        """gnome-shell crashes (SIGKILL); the session's bus goes with it."""
        self._remember()
        pid = self._shell_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(TIMEOUT)

    def _shell_pid(self) -> int | None:
        for pid in processes_in(self.runtime_dir, self.user.pw_uid):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "gnome-shell":
                    return pid
            except FileNotFoundError:
                continue
        return None

    def log_tail(self) -> str:
        try:
            return (Path(self.runtime_dir) / "gnome-shell.log").read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def _remember(self) -> None:
        if os.path.isdir(self.runtime_dir):
            self._seen.update(processes_in(self.runtime_dir, self.user.pw_uid))

    def close(self) -> None:
        """Kill the windows, the shell and everything started in its runtime dir; remove it. Safe twice."""
        if self.bus is not None:
            self.bus.close()
            self.bus = None
        # SIGTERM the whole group: dbus-run-session, its sh, the shell and the private system bus
        end_session(self.runtime_dir, self.user.pw_uid, self._seen, self.proc, self.windows, group=True)
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


def _writer(win: GWin) -> int | None:
    """A write end of WIN's FIFO once its shell reads it."""
    import errno

    if win.proc.poll() is not None:
        raise AssertionError(f"the client of that window exited {win.proc.returncode}")
    try:
        return os.open(win.fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno != errno.ENXIO:
            raise
        return None


@pytest.fixture
def gnome_shell():
    """GNOME Shell 43 headless with the offscreen extension enabled."""
    s = GnomeShell()
    yield s
    s.close()


@pytest.fixture
def gnome_shell_bare():
    """GNOME Shell 43 headless without the offscreen extension (a user who never installed it)."""
    s = GnomeShell(offscreen=False)
    yield s
    s.close()
