"""Wall time of `offscreen backup` and `offscreen restore` of a 365-day demo database (~550,000
activity spans), plain JSON and gzip, restore into an empty database, --merge of the same file
(every row already there) and --replace; and the file sizes. Each command is the real console
script, one process.

    python bench/bench_backup.py [--days 365]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    args, _ = ap.parse_known_args()
    exe = str(Path(sys.executable).with_name("offscreen"))
    with tempfile.TemporaryDirectory() as tmp:
        src = {**os.environ, "OFFSCREEN_HOME": f"{tmp}/src"}
        src.pop("OFFSCREEN_DB", None)
        subprocess.run([exe, "demo", "--days", str(args.days)], env=src, check=True, capture_output=True)

        def timed(label: str, argv: list[str], env: dict) -> None:
            t0 = time.perf_counter()
            subprocess.run([exe, *argv], env=env, check=True, capture_output=True)
            print(f"{label:<40} {time.perf_counter() - t0:6.2f} s")

        for name in ("backup.json", "backup.json.gz"):
            f = f"{tmp}/{name}"
            timed(f"backup -o {name}", ["backup", "-o", f], src)
            print(f"{'  size':<40} {os.path.getsize(f) / 1e6:6.1f} MB")
            dst = {**src, "OFFSCREEN_HOME": f"{tmp}/dst-{name}"}
            timed(f"restore {name} (empty database)", ["restore", f], dst)
            timed(f"restore {name} --merge (all there)", ["restore", f, "--merge"], dst)
            timed(f"restore {name} --replace", ["restore", f, "--replace"], dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
