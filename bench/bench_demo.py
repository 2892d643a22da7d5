"""Peak RSS and CPU of `offscreen demo --days N`: the real console script, a fresh process and a
fresh home each time, then the same demo again over it (the replace path). Goal (issue 14): five
years (--days 1825) <= 300 MB peak RSS.

    python bench/bench_demo.py [--days 365 1825] [--runs 1]

Each child's own rusage comes from os.wait4 (ru_maxrss is that process's peak, in KiB on Linux).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds user+sys, peak RSS MB) of one child running ARGV; raises if it fails."""
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert p.stderr is not None
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({p.returncode}): {err.decode(errors='replace')}")
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, nargs="+", default=[365, 1825])
    ap.add_argument("--runs", type=int, default=1, help="fresh homes per --days value")
    args, _ = ap.parse_known_args()
    exe = str(Path(sys.executable).with_name("offscreen"))
    print(
        f"machine: {os.cpu_count()} cpus, {_cpu()}; python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load {os.getloadavg()[0]:.2f}"
    )
    for days in args.days:
        first, again = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="offscreen-bench-demo-") as home:
                env = {**os.environ, "OFFSCREEN_HOME": home}
                env.pop("OFFSCREEN_DB", None)
                first.append(measure([exe, "demo", "--days", str(days)], env))
                again.append(measure([exe, "demo", "--days", str(days), "--seed", "2"], env))
        for label, rows in (("into a new database", first), ("replacing that demo", again)):
            cpu = statistics.median(r[0] for r in rows)
            rss = max(r[1] for r in rows)
            print(f"offscreen demo --days {days} {label}: CPU {cpu:.1f} s, peak RSS {rss:.0f} MB ({len(rows)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
