"""Wall and CPU time of `offscreen status` and `offscreen doctor`: the real console
script, a fresh process each time. status runs against an empty home and against the demo
database (120 days); doctor without a display and, when Xvfb and openbox exist, with one.

    python bench/bench_status.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(cmd: list[str], env: dict, runs: int) -> tuple[float, float, float]:
    """(median wall ms, min wall ms, CPU ms per run) over RUNS after 2 warm-up runs."""
    times = []
    for i in range(runs + 2):
        if i == 2:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True)
        if i >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)) * 1000 / runs
    return statistics.median(times), min(times), cpu


def xvfb_with_openbox():
    if not (shutil.which("Xvfb") and shutil.which("openbox")):
        return None, None
    r, w = os.pipe()
    x = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as fh:
        display = ":" + fh.readline().strip()
    wm = subprocess.Popen(
        ["openbox", "--sm-disable"],
        env={**os.environ, "DISPLAY": display},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # a benchmark, not a test: openbox only has to be up before the timed runs
    return display, (wm, x)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args, _ = ap.parse_known_args()
    exe = str(Path(sys.executable).with_name("offscreen"))
    rows = []
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as demo:
        base = {k: v for k, v in os.environ.items() if k not in ("OFFSCREEN_DB", "DISPLAY", "WAYLAND_DISPLAY")}
        base.pop("PYTHONDONTWRITEBYTECODE", None)  # like an installed copy: bytecode cached
        e_env = {**base, "OFFSCREEN_HOME": empty}
        d_env = {**base, "OFFSCREEN_HOME": demo}
        subprocess.run([exe, "demo"], env=d_env, check=True, capture_output=True)
        rows.append(("`offscreen status`, empty home", *measure([exe, "status"], e_env, args.runs)))
        rows.append(("`offscreen status`, demo database (120 days)", *measure([exe, "status"], d_env, args.runs)))
        rows.append(("`offscreen doctor`, no display", *measure([exe, "doctor"], e_env, args.runs)))
        display, procs = xvfb_with_openbox()
        if display:
            try:
                rows.append(
                    (
                        "`offscreen doctor`, Xvfb + openbox",
                        *measure([exe, "doctor"], {**e_env, "DISPLAY": display}, args.runs),
                    )
                )
            finally:
                for p in procs:
                    p.terminate()
                    p.wait()
        rows.append(
            ("`offscreen service install --print`", *measure([exe, "service", "install", "--print"], e_env, args.runs))
        )
    print(f"runs: {args.runs} each; load average {os.getloadavg()[0]:.1f}; nproc {os.cpu_count()}")
    print("| what | median | min | CPU per run |")
    print("| --- | --- | --- | --- |")
    for name, med, lo, cpu in rows:
        print(f"| {name} | {med:.0f} ms | {lo:.0f} ms | {cpu:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
