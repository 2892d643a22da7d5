"""A fake Hyprland IPC server, written from Hyprland's documentation (wiki "IPC" and "Using
hyprctl"), since Hyprland is not packaged in Debian 12.

Both sockets live where Hyprland puts them: RUNTIME/hypr/SIG/ (Hyprland >= 0.40) or, with
legacy=True, /tmp/hypr/SIG/. `.socket2.sock` writes events to every connected client as
`EVENT>>DATA\\n`; on focus it writes `activewindow>>CLASS,TITLE` then `activewindowv2>>ADDRESS`
(the address as bare hex, `,` and empty for no window), on a title `windowtitle>>ADDRESS` then
`windowtitlev2>>ADDRESS,TITLE`, on close `closewindow>>ADDRESS`. `.socket.sock` serves one request
per connection, one at a time (Hyprland does it synchronously): read the request, write the answer
(`j/activewindow`: the JSON of `hyprctl activewindow -j`, 0x-prefixed address, `{}` without an
active window; `j/version`), close. Each request is recorded with whether the client closed its
end afterwards, so a test can assert that no request connection stays open.

In-process: `FakeHyprland(runtime, sig)`. As a process (for daemon tests):
`python fake_hyprland.py RUNTIME SIG [--legacy]` prints `ready DIR`, then takes one JSON list per
stdin line: ["add", ADDR, CLASS, TITLE, PID], ["focus", ADDR or null], ["title", ADDR, TITLE],
["close", ADDR], ["raw", TEXT]; it stops at EOF on stdin.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import socket
import sys
import threading
import time
from dataclasses import dataclass


@dataclass
class Request:
    command: str
    answer: str
    closed_by_client: bool = False


class FakeHyprland:
    def __init__(self, runtime: str, sig: str = "fakesig", legacy: bool = False):
        base = "/tmp/hypr" if legacy else os.path.join(runtime, "hypr")
        self.dir = os.path.join(base, sig)
        self._made_base = legacy and not os.path.isdir(base)
        os.makedirs(self.dir, exist_ok=True)
        self.windows: dict[str, dict] = {}  # bare hex address -> the activewindow JSON
        self.active: str | None = None
        self.requests: list[Request] = []
        self.clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop_r, self._stop_w = os.pipe()
        self._stopped = False
        self.events = self._listen(".socket2.sock")
        self.requests_sock = self._listen(".socket.sock")
        self._threads = [
            threading.Thread(target=self._accept_events, daemon=True),
            threading.Thread(target=self._serve_requests, daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _listen(self, name: str) -> socket.socket:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(os.path.join(self.dir, name))
        s.listen(16)
        return s

    # -- the servers --------------------------------------------------------------------------

    def _accept_events(self) -> None:
        while True:
            ready, _, _ = select.select([self.events, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            conn, _ = self.events.accept()
            with self._lock:
                self.clients.append(conn)

    def _serve_requests(self) -> None:
        while True:
            ready, _, _ = select.select([self.requests_sock, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            conn, _ = self.requests_sock.accept()
            with conn:
                conn.settimeout(5)  # Hyprland's own timeout for a client that does not write
                try:
                    command = conn.recv(8192).decode()
                except TimeoutError:
                    command = ""
                req = Request(command, self._answer(command))
                with self._lock:
                    self.requests.append(req)
                with contextlib.suppress(OSError):
                    conn.sendall(req.answer.encode())
                    conn.shutdown(socket.SHUT_WR)  # what closing the socket tells the client: EOF
                    # The client must close its end now; a client that keeps it open shows here.
                    req.closed_by_client = conn.recv(1) == b""

    def _answer(self, command: str) -> str:
        with self._lock:
            if command == "j/activewindow":
                return json.dumps(self.windows[self.active]) if self.active in self.windows else "{}"
            if command == "j/version":
                return json.dumps(
                    {
                        "branch": "main",
                        "commit": "0" * 40,
                        "version": "0.41.2",
                        "dirty": False,
                        "commit_message": "fake",
                        "commit_date": "",
                        "tag": "v0.41.2",
                        "commits": "1",
                        "flags": [],
                    }
                )
        return "unknown request"

    # -- what a test does ---------------------------------------------------------------------

    def wait_clients(self, n: int = 1, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.clients) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{n} event client(s) never connected")
            time.sleep(0.01)

    def send_raw(self, data: bytes) -> None:
        """Bytes to every event client as they are (a test splits lines with this)."""
        with self._lock:
            for c in list(self.clients):
                try:
                    c.sendall(data)
                except OSError:
                    self.clients.remove(c)

    def emit(self, *lines: str) -> None:
        self.send_raw(b"".join(line.encode() + b"\n" for line in lines))

    def add(self, addr: str, cls: str, title: str, pid: int, xwayland: bool = False) -> None:
        self.windows[addr] = {
            "address": f"0x{addr}", "mapped": True, "hidden": False, "at": [0, 0], "size": [1280, 720],
            "workspace": {"id": 1, "name": "1"}, "floating": False, "pseudo": False, "monitor": 0,
            "class": cls, "title": title, "initialClass": cls, "initialTitle": title, "pid": pid,
            "xwayland": xwayland, "pinned": False, "fullscreen": 0, "fullscreenClient": 0, "grouped": [],
            "tags": [], "swallowing": "0x0", "focusHistoryID": 0,
        }  # fmt: skip

    def focus(self, addr: str | None) -> None:
        with self._lock:
            self.active = addr
        if addr is None:
            self.emit("activewindow>>,", "activewindowv2>>")
        else:
            w = self.windows[addr]
            self.emit(f"activewindow>>{w['class']},{w['title']}", f"activewindowv2>>{addr}")

    def set_title(self, addr: str, title: str) -> None:
        self.windows[addr]["title"] = title
        self.emit(f"windowtitle>>{addr}", f"windowtitlev2>>{addr},{title}")

    def close_window(self, addr: str) -> None:
        with self._lock:
            self.windows.pop(addr, None)
            if self.active == addr:
                self.active = None
        self.emit(f"closewindow>>{addr}")

    def wait_requests(self, n: int, timeout: float = 10.0) -> list[Request]:
        """The first n requests, once each has been answered and its connection judged."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < n or not all(r.closed_by_client for r in self.requests[:n]):
            if time.monotonic() > deadline:
                raise AssertionError(f"requests: {self.requests} (wanted {n}, each closed by the client)")
            time.sleep(0.01)
        return self.requests[:n]

    def stop(self) -> None:
        """Hyprland exits: every socket closes, the directory goes (a second call does nothing)."""
        if self._stopped:
            return
        self._stopped = True
        os.write(self._stop_w, b"x")
        for t in self._threads:
            t.join(10)
        with self._lock:
            for c in self.clients:
                c.close()
            self.clients.clear()
        self.events.close()
        self.requests_sock.close()
        os.close(self._stop_r)
        os.close(self._stop_w)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._made_base:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(self.dir))


def main(argv: list[str]) -> int:
    legacy = "--legacy" in argv
    runtime, sig = [a for a in argv if a != "--legacy"][:2]
    fake = FakeHyprland(runtime, sig, legacy=legacy)
    print("ready", fake.dir, flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            op, *args = json.loads(line)
            if op == "add":
                fake.add(*args)
            elif op == "focus":
                fake.focus(args[0])
            elif op == "title":
                fake.set_title(*args)
            elif op == "close":
                fake.close_window(args[0])
            elif op == "raw":
                fake.send_raw(args[0].encode())
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
