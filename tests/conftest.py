"""Shared fixtures. Every test runs with HOME, XDG_* and OFFSCREEN_HOME inside tmp_path, so no
test can touch the real home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / "offscreen"))
    # COLUMNS too (pytest-xdist workers set it to 80): tables are cut to it, as in a terminal.
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "OFFSCREEN_DB", "OFFSCREEN_DEBUG", "COLUMNS"):
        monkeypatch.delenv(var, raising=False)
    # Every test runs in one zone with DST, whatever the machine's TZ, so literal expectations hold;
    # tests of other zones (CET, EST5EDT, UTC, none) set TZ themselves (tests/test_calendar.py).
    monkeypatch.setenv("TZ", "Europe/Berlin")
    # Never the developer's own desktop: a test that wants a compositor starts one
    # (tests/wayland_fixtures.py) and passes its variables explicitly.
    for var in (
        "WAYLAND_DISPLAY",
        "SWAYSOCK",
        "HYPRLAND_INSTANCE_SIGNATURE",
        "XDG_CURRENT_DESKTOP",
        "XDG_SESSION_TYPE",
        "KDE_SESSION_VERSION",
        "OFFSCREEN_BACKEND",
    ):
        monkeypatch.delenv(var, raising=False)
    # The daemon reads logind's LockedHint on the system bus: never the real one (a developer who
    # locks the screen while the suite runs must not turn every daemon test's spans into `locked`).
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-system-bus")
    # Nor its session bus: the daemon follows media players there (issue 15's `watching`), and a
    # video playing on the developer's desktop must not turn a test's idle time into watching.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-session-bus")
    import time

    time.tzset()
    yield home
    time.tzset()


@pytest.fixture
def day_start_far_from_now():
    """A config whose local day starts 12 hours from now: a test that records real time with the
    daemon and then reads `today` must not depend on the hour it runs at (at 03:59 with the default
    04:00 start, its spans would fall in yesterday)."""
    from datetime import datetime

    from tracker import paths

    cfg = paths.resolve().config_file
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(f"[general]\nday_start_hour = {(datetime.now().hour + 12) % 24}\n")
    return cfg


def _offscreen_exe() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


@pytest.fixture
def run(tmp_path):
    """Run the real `offscreen` console script in a subprocess; returns CompletedProcess."""

    def _run(*args, input=None, env=None, check=None, timeout=60):
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        proc = subprocess.run(
            _offscreen_exe() + [str(a) for a in args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check is not None:
            assert proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    return _run


@pytest.fixture
def app(tmp_path):
    """An App pointed at this test's OFFSCREEN_HOME."""
    from tracker.app import App

    return App.create()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test is a failure: CI installs everything the tests need."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI (CI installs everything the tests need): {reason}"


def require(*commands: str) -> None:
    """Skip (locally) or fail (CI) when a system command the test drives is missing."""
    import shutil

    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (make test installs them as root)")
