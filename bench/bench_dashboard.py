"""Benchmark: CPU and peak RSS of the reads over a long demo history, each a fresh process of the
real CLI (`python -c 'from tracker.cli import main; main()'`, run from --tree, default this one).

Usage: .venv/bin/python bench/bench_dashboard.py [--days 1825] [--repeat 3] [--db PATH] [--tree PATH]

Makes `offscreen demo --days N` in a temporary directory (or reuses --db), then measures the
dashboard over the whole history (`--since Nd`), the default page (90 days), `today`,
`report --month` and `status`. CPU is user + system of the child alone (os.wait4), the median
of --repeat runs; RSS is the largest peak. Never touches your own database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from tracker.cli import main; sys.argv[0] = 'offscreen'; main()"


def _child(tree: Path, env: dict, *args: str) -> tuple[float, int]:
    """(CPU seconds, peak RSS KiB) of one `offscreen ARGS` run from TREE (`status` exits 1 while
    no daemon runs: that counts as done)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        env={**env, "PYTHONPATH": str(tree)},
        cwd=env["OFFSCREEN_HOME"],  # not the checkout: `python -c` puts the working directory first on sys.path
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, ru = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in ((0, 1) if "status" in args else (0,)):
        raise SystemExit(f"offscreen {' '.join(args)} failed: {err.strip()}")
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=1825)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", type=Path, default=None, help="a demo database to reuse (else one is made)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the source tree to run the reads from")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="offscreen-bench-"))
    env = {**os.environ, "OFFSCREEN_HOME": str(tmp), "TZ": os.environ.get("TZ", "Europe/Berlin")}
    env.pop("OFFSCREEN_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # like an installed copy: bytecode cached
    db = args.db or tmp / "bench.duckdb"
    if args.db is None:
        cpu, rss = _child(ROOT, env, "--db", str(db), "demo", "--days", str(args.days))
        print(f"offscreen demo --days {args.days}: {cpu:.2f} s CPU, {rss / 1024:.0f} MB peak")
    reads = [
        (f"dashboard --since {args.days}d", ["dashboard", "-o", str(tmp / "all.html"), "--since", f"{args.days}d"]),
        ("dashboard (default 90 days)", ["dashboard", "-o", str(tmp / "page.html")]),
        ("today", ["today"]),
        ("report --month", ["report", "--month"]),
        ("status", ["status"]),
    ]
    _child(args.tree, env, "--db", str(db), "today")  # warm-up: bytecode, rollups current for these rules
    cpu_name = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    print(f"machine: {cpu_name}, {os.cpu_count()} cores, Python {platform.python_version()}; tree {args.tree}")
    for label, argv in reads:
        runs = [_child(args.tree, env, "--db", str(db), *argv) for _ in range(args.repeat)]
        cpu = statistics.median(c for c, _ in runs)
        rss = max(m for _, m in runs)
        print(f"{label:<32} {cpu:6.2f} s CPU (median of {args.repeat}), {rss / 1024:6.0f} MB peak RSS", flush=True)
    page = tmp / "all.html"
    if page.exists():
        print(f"page size (whole history): {page.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
