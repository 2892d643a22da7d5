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

    def _touch(self, *_ignored) -> None:
        # The arguments (which key, where the pointer is) are deliberately dropped.
        self.last_input = time.monotonic()

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
