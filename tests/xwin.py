"""A real X client window for tests: `python tests/xwin.py CLASS [TITLE] [--wm-name-bytes HEX]`.

Creates and maps one window with WM_CLASS (CLASS lowercased, CLASS), _NET_WM_NAME (UTF-8) and
_NET_WM_PID, prints its id in decimal on stdout, then serves events until killed or stdin closes;
each line read from stdin becomes its new title.
With --wm-name-bytes only WM_NAME is set, as type STRING, to the given raw bytes (encoding tests).
"""

import os
import select
import sys

from Xlib import X, Xatom, display

args = sys.argv[1:]
raw = None
if "--wm-name-bytes" in args:
    i = args.index("--wm-name-bytes")
    raw = bytes.fromhex(args[i + 1])
    del args[i : i + 2]
cls = args[0]
title = args[1] if len(args) > 1 else cls

d = display.Display()
screen = d.screen()
w = screen.root.create_window(
    10,
    10,
    200,
    100,
    0,
    screen.root_depth,
    X.InputOutput,
    X.CopyFromParent,
    background_pixel=screen.white_pixel,
    event_mask=X.StructureNotifyMask,
)
w.set_wm_class(cls.lower(), cls)
if raw is not None:
    w.change_property(Xatom.WM_NAME, Xatom.STRING, 8, raw)
else:
    w.change_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"), 8, title.encode("utf-8"))
    w.change_property(Xatom.WM_NAME, Xatom.STRING, 8, title.encode("latin-1", "replace"))
w.change_property(d.intern_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [os.getpid()])
w.map()
d.sync()
while True:  # wait until mapped so that the caller can focus it at once
    ev = d.next_event()
    if ev.type == X.MapNotify:
        break
print(w.id, flush=True)
pending = b""
while True:
    r, _, _ = select.select([d.fileno(), sys.stdin], [], [], 5)
    if sys.stdin in r:
        chunk = os.read(sys.stdin.fileno(), 4096)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:  # a new title, as an application sets it
            w.change_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"), 8, line)
            w.change_property(Xatom.WM_NAME, Xatom.STRING, 8, line.decode().encode("latin-1", "replace"))
        d.flush()
    while d.pending_events():
        d.next_event()
