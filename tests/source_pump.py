"""Driving an event-driven window source (tracker/sampling/sources.py) the way the daemon does."""

from __future__ import annotations

import os
import select
import socket
import time

from x11_fixtures import wait_for


def pump(src, cond, what, timeout=10.0, seen=None):
    """Wait on the source's socket and dispatch until cond(window) holds; returns that window.
    Every distinct window the source reported on the way is appended to `seen`."""
    deadline = time.monotonic() + timeout
    while not cond(src.window()):
        if seen is not None and (not seen or seen[-1] != src.window()):
            seen.append(src.window())
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}; the source says {src.window()}")
        if not src.buffered():
            # a source holding back "no window" until it settles (wlr, kwin) must be asked again soon
            settling = getattr(src, "settling", lambda: False)()
            select.select([src], [], [], min(left, 0.1) if settling else left)
        src.dispatch()
    return src.window()


def pump_until(src, cond, what: str, limit: float = 10.0):
    """Dispatch SRC as events arrive until COND() is truthy; returns its value (LIMIT only bounds a failure)."""
    deadline = time.monotonic() + limit
    while not (value := cond()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if not src.buffered():
            select.select([src], [], [], 0.05)
        src.dispatch()
    return value


def peek_until(src, needle: bytes) -> None:
    """Wait until `needle` sits, unread, in the kernel's receive buffer of the source's socket."""
    peek = socket.socket(fileno=os.dup(src.fileno()))
    try:
        wait_for(lambda: needle in peek.recv(1 << 20, socket.MSG_PEEK | socket.MSG_DONTWAIT), 10, f"{needle!r} queued")
    finally:
        peek.close()
