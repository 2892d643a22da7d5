"""Real X servers for the daemon tests: Xvfb (+ openbox), client windows, xdotool, the daemon."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import _offscreen_exe, require

HERE = Path(__file__).resolve().parent


def wait_for(cond, timeout=10.0, what="condition"):
    """Poll COND until truthy (returns its value) or fail after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class XServer:
    def __init__(self, wm: bool = True, extra_args: tuple = ()):
        require("Xvfb", "xdotool", *(["openbox"] if wm else []))
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "640x480x24", "-nolisten", "tcp", *extra_args],
            pass_fds=(w,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(w)
        with os.fdopen(r) as fh:
            self.display = ":" + fh.readline().strip()
        self.env = {**os.environ, "DISPLAY": self.display}
        self.env.pop("WAYLAND_DISPLAY", None)
        self.wm = None
        self.windows: list[subprocess.Popen] = []
        if wm:
            try:
                for _attempt in range(3):  # openbox now and then exits at once on a busy machine: retry
                    self.wm = subprocess.Popen(
                        ["openbox", "--sm-disable"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                    )
                    wait_for(lambda: self._wm_ready() or self.wm.poll() is not None, what="openbox")
                    if self.wm.poll() is None:
                        break
                else:
                    raise AssertionError(
                        f"openbox exited {self.wm.returncode}: {self.wm.stderr.read().decode(errors='replace')}"
                    )
            except BaseException:
                self.close()
                raise

    def _wm_ready(self):
        out = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=self.env, capture_output=True, text=True
        ).stdout
        return "window id" in out

    def window(self, cls: str, title: str | None = None, wm_name_bytes: bytes | None = None) -> int:
        argv = [sys.executable, str(HERE / "xwin.py"), cls] + ([title] if title else [])
        if wm_name_bytes is not None:
            argv += ["--wm-name-bytes", wm_name_bytes.hex()]
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.windows.append(p)
        return int(p.stdout.readline())

    def xdotool(self, *args):
        subprocess.run(["xdotool", *map(str, args)], env=self.env, check=True, timeout=10)

    def activate(self, wid: int):
        """Bring WID to the front (EWMH) or give it the focus (no WM), then touch the input."""
        if self.wm is not None:
            self.xdotool("windowactivate", "--sync", wid)
        else:
            self.xdotool("windowfocus", "--sync", wid)
        self.input()

    def input(self):
        """Real (XTEST) pointer input: resets XScreenSaver's idle timer."""
        self.xdotool("mousemove_relative", "--", 1, 1)

    def close(self):
        for p in self.windows:
            p.kill()
        for p in (self.wm, self.xvfb):
            if p is not None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()


def start_x(wm: bool = True, attempts: int = 3) -> XServer:
    """XServer, retried with a new server. On a busy machine openbox sometimes fails with "Failed to
    open the display" on a freshly reported, live Xvfb (about 1 start in 10 under load, never when
    the machine is quiet); retrying openbox on that server does not help, a new server does."""
    for i in range(attempts):
        try:
            return XServer(wm=wm)
        except AssertionError as e:
            if "openbox exited" not in str(e) or i == attempts - 1:
                raise


@pytest.fixture
def xserver():
    x = start_x(wm=True)
    yield x
    x.close()


@pytest.fixture
def xserver_nowm():
    x = start_x(wm=False)
    yield x
    x.close()


class DaemonProc:
    """`offscreen daemon` in a subprocess, with its stderr in a file."""

    def __init__(self, home: Path, env: dict, *args):
        self.home = home
        self.log = home / f"daemon-{time.monotonic_ns()}.log"
        home.mkdir(parents=True, exist_ok=True)
        self.logfh = open(self.log, "wb")
        self.p = subprocess.Popen(
            _offscreen_exe() + ["daemon", *map(str, args)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.logfh,
        )
        self.status_file = Path(env["OFFSCREEN_HOME"]) / "state" / "daemon.json"

    def status(self):
        try:
            return json.loads(self.status_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def wait_status(self, cond=lambda s: True, timeout=10.0):
        return wait_for(lambda: (s := self.status()) and cond(s) and s, timeout, "daemon status")

    def stop(self, sig=signal.SIGTERM, timeout=30.0) -> int:
        self.p.send_signal(sig)
        rc = self.p.wait(timeout)
        self.logfh.close()
        return rc

    def text(self) -> str:
        return self.log.read_text()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        if not self.logfh.closed:
            self.logfh.close()


@pytest.fixture
def daemon_factory(tmp_path):
    procs = []

    def start(env, *args):
        d = DaemonProc(tmp_path / "logs", env, *args)
        procs.append(d)
        return d

    yield start
    for d in procs:
        d.kill()
