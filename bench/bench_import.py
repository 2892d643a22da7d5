"""Wall time of `offscreen import` of 2000 interactions (60 people) into an empty database, and of
importing the same file again (every row a duplicate, all skipped).

    python bench/bench_import.py [--rows 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    args, _ = ap.parse_known_args()
    exe = str(Path(sys.executable).with_name("offscreen"))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "OFFSCREEN_HOME": home}
        env.pop("OFFSCREEN_DB", None)
        start = datetime(2024, 1, 1, tzinfo=UTC)
        rows = [
            {
                "happened_at": (start + timedelta(hours=9 * i)).isoformat(timespec="seconds"),
                "duration_min": 15 + i % 120,
                "mode": ("in-person", "video", "voice", "text")[i % 4],
                "people": [f"Person {i % 60}"] + ([f"Person {(i + 7) % 60}"] if i % 3 == 0 else []),
                "closeness": 1 + i % 7,
                "tags": ["bench"],
                "note": f"note {i}",
            }
            for i in range(args.rows)
        ]
        f = Path(home) / "rows.json"
        f.write_text(json.dumps(rows))
        for label in ("empty database", "again, all duplicates"):
            t0 = time.perf_counter()
            r = subprocess.run([exe, "import", str(f)], env=env, check=True, capture_output=True, text=True)
            print(f"offscreen import {args.rows} rows, {label}: {time.perf_counter() - t0:.2f} s ({r.stdout.strip()})")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
