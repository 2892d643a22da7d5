"""The focused window from wlr-foreign-toplevel-management (labwc, river, Wayfire, niri, sway, ...).

zwlr_foreign_toplevel_manager_v1 announces every toplevel as a handle; each handle sends app_id,
title and a state array (2 = activated), committed by `done`. A focus switch arrives as two
handles' updates; judged per `done` it would show "no window" between them, so we decide which
toplevel is activated only after handling everything readable, and "no window" still has to last
NONE_SETTLE seconds (as on X11). The protocol carries no pid, so there is no executable either.

    python -m tracker.sampling.wlr      # prints the focused window in plain words
"""

from __future__ import annotations

import struct
import time
from typing import Any

from tracker.sampling import Window, wire
from tracker.sampling.sources import NONE_SETTLE, SettledFocus, SourceUnavailable

MANAGER = wire.Interface("zwlr_foreign_toplevel_manager_v1", ("n", ""))  # toplevel(new handle), finished
# title, app_id, output_enter, output_leave, state, done, closed, parent (v3)
HANDLE = wire.Interface("zwlr_foreign_toplevel_handle_v1", ("s", "s", "o", "o", "a", "", "", "o"))
ACTIVATED = 2
HANDLE_DESTROY = 7


class _Toplevel:
    """One handle: pending attributes, and those the last `done` committed."""

    def __init__(self) -> None:
        self.pending: dict[str, Any] = {}
        self.app_id: str | None = None
        self.title: str | None = None
        self.activated = False
        self.activated_seq = 0  # when it last became activated (several seats: the latest wins)


class WlrToplevels(SettledFocus):
    """A WindowSource (tracker/sampling/sources.py) on zwlr_foreign_toplevel_manager_v1."""

    name = "wlr-foreign-toplevel"
    has_pid = False

    def __init__(self, conn: wire.Connection, manager_name: int, version: int):
        self.conn = conn
        self.toplevels: dict[int, _Toplevel] = {}
        self._seq = 0
        super().__init__()
        self.manager = conn.bind(manager_name, MANAGER, min(version, 3), self._on_manager)

    def fileno(self) -> int:
        return self.conn.fileno()

    def buffered(self) -> bool:
        return self.conn.buffered()

    def dispatch(self) -> None:
        """Handle everything readable, then decide the focused window once."""
        self.conn.dispatch()
        self._evaluate(time.monotonic())

    def _on_manager(self, opcode: int, args: list[Any]) -> None:
        if opcode == 0:
            oid = args[0]
            self.toplevels[oid] = _Toplevel()
            self.conn.add_object(oid, HANDLE, lambda op, a: self._on_handle(oid, op, a))
        # finished (1): the compositor stops sending; the handles we have stay valid until closed

    def _on_handle(self, oid: int, opcode: int, args: list[Any]) -> None:
        top = self.toplevels[oid]
        if opcode == 0:
            top.pending["title"] = args[0]
        elif opcode == 1:
            top.pending["app_id"] = args[0]
        elif opcode == 4:
            raw = args[0]
            states = struct.unpack(f"={len(raw) // 4}I", raw[: len(raw) // 4 * 4])
            top.pending["activated"] = ACTIVATED in states
        elif opcode == 5:  # done: the pending attributes apply together
            if top.pending.get("activated") and not top.activated:
                self._seq += 1
                top.activated_seq = self._seq
            for key, value in top.pending.items():
                setattr(top, key, value)
            top.pending.clear()
        elif opcode == 6:  # closed: the handle is dead; destroy our side
            del self.toplevels[oid]
            self.conn.request(oid, HANDLE_DESTROY)
            self.conn.forget(oid)

    def _evaluate(self, now: float) -> None:
        active = [t for t in self.toplevels.values() if t.activated]
        if not active:
            self._focused(None, now)
            return
        top = max(active, key=lambda t: t.activated_seq)
        self._focused(Window(app=top.app_id or None, title=top.title), now)

    def close(self) -> None:
        self.conn.close()


def open(socket_path: str) -> WlrToplevels:
    """Connect and read the current toplevels; SourceUnavailable without the protocol."""
    conn = wire.Connection(socket_path)
    try:
        conn.roundtrip()
        found = conn.find(MANAGER.name)
        if found is None:
            raise SourceUnavailable(
                f"the Wayland compositor at {socket_path} does not offer wlr-foreign-toplevel-management "
                "(zwlr_foreign_toplevel_manager_v1; GNOME and KDE do not)"
            )
        source = WlrToplevels(conn, *found)
        conn.roundtrip()  # the manager announces every toplevel and its state now
        source.dispatch()
        return source
    except BaseException:
        conn.close()
        raise


def _main() -> int:
    from tracker.sampling import NoDisplay, smoke

    def connect() -> WlrToplevels:
        if (path := wire.socket_path()) is None:
            raise NoDisplay("no Wayland socket: XDG_RUNTIME_DIR is not set")
        return open(path)

    return smoke.run(
        connect,
        lambda src: f"window source: {src.name} (no pid on this protocol)",
        lambda src: src.window(),
        lambda _src, window: smoke.describe(window, pid=False),
        timeout=lambda src: NONE_SETTLE if src.settling() else None,
    )


if __name__ == "__main__":
    raise SystemExit(_main())
