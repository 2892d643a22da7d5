"""Nudges: pure selection (quiet hours, off switch, one a day, priority), the idle span they ask
about, delivery that never fails the caller, and a real notification through a private D-Bus
session bus with a tiny notification server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time as _time
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import require
from dbrows import add_interaction, add_person
from tracker.app import App
from tracker.config import Config, Nudges
from tracker.domain.cadence import Due
from tracker.store import connect
from tracker.store import practice as sp
from tracker.usecases import nudges

B = ZoneInfo("Europe/Berlin")
NOQUIET = Nudges(quiet_start="00:00", quiet_end="00:00")


def berlin(*a):
    return datetime(*a, tzinfo=B)


def u(*a):
    return berlin(*a).astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    "t, start, end, quiet",
    [
        (time(23, 0), "22:00", "08:00", True),
        (time(7, 59), "22:00", "08:00", True),
        (time(8, 0), "22:00", "08:00", False),
        (time(21, 59), "22:00", "08:00", False),
        (time(13, 0), "12:00", "14:00", True),
        (time(14, 0), "12:00", "14:00", False),
        (time(3, 0), "00:00", "00:00", False),
    ],
)
def test_quiet_hours(t, start, end, quiet):
    assert nudges.in_quiet_hours(t, start, end) is quiet


SAM = Due(1, "Sam", 7, 14, berlin(2026, 10, 1, 19), False, 40, "overdue", date(2026, 10, 8))
KIM = Due(2, "Kim", 30, 45, None, True, 35, "late", date(2026, 10, 6))
RISK = {"name": "Friday dinner", "current_streak": 4, "days_left": 1}
IDLE = {"start_utc": u(2026, 11, 10, 10, 0), "end_utc": u(2026, 11, 10, 11, 30), "minutes": 90.0}


def test_choose_priorities_and_switches():
    now = berlin(2026, 11, 10, 11, 40)
    n = nudges.choose(now, Nudges(), sent_today=False, overdue=[SAM, KIM], at_risk=[RISK], idle_span=IDLE)
    assert n == nudges.Nudge(
        "from-idle", "Welcome back. You were away 1h30m: were you with people?", "offscreen log --from-idle"
    )
    # 20 minutes after coming back it's too late to ask; the routine comes next, then people.
    later = berlin(2026, 11, 10, 11, 50)
    n = nudges.choose(later, Nudges(), sent_today=False, overdue=[SAM], at_risk=[RISK], idle_span=IDLE)
    assert n.text() == (
        "Friday dinner hasn't happened yet this time (a 4-period streak): today is the last day. "
        'Still on? (offscreen routine show "Friday dinner")'
    )
    n = nudges.choose(later, Nudges(), sent_today=False, overdue=[KIM, SAM])
    assert n.text() == (
        "It's been 40 days since you last saw Sam. A short message to set something up? (offscreen people due)"
    )
    assert nudges.choose(later, Nudges(), sent_today=False, overdue=[KIM]) is None  # late is not overdue
    assert nudges.choose(later, Nudges(), sent_today=True, overdue=[SAM]) is None
    assert nudges.choose(later, Nudges(enabled=False), sent_today=False, overdue=[SAM]) is None
    assert nudges.choose(berlin(2026, 11, 10, 22, 30), Nudges(), sent_today=False, overdue=[SAM]) is None
    assert nudges.choose(berlin(2026, 11, 10, 22, 30), NOQUIET, sent_today=False, overdue=[SAM]).kind == "overdue"


def _spans(con, spans):
    for i, (start, end, state) in enumerate(spans):
        con.execute(
            "INSERT INTO activity (span_id, start_utc, end_utc, app, state) VALUES (?, ?, ?, 'x', ?)",
            [f"s{i}", u(2026, 11, 10, *start), u(2026, 11, 10, *end), state],
        )


@pytest.mark.parametrize(
    "spans, now, expected",
    [
        # Idle 45 min, locked 60 min (one absence of 1h45m), then back at the keyboard.
        (
            [
                ((9, 0), (10, 0), "active"),
                ((10, 0), (10, 45), "idle"),
                ((10, 46), (11, 45), "locked"),
                ((11, 45), (11, 50), "active"),
            ],
            (11, 55),
            ((10, 0), (11, 45), 105.0),
        ),
        # Still away: not "on return".
        ([((9, 0), (10, 0), "active"), ((10, 0), (11, 45), "idle")], (11, 55), None),
        # Too short, too long.
        ([((10, 0), (10, 20), "idle"), ((10, 20), (10, 30), "active")], (10, 35), None),
        ([((6, 0), (10, 30), "asleep"), ((10, 30), (10, 40), "active")], (10, 45), None),
        # Came back long ago (outside the window of one hour).
        ([((8, 0), (9, 0), "idle"), ((9, 0), (11, 0), "active")], (11, 0), None),
        # The latest absence is the one that counts, even if an earlier one qualified.
        (
            [
                ((8, 0), (9, 0), "idle"),
                ((9, 0), (9, 30), "active"),
                ((9, 30), (9, 40), "idle"),
                ((9, 40), (9, 45), "active"),
            ],
            (9, 50),
            None,
        ),
    ],
)
def test_last_idle_span(tmp_path, spans, now, expected):
    with connect(tmp_path / "i.duckdb") as con:
        _spans(con, spans)
        got = sp.last_idle_span(con, u(2026, 11, 10, *now))
    if expected is None:
        assert got is None
    else:
        assert got == {
            "start_utc": u(2026, 11, 10, *expected[0]),
            "end_utc": u(2026, 11, 10, *expected[1]),
            "minutes": expected[2],
        }


def test_failing_notify_is_logged_not_raised(tmp_path):
    log = tmp_path / "state" / "nudges.log"
    n = nudges.Nudge("overdue", "hi")
    assert nudges.deliver(n, log_file=log, command="false") == "failed: false exited 1: "
    assert nudges.deliver(n, log_file=log, command=str(tmp_path / "no-such-notify")).endswith(
        "not found (install libnotify-bin)"
    )
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and lines[0].endswith("nudge not shown: false exited 1: ")
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def _app(tmp_path, cfg: Config) -> App:
    from tracker.paths import resolve

    return App(paths=resolve(env={"OFFSCREEN_HOME": str(tmp_path / "home")}), _config=cfg)


def _overdue_sam(app, now):
    with connect(app.paths.db) as con:
        sam = add_person(con, "Sam", tier="inner", created_at=u(2026, 1, 1, 12))
        add_interaction(
            con,
            happened_at=(now - timedelta(days=30)).astimezone(UTC).replace(tzinfo=None),
            duration_min=60,
            person_ids=[sam],
        )


def test_run_once_a_day_even_when_delivery_fails(tmp_path):
    app = _app(tmp_path, Config(nudges=NOQUIET))
    now = berlin(2026, 11, 10, 12, 0)
    _overdue_sam(app, now)
    env = {"PATH": os.environ["PATH"], "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    n, delivered = nudges.run(app, now, env=env)
    assert n.kind == "overdue" and "30 days since you last saw Sam" in n.message
    assert delivered.startswith("failed: ")
    assert nudges.run(app, now + timedelta(hours=3), env=env) == (None, None)
    # A new local day (days start at 04:00) may have its own nudge.
    assert nudges.run(app, berlin(2026, 11, 11, 3, 59), env=env) == (None, None)
    n2, _ = nudges.run(app, berlin(2026, 11, 11, 9, 0), env=env)
    assert n2.kind == "overdue"
    with connect(app.paths.db) as con:
        rows = con.execute("SELECT day, kind, delivered LIKE 'failed: %' FROM nudges_sent ORDER BY day").fetchall()
        assert rows == [
            (datetime(2026, 11, 10).date(), "overdue", True),
            (datetime(2026, 11, 11).date(), "overdue", True),
        ]
        assert nudges.status_line(con, app.calendar, now).startswith("Nudge today: It's been 30 days")


def test_off_switch_and_desktop_false(tmp_path):
    now = berlin(2026, 11, 10, 12, 0)
    off = _app(tmp_path / "a", Config(nudges=Nudges(enabled=False, quiet_start="00:00", quiet_end="00:00")))
    _overdue_sam(off, now)
    assert nudges.run(off, now) == (None, None)
    quiet = _app(tmp_path / "b", Config(nudges=Nudges(desktop=False, quiet_start="00:00", quiet_end="00:00")))
    _overdue_sam(quiet, now)
    n, delivered = nudges.run(quiet, now)
    assert n.kind == "overdue" and delivered == "off"


def test_nudge_cli(run, tmp_path):
    cfg = tmp_path / "offscreen" / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[nudges]\nquiet_start = "00:00"\nquiet_end = "00:00"\n')
    now = datetime(2026, 11, 30, 12, 0, tzinfo=B)  # pinned: "30 days" holds at any hour, across DST too
    env = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus", "OFFSCREEN_NOW": now.isoformat()}
    assert run("nudge", check=0, env=env).stdout == "No nudge now: nothing is due.\n"
    app = App.create()
    _overdue_sam(app, now)
    r = run("nudge", "--dry-run", check=0, env=env)
    assert r.stdout.startswith("It's been 30 days since you last saw Sam.") and "[" not in r.stdout
    r = run("nudge", check=0, env=env)
    assert r.stdout.startswith("It's been 30 days since you last saw Sam.") and "  [failed: notify-send" in r.stdout
    assert run("nudge", check=0, env=env).stdout.startswith("No nudge now: today's nudge was already sent at ")
    assert "nudge not shown: notify-send" in (tmp_path / "offscreen" / "state" / "nudges.log").read_text()


def _wait_for(predicate, timeout=10.0):
    deadline = _time.monotonic() + timeout
    while _time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        _time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def test_real_desktop_notification(tmp_path):
    require("dbus-daemon", "notify-send")
    sys_python = shutil.which("python3", path="/usr/bin:/bin")
    probe = subprocess.run([sys_python or "python3", "-c", "import dbus, gi"], capture_output=True)
    if sys_python is None or probe.returncode != 0:
        pytest.skip("the system python3 lacks python3-dbus / python3-gi for the test notification server")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={tmp_path}/bus"],
        stdout=subprocess.PIPE,
        text=True,
    )
    server = None
    try:
        address = bus.stdout.readline().strip()
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
        out = tmp_path / "notifications.jsonl"
        server = subprocess.Popen(
            [sys_python, str(Path(__file__).parent / "helpers" / "notify_server.py"), str(out)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout.readline().strip() == "ready"
        n = nudges.Nudge("overdue", "It's been 30 days since you last saw Tom & Jerry.", "offscreen people due")
        assert nudges.deliver(n, env=env) == "desktop"
        lines = _wait_for(lambda: out.exists() and out.read_text().splitlines())
        assert [json.loads(x) for x in lines] == [
            {
                "app_name": "offscreen",
                "summary": "offscreen",
                "urgency": 0,
                "body": "It's been 30 days since you last saw Tom &amp; Jerry. (offscreen people due)",
            }
        ]
    finally:
        for p in (server, bus):
            if p is not None:
                p.terminate()
                p.wait(timeout=10)


def test_run_asks_on_return_unless_already_logged(tmp_path):
    now = berlin(2026, 11, 10, 11, 55)
    app = _app(tmp_path / "a", Config(nudges=NOQUIET))
    with connect(app.paths.db) as con:
        _spans(con, [((9, 0), (10, 0), "active"), ((10, 0), (11, 45), "locked"), ((11, 45), (11, 50), "active")])
    n, _ = nudges.run(app, now, env={"PATH": os.environ["PATH"], "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"})
    assert n.text() == "Welcome back. You were away 1h45m: were you with people? (offscreen log --from-idle)"
    logged = _app(tmp_path / "b", Config(nudges=NOQUIET))
    with connect(logged.paths.db) as con:
        _spans(con, [((9, 0), (10, 0), "active"), ((10, 0), (11, 45), "locked"), ((11, 45), (11, 50), "active")])
        add_interaction(con, happened_at=u(2026, 11, 10, 10, 15), duration_min=60, person_ids=[])
    assert nudges.run(logged, now, dry_run=True) == (None, None)


def test_the_daemons_drain_child_sends_the_return_nudge(run, tmp_path):
    """`offscreen drain --nudge` (what the daemon spawns) asks "were you with people?" after an absence."""
    from datetime import timedelta

    from tracker import store

    home = tmp_path / "offscreen"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text(
        '[nudges]\ndesktop = false\nquiet_start = "00:00"\nquiet_end = "00:00"\n'
    )
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with store.connect(home / "data" / "offscreen.duckdb") as con:
        con.execute(
            "INSERT INTO activity (span_id, start_utc, end_utc, app, state) VALUES "
            "('b', ?, ?, NULL, 'idle'), ('c', ?, ?, 'code', 'active')",
            [now - timedelta(minutes=80), now - timedelta(minutes=5), now - timedelta(minutes=5), now],
        )
    run("drain", check=0)
    with store.connect(home / "data" / "offscreen.duckdb") as con:
        assert con.execute("SELECT count(*) FROM nudges_sent").fetchone() == (0,)
    run("drain", "--nudge", check=0)
    run("drain", "--nudge", check=0)  # at most one a day
    with store.connect(home / "data" / "offscreen.duckdb") as con:
        rows = con.execute("SELECT kind, message, delivered FROM nudges_sent").fetchall()
    assert rows == [
        ("from-idle", "Welcome back. You were away 1h15m: were you with people? (offscreen log --from-idle)", "off")
    ]
