"""A minimal headless sway for tests/test_sway_ipc.py, until the shared `sway` fixture
(tests/wayland_fixtures.py) replaces it: an unprivileged user (sway refuses root), headless
backend, pixman renderer, lazy Xwayland, foot windows whose title the test can change, and an X
client on sway's Xwayland. Everything is started through `swaymsg exec`, so clients inherit
sway's WAYLAND_DISPLAY and DISPLAY; their pids come from the tree and are killed at the end."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from conftest import require
from x11_fixtures import wait_for

USER = "wltest"
CONFIG = "output HEADLESS-1 resolution 1280x720\nseat seat0 fallback true\ndefault_border none\nxwayland enable\n"
# Sets the window title to each line written into the FIFO (OSC 2, as a shell's prompt does).
TITLE_LOOP = '#!/bin/sh\nwhile :; do IFS= read -r t < "$1" && printf \'\\033]2;%s\\007\' "$t"; done\n'


def _user() -> tuple[int, int, str] | None:
    """(uid, gid, home) of the test user, created when running as root; None when not root."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-m", USER], check=False, capture_output=True)
        pw = pwd.getpwnam(USER)  # a concurrent useradd of the same user is fine too
    return pw.pw_uid, pw.pw_gid, pw.pw_dir


class Sway:
    def __init__(self):
        require("sway", "swaymsg", "foot")
        self.proc: subprocess.Popen | None = None
        self.pid: int | None = None
        self.clients: list[int] = []
        self._seq = 0
        user = _user()
        self.run = Path(tempfile.mkdtemp(prefix="sway-run-"))
        if user:
            os.chown(self.run, user[0], user[1])
        self.run.chmod(0o700)
        try:
            self._start(user)
        except BaseException:
            self.close()
            raise

    def _own(self, path: Path) -> None:
        st = self.run.stat()
        os.chown(path, st.st_uid, st.st_gid)

    def _start(self, user) -> None:
        conf = self.run / "sway.conf"
        conf.write_text(CONFIG)
        script = self.run / "title-loop.sh"
        script.write_text(TITLE_LOOP)
        script.chmod(0o755)
        self._own(conf)
        self._own(script)
        env = ["env", "-i", "PATH=/usr/bin:/bin", f"XDG_RUNTIME_DIR={self.run}"]
        env += ["WLR_BACKENDS=headless", "WLR_RENDERER=pixman", "WLR_LIBINPUT_NO_DEVICES=1"]
        env += [f"HOME={user[2] if user else os.environ['HOME']}"]
        cmd = (["runuser", "-u", USER, "--"] if user else []) + env + ["sway", "-c", str(conf)]
        self.log = open(self.run / "sway.log", "wb")  # closed in close()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        # The socket is named sway-ipc.UID.PID.sock: sway's own pid (runuser is only its parent).
        sock = wait_for(lambda: glob.glob(str(self.run / "sway-ipc.*.sock")) or self._died(), 20, "sway's IPC socket")
        self.swaysock = sock[0]
        self.pid = int(self.swaysock.rsplit(".", 2)[-2])
        wait_for(lambda: self.msg("-t", "get_version", check=False).returncode == 0, 20, "sway answering IPC")

    def _died(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"sway exited at start: {(self.run / 'sway.log').read_text(errors='replace')}")

    def msg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """swaymsg on this sway (root may talk to the test user's socket)."""
        proc = subprocess.run(["swaymsg", "-s", self.swaysock, *args], capture_output=True, text=True, timeout=10)
        if check:
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc

    def tree(self) -> dict:
        return json.loads(self.msg("-t", "get_tree").stdout)

    def views(self) -> list[dict]:
        out, stack = [], [self.tree()]
        while stack:
            node = stack.pop()
            if node.get("pid"):
                out.append(node)
            stack.extend(node.get("nodes", []) + node.get("floating_nodes", []))
        return out

    def _spawn(self, command: str, match) -> dict:
        self.msg("exec", command)
        view = wait_for(lambda: next((v for v in self.views() if match(v)), None), 20, f"a window from {command!r}")
        self.clients.append(view["pid"])
        return view

    def foot(self, app_id: str, title: str) -> Path:
        """A foot window; returns the FIFO whose lines become its title (see `set_title`)."""
        self._seq += 1
        fifo = self.run / f"title-{self._seq}"
        os.mkfifo(fifo)
        self._own(fifo)
        self._spawn(
            f"foot --app-id={app_id} --title='{title}' {self.run}/title-loop.sh {fifo}",
            lambda v: v.get("app_id") == app_id,
        )
        return fifo

    @staticmethod
    def set_title(fifo: Path, title: str) -> None:
        with open(fifo, "w", encoding="utf-8") as fh:
            fh.write(title + "\n")

    def xclient(self, title: str) -> dict:
        """An X11 window (xmessage, class Xmessage) on sway's Xwayland."""
        require("xmessage", "Xwayland")
        return self._spawn(
            f"xmessage -title '{title}' hello", lambda v: (v.get("window_properties") or {}).get("title") == title
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.proc.wait(10)
        for pid in self.clients:  # clients leave when their compositor does; make sure
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if hasattr(self, "log"):
            self.log.close()
        shutil.rmtree(self.run, ignore_errors=True)
