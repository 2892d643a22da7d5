"""Media players on the session bus (MPRIS): which ones play, and which process and app they are.

For the `watching` state (issue 15; the rule is tracker/domain/watching.py). At open: ListNames for
`org.mpris.MediaPlayer2.*`; then, for each player, without waiting, its owner's pid
(org.freedesktop.DBus.GetConnectionUnixProcessID), `PlaybackStatus` (org.mpris.MediaPlayer2.Player)
and `DesktopEntry`/`Identity` (org.mpris.MediaPlayer2). After that only signals: NameOwnerChanged
(players appearing and going) and PropertiesChanged (a pause, a play), matched by rules; nothing
polls. `Players` is one connection (tracker/sampling/sessionbus.py); `MediaWatch` is the daemon's
view: off (said once) while the bus cannot be reached, retried every RETRY_EVERY s, never raising.

    python -m tracker.sampling.mpris   # prints what plays, as it changes
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from tracker.sampling import DisplayLost, sessionbus
from tracker.sampling.sessionbus import DBUS, BusError
from tracker.sampling.sources import SourceUnavailable

PREFIX = "org.mpris.MediaPlayer2."
PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPS = "org.freedesktop.DBus.Properties"
RETRY_EVERY = 300.0  # s before trying the bus again after a failure
BUS = "org.freedesktop.DBus"


class Player:
    """One MPRIS player as last heard of (a slotted class, not a dataclass: the daemon imports this, issue 14)."""

    __slots__ = ("entry", "identity", "owner", "pid", "status")

    def __init__(
        self,
        owner: str,  # the unique connection name: signals come from it
        pid: int | None = None,
        status: str = "Stopped",  # Playing | Paused | Stopped
        entry: str | None = None,  # DesktopEntry, "firefox" for firefox.desktop
        identity: str | None = None,
    ):
        self.owner, self.pid, self.status, self.entry, self.identity = owner, pid, status, entry, identity

    def __repr__(self) -> str:
        names = ("owner", "pid", "status", "entry", "identity")
        return "Player(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"


class Players:
    """One session-bus connection that follows every MPRIS player; see the module docstring."""

    def __init__(self, addr: str):
        self.bus = sessionbus.SessionBus(addr)
        self.players: dict[str, Player] = {}  # well-known name -> player
        try:
            self.bus.add_match(
                f"type='signal',sender='{BUS}',interface='{BUS}',member='NameOwnerChanged',arg0namespace='{ROOT}'"
            )
            self.bus.add_match(f"type='signal',interface='{PROPS}',member='PropertiesChanged',path='{PATH}'")
            (names,) = self.bus.call(sessionbus.method(BUS, *DBUS, "ListNames"))
            self.bus.start(self._on_signal)
            for name in names:
                if name.startswith(PREFIX):
                    self.bus.send(sessionbus.method(BUS, *DBUS, "GetNameOwner", "s", (name,)), self._owner_of(name))
        except (BusError, DisplayLost) as e:
            self.bus.close()
            raise SourceUnavailable(f"the session bus did not answer: {e}") from None

    # -- the daemon's view --------------------------------------------------------------------

    def fileno(self) -> int:
        return self.bus.fileno()

    def buffered(self) -> bool:
        return self.bus.buffered()

    def dispatch(self) -> None:
        self.bus.dispatch()

    def playing(self) -> list[Player]:
        return [p for p in self.players.values() if p.status == "Playing"]

    def close(self) -> None:
        self.bus.close()

    # -- following the players ----------------------------------------------------------------

    def _owner_of(self, name: str) -> Callable:
        def on_reply(body, err: BusError | None) -> None:
            if err is None and name not in self.players:  # else NameOwnerChanged was first
                self._track(name, body[0])

        return on_reply

    def _track(self, name: str, owner: str) -> None:
        player = self.players[name] = Player(owner)

        def mine(set_it: Callable[[tuple], None]) -> Callable:
            def on_reply(body, err: BusError | None) -> None:
                # A player that went (or was replaced) meanwhile is not written to.
                if err is None and self.players.get(name) is player:
                    set_it(body)

            return on_reply

        def set_pid(body) -> None:
            player.pid = int(body[0])

        def set_status(body) -> None:
            player.status = str(body[0][1])

        def set_names(body) -> None:
            self._names(player, body[0])

        # Asked of the owner, not the name: the answers are about the connection signals come from.
        self.bus.send(sessionbus.method(BUS, *DBUS, "GetConnectionUnixProcessID", "s", (owner,)), mine(set_pid))
        self.bus.send(sessionbus.method(owner, PATH, PROPS, "Get", "ss", (PLAYER, "PlaybackStatus")), mine(set_status))
        self.bus.send(sessionbus.method(owner, PATH, PROPS, "GetAll", "s", (ROOT,)), mine(set_names))

    @staticmethod
    def _names(player: Player, props: dict) -> None:
        for key, attr in (("DesktopEntry", "entry"), ("Identity", "identity")):
            if key in props:
                value = props[key][1]
                setattr(player, attr, str(value) if value else None)

    def _on_signal(self, msg) -> None:
        path, iface, member = sessionbus.member(msg)
        if iface == BUS and member == "NameOwnerChanged":
            name, _old, new = msg.body
            if not name.startswith(PREFIX):
                return
            self.players.pop(name, None)
            if new:
                self._track(name, new)
        elif iface == PROPS and member == "PropertiesChanged" and path == PATH:
            target, changed, invalidated = msg.body
            owner = sessionbus.sender(msg)
            for player in [p for p in self.players.values() if p.owner == owner]:
                if target == PLAYER and "PlaybackStatus" in changed:
                    player.status = str(changed["PlaybackStatus"][1])
                elif target == PLAYER and "PlaybackStatus" in invalidated:
                    self._refresh_status(player)
                elif target == ROOT:
                    self._names(player, changed)

    def _refresh_status(self, player: Player) -> None:
        def on_reply(body, err: BusError | None) -> None:
            if err is None:
                player.status = str(body[0][1])

        self.bus.send(sessionbus.method(player.owner, PATH, PROPS, "Get", "ss", (PLAYER, "PlaybackStatus")), on_reply)


class MediaWatch:
    """The daemon's view of the players: what plays now; off while the bus cannot be reached.

    `enabled` follows the config switch `[daemon] count_watching`: off means no connection at all."""

    def __init__(
        self,
        log: Callable[[str, str], None] | None = None,
        env: Mapping[str, str] | None = None,
        connect: Callable[[str], Players] = Players,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.log = log or (lambda level, msg: None)
        self.env = env
        self.connect = connect
        self.clock = clock
        self.players: Players | None = None
        self.enabled = True
        self.retry_at = 0.0
        self.failed_once = False

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if not on:
            self.close()
            self.retry_at = 0.0

    def poll(self) -> None:
        """Connect when enabled, not connected and a retry is due; never raises."""
        if not self.enabled or self.players is not None or self.clock() < self.retry_at:
            return
        addr = sessionbus.address(self.env)
        if addr is None:
            self._fail("no session bus ($DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus)")
            return
        try:
            self.players = self.connect(addr)
        except Exception as e:  # SourceUnavailable, a broken bus: watching is off, sampling goes on
            self._fail(str(e) if isinstance(e, SourceUnavailable) else f"{type(e).__name__}: {e}")
            return
        if self.failed_once:
            self.log("info", "media players can be followed again: watching a playing video counts as screen time")
        self.failed_once = False

    def fileno(self) -> int | None:
        return None if self.players is None else self.players.fileno()

    def buffered(self) -> bool:
        return self.players is not None and self.players.buffered()

    def dispatch(self) -> None:
        """Handle what the bus sent; a lost bus turns watching off until the next retry."""
        if self.players is None:
            return
        try:
            self.players.dispatch()
        except Exception as e:  # DisplayLost (the session ended), a malformed message
            self._fail(str(e) if isinstance(e, DisplayLost) else f"{type(e).__name__}: {e}")

    def playing_pids(self) -> set[int]:
        """Pids of the players that report Playing."""
        if self.players is None:
            return set()
        return {p.pid for p in self.players.playing() if p.pid}

    def playing_apps(self) -> set[str]:
        """Desktop entries and lowercase identities of the players that report Playing."""
        if self.players is None:
            return set()
        return {n.lower() for p in self.players.playing() for n in (p.entry, p.identity) if n}

    def _fail(self, reason: str) -> None:
        self.close()
        self.retry_at = self.clock() + RETRY_EVERY
        self.log(
            "debug" if self.failed_once else "info",
            f"media players not followed: {reason}; a playing video without input counts as idle; "
            f"retrying every {RETRY_EVERY / 60:g} min",
        )
        self.failed_once = True

    def close(self) -> None:
        if self.players is not None:
            self.players.close()
            self.players = None


if __name__ == "__main__":  # python -m tracker.sampling.mpris
    import select
    import sys

    watch = MediaWatch(lambda level, msg: print(msg, file=sys.stderr))
    watch.poll()
    fd = watch.fileno()
    if fd is None:
        sys.exit(1)
    last = None
    while True:
        if not watch.buffered():
            select.select([fd], [], [], 5.0)
        watch.dispatch()
        now = (sorted(watch.playing_pids()), sorted(watch.playing_apps()))
        if now != last:
            print(f"playing: pids {now[0]}, apps {now[1]}")
            last = now
