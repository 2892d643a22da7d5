"""A real Wayland client window for tests: `python tests/helpers/wlwin.py APP_ID TITLE` (WAYLAND_DISPLAY set).

One xdg-shell toplevel with APP_ID and TITLE and a 64x64 wl_shm buffer, on the stdlib wire client
(tracker/sampling/wire.py). It prints what the compositor tells it, one line each, on stdout:
`mapped` once its buffer is committed, `activated` / `deactivated` when its keyboard focus
changes (xdg_toplevel configure state 4), `title` once the compositor has handled a title change
(a roundtrip after set_title); each line read from stdin becomes its new title. It answers pings,
and exits at a `close` event, when stdin closes or when the compositor goes away.
For compositors where foot cannot run (KWin --virtual: foot dies of SIGFPE there).
"""

import mmap
import os
import select
import socket
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tracker.sampling import NoDisplay, wire

COMPOSITOR = wire.Interface("wl_compositor", ())
SHM = wire.Interface("wl_shm", ("u",))
POOL = wire.Interface("wl_shm_pool", ())
BUFFER = wire.Interface("wl_buffer", ("",))
SURFACE = wire.Interface("wl_surface", ("o", "o"))
WM_BASE = wire.Interface("xdg_wm_base", ("u",))
XDG_SURFACE = wire.Interface("xdg_surface", ("u",))
TOPLEVEL = wire.Interface("xdg_toplevel", ("iia", ""))
SIZE = 64
ACTIVATED = 4  # xdg_toplevel.state


def say(line: str) -> None:
    print(line, flush=True)


def main(app_id: str, title: str) -> int:
    path = wire.socket_path()
    if path is None:
        sys.exit("wlwin: no Wayland socket (WAYLAND_DISPLAY, XDG_RUNTIME_DIR)")
    conn = wire.Connection(path)
    conn.roundtrip()
    state = {"configured": None, "activated": False, "closed": False, "pending_active": False}

    def bind(iface: wire.Interface, version: int, handler=lambda _op, _args: None) -> int:
        found = conn.find(iface.name)
        if found is None:
            sys.exit(f"wlwin: the compositor offers no {iface.name}")
        return conn.bind(found[0], iface, version, handler)

    compositor = bind(COMPOSITOR, 4)
    shm = bind(SHM, 1)
    wm_base = 0

    def on_wm_base(_op, args):
        conn.request(wm_base, 3, "u", args[0])  # pong

    wm_base = bind(WM_BASE, 1, on_wm_base)

    def on_toplevel(op, args):
        if op == 1:
            state["closed"] = True
            return
        states = struct.unpack(f"={len(args[2]) // 4}I", args[2]) if args[2] else ()
        state["pending_active"] = ACTIVATED in states

    def on_xdg_surface(_op, args):
        state["configured"] = args[0]

    surface = conn.new_id(SURFACE, lambda _op, _args: None)
    conn.request(compositor, 0, "n", surface)
    xdg_surface = conn.new_id(XDG_SURFACE, on_xdg_surface)
    conn.request(wm_base, 2, "no", xdg_surface, surface)
    toplevel = conn.new_id(TOPLEVEL, on_toplevel)
    conn.request(xdg_surface, 1, "n", toplevel)
    conn.request(toplevel, 3, "s", app_id)
    conn.request(toplevel, 2, "s", title)
    conn.request(surface, 6)  # commit without a buffer: asks for the first configure

    # The buffer: a memfd passed with create_pool (SCM_RIGHTS), filled white.
    fd = os.memfd_create("wlwin")
    os.ftruncate(fd, SIZE * SIZE * 4)
    with mmap.mmap(fd, SIZE * SIZE * 4) as mem:
        mem.write(b"\xff" * (SIZE * SIZE * 4))
    pool = conn.new_id(POOL, lambda _op, _args: None)
    body = wire.encode("ni", [pool, SIZE * SIZE * 4])
    conn.sock.setblocking(True)
    conn.sock.sendmsg(
        [wire.HEADER.pack(shm, (len(body) + 8) << 16 | 0) + body],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))],
    )
    conn.sock.setblocking(False)
    os.close(fd)
    buffer = conn.new_id(BUFFER, lambda _op, _args: None)
    conn.request(pool, 0, "niiiiu", buffer, 0, SIZE, SIZE, SIZE * 4, 1)  # xrgb8888

    mapped = False
    try:
        while not state["closed"]:
            if state["configured"] is not None:
                conn.request(xdg_surface, 4, "u", state["configured"])  # ack_configure
                state["configured"] = None
                if not mapped:
                    conn.request(surface, 1, "oii", buffer, 0, 0)
                    conn.request(surface, 2, "iiii", 0, 0, SIZE, SIZE)
                conn.request(surface, 6)
                if not mapped:
                    conn.roundtrip()
                    mapped = True
                    say("mapped")
                if state["pending_active"] != state["activated"]:
                    state["activated"] = state["pending_active"]
                    say("activated" if state["activated"] else "deactivated")
            if conn.buffered():
                conn.dispatch()
                continue
            ready = select.select([conn, sys.stdin], [], [])[0]
            if sys.stdin in ready:
                line = sys.stdin.readline()
                if not line:
                    return 0
                conn.request(toplevel, 2, "s", line.rstrip("\n"))
                conn.request(surface, 6)
                conn.roundtrip()
                say("title")
            if conn in ready:
                conn.dispatch()
    except NoDisplay as e:
        print(f"wlwin: {e}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]))
