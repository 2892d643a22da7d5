"""logind's LockedHint (locked also when logind says the session is locked), for real:
a private dbus-daemon stands in for the system bus and a fake logind (tests/helpers/fake_logind.py,
system python3 + python3-dbus) answers LockedHint from a file the test rewrites."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require
from inproc import cli  # noqa: F401 (fixture)
from tracker.sampling import logind
from x11_fixtures import daemon_factory, wait_for, xserver  # noqa: F401 (fixtures)

HELPERS = Path(__file__).parent / "helpers"


class FakeLogind:
    def __init__(self, tmp_path: Path, *args: str):
        require("dbus-daemon")
        sys_python = shutil.which("python3", path="/usr/bin:/bin")
        if sys_python is None or subprocess.run([sys_python, "-c", "import dbus, gi"], capture_output=True).returncode:
            pytest.skip("the system python3 lacks python3-dbus / python3-gi for the fake logind")
        self.state = tmp_path / "locked"
        self.state.write_text("no")
        self.calls_file = Path(str(self.state) + ".calls")
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={tmp_path}/system_bus"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.server = None
        self.address = self.bus.stdout.readline().strip()
        self.server = subprocess.Popen(
            [sys_python, str(HELPERS / "fake_logind.py"), str(self.state), *args],
            env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": self.address},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.server.stdout.readline().strip() == "ready"

    def set(self, locked: bool) -> None:
        # Atomic (rename), so a Get racing the change reads the old answer or the new, never "".
        tmp = self.state.with_name("locked.tmp")
        tmp.write_text("yes" if locked else "no")
        tmp.rename(self.state)

    def answers(self) -> list[tuple[float, str]]:
        """(epoch, answer) of every Get so far: when logind was asked, and what it said."""
        if not self.calls_file.exists():
            return []
        return [(float(t), a) for _prop, t, a in (ln.split() for ln in self.calls_file.read_text().splitlines())]

    def calls(self) -> int:
        return len(self.answers())

    def close(self):
        for p in (self.server, self.bus):
            if p is not None:
                p.terminate()
                p.wait(timeout=10)


@pytest.fixture
def fake_logind(tmp_path):
    f = FakeLogind(tmp_path)
    yield f
    f.close()


def test_probe_reads_locked_hint_from_the_bus_in_dbus_system_bus_address(fake_logind):
    env = {"DBUS_SYSTEM_BUS_ADDRESS": fake_logind.address}
    assert logind.probe(env) == (False, "")
    fake_logind.set(True)
    assert logind.probe(env) == (True, "")
    hint, why = logind.probe({"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/bus"})
    assert hint is None and why.startswith("cannot connect to the system bus unix:path=/nonexistent/bus:")


def test_lock_hint_polls_at_most_every_two_seconds_on_one_connection(fake_logind):
    h = logind.LockHint(env={"DBUS_SYSTEM_BUS_ADDRESS": fake_logind.address})
    assert h.locked(100.0) is False
    client = h.client
    fake_logind.set(True)
    assert h.locked(101.0) is False  # cached: no call within POLL_EVERY
    assert fake_logind.calls() == 1
    assert h.locked(102.0) is True
    assert fake_logind.calls() == 2 and h.client is client  # the same connection
    h.close()


def test_outside_any_session_the_users_graphical_session_is_read(tmp_path):
    # A systemd user service belongs to no session: session/auto is refused, user/self's Display is used.
    fake = FakeLogind(tmp_path, "--no-auto")
    try:
        client = logind.LogindClient(fake.address)
        assert client.locked_hint() is False
        assert client.session_path == "/org/freedesktop/login1/session/c1"
        fake.set(True)
        assert client.locked_hint() is True
        assert fake.calls() == 3  # auto (refused), c1, c1: the session is resolved once
        client.close()
    finally:
        fake.close()


def test_lock_hint_without_bus_logs_once_and_retries_rarely():
    logged = []
    h = logind.LockHint(
        lambda level, msg: logged.append((level, msg)), env={"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/bus"}
    )
    assert [h.locked(t) for t in (0.0, 1.0, 2.0, 299.0)] == [False] * 4
    assert [lvl for lvl, _ in logged] == ["info"]
    assert "logind lock check off: cannot connect to the system bus" in logged[0][1]
    assert h.locked(300.0) is False  # the retry after RETRY_EVERY: logged at debug only
    assert [lvl for lvl, _ in logged] == ["info", "debug"]


def test_logind_error_reply_disables_the_check(tmp_path):
    # A real bus without logind on it: the bus answers ServiceUnknown at once.
    require("dbus-daemon")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={tmp_path}/bus"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        address = bus.stdout.readline().strip()
        logged = []
        h = logind.LockHint(lambda level, msg: logged.append(msg), env={"DBUS_SYSTEM_BUS_ADDRESS": address})
        assert h.locked(0.0) is False and h.client is None
        assert len(logged) == 1 and "logind refused: org.freedesktop.DBus.Error.ServiceUnknown" in logged[0]
    finally:
        bus.terminate()
        bus.wait(timeout=10)


def _spans():
    from tracker.app import App

    app = App.create()
    with app.store(drain=True) as con:
        return con.execute(
            "SELECT epoch(start_utc), epoch(end_utc), app, state FROM activity ORDER BY start_utc"
        ).fetchall()


def _flip(answers, to: str) -> tuple[float, float]:
    """(last answer before, first answer TO) around the first time logind's answer became TO."""
    for (t0, a0), (t1, a1) in itertools.pairwise(answers):
        if a1 == to and a0 != to:
            return t0, t1
    raise AssertionError(f"logind never answered {to!r} after something else: {answers}")


@pytest.mark.x11
def test_daemon_stores_locked_while_logind_says_locked(xserver, daemon_factory, fake_logind):
    interval = 2.0  # = logind.POLL_EVERY: every sample asks logind
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    env = {**xserver.env, "DBUS_SYSTEM_BUS_ADDRESS": fake_logind.address}
    d = daemon_factory(env, "--interval", interval, "--idle-after", 600)
    d.wait_status(lambda s: s["state"] == "active", timeout=15)
    assert {ans for _t, ans in fake_logind.answers()} == {"no"}  # the first sample asked logind
    fake_logind.set(True)
    d.wait_status(lambda s: s["state"] == "locked", timeout=10)
    fake_logind.set(False)
    d.wait_status(lambda s: s["state"] == "active", timeout=10)
    assert d.stop() == 0
    rows = _spans()
    assert [(r[2], r[3]) for r in rows] == [("AlphaApp", "active"), (None, "locked"), ("AlphaApp", "active")]
    (_, _, _, _), (ls, le, _, _), _ = rows
    # The sample whose question got the first "yes" starts the locked span: its clock was read
    # after logind answered the question before (still "no"), and before logind was asked again.
    # The same for the first "no" after it. However slow the machine, nothing else fits between.
    answers = fake_logind.answers()
    no_before, first_yes = _flip(answers, "yes")
    yes_before, first_no = _flip([x for x in answers if x[0] >= first_yes], "no")
    assert no_before < ls < first_yes, (no_before, ls, first_yes)
    assert yes_before < le < first_no, (yes_before, le, first_no)
    assert "logind lock check off" not in d.text()


@pytest.mark.x11
def test_daemon_without_system_bus_runs_normally(xserver, daemon_factory, tmp_path):
    a = xserver.window("AlphaApp")
    xserver.activate(a)
    env = {**xserver.env, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus"}
    d = daemon_factory(env, "--interval", 0.2, "--idle-after", 600)
    d.wait_status(lambda s: s["state"] == "active", timeout=15)
    d.wait_span(lambda s: s.seconds >= 1.0, what="a second of AlphaApp in the queue")
    assert d.stop() == 0
    rows = _spans()
    assert [(r[2], r[3]) for r in rows] == [("AlphaApp", "active")]
    assert rows[0][1] - rows[0][0] >= 1.0
    lines = [ln for ln in d.text().splitlines() if "logind" in ln]
    assert len(lines) == 1 and lines[0].startswith("INFO logind lock check off: cannot connect to the system bus"), (
        lines
    )


def test_doctor_reports_locked_hint_through_the_same_module(fake_logind, cli):
    env = {"DBUS_SYSTEM_BUS_ADDRESS": fake_logind.address, "DISPLAY": ""}
    r = cli("doctor", env=env)
    line = next(ln for ln in r.stdout.splitlines() if "lock detection" in ln)
    assert "logind's LockedHint is read too (now: unlocked)" in line
    fake_logind.set(True)
    r = cli("doctor", env=env)
    line = next(ln for ln in r.stdout.splitlines() if "lock detection" in ln)
    assert "logind's LockedHint is read too (now: locked)" in line


def test_jeepney_is_imported_only_when_logind_is_asked():
    code = (
        "import sys, tracker.cli, tracker.daemon.loop, tracker.ops.doctor, tracker.sampling.logind; "
        "print('jeepney' in sys.modules); "
        "tracker.sampling.logind.probe({'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/nonexistent/bus'}); "
        "print('jeepney' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]  # the second line shows the check can see an import


# -- the signal path: PropertiesChanged instead of polling (issue 14) ---------------------------


@pytest.fixture
def signalling_logind(tmp_path):
    f = FakeLogind(tmp_path, "--signals")
    yield f
    f.close()


def _readable(fd, timeout=10.0) -> bool:
    import select

    return bool(select.select([fd], [], [], timeout)[0])


def test_escape_label_is_sd_bus_path_encode():
    assert [logind.escape_label(x) for x in ("c1", "2", "12", "", "a-b")] == ["c1", "_32", "_312", "_", "a_2db"]


def test_lock_hint_follows_properties_changed_without_asking_again(signalling_logind):
    f = signalling_logind
    h = logind.LockHint(env={"DBUS_SYSTEM_BUS_ADDRESS": f.address})
    assert h.locked(100.0) is False
    assert h.watching and h.fileno() is not None and h.deadline() is None
    asked = f.calls()
    assert asked == 2  # once to find the session, once more after subscribing (no change falls between)
    f.set(True)
    assert _readable(h.fileno()), "no PropertiesChanged signal"
    h.dispatch(101.0)
    assert h.locked(5000.0) is True  # any time later: the signal's answer, not a poll
    f.set(False)
    assert _readable(h.fileno())
    h.dispatch(102.0)
    assert h.locked(5001.0) is False
    assert f.calls() == asked  # logind was never asked again
    h.close()


def test_without_a_session_id_it_polls_every_two_seconds_and_says_when(fake_logind):
    h = logind.LockHint(env={"DBUS_SYSTEM_BUS_ADDRESS": fake_logind.address})
    assert h.locked(100.0) is False
    assert not h.watching and h.fileno() is None
    assert h.deadline() == 100.0 + logind.POLL_EVERY  # the loop wakes for the next question


def test_a_bus_that_goes_away_turns_the_check_off_and_retries_later(tmp_path):
    f = FakeLogind(tmp_path, "--signals")
    logged = []
    h = logind.LockHint(lambda level, msg: logged.append(msg), env={"DBUS_SYSTEM_BUS_ADDRESS": f.address})
    try:
        assert h.locked(100.0) is False and h.watching
        fd = h.fileno()
    finally:
        f.close()  # logind and the bus stop
    assert _readable(fd)
    h.dispatch(200.0)
    assert not h.watching and h.client is None and h.locked(201.0) is False
    assert h.deadline() == 200.0 + logind.RETRY_EVERY
    assert len(logged) == 1 and "logind lock check off: the system bus closed the connection" in logged[0]


def test_the_daemon_sees_a_lock_by_signal_alone(tmp_path, daemon_factory, signalling_logind):
    """A daemon whose sampler is polled only every minute: the lock and the unlock reach it
    through logind's signal, and logind is asked only when the daemon starts."""
    import json

    f = signalling_logind
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "doc"]]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script), "DBUS_SYSTEM_BUS_ADDRESS": f.address}
    for var in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "LOG_LEVEL"):
        env.pop(var, None)
    d = daemon_factory(env, "--interval", 60, "--idle-after", 600)
    d.wait_status(lambda s: s["state"] == "active", timeout=15)
    wait_for(lambda: f.calls() == 2, what="the daemon subscribing")
    f.set(True)
    d.wait_status(lambda s: s["state"] == "locked", timeout=10)
    f.set(False)
    d.wait_status(lambda s: s["state"] == "active", timeout=10)
    assert d.stop() == 0
    assert f.calls() == 2
    assert [(r[2], r[3]) for r in _spans()] == [("AlphaApp", "active"), (None, "locked"), ("AlphaApp", "active")]
    assert "logind lock check off" not in d.text()
