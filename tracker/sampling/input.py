"""Idle time from pynput listeners, for X servers without the XScreenSaver extension.

Only the time of the last event is kept: callbacks receive keys and positions but ignore them, so
no key or pointer content is ever stored or logged (typed passwords must never reach a file).
pynput connects to X when imported, so it is imported here, lazily, and only when needed. Its
listeners' stop() does not end their threads until the next input event (pynput PR #583): they
are daemon threads and die with us.
"""

from __future__ import annotations

import os
import time

import Xlib.ext

READY_WAIT = 5.0  # s to wait for pynput's listeners to connect
ALL_EXTENSIONS = tuple(Xlib.ext.__extensions__)  # as python-xlib lists them, before anyone narrows it


class InputWatcher:
    def __init__(self, display_name: str | None = None):
        if display_name:
            os.environ["DISPLAY"] = display_name
        # pynput's listeners need python-xlib's RECORD module only (XTEST is for its controllers,
        # unused). Their threads open their displays after start(), so the list stays narrowed;
        # the sampler's own display is open by now.
        Xlib.ext.__extensions__ = [e for e in ALL_EXTENSIONS if e[0] == "RECORD"]
        from pynput import keyboard, mouse

        self.last_input = time.monotonic()  # starting up counts as input: we cannot know better
        touch = self._touch
        self._listeners = [
            mouse.Listener(on_move=touch, on_click=touch, on_scroll=touch),
            keyboard.Listener(on_press=touch, on_release=touch),
        ]
        for listener in self._listeners:
            listener.daemon = True
            listener.start()
        # The listeners connect in their threads: input before they are ready is never seen, and
        # the daemon would say "active" while blind to it. Wait until they are (pynput's wait() has
        # no timeout, and a listener that failed would never be ready: bounded here).
        deadline = time.monotonic() + READY_WAIT
        for listener in self._listeners:
            cond = getattr(listener, "_condition", None)
            if cond is None:
                continue
            with cond:
                cond.wait_for(
                    lambda lst=listener: getattr(lst, "_ready", True) or not lst.is_alive(),
                    timeout=max(0.0, deadline - time.monotonic()),
                )

    def _touch(self, *_ignored) -> None:
        # The arguments (which key, where the pointer is) are deliberately dropped.
        self.last_input = time.monotonic()

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
