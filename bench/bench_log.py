"""Median wall time of one `offscreen log` end to end: the real console script, a fresh process
each time, against a database that already holds some history (goal: a median <= 300 ms).

    python bench/bench_log.py [--runs 30] [--history 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--history", type=int, default=1000, help="interactions already stored")
    args, _ = ap.parse_known_args()
    exe = str(Path(sys.executable).with_name("offscreen"))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "OFFSCREEN_HOME": home}
        env.pop("OFFSCREEN_DB", None)
        # Like an installed copy: bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE, which
        # would recompile every tracker module on every run, ~+60 ms). The warm-up runs write it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        start = datetime.now(UTC) - timedelta(days=400)
        hist = [
            {
                "happened_at": (start + timedelta(hours=9 * i)).isoformat(timespec="seconds"),
                "duration_min": 15 + i % 120,
                "mode": ("in-person", "video", "voice", "text")[i % 4],
                "people": [f"Person {i % 60}"] + ([f"Person {(i + 7) % 60}"] if i % 3 == 0 else []),
                "closeness": 1 + i % 7,
                "tags": ["bench"],
            }
            for i in range(args.history)
        ]
        seed = Path(home) / "seed.json"
        seed.write_text(json.dumps(hist))
        subprocess.run([exe, "import", str(seed)], env=env, check=True, capture_output=True)
        times = []
        for i in range(args.runs + 3):
            if i == 3:  # the first runs warm the page cache and write bytecode
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(
                [
                    exe,
                    "log",
                    "bench",
                    "--with",
                    f"Person {i % 60}, Newcomer {i}",
                    "--for",
                    "1m",
                    "--at",
                    "2h ago",
                    "--closeness",
                    "5",
                    "--tag",
                    "bench",
                ],
                env=env,
                check=True,
                capture_output=True,
                stdin=subprocess.DEVNULL,
            )
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_ms = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000 / args.runs
        help_times = []
        for _ in range(10):
            t0 = time.perf_counter()
            subprocess.run([exe, "--help"], env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
            help_times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(
        f"machine: {os.cpu_count()} cpus, {_cpu()}; python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"offscreen log ({args.runs} runs, {args.history} interactions stored): median {statistics.median(times):.0f} ms, "
        f"min {times[0]:.0f} ms, p90 {times[int(len(times) * 0.9) - 1]:.0f} ms; CPU (user+sys) {cpu_ms:.0f} ms per run"
    )
    print(f"offscreen --help (10 runs): median {statistics.median(help_times):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
