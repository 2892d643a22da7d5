"""CPU and peak RSS of one drain child, `python -m tracker.usecases.drain`, as the daemon starts it:
with 1 queued span (the hourly drain's fixed cost), with 1 span and --nudge (someone came back),
and with 86,400 (a day of per-second spans: the bulk path). Side by side with another source tree
(--old /work/main: the same command run from that checkout) when given.

    python bench/bench_drain.py [--runs 7] [--big 86400] [--old PATH] [--history DB]

--history DB drains into a copy of DB (e.g. one made by `offscreen demo --days 1825`) instead of
a new database: the fixed cost must not grow with the history.

CPU is user + system of the child alone (os.wait4), the median of --runs fresh processes; each
run drains into a database that already holds the warm-up's spans (migrated, like a real one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
T0 = 1_764_000_000.0  # 2025-11-24, a fixed day: the numbers do not depend on today


def _fill(queue_file: Path, n: int, offset: int) -> None:
    """N closed one-second spans (hostile-ish titles: tabs, quotes, newlines) into the daemon's queue."""
    code = f"""
import sys
from tracker.daemon import queue
from tracker.domain.spans import Span
q = queue.Queue({str(queue_file)!r})
rows = [Span(f"s{offset}-{{i}}", {T0} + {offset} + i, {T0} + {offset} + i + 1, ("firefox", "code", "kitty")[i % 3],
             f"tab {{i % 97}}\\t\\"quoted\\"\\nline — ünïcode", "active") for i in range({n})]
for k in range(0, len(rows), 5000):
    q.put(rows[k:k + 5000], closed=True)
q.close()
"""
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(TREE)}, cwd=TREE)


def _child(tree: Path, env: dict, db: Path, nudge: bool) -> tuple[float, int]:
    """(CPU seconds, peak RSS KiB) of one drain child run from TREE."""
    argv = [sys.executable, "-m", "tracker.usecases.drain", "--db", str(db)] + (["--nudge"] if nudge else [])
    # cwd: not a checkout, `python -m` puts the working directory first on sys.path.
    proc = subprocess.Popen(
        argv, env={**env, "PYTHONPATH": str(tree)}, cwd=env["OFFSCREEN_HOME"], stderr=subprocess.PIPE
    )
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"drain failed ({proc.returncode}): {err.strip()}")
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def measure(tree: Path, n: int, runs: int, nudge: bool, history: Path | None = None) -> tuple[float, int]:
    """Median CPU and max peak RSS of RUNS drains of N spans each, run from TREE (into a copy of HISTORY)."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "OFFSCREEN_HOME": home, "OFFSCREEN_NOW": "2025-11-25T12:00+00:00", "TZ": "UTC"}
        env.pop("OFFSCREEN_DB", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # like an installed copy: bytecode cached
        (Path(home) / "config").mkdir(mode=0o700)
        (Path(home) / "config" / "config.toml").write_text("[nudges]\ndesktop = false\n")
        qf = Path(home) / "state" / "queue.sqlite3"
        db = Path(home) / "data" / "offscreen.duckdb"
        if history is not None:
            db.parent.mkdir(mode=0o700)
            shutil.copyfile(history, db)
            os.chmod(db, 0o600)
        _fill(qf, 10, 0)
        _child(tree, env, db, nudge)  # warm-up: migrations, bytecode
        cpu, rss = [], []
        for r in range(runs):
            _fill(qf, n, 1000 + r * (n + 10))
            c, m = _child(tree, env, db, nudge)
            cpu.append(c)
            rss.append(m)
        return statistics.median(cpu), max(rss)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--big", type=int, default=86_400)
    ap.add_argument("--old", type=Path, default=None, help="another source tree to run the same drains from")
    ap.add_argument("--history", type=Path, default=None, help="a database to copy and drain into")
    args, _ = ap.parse_known_args()
    trees = [("this tree", TREE)] + ([("--old " + str(args.old), args.old)] if args.old else [])
    cases = [("1 span", 1, args.runs, False), ("1 span --nudge", 1, args.runs, True)]
    cases.append((f"{args.big:,} spans", args.big, max(1, args.runs // 3), False))
    print(f"{'case':<18}" + "".join(f"{name:>34}" for name, _ in trees))
    for label, n, runs, nudge in cases:
        cells = []
        for _, tree in trees:
            cpu, rss = measure(tree, n, runs, nudge, args.history)
            cells.append(f"{cpu:8.3f} s CPU {rss / 1024:7.1f} MB peak")
        print(f"{label:<18}" + "".join(f"{c:>34}" for c in cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
