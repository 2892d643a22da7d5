"""sd_notify(3) in a few lines of stdlib: READY=1, WATCHDOG=1, STATUS=..., STOPPING=1.

A no-op when $NOTIFY_SOCKET is unset (not started by systemd with Type=notify).
Hand-written, not python-systemd: the protocol is one datagram, and those bindings need a C build.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


class Notifier:
    def __init__(self, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        addr = env.get("NOTIFY_SOCKET", "")
        self.addr = "\0" + addr[1:] if addr.startswith("@") else addr  # '@' = abstract namespace
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        ours = not pid or pid == str(os.getpid())
        # Ping at half the watchdog period, as sd_watchdog_enabled(3) recommends.
        self.watchdog_every = int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 and ours else None

    def send(self, *fields: str) -> bool:
        """Send 'KEY=VALUE' lines; False (never an exception) when it cannot be delivered."""
        if not self.addr:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
                s.connect(self.addr)
                s.sendall("\n".join(fields).encode("utf-8", "replace"))
            return True
        except OSError:
            return False

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={text}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")
