"""Scripted samples for tests and demos: no display needed.

A script is a list of steps `[after_seconds, app, title, state]` (state: "active", "idle",
"watching" (no input, the window's player playing) or "locked"); each step holds from
`after_seconds` (since the sampler was created) until the next.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tracker.sampling import Observation, Window


class ScriptedSampler:
    name = "fake"
    idle_source = "script"

    def __init__(self, steps: list, clock=time.monotonic):
        self.steps = sorted((float(s[0]), s[1], s[2], s[3] if len(s) > 3 else "active") for s in steps)
        self.clock = clock
        self.t0 = clock()
        self.idle_from = self.t0

    @classmethod
    def from_file(cls, path: str) -> ScriptedSampler:
        return cls(json.loads(Path(path).read_text()))

    def wait(self, timeout: float, wake_fd: int | None = None) -> None:
        import select

        select.select([wake_fd] if wake_fd is not None else [], [], [], max(0.0, timeout))

    def observe(self) -> Observation:
        now = self.clock()
        current = None
        for step in self.steps:
            if step[0] <= now - self.t0:
                current = step
        if current is None:
            return Observation(window=None, last_input=now)
        _, app, title, state = current
        if state not in ("idle", "watching"):
            self.idle_from = now
        window = Window(app=app, title=title) if app else None
        return Observation(
            window=window, last_input=self.idle_from, locked=state == "locked", playing=state == "watching"
        )

    def close(self) -> None:
        pass
