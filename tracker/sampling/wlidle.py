"""Idle from the Wayland compositor: ext_idle_notifier_v1, else org_kde_kwin_idle.

Both only say "idle after N ms without input" and "resumed", never the current idle time. An idle
inhibitor (a video player) holds back both events, so we keep ONE notification whose timeout is
`idle_after` itself: `last_input` is "now" until `idled` arrives at t, then t - idle_after, the same
backdating as on X11. A short probe timeout would turn a video into idle and lose input.

    python -m tracker.sampling.wlidle [IDLE_AFTER]   # prints idle/resumed in plain words
"""

from __future__ import annotations

import time
from typing import Any

from tracker.sampling import wire
from tracker.sampling.sources import SourceUnavailable

WL_SEAT = wire.Interface("wl_seat", ("u", "s"))  # capabilities, name (v2; we bind v1)
EXT_NOTIFIER = wire.Interface("ext_idle_notifier_v1", ())
EXT_NOTIFICATION = wire.Interface("ext_idle_notification_v1", ("", ""))  # idled, resumed
KDE_IDLE = wire.Interface("org_kde_kwin_idle", ())
KDE_TIMEOUT = wire.Interface("org_kde_kwin_idle_timeout", ("", ""))  # idle, resumed


class WaylandIdle:
    """An IdleSource (tracker/sampling/sources.py) on one compositor connection."""

    def __init__(self, conn: wire.Connection, kind: str, manager: int, seat: int, idle_after: float):
        self.conn, self.kind, self.manager, self.seat = conn, kind, manager, seat
        self.idle_after = idle_after
        self.notification: int | None = None
        self.idled_at: float | None = None  # monotonic time of the last idled event, None while active
        self.set_idle_after(idle_after)

    @property
    def name(self) -> str:
        return "ext-idle-notify" if self.kind == EXT_NOTIFIER.name else "kde-idle"

    def fileno(self) -> int:
        return self.conn.fileno()

    def buffered(self) -> bool:
        return self.conn.buffered()

    def dispatch(self) -> None:
        self.conn.dispatch()

    def _on_event(self, opcode: int, _args: list[Any]) -> None:
        self.idled_at = time.monotonic() if opcode == 0 else None

    def set_idle_after(self, seconds: float) -> None:
        """Replace the notification by one whose timeout is SECONDS."""
        if self.notification is not None:
            self.conn.request(self.notification, 0)  # destroy / release
            self.conn.forget(self.notification)
        self.idle_after = seconds
        # A new notification counts from its creation and sends no `resumed` unless it idled: so it
        # starts "active", even if the user was away.
        self.idled_at = None
        ms = max(1, round(seconds * 1000))
        if self.kind == EXT_NOTIFIER.name:
            self.notification = self.conn.new_id(EXT_NOTIFICATION, self._on_event)
            self.conn.request(self.manager, 1, "nuo", self.notification, ms, self.seat)
        else:
            self.notification = self.conn.new_id(KDE_TIMEOUT, self._on_event)
            self.conn.request(self.manager, 0, "nou", self.notification, self.seat, ms)

    def simulate_user_activity(self) -> None:
        """Test aid (org_kde_kwin_idle only): the compositor treats this as input on our seat."""
        if self.kind != KDE_IDLE.name or self.notification is None:
            raise NotImplementedError("simulate_user_activity exists only in org_kde_kwin_idle")
        self.conn.request(self.notification, 1)

    def last_input(self, now: float) -> float | None:
        """Monotonic time of the last input once idle (idled_at - idle_after); None before: the
        last input was less than idle_after ago, exactly when is not said."""
        return None if self.idled_at is None else self.idled_at - self.idle_after

    def close(self) -> None:
        self.conn.close()


PREFERENCE = (EXT_NOTIFIER.name, KDE_IDLE.name)


def open(socket_path: str, idle_after: float, protocols: tuple[str, ...] = PREFERENCE) -> WaylandIdle:
    """Connect and create the one idle notification with the first of PROTOCOLS the compositor offers;
    SourceUnavailable when it offers none."""
    conn = wire.Connection(socket_path)
    try:
        conn.roundtrip()
        manager = next((found for p in protocols if (found := conn.find(p))), None)
        seat = conn.find(WL_SEAT.name)
        if manager is None:
            raise SourceUnavailable(
                f"the Wayland compositor at {socket_path} offers no idle protocol (none of {', '.join(protocols)})"
            )
        if seat is None:
            raise SourceUnavailable(f"the Wayland compositor at {socket_path} has no seat (wl_seat)")
        kind = conn.globals[manager[0]][0]
        iface = EXT_NOTIFIER if kind == EXT_NOTIFIER.name else KDE_IDLE
        manager_id = conn.bind(manager[0], iface, 1, lambda _op, _args: None)
        seat_id = conn.bind(seat[0], WL_SEAT, 1, lambda _op, _args: None)
        source = WaylandIdle(conn, kind, manager_id, seat_id, idle_after)
        conn.roundtrip()  # a protocol error in the requests above surfaces here, not in the daemon
        return source
    except BaseException:
        conn.close()
        raise


def _main(argv: list[str]) -> int:
    from tracker.sampling import NoDisplay, smoke

    if (idle_after := smoke.idle_after(argv)) is None:
        return 2
    path = wire.socket_path()

    def connect() -> WaylandIdle:
        if path is None:
            raise NoDisplay("no Wayland socket: XDG_RUNTIME_DIR is not set")
        return open(path, idle_after)

    def idle_for(src: WaylandIdle, now: float) -> float | None:
        since = src.last_input(now)
        return None if since is None else now - since

    return smoke.run_idle(connect, idle_after, idle_for)


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
