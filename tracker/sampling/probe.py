"""One-shot capability probes of the display for `offscreen doctor`.

Each probe connects, looks, disconnects and returns plain data; nothing here keeps a connection
or starts a thread. python-xlib and pynput are imported inside the functions, so importing this
module never touches the display (pynput connects to $DISPLAY when imported).

    python -m tracker.sampling.probe     # prints what it finds as JSON
"""

from __future__ import annotations

import os
from typing import Any


def x11(display: str | None = None) -> dict[str, Any]:
    """What the X server at DISPLAY offers: EWMH window manager, active window, XScreenSaver, RECORD.

    Keys: reachable, error, display, vendor, wm (name or None), wm_alive, active_window (bool: the
    root carries _NET_ACTIVE_WINDOW), screensaver (bool), idle_ms, screensaver_state, record (bool),
    xsync_idle_ms (SYNC's IDLETIME counter, None without it) and xsync_error (why not).
    """
    name = display if display is not None else os.environ.get("DISPLAY", "")
    out: dict[str, Any] = {"display": name or None, "reachable": False, "error": None}
    if not name:
        out["error"] = "DISPLAY is not set"
        return out
    try:
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib import error as xerror
    except ImportError as e:  # pragma: no cover - a dependency of the package
        out["error"] = f"python-xlib is not importable: {e}"
        return out
    try:
        d = xdisplay.Display(name)
    except Exception as e:  # DisplayConnectionError, DisplayNameError, auth failures
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    try:
        out["reachable"] = True
        out["vendor"] = getattr(d.display.info, "vendor", None)
        root = d.screen().root
        out.update(_ewmh(d, root, X, xerror))
        out["screensaver"] = bool(d.has_extension("MIT-SCREEN-SAVER"))
        out["idle_ms"] = out["screensaver_state"] = None
        if out["screensaver"]:
            info = root.screensaver_query_info()
            out["idle_ms"] = int(info.idle)
            out["screensaver_state"] = {0: "off", 1: "on", 3: "disabled"}.get(info.state, str(info.state))
        # pynput's X backend listens through the RECORD extension.
        out["record"] = bool(d.has_extension("RECORD"))
        out.update(_xsync(d))
    finally:
        d.close()
    return out


def _xsync(d) -> dict[str, Any]:
    """SYNC's IDLETIME counter, the daemon's idle source: its value in ms, or why there is none."""
    from Xlib import error as xerror

    from tracker.sampling.xsync import Sync, SyncUnavailable

    try:
        sync = Sync(d)
        return {"xsync_idle_ms": sync.query(sync.counter("IDLETIME")), "xsync_error": None}
    except (SyncUnavailable, xerror.XError) as e:
        return {"xsync_idle_ms": None, "xsync_error": str(e)}


def _ewmh(d, root, X, xerror) -> dict[str, Any]:
    """An EWMH window manager is alive when _NET_SUPPORTING_WM_CHECK names a window that exists
    and points at itself (a dead WM leaves a stale root property behind)."""
    out: dict[str, Any] = {"wm": None, "wm_alive": False, "active_window": False}
    check_atom = d.intern_atom("_NET_SUPPORTING_WM_CHECK")
    prop = root.get_full_property(check_atom, X.AnyPropertyType)
    if prop is None or not len(prop.value):
        return out
    try:
        child = d.create_resource_object("window", int(prop.value[0]))
        again = child.get_full_property(check_atom, X.AnyPropertyType)
        alive = again is not None and len(again.value) and int(again.value[0]) == int(prop.value[0])
        name = child.get_full_property(d.intern_atom("_NET_WM_NAME"), X.AnyPropertyType)
    except xerror.XError:  # BadWindow: the WM is gone
        return out
    out["wm_alive"] = bool(alive)
    if name is not None:
        raw = name.value if isinstance(name.value, bytes) else bytes(name.value)
        out["wm"] = raw.decode("utf-8", "replace")
    active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
    supported = root.get_full_property(d.intern_atom("_NET_SUPPORTED"), X.AnyPropertyType)
    atom = d.intern_atom("_NET_ACTIVE_WINDOW")
    out["active_window"] = active is not None or (supported is not None and atom in list(supported.value))
    return out


def pynput_backend() -> dict[str, Any]:
    """Whether `import pynput` works here (it connects to the display at import) and its backend."""
    try:
        import pynput.keyboard
        import pynput.mouse
    except Exception as e:  # pynput raises ImportError with the display error inside
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return {"importable": False, "backend": None, "error": first}
    backend = (
        os.environ.get("PYNPUT_BACKEND")
        or getattr(getattr(pynput.keyboard, "Listener", None), "__module__", "").rsplit("._", 1)[-1]
    )
    return {"importable": True, "backend": backend or None, "error": None}


if __name__ == "__main__":  # pragma: no cover - a manual smoke test
    import json

    print(json.dumps({"x11": x11(), "pynput": pynput_backend()}, indent=2))
