"""A session-bus connection for event-driven sources: blocking calls at open, then non-blocking.

jeepney's blocking connection authenticates and says Hello; `call` waits for one reply (only while a
source opens). After `start()`, the daemon's loop owns the socket: `send` queues a call whose reply
goes to a callback, `dispatch` reads what is readable now and hands every signal to the source, and
`buffered` says whether a message already read waits (jeepney's parser reads ahead). A closed bus is
`DisplayLost`. Used by tracker/sampling/gnome.py and mutter_idle.py.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from tracker.sampling import DisplayLost
from tracker.sampling.sources import SourceUnavailable

TIMEOUT = 2.0  # s for connecting and for each call at open (a loaded 2-core machine included)
DBUS = ("/org/freedesktop/DBus", "org.freedesktop.DBus")


class BusError(Exception):
    """A D-Bus error reply: `name` is the error name (org.freedesktop.DBus.Error.ServiceUnknown ...)."""

    def __init__(self, name: str, text: str):
        super().__init__(f"{name}: {text}" if text else name)
        self.name = name


def address(env: Mapping[str, str] | None = None) -> str | None:
    """The session bus: $DBUS_SESSION_BUS_ADDRESS, else systemd's $XDG_RUNTIME_DIR/bus when it exists."""
    env = os.environ if env is None else env
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return env["DBUS_SESSION_BUS_ADDRESS"]
    run = env.get("XDG_RUNTIME_DIR")
    if run and os.path.exists(os.path.join(run, "bus")):
        return f"unix:path={os.path.join(run, 'bus')}"
    return None


def method(dest: str, path: str, iface: str, name: str, signature: str = "", body: tuple = ()):
    """A method call message (jeepney imported lazily)."""
    from jeepney import DBusAddress, new_method_call

    return new_method_call(DBusAddress(path, bus_name=dest, interface=iface), name, signature or None, body)


def _error(reply) -> BusError:
    name = reply.header.fields.get(_field("error_name"), "error")
    text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
    return BusError(str(name), text)


def _field(name: str):
    from jeepney.low_level import HeaderFields

    return getattr(HeaderFields, name)


class SessionBus:
    """One connection to the session bus; see the module docstring for the two phases."""

    def __init__(self, addr: str, timeout: float = TIMEOUT):
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as e:
            raise SourceUnavailable(f"the jeepney package is missing ({e})") from None
        try:
            self.conn = open_dbus_connection(bus=addr, auth_timeout=timeout)
        except Exception as e:  # OSError, TimeoutError, auth failures, a malformed address
            raise SourceUnavailable(f"cannot connect to the session bus {addr}: {type(e).__name__}: {e}") from None
        self.timeout = timeout
        self.unique_name: str = self.conn.unique_name
        self._queue: deque = deque()  # messages read ahead, not handled yet
        self._pending: dict[int, Callable[[Any, BusError | None], None]] = {}
        self._on_signal: Callable[[Any], None] = lambda msg: None
        self._started = False

    # -- open phase: blocking ----------------------------------------------------------------

    def call(self, msg) -> tuple:
        """Send MSG and wait (at most `timeout`) for its reply body; BusError on an error reply."""
        from jeepney import MessageType

        try:
            reply = self.conn.send_and_get_reply(msg, timeout=self.timeout)
        except TimeoutError:
            raise BusError("timeout", f"no reply within {self.timeout:g} s") from None
        except OSError as e:
            raise DisplayLost(f"the session bus connection broke: {e}") from None
        if reply.header.message_type == MessageType.error:
            raise _error(reply)
        return tuple(reply.body)

    def add_match(self, rule: str) -> None:
        self.call(method("org.freedesktop.DBus", *DBUS, "AddMatch", "s", (rule,)))

    def name_has_owner(self, name: str) -> bool:
        return bool(self.call(method("org.freedesktop.DBus", *DBUS, "NameHasOwner", "s", (name,)))[0])

    def start(self, on_signal: Callable[[Any], None]) -> None:
        """From now on the daemon's loop reads: signals go to ON_SIGNAL, replies to their callbacks."""
        self._on_signal = on_signal
        self.conn.sock.setblocking(False)
        self._started = True
        self._drain_parser()

    # -- loop phase: never blocking -----------------------------------------------------------

    def send(self, msg, on_reply: Callable[[Any, BusError | None], None] | None = None) -> None:
        """Queue MSG; its reply body (or BusError) goes to ON_REPLY during a later dispatch."""
        serial = next(self.conn.outgoing_serial)
        if on_reply is not None:
            self._pending[serial] = on_reply
        data = msg.serialise(serial=serial)
        try:
            # A call is a few hundred bytes: the socket buffer takes it at once; the timeout only
            # bounds a bus that stopped reading.
            self.conn.sock.settimeout(self.timeout)
            self.conn.sock.sendall(data)
        except OSError as e:
            raise DisplayLost(f"the session bus connection broke: {e}") from None
        finally:
            if self._started:
                self.conn.sock.setblocking(False)

    def fileno(self) -> int:
        return self.conn.sock.fileno()

    def pending(self) -> int:
        """How many sent calls still wait for their reply."""
        return len(self._pending)

    def buffered(self) -> bool:
        return bool(self._queue)

    def dispatch(self) -> None:
        """Read everything readable now and handle every complete message; DisplayLost at EOF."""
        while True:
            try:
                data = self.conn.sock.recv(65536)
            except BlockingIOError:
                break
            except OSError as e:
                raise DisplayLost(f"the session bus connection broke: {e}") from None
            if not data:
                raise DisplayLost("the session bus closed the connection (the session ended)")
            self.conn.parser.add_data(data)
        self._drain_parser()
        while self._queue:
            self._handle(self._queue.popleft())

    def _drain_parser(self) -> None:
        while (msg := self.conn.parser.get_next_message()) is not None:
            self._queue.append(msg)

    def _handle(self, msg) -> None:
        from jeepney import MessageType

        kind = msg.header.message_type
        if kind == MessageType.signal:
            self._on_signal(msg)
        elif kind in (MessageType.method_return, MessageType.error):
            callback = self._pending.pop(msg.header.fields.get(_field("reply_serial"), -1), None)
            if callback is not None:
                if kind == MessageType.error:
                    callback(None, _error(msg))
                else:
                    callback(tuple(msg.body), None)

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass


def member(msg) -> tuple[str, str, str]:
    """(path, interface, member) of a signal."""
    f = msg.header.fields
    return f.get(_field("path"), ""), f.get(_field("interface"), ""), f.get(_field("member"), "")


def sender(msg) -> str:
    return msg.header.fields.get(_field("sender"), "")
