"""logind's LockedHint on the system bus: the session counts as locked when logind says so, too.

One persistent blocking jeepney connection to the SYSTEM bus ($DBUS_SYSTEM_BUS_ADDRESS, default
unix:path=/run/dbus/system_bus_socket); `Properties.Get(org.freedesktop.login1.Session, LockedHint)`
on /org/freedesktop/login1/session/auto (the caller's session), or, when logind says this process
belongs to no session (a systemd user service), on the session in /org/freedesktop/login1/user/self's
`Display` property (the user's graphical session). Then it subscribes to the session's
PropertiesChanged signal (a match rule on the session's real object path: logind emits on
/org/freedesktop/login1/session/<escaped id>, never on the `auto` alias) and asks once more, so
no change falls between the answer and the subscription; from then on `LockHint` only reads
signals, the daemon's loop waking when its socket is readable (issue 14: the 2 s poll was most of
the quiet daemon's wakeups). Where the session's id cannot be read, it falls back to asking at
most once every POLL_EVERY seconds (`deadline()` tells the loop when). Any failure (no bus, no
logind, no session for this process, a timeout) is logged once, turns the check off and retries
every RETRY_EVERY seconds: it never raises and never blocks the loop for longer than TIMEOUT.
jeepney is imported lazily, so a machine without it still samples X11 (the check just says why it is off).
`python -m tracker.sampling.logind` prints the answer once (a smoke test).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Mapping

SYSTEM_BUS_DEFAULT = "unix:path=/run/dbus/system_bus_socket"
SERVICE = "org.freedesktop.login1"
SESSION_PATH = "/org/freedesktop/login1/session/auto"
SESSION_IFACE = "org.freedesktop.login1.Session"
USER_PATH = "/org/freedesktop/login1/user/self"
USER_IFACE = "org.freedesktop.login1.User"
SESSION_PREFIX = "/org/freedesktop/login1/session/"
PROPS = "org.freedesktop.DBus.Properties"
POLL_EVERY = 2.0  # s between two Get calls when there is no subscription (the fallback)
POLL_SLACK = 0.1  # a sample arriving a hair early (timer jitter) may still poll
RETRY_EVERY = 300.0  # s before trying again after a failure
TIMEOUT = 0.5  # s for connecting and for each call


class LogindError(Exception):
    """LockedHint cannot be read (message says why, in one line)."""


def bus_address(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("DBUS_SYSTEM_BUS_ADDRESS") or SYSTEM_BUS_DEFAULT


class LogindClient:
    """A blocking connection to the system bus that reads LockedHint; raises LogindError."""

    def __init__(self, address: str, timeout: float = TIMEOUT):
        self.address, self.timeout = address, timeout
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError as e:
            raise LogindError(f"the jeepney package is missing ({e})") from None
        try:
            self.conn = open_dbus_connection(bus=address, auth_timeout=timeout)
        except Exception as e:  # OSError, TimeoutError, jeepney auth errors, a malformed address
            raise LogindError(f"cannot connect to the system bus {address}: {_why(e)}") from None
        self.session_path = SESSION_PATH
        self._msg = self._get(SESSION_PATH, SESSION_IFACE, "LockedHint")

    @staticmethod
    def _get(path: str, iface: str, prop: str):
        from jeepney import DBusAddress, Properties

        return Properties(DBusAddress(path, bus_name=SERVICE, interface=iface)).get(prop)

    def _call(self, msg, signature: str):
        from jeepney import DBusErrorResponse, MessageType

        try:
            reply = self.conn.send_and_get_reply(msg, timeout=self.timeout)
        except Exception as e:  # TimeoutError, OSError, connection closed by the bus
            raise LogindError(f"no answer from logind: {_why(e)}") from None
        if reply.header.message_type == MessageType.error:
            err = DBusErrorResponse(reply)
            detail = f": {err.data[0]}" if err.data and isinstance(err.data[0], str) else ""
            raise LogindError(f"logind refused: {err.name}{detail}")
        try:
            ((sig, value),) = reply.body
        except (TypeError, ValueError):
            raise LogindError(f"unexpected reply from logind: {reply.body!r}") from None
        if sig != signature:
            raise LogindError(f"logind answered type {sig!r}, expected {signature!r}")
        return value

    def locked_hint(self) -> bool:
        try:
            return bool(self._call(self._msg, "b"))
        except LogindError as e:
            if self.session_path != SESSION_PATH or "refused" not in str(e):
                raise
            # No session for this process (a systemd user service): the user's graphical session.
            try:
                _sid, path = self._call(self._get(USER_PATH, USER_IFACE, "Display"), "(so)")
            except LogindError:
                raise e from None
            if not path or path == "/":
                raise LogindError(f"{e}; and the user has no graphical session (user/self Display is empty)") from None
            self.session_path, self._msg = path, self._get(path, SESSION_IFACE, "LockedHint")
            return bool(self._call(self._msg, "b"))

    def subscribe(self) -> bool:
        """Follow LockedHint by PropertiesChanged from now on; the answer as of the subscription.

        False (and still polling) when the session's real path cannot be found (its Id unreadable).
        After this the socket is non-blocking and only `dispatch` reads it."""
        from jeepney import DBusAddress, new_method_call

        path = self.session_path
        if path == SESSION_PATH:  # the alias: signals come from the session's own path
            try:
                sid = self._call(self._get(SESSION_PATH, SESSION_IFACE, "Id"), "s")
            except LogindError:
                return False
            path = SESSION_PREFIX + escape_label(sid)
        rule = (
            f"type='signal',sender='{SERVICE}',interface='{PROPS}',member='PropertiesChanged',"
            f"path='{path}',arg0='{SESSION_IFACE}'"
        )
        bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus")
        reply = self.conn.send_and_get_reply(new_method_call(bus, "AddMatch", "s", (rule,)), timeout=self.timeout)
        if reply.header.message_type.name == "error":
            raise LogindError(f"the system bus refused the match rule: {reply.body}")
        self.session_path, self._msg = path, self._get(path, SESSION_IFACE, "LockedHint")
        self.signals: deque = deque()
        self.subscribed = True
        value = self.locked_hint()  # what it is now that no change can be missed
        self._read_parser()
        self.conn.sock.setblocking(False)
        return value

    subscribed = False

    def fileno(self) -> int:
        return self.conn.sock.fileno()

    def buffered(self) -> bool:
        return bool(self.subscribed and self.signals)

    def _read_parser(self) -> None:
        while (msg := self.conn.parser.get_next_message()) is not None:
            self.signals.append(msg)

    def dispatch(self) -> bool | None:
        """Read what the bus sent (never blocking): the latest LockedHint in it, None if none."""
        from jeepney import MessageType

        while True:
            try:
                data = self.conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                raise LogindError(f"the system bus connection broke: {_why(e)}") from None
            if not data:
                raise LogindError("the system bus closed the connection")
            self.conn.parser.add_data(data)
        self._read_parser()
        value = None
        while self.signals:
            msg = self.signals.popleft()
            if msg.header.message_type != MessageType.signal or len(msg.body) < 3:
                continue
            iface, changed, invalidated = msg.body[:3]
            if iface != SESSION_IFACE:
                continue
            if "LockedHint" in changed and changed["LockedHint"][0] == "b":
                value = bool(changed["LockedHint"][1])
            elif "LockedHint" in invalidated:
                raise LogindError("logind invalidated LockedHint without its value")  # reconnect and ask
        return value

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass


def escape_label(label: str) -> str:
    """A session id as logind puts it in an object path (sd_bus_path_encode: every byte but
    [A-Za-z0-9], and a leading digit, as _xx)."""
    if not label:
        return "_"
    out = []
    for i, b in enumerate(label.encode()):
        c = chr(b)
        ok = c.isascii() and (c.isalpha() or (c.isdigit() and i > 0))
        out.append(c if ok else f"_{b:02x}")
    return "".join(out)


def _why(e: Exception) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def probe(env: Mapping[str, str] | None = None) -> tuple[bool | None, str]:
    """(LockedHint, "") when readable, else (None, reason): for `offscreen doctor`."""
    try:
        client = LogindClient(bus_address(env))
    except LogindError as e:
        return None, str(e)
    try:
        return client.locked_hint(), ""
    except LogindError as e:
        return None, str(e)
    finally:
        client.close()


class LockHint:
    """The daemon's view of LockedHint: followed by signal (or, failing that, polled at most every
    POLL_EVERY s), self-disabling. Time is a parameter."""

    def __init__(
        self,
        log: Callable[[str, str], None] | None = None,
        env: Mapping[str, str] | None = None,
        connect: Callable[[str], LogindClient] = LogindClient,
    ):
        self.log = log or (lambda level, msg: None)
        self.address = bus_address(env)
        self.connect = connect
        self.client: LogindClient | None = None
        self.value = False
        self.watching = False  # subscribed: the answer comes by signal, never by asking
        self.last_poll: float | None = None
        self.retry_at = 0.0
        self.failed_once = False

    @property
    def active(self) -> bool:
        return self.client is not None

    def locked(self, now: float) -> bool:
        """LockedHint as last signalled (or asked at most POLL_EVERY s ago); False while logind cannot be read."""
        if self.client is None:
            if now < self.retry_at:
                return False
            try:
                self.client = self.connect(self.address)
            except LogindError as e:
                return self._fail(now, str(e))
            self.last_poll, self.watching, self.tried_subscribe = None, False, False
        if self.watching:
            return self.value
        if self.last_poll is not None and now - self.last_poll < POLL_EVERY - POLL_SLACK:
            return self.value
        self.last_poll = now
        try:
            value = self.client.locked_hint()
            if not self.tried_subscribe:  # once per connection; polling when it cannot be had
                self.tried_subscribe = True
                got = self.client.subscribe()
                if self.client.subscribed:
                    self.watching, value = True, bool(got)
        except LogindError as e:
            return self._fail(now, str(e))
        if self.failed_once and self.retry_at:
            self.log("info", "logind LockedHint is readable again; locks reported by logind count as locked")
            self.retry_at = 0.0
        self.value = value
        return value

    tried_subscribe = False

    def fileno(self) -> int | None:
        """The socket to wait on while subscribed (None otherwise)."""
        return self.client.fileno() if self.watching and self.client is not None else None

    def buffered(self) -> bool:
        return self.watching and self.client is not None and self.client.buffered()

    def dispatch(self, now: float) -> None:
        """Handle what logind signalled; a broken connection turns the check off until the retry."""
        if not self.watching or self.client is None:
            return
        try:
            value = self.client.dispatch()
        except LogindError as e:
            self._fail(now, str(e))
            return
        if value is not None:
            self.value = value

    def deadline(self) -> float | None:
        """When the loop must ask again without an event: the next poll (no subscription), the
        retry after a failure, or None while signals tell."""
        if self.client is None:
            return self.retry_at if self.retry_at else None
        if self.watching or self.last_poll is None:
            return None
        return self.last_poll + POLL_EVERY

    def _fail(self, now: float, reason: str) -> bool:
        if self.client is not None:
            self.client.close()
            self.client = None
        self.value, self.watching, self.tried_subscribe = False, False, False
        self.retry_at = now + RETRY_EVERY
        level = "debug" if self.failed_once else "info"
        self.failed_once = True
        self.log(
            level,
            f"logind lock check off: {reason}; locks are seen through the X screensaver and "
            f"locker windows only; retrying every {RETRY_EVERY / 60:g} min",
        )
        return False

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        self.watching = False


if __name__ == "__main__":  # python -m tracker.sampling.logind
    import sys

    hint, why = probe()
    if hint is None:
        sys.exit(f"LockedHint not readable: {why}")
    print(f"LockedHint={'yes' if hint else 'no'} (bus {bus_address()})")
