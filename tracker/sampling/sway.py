"""Window source for sway (and i3): the i3-IPC socket in $SWAYSOCK, event-driven.

One connection: SUBSCRIBE to window, workspace and shutdown events, and GET_TREE once at open for
the current focus. Sway writes replies and events to a client in the order they happen, so a tree
reply is newer than every event before it on the socket, and older than every event after it
(which is why an event read before a tree reply is dropped, and a resync needs no locking).
Messages are `i3-ipc` + payload length + type (32-bit, native byte order: sway-ipc(7)) + JSON.

    python -m tracker.sampling.sway     # prints the focused window as it changes
"""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

from tracker.sampling import DisplayLost, Window
from tracker.sampling.sources import SourceUnavailable

MAGIC = b"i3-ipc"
HEADER = struct.Struct("=II")  # payload length, type (native byte order)
HEADER_SIZE = len(MAGIC) + HEADER.size
SUBSCRIBE, GET_TREE, GET_VERSION = 2, 4, 7
EVENT_BIT = 0x80000000
EVENT_WORKSPACE, EVENT_WINDOW, EVENT_SHUTDOWN = EVENT_BIT | 0, EVENT_BIT | 3, EVENT_BIT | 6
CONNECT_TIMEOUT = 0.5  # s: a live sway answers in well under a millisecond
REPLY_TIMEOUT = 2.0  # s for the replies at open (GET_TREE of a big tree included)


def _pack(kind: int, payload: bytes = b"") -> bytes:
    return MAGIC + HEADER.pack(len(payload), kind) + payload


def _connect(path: str) -> socket.socket:
    """A connected socket to sway at `path`, or SourceUnavailable saying why not."""
    if not path:
        raise SourceUnavailable("SWAYSOCK is not set (not a sway or i3 session)")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(path)
        return sock
    except FileNotFoundError:
        why = "does not exist (sway is not running, or SWAYSOCK is stale)"
    except ConnectionRefusedError:
        why = "is stale: nothing listens on it (sway has exited)"
    except TimeoutError:
        why = f"does not answer within {CONNECT_TIMEOUT} s"
    except OSError as e:
        why = f"cannot be connected to: {e.strerror or e}"
    sock.close()
    raise SourceUnavailable(f"sway IPC socket {path} {why}")


def _split(buf: bytearray) -> tuple[int, Any] | None:
    """Take one complete message off the front of `buf`: (type, decoded JSON), or None if incomplete."""
    if len(buf) < HEADER_SIZE:
        return None
    if buf[: len(MAGIC)] != MAGIC:
        raise DisplayLost("sway IPC: a message without the i3-ipc magic (not an i3-IPC socket?)")
    length, kind = HEADER.unpack_from(buf, len(MAGIC))
    end = HEADER_SIZE + length
    if len(buf) < end:
        return None
    payload = bytes(buf[HEADER_SIZE:end])
    del buf[:end]
    try:
        return kind, json.loads(payload)
    except ValueError:
        return kind, None


def _is_view(node: dict) -> bool:
    """A node that is a window (sway: has app_id or X11 properties; i3: has a window id)."""
    return node.get("type") in ("con", "floating_con") and (
        "app_id" in node or bool(node.get("window_properties")) or bool(node.get("window"))
    )


def _window(node: dict) -> Window:
    """The Window of a view node: app id (Wayland) or X11 class, else instance (XWayland)."""
    props = node.get("window_properties") or {}
    app = node.get("app_id") or props.get("class") or props.get("instance") or None
    pid = node.get("pid")
    return Window(app=app, title=node.get("name"), pid=pid if isinstance(pid, int) and pid > 0 else None)


def _children(node: dict) -> list[dict]:
    return list(node.get("nodes") or []) + list(node.get("floating_nodes") or [])


def focus_in_tree(tree: dict) -> tuple[int | None, Window | None]:
    """(container id, window) focused in a GET_TREE reply; (None, None) for an empty workspace."""
    stack = [tree]
    focused = None
    while stack:
        node = stack.pop()
        if node.get("focused"):
            focused = node
            break
        stack.extend(_children(node))
    if focused is None:
        return None, None
    # A focused workspace or split container ("focus parent"): follow its focus order down to the
    # window the user sees in front; an empty workspace has none.
    node = focused
    while not _is_view(node):
        kids = {k.get("id"): k for k in _children(node)}
        order = [i for i in node.get("focus") or [] if i in kids]
        if not order:
            return None, None
        node = kids[order[0]]
    return node.get("id"), _window(node)


class SwaySource:
    """The focused window of sway or i3, kept current from IPC events."""

    name = "sway"
    has_pid = True

    def __init__(self, sock: socket.socket, path: str):
        self._sock = sock
        self.path = path
        self._buf = bytearray()
        self._id: int | None = None
        self._window: Window | None = None
        self._changed_at: float | None = None

    @classmethod
    def connect(cls, path: str) -> SwaySource:
        """Connect, subscribe and read the current focus; SourceUnavailable if sway does not answer."""
        sock = _connect(path)
        src = cls(sock, path)
        try:
            sock.sendall(_pack(SUBSCRIBE, json.dumps(["window", "workspace", "shutdown"]).encode()))
            ok = src._await_reply(SUBSCRIBE)
            if not (isinstance(ok, dict) and ok.get("success")):
                raise SourceUnavailable(f"sway IPC socket {path} refused the event subscription")
            sock.sendall(_pack(GET_TREE))
            src._apply_tree(src._await_reply(GET_TREE))
            src._changed_at = None  # the focus at open is a state, not a change we saw happen
        except (OSError, DisplayLost) as e:
            sock.close()
            what = "does not answer" if isinstance(e, TimeoutError) else f"failed: {e}"
            raise SourceUnavailable(f"sway IPC socket {path} {what}") from None
        except SourceUnavailable:
            sock.close()
            raise
        sock.setblocking(False)
        return src

    def _await_reply(self, kind: int) -> Any:
        """Read (blocking, at open only) until the reply of `kind`; events before it are older: dropped."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            msg = _split(self._buf)
            while msg is not None:
                if msg[0] == kind:
                    return msg[1]
                msg = _split(self._buf)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self._sock.settimeout(left)
            data = self._sock.recv(65536)
            if not data:
                raise DisplayLost("sway closed the IPC connection")
            self._buf += data

    # -- the WindowSource protocol ------------------------------------------------------------

    def fileno(self) -> int:
        return self._sock.fileno()

    def buffered(self) -> bool:
        """True when a complete message was read into memory but not handled yet."""
        if len(self._buf) < HEADER_SIZE:
            return False
        (length, _kind) = HEADER.unpack_from(self._buf, len(MAGIC))
        return len(self._buf) >= HEADER_SIZE + length

    def dispatch(self) -> None:
        """Read everything readable now (never blocking) and handle every complete message."""
        self._fill()
        while (msg := _split(self._buf)) is not None:
            self._handle(*msg)

    def window(self) -> Window | None:
        return self._window

    def changed_at(self) -> float | None:
        return self._changed_at

    def close(self) -> None:
        self._sock.close()

    # -- internals ----------------------------------------------------------------------------

    def _fill(self) -> None:
        """Append all bytes readable now to the buffer; DisplayLost at EOF or on a broken socket."""
        while True:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            except OSError as e:
                raise DisplayLost(f"sway IPC connection broke: {e.strerror or e}") from None
            if not data:
                raise DisplayLost("sway closed the IPC connection (sway exited)")
            self._buf += data

    def _set(self, con_id: int | None, win: Window | None) -> None:
        self._id = con_id
        if win != self._window:
            self._window = win
            self._changed_at = time.monotonic()

    def _apply_tree(self, tree: Any) -> None:
        if isinstance(tree, dict):
            self._set(*focus_in_tree(tree))

    def _resync(self) -> None:
        """Ask for the tree without waiting: its reply, handled in order, supersedes what came before."""
        try:
            self._sock.send(_pack(GET_TREE))
        except BlockingIOError:
            return  # the send buffer is full of our own requests: one is pending anyway
        except OSError as e:
            raise DisplayLost(f"sway IPC connection broke: {e.strerror or e}") from None

    def _handle(self, kind: int, body: Any) -> None:
        if kind == EVENT_SHUTDOWN:
            raise DisplayLost("sway is shutting down")
        if kind == GET_TREE:
            self._apply_tree(body)
            return
        if not isinstance(body, dict):
            return
        change = body.get("change")
        if kind == EVENT_WINDOW:
            con = body.get("container")
            if not isinstance(con, dict):
                return
            if change == "focus":
                self._set(con.get("id"), _window(con))
            elif con.get("id") != self._id or self._id is None:
                return  # another window's title, a new window not yet focused
            elif change == "close":
                self._set(None, None)
            elif change == "move":
                # Moving the focused window to another workspace leaves focus behind on the old
                # one, possibly empty, and sway sends no focus event for that: ask the tree.
                self._resync()
            else:  # title, fullscreen_mode, floating, urgent, mark: same window, maybe a new name
                self._set(con.get("id"), _window(con))
        elif kind == EVENT_WORKSPACE and change == "focus":
            current = body.get("current")
            if isinstance(current, dict) and not _children(current):
                self._set(None, None)  # an empty workspace sends only this event: "no window"
            # A workspace with windows is followed by the window focus event of its focused window.


def open(swaysock: str) -> SwaySource:
    """A sway/i3 window source on the IPC socket `swaysock`; SourceUnavailable with the reason if none."""
    return SwaySource.connect(swaysock)


def probe(swaysock: str) -> tuple[bool, str]:
    """For doctor: (True, "sway 1.7") when the socket answers GET_VERSION, else (False, why)."""
    try:
        sock = _connect(swaysock)
    except SourceUnavailable as e:
        return False, str(e)
    try:
        sock.settimeout(REPLY_TIMEOUT)
        sock.sendall(_pack(GET_VERSION))
        buf = bytearray()
        while (msg := _split(buf)) is None:
            data = sock.recv(65536)
            if not data:
                return False, f"sway IPC socket {swaysock} closed the connection without answering"
            buf += data
    except TimeoutError:
        return False, f"sway IPC socket {swaysock} does not answer GET_VERSION"
    except (OSError, DisplayLost) as e:
        return False, f"sway IPC socket {swaysock} failed: {e}"
    finally:
        sock.close()
    version = msg[1] if isinstance(msg[1], dict) else {}
    major = version.get("major")
    variant = version.get("variant") or ("i3" if isinstance(major, int) and major >= 4 else "sway")
    return True, f"{variant} {version.get('human_readable') or '(version unknown)'}"


def main(argv: list[str] | None = None) -> int:
    """Smoke loop: print the focused window whenever it changes, until Ctrl-C."""
    import os
    import sys

    from tracker.sampling import smoke

    path = (argv or sys.argv[1:] or [os.environ.get("SWAYSOCK", "")])[0]

    def header(_src: SwaySource) -> str:
        ok, version = probe(path)
        return f"source: sway IPC ({version if ok else 'version unknown'}) at {path}"

    return smoke.run(lambda: open(path), header, lambda s: s.window(), lambda _s, w: smoke.describe(w))


if __name__ == "__main__":
    raise SystemExit(main())
