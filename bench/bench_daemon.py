"""The daemon's cost beside a reference poller, on X11 and on sway, in one run.

Each session runs two processes side by side in the same desktop, so machine noise hits both
alike: the offscreen daemon at its defaults (only --idle-after shortened so the quiet phase is
idle, as a real quiet desktop is after three minutes) and a reference poller, a bare Python loop
that reads the front window and the idle time once a second and stores nothing (X11: python-xlib,
four reads; sway: one i3-IPC GET_TREE). The X11 and the sway session run at the same time.

Phases: `active` (--active seconds: a focus switch every --switch seconds and pointer input every
second), `going idle` (idle_after + 5 s without input: still active time, then the idle span) and
`quiet` (--quiet seconds: nothing at all). The bytecode is compiled first, as pip does at install. Per process and phase: CPU (user + sys,
reaped children included, from /proc/PID/task/*/schedstat) as % of one core, wakeups a second (voluntary
context switches of all its threads, /proc/PID/task/*/status), and the maximum USS (psutil, every
5 s). The daemon runs with NOTIFY_SOCKET and WATCHDOG_USEC=30 s, as the systemd unit gives it
(its watchdog ping every 15 s is then its only timer). The daemon's drains: the CPU of its shutdown (final sample + the final drain child) is one
drain's cost, amortised over daemon.drain_every (the daemon drains at most that often, and when
someone returns from >= 30 min away). Also the data check: switches made vs spans stored.

    .venv/bin/python bench/bench_daemon.py [--active 150] [--quiet 150] [--switch 5] [--idle-after 20]
        [--only x11|sway] [--skip-month]

The second part (--skip-month to leave it out) fills a month of realistic spans through the real
queue and drain and prints the database size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fixtures the tests use: real Xvfb + openbox, real sway

APPS = ("Firefox", "Code", "Thunderbird", "Signal")
TICK = os.sysconf("SC_CLK_TCK")

# The reference: what a naive tracker does, minus storing anything.
X11_POLLER = r"""
import time
from Xlib import X, Xatom, display
d = display.Display()
root = d.screen().root
active, name = d.intern_atom("_NET_ACTIVE_WINDOW"), d.intern_atom("_NET_WM_NAME")
while True:
    p = root.get_full_property(active, Xatom.WINDOW)
    wid = p.value[0] if p and len(p.value) else 0
    if wid:
        w = d.create_resource_object("window", wid)
        try:
            w.get_wm_class()
            w.get_full_property(name, X.AnyPropertyType)
        except Exception:
            pass
    root.screensaver_query_info()
    time.sleep(1.0)
"""
SWAY_POLLER = r"""
import json, os, socket, struct, time
s = socket.socket(socket.AF_UNIX)
s.connect(os.environ["SWAYSOCK"])
def req(kind):
    s.sendall(b"i3-ipc" + struct.pack("=II", 0, kind))
    head = b""
    while len(head) < 14:
        head += s.recv(14 - len(head))
    n, _t = struct.unpack("=II", head[6:])
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    return json.loads(body)
def focused(node):
    if node.get("focused"):
        return node
    for c in node.get("nodes", []) + node.get("floating_nodes", []):
        f = focused(c)
        if f:
            return f
while True:
    focused(req(4))  # GET_TREE
    time.sleep(1.0)
"""


def offscreen() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


def cpu_seconds(pid: int) -> float:
    """CPU seconds PID's threads have run, to the nanosecond (/proc/PID/task/*/schedstat; /proc/PID/stat
    counts in 10 ms ticks, too coarse for a process that runs a few ms a minute), plus its reaped
    children (cutime + cstime, ticks)."""
    ns = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as fh:
                ns += int(fh.read().split()[0])
        except FileNotFoundError:
            pass
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return ns / 1e9 + (int(fields[13]) + int(fields[14])) / TICK


def wakeups(pid: int) -> int:
    """Voluntary context switches of every thread of PID: each is a sleep that ended (a wakeup)."""
    n = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as fh:
                for line in fh:
                    if line.startswith("voluntary_ctxt_switches"):
                        n += int(line.split()[1])
        except FileNotFoundError:
            pass
    return n


class Watched:
    """A process whose CPU, wakeups and USS are read at phase boundaries."""

    def __init__(self, name: str, proc: subprocess.Popen):
        import psutil

        self.name, self.proc = name, proc
        self.ps = psutil.Process(proc.pid)
        self.uss: dict[str, float] = {}
        self.marks: list[tuple[str, float, float, int]] = []

    def mark(self, phase: str) -> None:
        self.marks.append((phase, time.monotonic(), cpu_seconds(self.proc.pid), wakeups(self.proc.pid)))

    def sample_uss(self, phase: str) -> None:
        self.uss[phase] = max(self.uss.get(phase, 0.0), self.ps.memory_full_info().uss / 2**20)

    def phases(self) -> dict:
        out = {}
        for (_p0, t0, c0, w0), (p1, t1, c1, w1) in zip(self.marks, self.marks[1:], strict=False):
            out[p1] = {
                "cpu_pct": round(100 * (c1 - c0) / (t1 - t0), 4),
                "wakeups_per_s": round((w1 - w0) / (t1 - t0), 3),
                "uss_max_mb": round(self.uss.get(p1, 0.0), 1),
            }
        return out


def start_session(kind: str):
    if kind == "x11":
        from x11_fixtures import start_x

        server = start_x()
        wins = [server.window(cls, f"{cls} - a window title") for cls in APPS]
        return server, wins, (lambda i: server.activate(wins[i])), server.input, X11_POLLER
    from wayland_fixtures import start_sway

    server = start_sway()
    wins = [server.window(cls.lower(), f"{cls} - a window title") for cls in APPS]
    return server, wins, (lambda i: server.focus(wins[i])), server.input, SWAY_POLLER


def _receive(sock: socket.socket, into: list[bytes]) -> None:
    """Read the daemon's sd_notify messages (READY=1, STATUS=, WATCHDOG=1) until the socket closes."""
    while True:
        try:
            into.append(sock.recv(4096))
        except TimeoutError:
            continue
        except OSError:
            return


def drive(kind: str, args, out: dict) -> None:
    from tracker.config import Daemon as DaemonConfig

    server, wins, focus, poke, poller_code = start_session(kind)
    home = Path(tempfile.mkdtemp(prefix=f"offscreen-bench-{kind}-"))
    # As under systemd (the unit's WatchdogSec=30): the daemon pings every 15 s, its only timer.
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(home / "notify"))
    notify.settimeout(1.0)
    env = {
        **server.env,
        "OFFSCREEN_HOME": str(home),
        "NOTIFY_SOCKET": str(home / "notify"),
        "WATCHDOG_USEC": "30000000",
    }
    pings: list[bytes] = []
    threading.Thread(target=_receive, args=(notify, pings), daemon=True).start()
    procs: list[subprocess.Popen] = []
    try:
        focus(0)
        daemon = subprocess.Popen(
            [*offscreen(), "daemon", "--idle-after", str(args.idle_after)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(daemon)
        poller = subprocess.Popen([sys.executable, "-c", poller_code], env=env, stdin=subprocess.DEVNULL)
        procs.append(poller)
        status = home / "state" / "daemon.json"
        while not (status.exists() and json.loads(status.read_text() or "{}").get("state") == "active"):
            if daemon.poll() is not None:
                raise RuntimeError(f"{kind}: the daemon exited: {daemon.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)
        time.sleep(2)  # the steady state, not start-up
        watched = [Watched("offscreen daemon", daemon), Watched("reference poller", poller)]
        for w in watched:
            w.mark("start")
        switches, i = 0, 1
        t0 = time.monotonic()
        next_switch, next_uss = t0 + args.switch, t0
        while (now := time.monotonic()) < t0 + args.active:
            if now >= next_switch:
                focus(i % len(wins))
                switches, i, next_switch = switches + 1, i + 1, next_switch + args.switch
            if now >= next_uss:
                for w in watched:
                    w.sample_uss("active")
                next_uss += 5
            poke()
            time.sleep(max(0.0, min(1.0, next_switch - time.monotonic())))
        for w in watched:
            w.mark("active")
        # No input from here on: the first idle_after seconds are still active time (heartbeats),
        # then the span turns idle. "quiet" is measured after that, when nothing happens at all.
        t_idle = time.monotonic()
        while (now := time.monotonic()) < t_idle + args.idle_after + 5:
            for w in watched:
                w.sample_uss("going idle")
            time.sleep(min(5.0, max(0.0, t_idle + args.idle_after + 5 - now)))
        for w in watched:
            w.mark("going idle")
        # Nothing at all, not even our USS probe: reading /proc/PID/smaps takes the process's memory
        # lock and counts as its wakeups (measured: 0.067 -> 0.083 a second). USS once, after.
        time.sleep(args.quiet)
        for w in watched:
            w.mark("quiet")
            w.sample_uss("quiet")
        before_exit = cpu_seconds(daemon.pid)
        daemon.send_signal(signal.SIGTERM)
        _pid, _st, ru = os.wait4(daemon.pid, 0)
        daemon.returncode = 0
        exit_cpu = ru.ru_utime + ru.ru_stime - before_exit  # wait4 counts the children it reaped too
        drain_every = DaemonConfig().drain_every
        backend = json.loads(status.read_text()).get("backend")
        rows = subprocess.run(
            [*offscreen(), "export", "--what", "activity", "--format", "json"], env=env, capture_output=True, text=True
        )
        spans = json.loads(rows.stdout) if rows.returncode == 0 else []
        names = {a.lower() for a in APPS}
        apps_seen = [s for s in spans if (s.get("app") or "").lower() in names and s.get("state") == "active"]
        result: dict = {
            "backend": backend,
            "switches_made": switches,
            "app_spans_stored": len(apps_seen),
            "watchdog_pings": sum(1 for m in pings if b"WATCHDOG=1" in m),
        }
        for w in watched:
            result[w.name] = w.phases()
        d = result["offscreen daemon"]
        going = args.idle_after + 5
        total = args.active + going + args.quiet

        def whole_pct(p: dict) -> float:
            return (
                p["active"]["cpu_pct"] * args.active
                + p["going idle"]["cpu_pct"] * going
                + p["quiet"]["cpu_pct"] * args.quiet
            ) / total

        whole = whole_pct(d)
        ref_whole = whole_pct(result["reference poller"])
        result["daemon drain (shutdown) cpu_s"] = round(exit_cpu, 3)
        result["daemon cpu_pct whole run incl. drains"] = round(whole + 100 * exit_cpu / drain_every, 4)
        result["reference cpu_pct whole run"] = round(ref_whole, 4)
        out[kind] = result
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        server.close()
        notify.close()
        shutil.rmtree(home, ignore_errors=True)


def ratios(out: dict) -> list[str]:
    lines = []
    for kind, r in out.items():
        d, ref = r["offscreen daemon"], r["reference poller"]
        for phase in ("active", "going idle", "quiet"):
            rc = d[phase]["cpu_pct"] / ref[phase]["cpu_pct"] if ref[phase]["cpu_pct"] else float("nan")
            rw = d[phase]["wakeups_per_s"] / ref[phase]["wakeups_per_s"] if ref[phase]["wakeups_per_s"] else 0
            ru = d[phase]["uss_max_mb"] / ref[phase]["uss_max_mb"] if ref[phase]["uss_max_mb"] else 0
            lines.append(f"{kind} {phase}: daemon/reference CPU {rc:.2f}, wakeups {rw:.2f}, USS {ru:.2f}")
        whole = r["daemon cpu_pct whole run incl. drains"] / max(r["reference cpu_pct whole run"], 1e-9)
        lines.append(f"{kind} whole run: daemon incl. drains / reference CPU {whole:.2f}")
    return lines


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
WORDS = [
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


def month(days: int = 30, seed: int = 1) -> dict:
    """A month of realistic spans through the real queue and drain; the database size after."""
    from tracker.app import drain_queue
    from tracker.daemon import queue
    from tracker.domain.spans import Span

    rng = random.Random(seed)
    titles = {
        app: [" ".join(rng.choices(WORDS, k=rng.randint(3, 9))).capitalize() + f" - {app}" for _ in range(n)]
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
                drain_queue(qf, db)
                drains, next_drain = drains + 1, next_drain + 3600
        q.put([Span(f"s{n}", cur, day0 + 86400, None, None, "asleep")], closed=True)
        n += 1
        t = day0 + 86400
    drain_queue(qf, db)
    drains += 1
    q.close()
    size = db.stat().st_size + sum(p.stat().st_size for p in home.glob("offscreen.duckdb.wal"))
    out = {
        "days": days,
        "spans": n,
        "drains": drains,
        "db_mb": round(size / 2**20, 2),
        "bytes_per_span": round(size / n, 1),
        "seconds_taken": round(time.monotonic() - started, 1),
    }
    shutil.rmtree(home, ignore_errors=True)
    return out


def compile_bytecode() -> None:
    """Compile tracker/ and the daemon's libraries as pip does at install time: without .pyc files
    (PYTHONDONTWRITEBYTECODE=1 here, or stale ones after an edit) every import compiles in memory,
    and the compiler's arenas stay in the daemon's USS (1.8 MiB measured)."""
    import compileall

    import jeepney
    import Xlib

    for d in (ROOT / "tracker", Path(Xlib.__file__).parent, Path(jeepney.__file__).parent):
        compileall.compile_dir(str(d), quiet=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--active", type=float, default=150)
    ap.add_argument("--quiet", type=float, default=150)
    ap.add_argument("--switch", type=float, default=5)
    ap.add_argument("--idle-after", type=float, default=20, dest="idle_after")
    ap.add_argument("--only", choices=("x11", "sway"))
    ap.add_argument("--skip-month", action="store_true")
    ap.add_argument("--skip-session", action="store_true")
    args, _rest = ap.parse_known_args()
    if not args.skip_session:
        compile_bytecode()
        out: dict = {}
        kinds = [args.only] if args.only else ["x11", "sway"]
        threads = [threading.Thread(target=drive, args=(k, args, out)) for k in kinds]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps(out, indent=1))
        for line in ratios(out):
            print(line)
        if len(out) != len(kinds):
            print("a session failed", file=sys.stderr)
            return 1
    if not args.skip_month:
        print("month:", json.dumps(month()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
