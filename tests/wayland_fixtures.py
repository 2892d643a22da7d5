"""Real headless sway for the Wayland tests: the compositor, foot and XWayland windows, focus, titles, input.

sway refuses to run as root, so as root it runs as the system user `offscreen-test` (`make test-user`
creates it); as anyone else it runs as the current user. Each instance has a private 0700 XDG_RUNTIME_DIR (its
Wayland socket, its SWAYSOCK, its HOME) that teardown removes after killing every process started in it.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import require
from x11_fixtures import wait_for

HERE = Path(__file__).resolve().parent
TEST_USER = "offscreen-test"  # the Makefile's TEST_USER
# Generous: on a loaded 2-core machine a foot start has taken seconds; every wait ends as soon as it can.
TIMEOUT = 20.0
# What a session would set that must not leak from the developer's desktop into a test's environment.
SESSION_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "SWAYSOCK", "I3SOCK", "HYPRLAND_INSTANCE_SIGNATURE")
SESSION_VARS += ("XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION")
# The client's shell: each line written to the FIFO ($0) becomes the window title (OSC 2). Opened
# read-write so that the open never blocks and the loop never sees end-of-file between writers.
TITLE_LOOP = 'exec 3<>"$0"; while IFS= read -r t <&3; do printf \'\\033]2;%s\\007\' "$t"; done'


@dataclass
class Win:
    """A window the fixture opened: its sway container id, its client process, its app and title."""

    con_id: int
    proc: subprocess.Popen
    app: str  # the Wayland app id, or the X class: what offscreen records as the app
    title: str
    fifo: Path | None = None  # foot windows: where set_title writes
    x11: bool = False


def _account() -> pwd.struct_passwd:
    """Who runs the compositor: the test user as root (compositors refuse root), else oneself."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        pytest.fail(
            f"user {TEST_USER} is missing: sway refuses to run as root and runs as that user "
            "(`make test-user` as root creates it; `make test` does it first)",
            pytrace=False,
        )


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, uid) of a process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state, os.stat(f"/proc/{pid}").st_uid
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def processes_in(runtime_dir: str, uid: int) -> list[int]:
    """Live (not zombie) processes of UID whose environment has XDG_RUNTIME_DIR=RUNTIME_DIR."""
    needle = f"XDG_RUNTIME_DIR={runtime_dir}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _stat(int(entry))
        if st is None or st[0] == "Z" or st[1] != uid:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def user_env(runtime_dir: str, home: str | Path) -> dict[str, str]:
    """The environment of everything run as the test user: nothing of ours leaks in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": runtime_dir,
        "LANG": "C.UTF-8",  # titles are UTF-8; foot warns (and falls back) under C
    }


def as_user(user: pwd.struct_passwd, runtime_dir: str) -> dict:
    """Popen arguments that run a process as USER (when we are root), in a directory it can enter."""
    where = {"cwd": runtime_dir}  # the tests' cwd (a tmp_path) is root's 0700
    if os.geteuid() != 0:
        return where
    return {**where, "user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def stop(proc: subprocess.Popen | None, group: bool = False) -> None:
    """SIGTERM PROC (its whole process group if GROUP), SIGKILL after 5 s; returns once it is gone."""
    if proc is None or proc.poll() is not None:
        return
    if group:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    else:
        proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def end_session(runtime_dir: str, uid: int, seen: set[int], proc: subprocess.Popen | None, windows, group=False):
    """Kill the WINDOWS' clients, the compositor PROC, and every process of UID ever seen in RUNTIME_DIR
    (SEEN is updated); returns once all of them are gone."""
    seen.update(processes_in(runtime_dir, uid))  # before the kills: an exiting process's environment reads empty
    for win in windows:
        if win.proc.poll() is None:
            win.proc.kill()
        win.proc.wait()
        for fh in (win.proc.stdin, win.proc.stdout):
            if fh:
                fh.close()
    stop(proc, group)
    # What the compositor started (Xwayland, `exec`) outlives it: found by the runtime dir it inherited.
    seen.update(processes_in(runtime_dir, uid))
    for pid in seen:
        st = _stat(pid)
        if st is not None and st[0] != "Z" and st[1] == uid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    wait_for(
        lambda: not [p for p in seen if (st := _stat(p)) is not None and st[0] != "Z"],
        TIMEOUT,
        f"the processes of {runtime_dir} to end",
    )


def remove_x_lock(display: str | None, owners) -> bool:
    """Remove the X lock and socket of DISPLAY if its lock names one of OWNERS (pids); whether it did.
    A killed compositor or Xwayland leaves them in /tmp."""
    if not display:
        return False
    n = display.lstrip(":")
    lock = Path(f"/tmp/.X{n}-lock")
    try:
        if int(lock.read_text().strip() or 0) not in owners:
            return False
    except (FileNotFoundError, ValueError):
        return False
    for path in (lock, Path(f"/tmp/.X11-unix/X{n}")):
        path.unlink(missing_ok=True)
    return True


def start_with_retries(make, exited: str, attempts: int = 3):
    """make(), again with a fresh runtime dir when it fails saying EXITED (it exits during its start
    on a busy machine)."""
    for i in range(attempts):
        try:
            return make()
        except AssertionError as e:
            if exited not in str(e) or i == attempts - 1:
                raise
    raise AssertionError("unreachable")


class Sway:
    """sway 1.7 headless, ready for clients (its IPC answers and HEADLESS-1 has a workspace)."""

    def __init__(self, xwayland: bool = False):
        require("sway", "swaymsg", "foot", *(["Xwayland", "xhost"] if xwayland else []))
        self.user = _account()
        self.xwayland = xwayland
        self.proc: subprocess.Popen | None = None
        self.windows: list[Win] = []
        self.swaysock = self.socket_path = self.wayland_display = ""  # known once sway is ready
        self.display: str | None = None  # XWayland's DISPLAY
        self._seen: set[int] = set()  # processes of this session teardown must see gone
        self.runtime_dir = tempfile.mkdtemp(prefix="offscreen-sway-")
        self._log = None
        try:  # whatever interrupts the start (a hang, the per-test timeout) kills what was started
            os.chown(self.runtime_dir, self.user.pw_uid, self.user.pw_gid)
            os.chmod(self.runtime_dir, 0o700)
            self._start()
        except BaseException:
            self.close()
            raise

    # -- start ------------------------------------------------------------------------------------

    def _base_env(self) -> dict[str, str]:
        return user_env(self.runtime_dir, Path(self.runtime_dir) / "home")

    def _start(self) -> None:
        home = Path(self.runtime_dir) / "home"
        home.mkdir(mode=0o700)
        os.chown(home, self.user.pw_uid, self.user.pw_gid)
        conf = Path(self.runtime_dir) / "sway.conf"
        # `force`: Xwayland runs from the start, so that the xhost grant below lasts (started lazily, it
        # could exit and come back without it).
        conf.write_text(
            "output HEADLESS-1 resolution 1280x720\n"
            "seat seat0 fallback true\n"
            "default_border none\n"
            f"xwayland {'force' if self.xwayland else 'disable'}\n"
        )
        conf.chmod(0o644)
        env = {**self._base_env(), "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1"}
        self._log = open(Path(self.runtime_dir) / "sway.log", "wb")
        self.proc = subprocess.Popen(
            ["sway", "-c", str(conf)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
            **self._as_user(),
        )
        wait_for(lambda: self._ready() or self.proc.poll() is not None, TIMEOUT, "sway's IPC socket and output")
        if self.proc.poll() is not None:
            raise AssertionError(f"sway exited {self.proc.returncode}: {self.log_tail()}")
        if self.xwayland:
            self._start_xwayland()

    def _as_user(self) -> dict:
        return as_user(self.user, self.runtime_dir)

    def _ready(self) -> bool:
        socks = sorted(Path(self.runtime_dir).glob("sway-ipc.*.sock"))
        displays = [p for p in Path(self.runtime_dir).glob("wayland-*") if not p.name.endswith(".lock")]
        if not socks or not displays:
            return False
        self.swaysock, self.socket_path = str(socks[0]), str(displays[0])
        self.wayland_display = displays[0].name
        try:
            return bool(self.msg("-t", "get_workspaces"))  # a workspace: HEADLESS-1 is there for windows
        except AssertionError:  # not answering yet
            return False

    def _start_xwayland(self) -> None:
        # sway exports DISPLAY to what it runs; ask a child of sway for it.
        out = Path(self.runtime_dir) / "display"
        self.msg(f'exec printf %s "$DISPLAY" > {out}')
        self.display = wait_for(lambda: out.exists() and out.read_text(), TIMEOUT, "XWayland's DISPLAY")
        # Xwayland admits only its own user's clients: let root's (the tests', tests/xwin.py) in too.
        grant = ["xhost", f"+si:localuser:{pwd.getpwuid(os.geteuid()).pw_name}"]
        env = {**self._base_env(), "DISPLAY": self.display}

        def granted():
            r = subprocess.run(grant, env=env, capture_output=True, timeout=TIMEOUT, **self._as_user())
            return r.returncode == 0

        wait_for(granted, TIMEOUT, "XWayland to admit the tests' X clients")
        self._remember()  # Xwayland: wlroots starts it in a double fork, so it is no child of sway

    # -- what tests use -----------------------------------------------------------------------------

    @property
    def session_env(self) -> dict[str, str]:
        """The variables a client (or the daemon under test) of this sway session needs."""
        env = {
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "WAYLAND_DISPLAY": self.wayland_display,
            "SWAYSOCK": self.swaysock,
            "XDG_CURRENT_DESKTOP": "sway",
            "XDG_SESSION_TYPE": "wayland",
        }
        if self.display:
            env["DISPLAY"] = self.display
        return env

    @property
    def env(self) -> dict[str, str]:
        """os.environ (as the test has it now) in this session: session_env set, another desktop's gone."""
        env = {k: v for k, v in os.environ.items() if k not in SESSION_VARS}
        return {**env, **self.session_env}

    def msg(self, *args: str):
        """swaymsg -s SWAYSOCK ARGS, parsed; fails when swaymsg does (a command sway rejected too)."""
        try:
            r = subprocess.run(
                ["swaymsg", "-s", self.swaysock, "-r", *args], capture_output=True, text=True, timeout=TIMEOUT
            )
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"swaymsg {' '.join(args)}: no answer in {TIMEOUT} s") from e
        if r.returncode != 0:
            raise AssertionError(f"swaymsg {' '.join(args)} exited {r.returncode}: {r.stdout}{r.stderr}".strip())
        return json.loads(r.stdout)

    def tree(self) -> dict:
        return self.msg("-t", "get_tree")

    def views(self) -> list[dict]:
        """Every window (tiling and floating) in the tree."""
        found = []

        def walk(node):
            if node.get("pid") and node["type"] in ("con", "floating_con"):
                found.append(node)
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child)

        walk(self.tree())
        return found

    def view(self, con_id: int) -> dict | None:
        return next((v for v in self.views() if v["id"] == con_id), None)

    def focused(self) -> dict | None:
        """The focused window, None when a workspace (no window) has the focus."""
        return next((v for v in self.views() if v["focused"]), None)

    def window(self, app_id: str, title: str, attempts: int = 3) -> Win:
        """A foot window with APP_ID and TITLE, once sway shows it (foot's title can change: set_title)."""
        for i in range(attempts):
            fifo = Path(self.runtime_dir) / f"title-{len(self.windows)}-{i}.fifo"
            os.mkfifo(fifo, 0o600)
            os.chown(fifo, self.user.pw_uid, self.user.pw_gid)
            log = Path(self.runtime_dir) / f"{fifo.stem}.log"
            with open(log, "wb") as fh:  # a file, not a pipe nobody reads: foot must never block on it
                proc = subprocess.Popen(
                    ["foot", f"--app-id={app_id}", f"--title={title}", "sh", "-c", TITLE_LOOP, str(fifo)],
                    env={**self._base_env(), "WAYLAND_DISPLAY": self.wayland_display},
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=fh,
                    start_new_session=True,
                    **self._as_user(),
                )
            win = Win(0, proc, app_id, title, fifo)
            self.windows.append(win)
            view = self._wait_view(proc, f"foot {app_id}")
            if view is not None:
                win.con_id = view["id"]
                assert (view["app_id"], view["name"]) == (app_id, title), view
                return win
            # foot exited at once (it has, now and then, on a busy machine): a new one
            err = log.read_text(errors="replace")[-2000:]
        raise AssertionError(f"foot exited {proc.returncode} {attempts} times: {err}")

    def x_window(self, cls: str, title: str) -> Win:
        """An X client window (tests/xwin.py, class CLS) on XWayland, once sway shows it."""
        if not self.display:
            raise AssertionError("this Sway runs without XWayland: Sway(xwayland=True) or the sway_x fixture")
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "xwin.py"), cls, title],
            env={**os.environ, "DISPLAY": self.display},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            encoding="utf-8",  # titles written to its stdin
        )
        win = Win(0, proc, cls, title, x11=True)
        self.windows.append(win)
        view = self._wait_view(proc, f"X window {cls}")
        if view is None:
            raise AssertionError(f"tests/xwin.py exited {proc.returncode}")
        win.con_id = view["id"]
        props = view.get("window_properties") or {}
        assert (view["shell"], props.get("class"), view["name"]) == ("xwayland", cls, title), view
        return win

    def _wait_view(self, proc: subprocess.Popen, what: str) -> dict | None:
        """The window of PROC once sway shows it; None if PROC exits first."""
        found = wait_for(
            lambda: next((v for v in self.views() if v["pid"] == proc.pid), None) or proc.poll() is not None,
            TIMEOUT,
            what,
        )
        return None if found is True else found

    def set_title(self, win: Win, title: str) -> None:
        """Change WIN's title as its client would, and wait until sway reports it."""
        if any(ord(c) < 32 or ord(c) == 127 for c in title):
            raise ValueError("a title with control characters cannot go through the client")
        if win.x11:
            win.proc.stdin.write(title + "\n")
            win.proc.stdin.flush()
        else:
            (fd,) = wait_for(lambda: self._writer(win), TIMEOUT, "the window's shell to read its FIFO")
            try:
                os.write(fd, (title + "\n").encode())
            finally:
                os.close(fd)
        wait_for(lambda: (v := self.view(win.con_id)) and v["name"] == title, TIMEOUT, "the new title")
        win.title = title

    @staticmethod
    def _writer(win: Win) -> tuple[int] | None:
        """A write end of WIN's FIFO once its shell reads it (foot maps the window before the shell runs)."""
        if win.proc.poll() is not None:
            raise AssertionError(f"the client of that window exited {win.proc.returncode}")
        try:  # non-blocking: without a reader this fails (ENXIO) instead of hanging
            return (os.open(win.fifo, os.O_WRONLY | os.O_NONBLOCK),)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            return None

    def focus(self, win: Win) -> None:
        """Give WIN the focus (as a click or a key binding would) and wait until sway reports it."""
        self.msg(f"[con_id={win.con_id}] focus")
        wait_for(lambda: (v := self.focused()) and v["id"] == win.con_id, TIMEOUT, "the focus")

    def close(self, win: Win | None = None) -> None:
        """Close WIN as its close button would (sway kills the rest); no WIN: tear everything down."""
        if win is None:
            self._teardown()
            return
        if self.proc is not None and self.proc.poll() is None:
            self.msg(f"[con_id={win.con_id}] kill")
            wait_for(lambda: self.view(win.con_id) is None, TIMEOUT, "the window to close")
        try:
            win.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            win.proc.kill()
            win.proc.wait()

    def empty_workspace(self) -> str:
        """Switch to a workspace with no window (nothing is focused then); returns its name."""
        used = {w["name"] for w in self.msg("-t", "get_workspaces")}
        name = next(n for n in (f"empty{i}" for i in range(1, 1000)) if n not in used)
        self.msg(f"workspace {name}")
        wait_for(
            lambda: any(w["name"] == name and w["focused"] for w in self.msg("-t", "get_workspaces")),
            TIMEOUT,
            "the empty workspace",
        )
        return name

    def input(self) -> None:
        """Pointer input on seat0 (resets the idle timers, as a user would)."""
        self.msg("seat - cursor move 1 1")

    def exit(self) -> None:
        """sway exits as `swaymsg exit` asks (IPC clients get a `shutdown` event first); returns once it has."""
        self._remember()
        # sway closes the connection instead of answering `exit`, so swaymsg fails: sway exiting is the answer.
        subprocess.run(["swaymsg", "-s", self.swaysock, "exit"], capture_output=True, timeout=TIMEOUT)
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"sway was still running {TIMEOUT} s after `exit`") from e

    def kill(self) -> None:
        """The compositor crashes (SIGKILL); its clients lose their display."""
        self._remember()  # what it started, to be sure it has gone by the teardown
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _remember(self) -> None:
        self._seen.update(processes_in(self.runtime_dir, self.user.pw_uid))

    def log_tail(self) -> str:
        try:
            return (Path(self.runtime_dir) / "sway.log").read_text(errors="replace")[-2000:]
        except FileNotFoundError:
            return ""

    def _teardown(self) -> None:
        """Kill the windows, sway and everything started in this runtime dir; remove it. Safe twice."""
        end_session(self.runtime_dir, self.user.pw_uid, self._seen, self.proc, self.windows)
        # A killed sway leaves XWayland's lock and socket in /tmp; its lock file names sway's pid.
        if self.proc is not None:
            remove_x_lock(self.display, {self.proc.pid})
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


def start_sway(xwayland: bool = False, attempts: int = 3) -> Sway:
    """Sway, retried with a fresh runtime dir when sway exits during its start (a busy machine)."""
    return start_with_retries(lambda: Sway(xwayland=xwayland), "sway exited", attempts)


@pytest.fixture
def sway():
    s = start_sway()
    yield s
    s.close()


@pytest.fixture
def sway_x():
    """Sway with XWayland: x_window works and env has DISPLAY."""
    s = start_sway(xwayland=True)
    yield s
    s.close()
