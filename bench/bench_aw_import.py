"""`offscreen import-aw` of a year of ActivityWatch: CPU seconds and peak memory (wait4's rusage of
the real console script, one process per run) for --dry-run, the first import into an empty
database and a second import of the same file (which adds nothing).

The file is written in aw-server's documented export shape (`{"buckets": {ID: {..., "events":
[...]}}}`, newest event first, ISO timestamps with offsets, float seconds): a laptop with
aw-watcher-window and aw-watcher-afk, and aw-android, ~500,000 events in all by default.

    python bench/bench_aw_import.py [--events 500000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

APPS = ["firefox", "code", "foot", "thunderbird", "signal", "mpv", "libreoffice", "gimp"]


def _events(rng: random.Random, start: datetime, days: int, per_day: int, kind: str):
    """(timestamp, duration, data) oldest first: a working day of 9 hours from 08:00 UTC."""
    for d in range(days):
        t = start + timedelta(days=d, hours=8)
        end = t + timedelta(hours=9)
        for _ in range(per_day):
            if t >= end:
                break
            dur = rng.expovariate(per_day / (9 * 3600.0))
            if kind == "window":
                app = rng.choice(APPS)
                data = {"app": app, "title": f"{app} document {rng.randrange(300)}"}
            elif kind == "afk":
                data = {"status": "afk" if rng.random() < 0.25 else "not-afk"}
            else:
                app = rng.choice(["Instagram", "Signal", "Chrome", "YouTube"])
                data = {"app": app, "package": f"com.{app.lower()}", "classname": f"com.{app.lower()}.Main"}
            yield t, dur, data
            t += timedelta(seconds=dur)


def write_export(path: Path, n: int, seed: int) -> int:
    """A year of events, written bucket by bucket (the bench itself stays small); returns the count."""
    rng = random.Random(seed)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    shares = {"window": 0.8, "afk": 0.08, "android": 0.12}
    buckets = {
        "window": ("aw-watcher-window_laptop", "currentwindow", "aw-watcher-window", "laptop"),
        "afk": ("aw-watcher-afk_laptop", "afkstatus", "aw-watcher-afk", "laptop"),
        "android": ("aw-watcher-android-test", "currentwindow", "aw-watcher-android", "Pixel 7"),
    }
    total = 0
    with path.open("w") as fh:
        fh.write('{"buckets": {')
        for i, (kind, (bid, btype, client, host)) in enumerate(buckets.items()):
            events = list(_events(rng, start, 365, round(n * shares[kind] / 365), kind))
            total += len(events)
            head = {"id": bid, "created": start.isoformat(), "name": None, "type": btype, "client": client}
            head["hostname"] = host
            fh.write(("," if i else "") + json.dumps(bid) + ": " + json.dumps(head)[:-1] + ', "events": [')
            for j, (t, dur, data) in enumerate(reversed(events)):  # newest first, as ActivityWatch writes
                ev = {"id": j + 1, "timestamp": t.isoformat(), "duration": dur, "data": data}
                fh.write(("," if j else "") + json.dumps(ev))
            fh.write("]}")
        fh.write("}}")
    return total


def run(argv: list[str], env: dict) -> tuple[float, float, str]:
    """(CPU seconds, peak RSS in MB, last line of stdout) of one run of the console script."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 before anything reaps the child: its own rusage, not the sum over all children.
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()}")
    lines = out.decode().strip().splitlines()
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, lines[-1] if lines else ""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=1)
    args, _ = ap.parse_known_args()
    exe = Path(sys.executable).with_name("offscreen")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "aw.json"
        n = write_export(f, args.events, args.seed)
        print(f"{n:,} events, {f.stat().st_size / 1e6:.1f} MB")
        env = {**os.environ, "OFFSCREEN_HOME": f"{tmp}/home"}
        env.pop("OFFSCREEN_DB", None)
        for label, extra in (("--dry-run", ["--dry-run"]), ("first import", ["--yes"]), ("second import", ["--yes"])):
            cpu, rss, last = run([*cmd, "import-aw", str(f), *extra], env)
            print(f"{label:<16} CPU {cpu:6.2f} s   peak RSS {rss:6.0f} MB   {last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
