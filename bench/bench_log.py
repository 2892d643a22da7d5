"""CPU of one `offscreen log` end to end beside its floor, in one run: the real console script, a
fresh process each time, against a database with no activity spans and one with ~3 years of them
(goal, issue 14: a median <= 150 ms of CPU).

    python bench/bench_log.py [--runs 30] [--history 1000] [--years 3]

Per round, interleaved so that load hits all three alike: `offscreen log ...`; the floor, a
`python -c` that imports _duckdb, connects to the same file, inserts one row and closes; and
`python -c pass`. CPU is user+sys of that child alone (os.wait4), so DuckDB's threads count too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

FLOOR = (
    "import _duckdb, sys\n"
    "con = _duckdb.connect(sys.argv[1])\n"
    "con.execute('INSERT INTO bench_floor VALUES (1)')\n"
    "con.close()\n"
)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU ms user+sys, wall ms) of one child running ARGV; raises if it fails."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert p.stderr is not None
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({p.returncode}): {err.decode(errors='replace')}")
    return (ru.ru_utime + ru.ru_stime) * 1000, wall


def _history(n: int) -> list[dict]:
    start = datetime.now(UTC) - timedelta(days=400)
    return [
        {
            "happened_at": (start + timedelta(hours=9 * i)).isoformat(timespec="seconds"),
            "duration_min": 15 + i % 120,
            "mode": ("in-person", "video", "voice", "text")[i % 4],
            "people": [f"Person {i % 60}"] + ([f"Person {(i + 7) % 60}"] if i % 3 == 0 else []),
            "closeness": 1 + i % 7,
            "tags": ["bench"],
        }
        for i in range(n)
    ]


def _stats(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"median {statistics.median(xs):.0f} ms (min {xs[0]:.0f}, p90 {xs[int(len(xs) * 0.9) - 1]:.0f})"


def bench_case(exe: str, home: str, args, years: int) -> dict[str, list[float]]:
    env = {**os.environ, "OFFSCREEN_HOME": home}
    env.pop("OFFSCREEN_DB", None)
    # Like an installed copy: bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE, which
    # would recompile every tracker module on every run, ~+60 ms). The warm-up runs write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if years:
        subprocess.run([exe, "demo", "--days", str(365 * years)], env=env, check=True, capture_output=True)
    seed = Path(home) / "seed.json"
    seed.write_text(json.dumps(_history(args.history)))
    subprocess.run([exe, "import", str(seed)], env=env, check=True, capture_output=True)
    db = str(Path(home) / "data" / "offscreen.duckdb")
    subprocess.run(
        [sys.executable, "-c", f"import _duckdb; _duckdb.connect({db!r}).execute('CREATE TABLE bench_floor (x INT)')"],
        env=env,
        check=True,
    )
    out: dict[str, list[float]] = {"log": [], "log wall": [], "floor": [], "pass": []}
    for i in range(args.runs + 3):
        log = [exe, "log", "bench", "--with", f"Person {i % 60}, Newcomer {i}", "--for", "1m", "--at", "2h ago"]
        log += ["--closeness", "5", "--tag", "bench"]
        cpu, wall = measure(log, env)
        floor, _ = measure([sys.executable, "-c", FLOOR, db], env)
        bare, _ = measure([sys.executable, "-c", "pass"], env)
        if i >= 3:  # the first rounds warm the page cache and write bytecode
            out["log"].append(cpu)
            out["log wall"].append(wall)
            out["floor"].append(floor)
            out["pass"].append(bare)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--history", type=int, default=1000, help="interactions already stored")
    ap.add_argument("--years", type=int, default=3, help="years of demo activity spans for the second case")
    args, _ = ap.parse_known_args()
    exe = str(Path(sys.executable).with_name("offscreen"))
    print(
        f"machine: {os.cpu_count()} cpus, {_cpu()}; python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load {os.getloadavg()[0]:.2f}"
    )
    for years in (0, args.years):
        with tempfile.TemporaryDirectory(prefix="offscreen-bench-log-") as home:
            r = bench_case(exe, home, args, years)
        what = f"{years} years of activity spans" if years else "no activity spans"
        log, floor, bare = (statistics.median(r[k]) for k in ("log", "floor", "pass"))
        print(f"{what}, {args.history} interactions stored, {args.runs} rounds, CPU user+sys per process:")
        print(f"  offscreen log     {_stats(r['log'])}; wall {_stats(r['log wall'])}")
        print(f"  floor (_duckdb)   {_stats(r['floor'])}")
        print(f"  python -c pass    {_stats(r['pass'])}")
        print(
            f"  log / floor = {log / floor:.2f}; log - floor = {log - floor:.0f} ms; floor - pass = {floor - bare:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
