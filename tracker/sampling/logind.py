"""logind's LockedHint on the system bus: the session counts as locked when logind says so, too.

One persistent blocking jeepney connection to the SYSTEM bus ($DBUS_SYSTEM_BUS_ADDRESS, default
unix:path=/run/dbus/system_bus_socket); `Properties.Get(org.freedesktop.login1.Session, LockedHint)`
on /org/freedesktop/login1/session/auto (the caller's session), or, when logind says this process
belongs to no session (a systemd user service), on the session in /org/freedesktop/login1/user/self's
`Display` property (the user's graphical session). `LockHint.locked(now)` asks at most once every POLL_EVERY
seconds and returns the cached answer in between. Any failure (no bus, no logind, no session for
this process, a timeout) is logged once, turns the check off and retries every RETRY_EVERY seconds:
it never raises and never blocks the loop for longer than TIMEOUT. jeepney is imported lazily, so a
machine without it still samples X11 (the check just says why it is off).
`python -m tracker.sampling.logind` prints the answer once (a smoke test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

SYSTEM_BUS_DEFAULT = "unix:path=/run/dbus/system_bus_socket"
SERVICE = "org.freedesktop.login1"
SESSION_PATH = "/org/freedesktop/login1/session/auto"
SESSION_IFACE = "org.freedesktop.login1.Session"
USER_PATH = "/org/freedesktop/login1/user/self"
USER_IFACE = "org.freedesktop.login1.User"
POLL_EVERY = 2.0  # s between two Get calls (the daemon samples every 1 s by default)
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

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass


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
    """The daemon's view of LockedHint: cached, rate-limited, self-disabling. Time is a parameter."""

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
        self.last_poll: float | None = None
        self.retry_at = 0.0
        self.failed_once = False

    @property
    def active(self) -> bool:
        return self.client is not None

    def locked(self, now: float) -> bool:
        """LockedHint as of at most POLL_EVERY s ago; False while logind cannot be read."""
        if self.client is None:
            if now < self.retry_at:
                return False
            try:
                self.client = self.connect(self.address)
            except LogindError as e:
                return self._fail(now, str(e))
            self.last_poll = None
        if self.last_poll is not None and now - self.last_poll < POLL_EVERY - POLL_SLACK:
            return self.value
        self.last_poll = now
        try:
            value = self.client.locked_hint()
        except LogindError as e:
            return self._fail(now, str(e))
        if self.failed_once and self.retry_at:
            self.log("info", "logind LockedHint is readable again; locks reported by logind count as locked")
            self.retry_at = 0.0
        self.value = value
        return value

    def _fail(self, now: float, reason: str) -> bool:
        if self.client is not None:
            self.client.close()
            self.client = None
        self.value = False
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


if __name__ == "__main__":  # python -m tracker.sampling.logind
    import sys

    hint, why = probe()
    if hint is None:
        sys.exit(f"LockedHint not readable: {why}")
    print(f"LockedHint={'yes' if hint else 'no'} (bus {bus_address()})")
