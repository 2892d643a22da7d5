"""Benchmark: demo generation + insert, dashboard build and page size for a year.

Usage: .venv/bin/python bench/bench_dashboard.py [--days 365] [--repeat 3]
Runs in a temporary directory; never touches your own database. Numbers go to bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("TZ", "Europe/Berlin")
    time.tzset()

    from dashboards import report
    from tracker.config import Config
    from tracker.domain.ranges import Range
    from tracker.domain.times import Calendar, in_zone, local_zone, utc_now
    from tracker.paths import atomic_write
    from tracker.store import connect
    from tracker.store import demo as store_demo
    from tracker.usecases import dashboard, demo

    tmp = Path(tempfile.mkdtemp(prefix="offscreen-bench-"))
    db = tmp / "bench.duckdb"
    tz = local_zone()
    now = in_zone(utc_now(), tz)

    t0 = time.perf_counter()
    data = demo.generate(args.days, 1, now, tz)
    gen_s = time.perf_counter() - t0
    with connect(db) as con:
        t0 = time.perf_counter()
        store_demo.replace_demo(con, data, tmp)
        insert_s = time.perf_counter() - t0
    with connect(db) as con:
        t0 = time.perf_counter()
        store_demo.replace_demo(con, data, tmp)
        replace_s = time.perf_counter() - t0

    cal = Calendar(tz, 4)
    since = cal.day_start(cal.day_of(now) - timedelta(days=args.days - 1))
    rng = Range.of(since, now, now, cal, Config())
    builds = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with connect(db) as con:  # a fresh connection each time: no warm cache
            view_data, totals = dashboard.gather(con, rng)
        page, views = report.build_page(view_data, totals, rng)
        atomic_write(tmp / "page.html", page)
        builds.append(time.perf_counter() - t0)

    exe = Path(sys.executable).with_name("offscreen")
    t0 = time.perf_counter()
    subprocess.run(
        [str(exe), "--db", str(db), "dashboard", "-o", str(tmp / "cli.html"), "--since", f"{args.days}d"],
        check=True,
        capture_output=True,
    )
    cli_s = time.perf_counter() - t0

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"days={args.days} spans={len(data.spans)} interactions={len(data.interactions)} people={len(data.people)}")
    print(
        f"demo generate: {gen_s:.2f} s; insert into an empty db: {insert_s:.2f} s; replace earlier demo: {replace_s:.2f} s"
    )
    print(
        f"dashboard build ({args.days} days, {len(views)} views, fresh connection): "
        f"median {statistics.median(builds):.2f} s, min {min(builds):.2f} s, max {max(builds):.2f} s"
    )
    print(f"`offscreen dashboard` end to end (process start included): {cli_s:.2f} s")
    print(
        f"page size: {len(page.encode()) / 1e6:.2f} MB (plotly.js alone "
        f"{len(__import__('plotly.offline', fromlist=['x']).get_plotlyjs().encode()) / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
