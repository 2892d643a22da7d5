"""Benchmark: three computers x one year through a synced folder (issue 16).

Usage: .venv/bin/python bench/bench_sync.py [--days 365] [--spans 400]
Each host gets DAYS of screen-time spans (SPANS a day), 4 interactions a day, 60 people and a
check-in a day, written straight into its own database. Then, each step in a fresh process (CPU
time of the whole process, DuckDB's threads included; peak RSS): every host's first sync (export
of its year), a third host's first read of the other two, a sync with nothing new (what every read
pays when [sync] dir is set), the union of screen time over the year and over one day, and the
dashboard's per-machine view (every host and the union per local day) over 90 days and the year.
Runs in a temporary directory; never touches your own database. Numbers go to bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = datetime(2026, 12, 1, tzinfo=UTC)


def _fill(db: Path, days: int, spans: int, seed: int) -> None:
    from tracker import store

    start = END - timedelta(days=days)
    step = 86400 * 1_000_000 // spans  # microseconds between span starts
    with store.connect(db) as con:
        con.execute("SELECT setseed(?)", [seed / 10])
        con.execute(
            f"""INSERT INTO activity
                SELECT 's{seed}-' || i, make_timestamp(t), make_timestamp(t + (random() * {step * 0.8})::BIGINT),
                       'app' || (i % 17), NULL, CASE WHEN i % 9 = 0 THEN 'idle' ELSE 'active' END, NULL, 'daemon'
                FROM (SELECT i, epoch_us(?::TIMESTAMP) + i * {step} AS t FROM range({days * spans}) r(i))""",
            [start.replace(tzinfo=None)],
        )
        con.execute(
            """INSERT INTO people (name, name_key, source, created_at)
               SELECT 'Person ' || i || '-' || ?, 'person ' || i || '-' || ?, 'cli', ?::TIMESTAMP FROM range(60) r(i)""",
            [seed, seed, start.replace(tzinfo=None)],
        )
        con.execute(
            f"""INSERT INTO interactions (summary, happened_at, duration_min, mode, logged_at, source)
                SELECT 'talk ' || i, ?::TIMESTAMP + INTERVAL (i * 6) HOUR, 30, 'in-person',
                       ?::TIMESTAMP + INTERVAL (i * 6) HOUR, 'cli' FROM range({days * 4}) r(i)""",
            [start.replace(tzinfo=None)] * 2,
        )
        con.execute(
            "INSERT INTO interaction_people SELECT i.id, p.id FROM interactions i JOIN people p ON p.id = i.id % 60 + 1"
        )
        con.execute(
            f"""INSERT INTO checkins (at_utc, mood, connected, source)
                SELECT ?::TIMESTAMP + INTERVAL (i) DAY, 1 + i % 5, i % 11, 'cli' FROM range({days}) r(i)""",
            [start.replace(tzinfo=None)],
        )


def _phase(args) -> None:
    """One measured step, in this process: prints CPU seconds and peak RSS as JSON."""
    from tracker import store
    from tracker.store import sync

    home, shared = Path(args.home), Path(args.shared)
    me = sync.host_identity(home / "state")
    cpu0 = time.process_time()
    out: dict = {}
    with store.connect(home / "offscreen.duckdb") as con:
        cpu0 = time.process_time()  # the connect (DuckDB import, migrations) is not the sync's
        if args.phase == "sync":
            r = sync.sync(con, shared, me, END)
            out = {"exported": r.exported, "imported": r.imported, "problems": len(r.problems)}
        elif args.phase == "union-year":
            out = sync.screen_minutes(con, END - timedelta(days=args.days), END, me.host)
        elif args.phase == "union-day":
            out = sync.screen_minutes(con, END - timedelta(days=1), END, me.host)
        elif args.phase.startswith("by-day-"):  # the dashboard's per-machine view: local days
            from zoneinfo import ZoneInfo

            from tracker.domain.times import Calendar

            cal = Calendar(ZoneInfo("Europe/Berlin"), 4)
            days = cal.days(END - timedelta(days=int(args.phase[len("by-day-") :])), END)
            got = sync.screen_per_bucket(con, [(s, e) for _, s, e in days], me.host)
            out = {"days": len(days), "union_minutes": sum(got["union_minutes"])}
        out["union_minutes"] = round(out.get("union_minutes", 0))
        out.pop("hosts", None)
    cpu = time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu_s": round(cpu, 3), "peak_rss_mb": round(rss, 1), **out}))


def _run(home: Path, shared: Path, phase: str, days: int) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase, "--home", str(home), "--shared", str(shared)]
    got = subprocess.run([*cmd, "--days", str(days)], capture_output=True, text=True, check=True)
    return json.loads(got.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--spans", type=int, default=400, help="screen-time spans a day per host")
    ap.add_argument("--phase")
    ap.add_argument("--home")
    ap.add_argument("--shared")
    args, _ = ap.parse_known_args()  # bench/run.py passes every bench the same flags
    if args.phase:
        _phase(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="offscreen-bench-sync-"))
    try:
        shared = tmp / "Sync"
        shared.mkdir()
        homes = [tmp / n for n in ("laptop", "desktop", "work")]
        t0 = time.perf_counter()
        for n, h in enumerate(homes):
            (h / "state").mkdir(parents=True)
            _fill(h / "offscreen.duckdb", args.days, args.spans, n + 1)
        print(f"filled 3 hosts x {args.days} days x {args.spans} spans in {time.perf_counter() - t0:.1f}s (wall)")
        for h in homes[:2]:
            print(f"first sync (export a year) {h.name}: {_run(h, shared, 'sync', args.days)}")
        size = sum(f.stat().st_size for f in shared.rglob("*.parquet"))
        files = sum(1 for _ in shared.rglob("*.parquet"))
        print(f"folder after 2 hosts: {files} files, {size / 1e6:.1f} MB")
        print(f"first sync of the 3rd host (export + read 2 x a year): {_run(homes[2], shared, 'sync', args.days)}")
        print(f"sync with nothing new (every read pays this): {_run(homes[2], shared, 'sync', args.days)}")
        print(f"union of 3 hosts over the year: {_run(homes[2], shared, 'union-year', args.days)}")
        print(f"union of 3 hosts over one day: {_run(homes[2], shared, 'union-day', args.days)}")
        print(f"per local day, 3 hosts, 90 days (the default page): {_run(homes[2], shared, 'by-day-90', args.days)}")
        print(f"per local day, 3 hosts, {args.days} days: {_run(homes[2], shared, f'by-day-{args.days}', args.days)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.sync()


if __name__ == "__main__":
    main()
