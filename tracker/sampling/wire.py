"""A minimal Wayland wire-protocol client in the standard library (UNIX socket and `struct`).

The wire format (https://wayland.freedesktop.org/docs/html/ch04.html) is a stream of messages:
object id (u32), then size << 16 | opcode (u32), then the arguments, each padded to 4 bytes, in
host byte order. Signatures here use libwayland's letters: i int, u uint, f fixed (24.8), s string,
a array, o object, n new_id; `bind`'s untyped new_id is "sun" (interface, version, id). File
descriptors are not supported: none of the interfaces we use pass one.

This is just enough for the idle and foreign-toplevel sources (tracker/sampling/wlidle.py, wlr.py)
and the `globals()` probe: a registry, bind, sync/roundtrip, and non-blocking event dispatch.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from tracker.sampling import DisplayLost
from tracker.sampling.sources import SourceUnavailable

TIMEOUT = 5.0  # s a roundtrip or a blocked send may take before the compositor counts as hung
SERVER_ID_START = 0xFF000000  # ids from here on are allocated by the compositor (new_id in events)
HEADER = struct.Struct("=II")
U32 = struct.Struct("=I")
I32 = struct.Struct("=i")


class ProtocolError(DisplayLost):
    """The compositor sent wl_display.error; it closes the connection after that."""


class Interface(NamedTuple):  # not a dataclass: the daemon imports this module (issue 14)
    name: str
    events: tuple[str, ...]  # the signature of each event, indexed by opcode


WL_DISPLAY = Interface("wl_display", ("ous", "u"))  # error(object, code, message), delete_id(id)
WL_REGISTRY = Interface("wl_registry", ("usu", "u"))  # global(name, interface, version), global_remove(name)
WL_CALLBACK = Interface("wl_callback", ("u",))  # done(serial)

Handler = Callable[[int, list[Any]], None]  # (event opcode, decoded arguments)


def socket_path(env: Mapping[str, str] | None = None) -> str | None:
    """The compositor socket as libwayland finds it; None when XDG_RUNTIME_DIR is needed but unset."""
    env = os.environ if env is None else env
    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    if name.startswith("/"):
        return name
    runtime = env.get("XDG_RUNTIME_DIR")
    return os.path.join(runtime, name) if runtime else None


def _pad(n: int) -> int:
    return (n + 3) & ~3


def encode(signature: str, args: Sequence[Any]) -> bytes:
    """The argument bytes of one message."""
    out = bytearray()
    for kind, value in zip(signature, args, strict=True):
        if kind == "i":
            out += I32.pack(value)
        elif kind in "uon":
            out += U32.pack(value or 0)  # a null object is id 0
        elif kind == "f":
            out += I32.pack(round(value * 256))
        elif kind in "sa":
            data = b"" if value is None else (value.encode() + b"\0" if kind == "s" else bytes(value))
            out += U32.pack(len(data)) + data + b"\0" * (_pad(len(data)) - len(data))
        else:
            raise ValueError(f"unsupported argument type {kind!r}")
    return bytes(out)


def decode(signature: str, data: bytes | memoryview) -> list[Any]:
    """The arguments of one message body (ints, floats, str or None, bytes)."""
    args: list[Any] = []
    pos = 0
    for kind in signature:
        if kind == "i":
            args.append(I32.unpack_from(data, pos)[0])
            pos += 4
        elif kind in "uon":
            args.append(U32.unpack_from(data, pos)[0])
            pos += 4
        elif kind == "f":
            args.append(I32.unpack_from(data, pos)[0] / 256)
            pos += 4
        elif kind in "sa":
            (n,) = U32.unpack_from(data, pos)
            pos += 4
            raw = bytes(data[pos : pos + n])
            pos += _pad(n)
            if kind == "a":
                args.append(raw)
            else:  # length 0 is a null string; otherwise it ends in a NUL
                args.append(raw[:-1].decode("utf-8", "replace") if n else None)
        else:
            raise ValueError(f"unsupported argument type {kind!r}")
    return args


class Connection:
    """One client connection: object ids, requests out, events in, dispatched to handlers."""

    def __init__(self, path: str):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            self.sock.settimeout(TIMEOUT)  # a compositor that stopped accepting must not hang us
            self.sock.connect(path)
        except OSError as e:
            self.sock.close()
            raise SourceUnavailable(f"cannot connect to the Wayland compositor at {path}: {e.strerror or e}") from None
        self.sock.setblocking(False)
        self._buf = bytearray()
        self._lost: str | None = None  # why the connection ended, once a read saw it end
        self._objects: dict[int, tuple[Interface, Handler]] = {1: (WL_DISPLAY, self._on_display)}
        self._next_id = 2
        self._free: list[int] = []  # ids the compositor acknowledged deleting (delete_id): reusable
        self._zombies: set[int] = set()  # destroyed by us, not yet acknowledged: their events are dropped
        self.globals: dict[int, tuple[str, int]] = {}  # registry name -> (interface, version)
        self.registry = self.new_id(WL_REGISTRY, self._on_registry)
        self.request(1, 1, "n", self.registry)  # wl_display.get_registry

    # -- objects and requests ---------------------------------------------------------------
    def new_id(self, interface: Interface, handler: Handler) -> int:
        """Allocate a client object id and route its events to HANDLER."""
        # The compositor accepts only the next unused id or one it has deleted: never skip one.
        oid = self._free.pop() if self._free else self._next_id
        if oid == self._next_id:
            self._next_id += 1
        self._objects[oid] = (interface, handler)
        return oid

    def add_object(self, oid: int, interface: Interface, handler: Handler) -> None:
        """Route events of an object the compositor created (a new_id in an event)."""
        self._objects[oid] = (interface, handler)

    def forget(self, oid: int) -> None:
        """Stop handling events of OID (after its destructor request; late events are dropped)."""
        if self._objects.pop(oid, None) is not None and oid < SERVER_ID_START:
            self._zombies.add(oid)

    def request(self, oid: int, opcode: int, signature: str = "", *args: Any) -> None:
        """Send one request."""
        body = encode(signature, args)
        self._send(HEADER.pack(oid, (len(body) + 8) << 16 | opcode) + body)

    def bind(self, name: int, interface: Interface, version: int, handler: Handler) -> int:
        """wl_registry.bind the global NAME; returns the new object id."""
        oid = self.new_id(interface, handler)
        self.request(self.registry, 0, "usun", name, interface.name, version, oid)
        return oid

    def find(self, interface: str) -> tuple[int, int] | None:
        """(registry name, version) of the first global offering INTERFACE, or None."""
        for name, (iface, version) in sorted(self.globals.items()):
            if iface == interface:
                return name, version
        return None

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + TIMEOUT
        while view:
            try:
                view = view[self.sock.send(view) :]
            except BlockingIOError:
                if not select.select([], [self.sock], [], max(0.0, deadline - time.monotonic()))[1]:
                    raise DisplayLost(f"the Wayland compositor at {self.path} stopped reading") from None
            except OSError as e:
                # It may have closed after a wl_display.error: that message explains it, so read it
                self._lost = f"the Wayland compositor at {self.path} went away: {e.strerror or e}"
                self.dispatch()
                raise DisplayLost(self._lost) from None

    # -- events -----------------------------------------------------------------------------
    def fileno(self) -> int:
        return self.sock.fileno()

    def buffered(self) -> bool:
        """A whole message has been read but not handled yet (do not block in select)."""
        if len(self._buf) < 8:
            return False
        return len(self._buf) >= HEADER.unpack_from(self._buf)[1] >> 16

    def _read(self) -> None:
        """Read what the socket holds now. The end of the connection is noted, not raised: what
        was read before it (wl_display.error above all) is handled first, then `_check_lost`."""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self._lost = f"the Wayland compositor at {self.path} went away: {e.strerror or e}"
                return
            if not chunk:
                self._lost = f"the Wayland compositor at {self.path} closed the connection"
                return
            self._buf += chunk

    def _check_lost(self) -> None:
        if self._lost is not None and not self.buffered():
            raise DisplayLost(self._lost)

    def _handle_one(self) -> tuple[int, int] | None:
        """Handle the first buffered message; returns its (object id, opcode), None if incomplete."""
        if not self.buffered():
            return None
        oid, word = HEADER.unpack_from(self._buf)
        size, opcode = word >> 16, word & 0xFFFF
        if size < 8:
            raise DisplayLost(f"the Wayland compositor at {self.path} sent a malformed message")
        body = bytes(self._buf[8:size])
        del self._buf[:size]
        entry = self._objects.get(oid)
        if entry is None:  # an object we destroyed whose events were already on their way
            return oid, opcode
        interface, handler = entry
        if opcode >= len(interface.events):
            raise DisplayLost(f"unknown event {opcode} on {interface.name}@{oid} from {self.path}")
        handler(opcode, decode(interface.events[opcode], body))
        return oid, opcode

    def dispatch(self) -> None:
        """Read everything readable now and handle every whole message; never blocks."""
        self._read()
        while self._handle_one() is not None:
            pass
        self._check_lost()

    def roundtrip(self) -> None:
        """Block until the compositor has handled every request so far (wl_display.sync)."""
        done: list[int] = []
        callback = self.new_id(WL_CALLBACK, lambda _op, args: done.append(args[0]))
        self.request(1, 0, "n", callback)
        deadline = time.monotonic() + TIMEOUT
        while not done:
            while not done and self._handle_one() is not None:
                pass  # messages after the callback's done stay buffered for dispatch()
            if done:
                break
            self._check_lost()
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise DisplayLost(f"the Wayland compositor at {self.path} did not answer within {TIMEOUT:g} s")
            self._read()
        self.forget(callback)  # the compositor destroys a callback after done (delete_id follows)

    def _on_display(self, opcode: int, args: list[Any]) -> None:
        if opcode == 0:
            oid, code, message = args
            what = self._objects[oid][0].name if oid in self._objects else "object"
            raise ProtocolError(f"Wayland protocol error on {what}@{oid} (code {code}): {message}")
        oid = args[0]
        if oid in self._zombies or oid in self._objects:
            self._zombies.discard(oid)
            self._objects.pop(oid, None)
            self._free.append(oid)

    def _on_registry(self, opcode: int, args: list[Any]) -> None:
        if opcode == 0:
            self.globals[args[0]] = (args[1], args[2])
        else:
            self.globals.pop(args[0], None)

    def close(self) -> None:
        self.sock.close()


def globals(path: str) -> dict[str, int]:
    """Interface -> highest version the compositor at PATH offers (connect, list, close)."""
    conn = Connection(path)
    try:
        conn.roundtrip()
        out: dict[str, int] = {}
        for iface, version in conn.globals.values():
            out[iface] = max(version, out.get(iface, 0))
        return out
    finally:
        conn.close()


def is_live(path: str | None) -> bool:
    """Something accepts connections at PATH (a stale socket file refuses them)."""
    if not path:
        return False
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        s.settimeout(1.0)
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()
