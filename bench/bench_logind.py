"""Cost of one logind LockedHint read as the daemon does it (tracker/sampling/logind.py).

Needs a bus with logind (or the test fake) at $DBUS_SYSTEM_BUS_ADDRESS, e.g.:
    dbus-daemon --session --nofork --print-address=1 --address=unix:path=/tmp/b/bus &
    DBUS_SESSION_BUS_ADDRESS=unix:path=/tmp/b/bus /usr/bin/python3 tests/helpers/fake_logind.py /tmp/b/locked &
    DBUS_SYSTEM_BUS_ADDRESS=unix:path=/tmp/b/bus .venv/bin/python bench/bench_logind.py [--calls 2000]
Prints the client-side CPU and wall time per Get call on one persistent connection, the one-off
connect cost, and the import cost of jeepney; at one call every 2 s this is the daemon's added cost.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    t0, c0 = time.perf_counter(), time.process_time()
    import jeepney.io.blocking  # noqa: F401 (what the first connect imports)

    from tracker.sampling import logind

    t1, c1 = time.perf_counter(), time.process_time()
    client = logind.LogindClient(logind.bus_address())
    t2, c2 = time.perf_counter(), time.process_time()
    client.locked_hint()  # warm
    w0, p0 = time.perf_counter(), time.process_time()
    for _ in range(args.calls):
        client.locked_hint()
    w1, p1 = time.perf_counter(), time.process_time()
    client.close()
    per_cpu, per_wall = (p1 - p0) / args.calls, (w1 - w0) / args.calls
    print(f"bus: {logind.bus_address()}")
    print(f"import tracker.sampling.logind + jeepney: {(t1 - t0) * 1e3:.1f} ms wall, {(c1 - c0) * 1e3:.1f} ms CPU")
    print(f"connect (auth + Hello): {(t2 - t1) * 1e3:.2f} ms wall, {(c2 - c1) * 1e3:.2f} ms CPU")
    print(
        f"one Get(LockedHint) over {args.calls} calls: {per_wall * 1e6:.0f} us wall, {per_cpu * 1e6:.0f} us CPU (client)"
    )
    print(f"at one call every {logind.POLL_EVERY:g} s: {per_cpu / logind.POLL_EVERY * 100:.4f} % of one core")
    if os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") is None:
        print("note: DBUS_SYSTEM_BUS_ADDRESS unset: measured against the real system bus")


if __name__ == "__main__":
    main()
