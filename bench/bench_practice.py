"""Benchmark: connection-practice reads on a large synthetic history.

150 people with cadences, 20,000 interactions over ~5 years (5,000 of them for 10 routines),
2,000 check-ins, 300 unplug sessions, 100,000 activity spans. Times one in-process call of each
library function (median of 5) on a real DuckDB file. Run: .venv/bin/python bench/bench_practice.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.config import Config
from tracker.store import connect
from tracker.store import practice as sp
from tracker.usecases import practice


def build(db: Path, now: datetime) -> None:
    start = now - timedelta(days=5 * 365)
    with connect(db) as con:
        con.execute(
            """INSERT INTO people (name, name_key, tier, created_at)
                       SELECT 'P' || i, 'p' || i, ['inner','close','friend','acquaintance'][1 + i % 4], ?
                       FROM range(150) t(i)""",
            [start],
        )
        for k in range(10):
            sp.add_routine(
                con,
                f"R{k}",
                unit=["week", "month", "day"][k % 3],
                every_n=1 + k % 2,
                on_weekday=None,
                starts_on=start.date(),
                person_ids=[k + 1],
                now_utc=start,
            )
        con.execute("SELECT setseed(0.1)")
        con.execute(
            """CREATE TEMP TABLE t AS
                       SELECT i + 1 AS id, ?::TIMESTAMP + to_minutes(CAST(random() * 5 * 365 * 1440 AS BIGINT)) AS ts,
                              ['in-person', 'video', 'text'][1 + (i % 3)] AS mode,
                              CASE WHEN i < 5000 THEN (i % 10) + 1 END AS rid
                         FROM range(20000) r(i)""",
            [start],
        )
        con.execute("""INSERT INTO interactions (id, happened_at, duration_min, mode, routine_id, logged_at)
                       SELECT id, ts, 60, mode, rid, ts FROM t""")
        con.execute("""INSERT INTO interaction_people SELECT id, 1 + (id * 7) % 150 FROM t""")
        con.execute(
            """INSERT INTO checkins (at_utc, mood, connected)
                       SELECT ?::TIMESTAMP + i * INTERVAL 1 DAY, 1 + i % 5, i % 11 FROM range(2000) t(i)""",
            [start],
        )
        con.execute(
            """INSERT INTO unplug_sessions (start_utc, planned_end_utc, created_at)
                       SELECT ?::TIMESTAMP + i * INTERVAL 6 DAY, ?::TIMESTAMP + i * INTERVAL 6 DAY + INTERVAL 2 HOUR, ?
                       FROM range(300) t(i)""",
            [start, start, start],
        )
        con.execute(
            """INSERT INTO activity (span_id, start_utc, end_utc, app, state)
                       SELECT 's' || i, ?::TIMESTAMP + i * INTERVAL 25 MINUTE,
                              ?::TIMESTAMP + i * INTERVAL 25 MINUTE + INTERVAL 20 MINUTE, 'x',
                              CASE WHEN i % 3 = 0 THEN 'idle' ELSE 'active' END
                       FROM range(100000) t(i)""",
            [start, start],
        )


def timed(fn, n=5) -> float:
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    return statistics.median(xs)


def main() -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    cfg = Config()
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "b.duckdb"
        t = time.perf_counter()
        build(db, now.replace(tzinfo=None))
        print(f"build: {time.perf_counter() - t:.1f} s")
        with connect(db) as con:
            print(
                f"people_due (150 people, 20k interactions): {timed(lambda: practice.people_due(con, now, cfg)):.1f} ms"
            )
            rs = sp.list_routines(con)
            print(
                f"10 routine summaries (5 years of periods): "
                f"{timed(lambda: [practice.routine_summary(con, r, now, cfg) for r in rs]):.1f} ms"
            )
            print(
                f"unplug list (300 sessions x 100k spans): "
                f"{timed(lambda: sp.list_unplug(con, now.replace(tzinfo=None))):.1f} ms"
            )
            print(f"last_idle_span: {timed(lambda: sp.last_idle_span(con, now.replace(tzinfo=None))):.1f} ms")
            print(
                f"checkin_trends (5 years): {timed(lambda: sp.checkin_trends(con, datetime(2000, 1, 1), now.replace(tzinfo=None))):.1f} ms"
            )


if __name__ == "__main__":
    main()
