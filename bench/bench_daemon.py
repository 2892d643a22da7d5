"""Daemon cost and database growth (numbers go to bench/README.md by hand).

1. A scripted X11 session under Xvfb + openbox: four windows of distinct WM_CLASS, a focus switch
   every --switch seconds (xdotool windowactivate) and pointer input every second, for --seconds
   (default 60) with the daemon at its defaults (interval 1 s). Measures the daemon's CPU (user +
   sys of the daemon and of every child it starts, from psutil/wait4) as % of one core, and its
   USS (psutil memory_full_info().uss, the maximum of samples every 5 s). The final drain child at
   exit is reported separately and amortised over daemon.drain_every (one drain per period).
2. Database growth: a month of realistic spans (9 h of use a day, lognormal span lengths, ~300
   distinct titles, idle breaks, lunch lock, nights asleep) through the real queue + drain path
   (one drain per simulated hour), then the DuckDB file size.

    .venv/bin/python bench/bench_daemon.py [--seconds 60] [--switch 5] [--skip-session] [--skip-month]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/xwin.py: the same real X client the tests use


def offscreen() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


def start_x() -> tuple[subprocess.Popen, subprocess.Popen, dict]:
    r, w = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as fh:
        display = ":" + fh.readline().strip()
    env = {**os.environ, "DISPLAY": display}
    wm = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        out = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True
        ).stdout
        if "window id" in out:
            break
        time.sleep(0.02)
    return xvfb, wm, env


def session(seconds: float, switch: float) -> dict:
    import psutil

    xvfb, wm, env = start_x()
    home = Path(tempfile.mkdtemp(prefix="offscreen-bench-"))
    env["OFFSCREEN_HOME"] = str(home)
    windows, procs = [], []
    try:
        for cls in ("Firefox", "Code", "Thunderbird", "Signal"):
            p = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "xwin.py"), cls, f"{cls} - a window title"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            procs.append(p)
            windows.append(int(p.stdout.readline()))
        daemon = subprocess.Popen(
            offscreen() + ["daemon"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        status = home / "state" / "daemon.json"
        while not (status.exists() and json.loads(status.read_text() or "{}").get("state") == "active"):
            time.sleep(0.05)
        proc = psutil.Process(daemon.pid)
        time.sleep(2)  # let start-up finish: we measure the steady state
        c0, t0 = proc.cpu_times(), time.monotonic()
        uss = [proc.memory_full_info().uss]
        i, next_switch, next_uss = 0, t0, t0 + 5
        while (now := time.monotonic()) < t0 + seconds:
            if now >= next_switch:
                subprocess.run(
                    ["xdotool", "windowactivate", "--sync", str(windows[i % len(windows)])], env=env, check=True
                )
                i, next_switch = i + 1, next_switch + switch
            subprocess.run(["xdotool", "mousemove_relative", "--", "1", "1"], env=env, check=True)
            if now >= next_uss:
                uss.append(proc.memory_full_info().uss)
                next_uss += 5
            time.sleep(max(0.0, min(1.0, next_switch - time.monotonic())))
        c1, t1 = proc.cpu_times(), time.monotonic()
        threads = proc.num_threads()
        daemon.send_signal(signal.SIGTERM)
        _pid, _status, ru = os.wait4(daemon.pid, 0)
        daemon.returncode = 0
        log = daemon.stderr.read()
        cpu = lambda c: c.user + c.system + c.children_user + c.children_system  # noqa: E731
        total_life = ru.ru_utime + ru.ru_stime
        session_cpu = cpu(c1) - cpu(c0)
        exit_cpu = total_life - cpu(c1)  # flush + the final drain child (DuckDB import + upsert)
        from tracker.config import Daemon

        drain_every = Daemon().drain_every
        rows = subprocess.run(
            offscreen() + ["export", "--what", "activity", "--format", "json"], env=env, capture_output=True, text=True
        )
        spans = json.loads(rows.stdout) if rows.returncode == 0 else []
        return {
            "seconds": round(t1 - t0, 1),
            "switches": i,
            "cpu_session_s": round(session_cpu, 3),
            "cpu_session_pct": round(100 * session_cpu / (t1 - t0), 3),
            "cpu_exit_drain_s": round(exit_cpu, 3),
            "cpu_drain_amortised_pct": round(100 * exit_cpu / drain_every, 3),
            "cpu_total_pct_with_drains": round(100 * session_cpu / (t1 - t0) + 100 * exit_cpu / drain_every, 3),
            "uss_max_mb": round(max(uss) / 2**20, 1),
            "uss_last_mb": round(uss[-1] / 2**20, 1),
            "uss_first_mb": round(uss[0] / 2**20, 1),
            "threads": threads,
            "spans_stored": len(spans),
            "log_lines": len(log.splitlines()),
        }
    finally:
        for p in procs:
            p.kill()
        for p in (wm, xvfb):
            p.terminate()
            p.wait()
        shutil.rmtree(home, ignore_errors=True)


TITLES_PER_APP = {
    "firefox": 120,
    "Code": 60,
    "Thunderbird": 40,
    "Signal": 15,
    "gnome-terminal-server": 30,
    "Slack": 10,
    "vlc": 10,
    "libreoffice": 10,
    "Nautilus": 5,
}


def month(days: int = 30, seed: int = 1) -> dict:
    from tracker.daemon import queue
    from tracker.domain.spans import Span

    rng = random.Random(seed)
    words = [
        "the",
        "of",
        "report",
        "meeting",
        "notes",
        "inbox",
        "project",
        "plan",
        "budget",
        "draft",
        "review",
        "github",
        "issue",
        "pull",
        "request",
        "python",
        "docs",
        "search",
        "news",
        "video",
        "music",
        "chat",
        "team",
        "weekly",
        "design",
        "api",
        "release",
        "bug",
        "fix",
    ]
    titles = {
        app: [" ".join(rng.choices(words, k=rng.randint(3, 9))).capitalize() + f" - {app}" for _ in range(n)]
        for app, n in TITLES_PER_APP.items()
    }
    apps, weights = list(TITLES_PER_APP), [35, 25, 8, 5, 12, 5, 4, 4, 2]
    home = Path(tempfile.mkdtemp(prefix="offscreen-month-"))
    qf, db = home / "queue.sqlite3", home / "offscreen.duckdb"
    q = queue.Queue(qf)
    t = time.time() - days * 86400
    t -= t % 86400
    n = drains = 0
    started = time.monotonic()
    for _day in range(days):
        day0 = t
        cur = day0 + 8 * 3600
        q.put([Span(f"s{n}", day0, cur, None, None, "asleep")], closed=True)
        n += 1
        end_of_day = cur + 9 * 3600 + 1800
        next_drain = cur + 3600
        while cur < end_of_day:
            r = rng.random()
            if r < 0.01:
                state, dur, app, title = "idle", rng.uniform(180, 1200), rng.choice(apps), None
            elif r < 0.012:
                state, dur, app, title = "locked", rng.uniform(600, 3600), None, None
            else:
                app = rng.choices(apps, weights)[0]
                state, dur, title = "active", min(1800, rng.lognormvariate(3.2, 1.2)), rng.choice(titles[app])
            if state == "idle":
                title = rng.choice(titles[app])
            q.put([Span(f"s{n}", cur, cur + dur, app, title, state)], closed=True)
            n, cur = n + 1, cur + dur
            if cur >= next_drain:
                queue.drain(qf, db)
                drains, next_drain = drains + 1, next_drain + 3600
        q.put([Span(f"s{n}", cur, day0 + 86400, None, None, "asleep")], closed=True)
        n += 1
        t = day0 + 86400
    queue.drain(qf, db)
    drains += 1
    q.close()
    size = db.stat().st_size + sum(p.stat().st_size for p in home.glob("offscreen.duckdb.wal"))
    out = {
        "days": days,
        "spans": n,
        "drains": drains,
        "db_bytes": size,
        "db_mb": round(size / 2**20, 2),
        "bytes_per_span": round(size / n, 1),
        "queue_bytes_after": qf.stat().st_size,
        "seconds_taken": round(time.monotonic() - started, 1),
    }
    shutil.rmtree(home, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--switch", type=float, default=5)
    ap.add_argument("--skip-session", action="store_true")
    ap.add_argument("--skip-month", action="store_true")
    args, _rest = ap.parse_known_args()
    if not args.skip_session:
        if not all(shutil.which(c) for c in ("Xvfb", "openbox", "xdotool", "xprop")):
            print("session: skipped (needs Xvfb, openbox, xdotool, xprop)")
        else:
            print("session:", json.dumps(session(args.seconds, args.switch)), flush=True)
    if not args.skip_month:
        print("month:", json.dumps(month()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
