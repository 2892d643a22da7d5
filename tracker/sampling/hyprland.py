"""Window source for Hyprland: its IPC sockets (Hyprland wiki, "IPC"), event-driven.

Two UNIX sockets in $XDG_RUNTIME_DIR/hypr/$HYPRLAND_INSTANCE_SIGNATURE/ (Hyprland 0.40 and later;
/tmp/hypr/$SIG/ before): `.socket2.sock` streams events as lines `EVENT>>DATA\\n`, kept open;
`.socket.sock` answers one request per connection (`j/activewindow`: JSON with class, title,
pid). Hyprland serves that socket synchronously and freezes while a client holds it, so each
request connects, writes, reads to EOF and closes at once; it is asked only for a pid the events
do not carry. Events give addresses as bare hex, the JSON as 0x-prefixed: both are normalised.

    python -m tracker.sampling.hyprland     # prints the focused window as it changes
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping

from tracker.sampling import DisplayLost, Window
from tracker.sampling.sources import SourceUnavailable

CONNECT_TIMEOUT = 0.5  # s
REQUEST_TIMEOUT = 1.0  # s for a whole request: Hyprland answers in well under a millisecond
EVENTS, REQUESTS = ".socket2.sock", ".socket.sock"


def socket_dirs(env: Mapping[str, str]) -> list[str]:
    """Where this instance's sockets may be, newest layout first; [] without a signature."""
    sig = env.get("HYPRLAND_INSTANCE_SIGNATURE", "")
    if not sig:
        return []
    dirs = [os.path.join(env["XDG_RUNTIME_DIR"], "hypr", sig)] if env.get("XDG_RUNTIME_DIR") else []
    return [*dirs, os.path.join("/tmp/hypr", sig)]


def _connect(path: str, timeout: float = CONNECT_TIMEOUT) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def _why(e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such socket"
    if isinstance(e, ConnectionRefusedError):
        return "nothing listens"
    if isinstance(e, TimeoutError):
        return "no answer"
    return e.strerror or str(e)


def request(directory: str, command: str) -> bytes:
    """One request on the request socket: connect, write, read to EOF, close (never kept open)."""
    deadline = time.monotonic() + REQUEST_TIMEOUT
    sock = _connect(os.path.join(directory, REQUESTS))
    try:
        sock.sendall(command.encode())
        chunks: list[bytes] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Hyprland's request socket did not finish its answer")
            sock.settimeout(left)
            data = sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
    finally:
        sock.close()


def _address(value: str) -> str:
    """`0x55d0c0ffee00` (JSON) and `55d0c0ffee00` (events) are the same window."""
    value = value.strip().lower()
    return value[2:] if value.startswith("0x") else value


class HyprlandSource:
    """The focused window of Hyprland, kept current from socket2 events."""

    name = "hyprland"
    has_pid = True

    def __init__(self, sock: socket.socket, directory: str):
        self._sock = sock
        self.directory = directory
        self._buf = bytearray()
        self._addr: str | None = None  # the active window's address, None while unknown or none
        self._window: Window | None = None
        self._changed_at: float | None = None
        self._pids: dict[str, int] = {}  # address -> pid, learnt from requests, forgotten on close
        self._v1: tuple[str, str] | None = None  # activewindow seen, its activewindowv2 not yet
        self._stale = False  # the focus changed in a way only a request can complete

    @classmethod
    def connect(cls, env: Mapping[str, str]) -> HyprlandSource:
        """Find the instance's sockets and subscribe; SourceUnavailable with the paths tried."""
        dirs = socket_dirs(env)
        if not dirs:
            raise SourceUnavailable("HYPRLAND_INSTANCE_SIGNATURE is not set (not a Hyprland session)")
        tried = []
        for d in dirs:
            path = os.path.join(d, EVENTS)
            try:
                sock = _connect(path)
            except OSError as e:
                tried.append(f"{path} ({_why(e)})")
                continue
            sock.setblocking(False)
            src = cls(sock, d)
            src._refresh(initial=True)  # after subscribing: a change from now on is an event we will read
            src._changed_at = None  # the focus at open is a state, not a change we saw happen
            return src
        raise SourceUnavailable(f"no Hyprland event socket answers: tried {', '.join(tried)}")

    # -- the WindowSource protocol ------------------------------------------------------------

    def fileno(self) -> int:
        return self._sock.fileno()

    def buffered(self) -> bool:
        """True when a complete event line was read into memory but not handled yet."""
        return b"\n" in self._buf

    def dispatch(self) -> None:
        """Read all readable event lines (never blocking), handle them, then ask for a missing pid."""
        self._fill()
        while (end := self._buf.find(b"\n")) >= 0:
            line = bytes(self._buf[:end]).decode("utf-8", "replace")
            del self._buf[: end + 1]
            self._handle(line)
        if self._v1 is not None and not self._buf:
            # activewindow without its v2 line (an older Hyprland, or the v2 not written yet; with
            # part of a line waiting, it is probably that v2): take it, a request finds address and pid.
            cls_, title = self._v1
            self._v1 = None
            self._focus(None, Window(cls_ or None, title or None) if (cls_ or title) else None)
        if self._stale:
            self._refresh()

    def window(self) -> Window | None:
        return self._window

    def changed_at(self) -> float | None:
        return self._changed_at

    def close(self) -> None:
        self._sock.close()

    # -- internals ----------------------------------------------------------------------------

    def _fill(self) -> None:
        while True:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            except OSError as e:
                raise DisplayLost(f"Hyprland event socket broke: {e.strerror or e}") from None
            if not data:
                raise DisplayLost("Hyprland closed its event socket (Hyprland exited)")
            self._buf += data

    def _set(self, win: Window | None) -> None:
        if win != self._window:
            self._window = win
            self._changed_at = time.monotonic()

    def _focus(self, addr: str | None, win: Window | None) -> None:
        """The active window is now `win` at `addr` (None: unknown); its pid from the cache or a request."""
        self._addr = addr
        if win is not None and addr is not None and addr in self._pids:
            win = Window(win.app, win.title, self._pids[addr])
        self._stale = win is not None and win.pid is None
        self._set(win)

    def _handle(self, line: str) -> None:
        event, sep, data = line.partition(">>")
        if not sep:
            return
        if event == "activewindow":
            cls_, _, title = data.partition(",")  # a class has no comma, a title may: split once
            self._v1 = (cls_, title)
        elif event == "activewindowv2":
            addr = _address(data)
            v1, self._v1 = self._v1, None
            if addr in ("", ","):
                self._focus(None, None)
            elif v1 is not None:
                self._focus(addr, Window(v1[0] or None, v1[1] or None))
            elif addr != self._addr or self._window is None:
                # Focus moved without an activewindow line: only a request knows class and title.
                self._focus(addr, Window(None, None))
                self._stale = True
        elif event == "windowtitlev2":
            addr, _, title = data.partition(",")
            if self._window is not None and _address(addr) == self._addr:
                self._set(Window(self._window.app, title or None, self._window.pid))
        elif event == "closewindow":
            addr = _address(data)
            self._pids.pop(addr, None)  # addresses are reused after a window is freed
            if addr == self._addr:
                self._focus(None, None)

    def _refresh(self, initial: bool = False) -> None:
        """Ask the request socket for the active window: all of it at open, later the pid (and the
        class and title) of the window the events named. Errors leave the pid unknown."""
        self._stale = False
        try:
            reply = json.loads(request(self.directory, "j/activewindow"))
        except (OSError, ValueError):
            return  # the event socket is the sign of life; a failed request costs only the pid
        addr = _address(str(reply.get("address") or "")) if isinstance(reply, dict) else ""
        if not addr:  # "{}": no active window
            if initial:
                self._focus(None, None)
            return  # later: the events saying so are on their way
        pid = reply.get("pid")
        if isinstance(pid, int) and pid > 0:
            self._pids[addr] = pid
        if not initial and self._addr not in (None, addr):
            return  # a window focused after the one the events named: its events follow
        self._addr = addr
        self._set(Window(reply.get("class") or None, reply.get("title") or None, self._pids.get(addr)))


def open(env: Mapping[str, str]) -> HyprlandSource:
    """A Hyprland window source for the session described by `env`; SourceUnavailable if none."""
    return HyprlandSource.connect(env)


def probe(env: Mapping[str, str]) -> tuple[bool, str]:
    """For doctor: (True, "Hyprland v0.41.2 at DIR") when both sockets answer, else (False, why)."""
    try:
        src = open(env)
    except SourceUnavailable as e:
        return False, str(e)
    src.close()
    try:
        reply = json.loads(request(src.directory, "j/version"))
    except (OSError, ValueError) as e:
        why = _why(e) if isinstance(e, OSError) else "not JSON"
        return False, f"Hyprland's request socket {os.path.join(src.directory, REQUESTS)} failed: {why}"
    version = (reply.get("tag") or reply.get("version")) if isinstance(reply, dict) else None
    return True, f"Hyprland {version or '(version unknown)'} at {src.directory}"


def main() -> int:
    """Smoke loop: print the focused window whenever it changes, until Ctrl-C."""
    from tracker.sampling import smoke

    def header(_src: HyprlandSource) -> str:
        ok, version = probe(os.environ)
        return f"source: Hyprland IPC ({version if ok else 'version unknown'})"

    return smoke.run(lambda: open(os.environ), header, lambda s: s.window(), lambda _s, w: smoke.describe(w))


if __name__ == "__main__":
    raise SystemExit(main())
