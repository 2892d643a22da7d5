"""The daemon on sway beside the daemon on X11, in one run (numbers go to bench/README.md by hand).

Two scripted sessions run at the same time, so machine noise hits both alike: Xvfb + openbox with
four xwin.py windows (xdotool), and headless sway with four foot windows (swaymsg), each with the
daemon at its defaults, a focus switch every --switch seconds and pointer input every second for
--seconds. Per daemon: CPU (user + sys, children included) as % of one core, the maximum USS, the
spans it stored, and for every switch the latency from the switch command's return to the start of
the span the daemon recorded for it, measured from just before the switch command (xdotool
windowactivate --sync, or swaymsg focus plus the fixture's wait until sway reports it), beside how
long that command itself took.

    .venv/bin/python bench/bench_wayland.py [--seconds 60] [--switch 5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fixtures the tests use: real Xvfb, real sway

APPS = ("Firefox", "Code", "Thunderbird", "Signal")


def offscreen() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


def queued_starts(queue: Path) -> list[tuple[str, float]]:
    con = sqlite3.connect(f"file:{queue}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT app, start FROM spans ORDER BY start").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def drive(kind: str, seconds: float, switch: float, out: dict) -> None:
    import psutil

    from tracker import paths

    if kind == "x11":
        from x11_fixtures import start_x

        server = start_x()
        wins = [server.window(cls, f"{cls} - a window title") for cls in APPS]

        def focus(i):
            server.activate(wins[i])

        def poke():
            server.input()

        env = dict(server.env)
    else:
        from wayland_fixtures import start_sway

        server = start_sway()
        wins = [server.window(cls.lower(), f"{cls} - a window title") for cls in APPS]

        def focus(i):
            server.focus(wins[i])

        def poke():
            server.input()

        env = dict(server.env)
    home = Path(tempfile.mkdtemp(prefix=f"offscreen-bench-{kind}-"))
    env["OFFSCREEN_HOME"] = str(home)
    names = list(APPS) if kind == "x11" else [w.app for w in wins]
    try:
        focus(0)
        daemon = subprocess.Popen(
            [*offscreen(), "daemon"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        status = home / "state" / "daemon.json"
        while not (status.exists() and json.loads(status.read_text() or "{}").get("state") == "active"):
            time.sleep(0.05)
        proc = psutil.Process(daemon.pid)
        time.sleep(2)  # the steady state, not start-up
        cpu = lambda c: c.user + c.system + c.children_user + c.children_system  # noqa: E731
        c0, t0 = cpu(proc.cpu_times()), time.monotonic()
        uss = [proc.memory_full_info().uss]
        switched: list[tuple[str, float]] = []
        i, next_switch = 1, t0 + switch
        while (now := time.monotonic()) < t0 + seconds:
            if now >= next_switch:
                before = time.time()
                focus(i % len(wins))
                switched.append((names[i % len(wins)], before, time.time()))
                i, next_switch = i + 1, next_switch + switch
                uss.append(proc.memory_full_info().uss)
            poke()
            time.sleep(max(0.0, min(1.0, next_switch - time.monotonic())))
        c1, t1 = cpu(proc.cpu_times()), time.monotonic()
        starts = queued_starts(paths.resolve(env=env).queue_file)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
        backend = json.loads(status.read_text()).get("backend")
        lat, cmd = [], []
        for name, before, after in switched:
            later = [s for a, s in starts if a == name and s >= before]
            if later:
                lat.append(later[0] - before)
                cmd.append(after - before)
        out[kind] = {
            "backend": backend,
            "seconds": round(t1 - t0, 1),
            "switches": len(switched),
            "cpu_pct": round(100 * (c1 - c0) / (t1 - t0), 3),
            "uss_max_mb": round(max(uss) / 2**20, 1),
            "spans_queued": len(starts),
            "switches_seen": len(lat),
            "latency_ms_median": round(1000 * statistics.median(lat), 1) if lat else None,
            "latency_ms_max": round(1000 * max(lat), 1) if lat else None,
            "switch_command_ms_median": round(1000 * statistics.median(cmd), 1) if cmd else None,
        }
    finally:
        server.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--switch", type=float, default=5)
    args = ap.parse_args()
    out: dict = {}
    threads = [threading.Thread(target=drive, args=(k, args.seconds, args.switch, out)) for k in ("x11", "sway")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out, indent=1))
    if "x11" in out and "sway" in out and out["x11"]["cpu_pct"]:
        print(f"CPU sway / x11: {out['sway']['cpu_pct'] / out['x11']['cpu_pct']:.2f}")
    if os.environ.get("CI") and len(out) != 2:
        sys.exit("a session failed")


if __name__ == "__main__":
    main()
