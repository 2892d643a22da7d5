"""Real X servers for the daemon tests: Xvfb (+ openbox), client windows, xdotool, the daemon."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from conftest import _offscreen_exe, require
from tracker import paths

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
        self.xvfb = self.wm = None
        self.windows: list[subprocess.Popen] = []
        try:  # whatever interrupts the start (a hung Xvfb, the per-test timeout) kills what was started
            self._start(wm, extra_args)
        except BaseException:
            self.close()
            raise

    def _start(self, wm: bool, extra_args: tuple) -> None:
        r, w = os.pipe()
        try:  # -noreset: Xvfb otherwise resets (refusing connections a moment) when its last client leaves
            self.xvfb = subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(w),
                    "-screen",
                    "0",
                    "640x480x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                    *extra_args,
                ],
                pass_fds=(w,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(w)
        with os.fdopen(r) as fh:
            self.display = ":" + fh.readline().strip()
        if self.display == ":":
            raise AssertionError(f"Xvfb exited {self.xvfb.wait()} without reporting a display")
        self.env = {**os.environ, "DISPLAY": self.display}
        self.env.pop("WAYLAND_DISPLAY", None)
        if not wm:
            return
        for _attempt in range(3):  # openbox now and then exits at once on a busy machine: retry
            self.wm = subprocess.Popen(
                ["openbox", "--sm-disable"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            wait_for(lambda: self._wm_ready() or self.wm.poll() is not None, what="openbox")
            if self.wm.poll() is None:
                return
        raise AssertionError(f"openbox exited {self.wm.returncode}: {self.wm.stderr.read().decode(errors='replace')}")

    def _wm_ready(self):
        try:
            out = subprocess.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=self.env, capture_output=True, text=True, timeout=5
            ).stdout
        except subprocess.TimeoutExpired:  # a server that does not answer: wait_for gives up in time
            return False
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
        """Kill the windows, then openbox and Xvfb (TERM, KILL after 5 s); safe to call twice."""
        for p in self.windows:
            p.kill()
            p.wait()
        for p in (self.wm, self.xvfb):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


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


class Span(NamedTuple):
    app: str | None
    title: str | None
    state: str
    start: float  # epoch seconds
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class DaemonProc:
    """`offscreen daemon` in a subprocess, with its stderr in a file."""

    def __init__(self, home: Path, env: dict, *args, delay: float = 0.0):
        self.home = home
        self.log = home / f"daemon-{time.monotonic_ns()}.log"
        home.mkdir(parents=True, exist_ok=True)
        self.logfh = open(self.log, "wb")
        # DELAY: the daemon starts that much later, as on a slow machine (tests of readiness waits)
        slow = ["sh", "-c", f'sleep {delay}; exec "$0" "$@"'] if delay else []
        self.p = subprocess.Popen(
            slow + _offscreen_exe() + ["daemon", *map(str, args)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.logfh,
        )
        self.status_file = Path(env["OFFSCREEN_HOME"]) / "state" / "daemon.json"
        self.queue_file = paths.resolve(env=env).queue_file

    def status(self):
        try:
            return json.loads(self.status_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def wait_status(self, cond=lambda s: True, timeout=10.0):
        """This daemon's status (an earlier daemon's file, marked stopped, stays until it writes one)."""
        return wait_for(
            lambda: (s := self.status()) and s.get("pid") == self.p.pid and cond(s) and s, timeout, "daemon status"
        )

    def spans(self) -> list[Span]:
        """The spans in the daemon's queue, oldest first: what it has recorded so far (the open
        span's end is the heartbeat's, rewritten on every change and every 2 s while it counts)."""
        from tracker.daemon import queue

        return [
            Span(app, title, state, start, end)
            for _id, app, title, state, start, end, _c in queue.spans(self.queue_file)
        ]

    def wait_span(self, cond, timeout=10.0, what="a span in the queue") -> Span:
        """The first queued span satisfying COND, once the daemon has recorded one."""
        return wait_for(lambda: next((s for s in self.spans() if cond(s)), None), timeout, what)

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

    def start(env, *args, delay=0.0):
        d = DaemonProc(tmp_path / "logs", env, *args, delay=delay)
        procs.append(d)
        return d

    yield start
    for d in procs:
        d.kill()
