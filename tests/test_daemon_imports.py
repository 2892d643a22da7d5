"""The lean daemon entry (issue 14): `python -m tracker.daemon`, exec'd in place by `offscreen daemon`,
and what a real daemon on a real X server holds in memory."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.daemon import args
from x11_fixtures import wait_for, xserver  # noqa: F401 (fixture)

# Each costs the daemon memory it never uses (inspect, ast and dis come with dataclasses).
FORBIDDEN = (
    "click",
    "psutil",
    "dataclasses",
    "inspect",
    "ast",
    "dis",
    "tokenize",
    "uuid",
    "tempfile",
    "subprocess",
    "hashlib",
    "platform",
)
# python-xlib loads the extension modules listed in Xlib.ext.__extensions__ when a display opens;
# the daemon uses MIT-SCREEN-SAVER only (ge, the Generic Event Extension, python-xlib always imports).
XLIB_EXT = {"Xlib.ext.ge", "Xlib.ext.screensaver"}

# The real daemon, recording at its exit every module it loaded and which module imported it first.
WRAPPER = """\
import atexit, json, runpy, sys
out = sys.argv.pop(1)
first = {}

class Who:
    def find_spec(self, name, path=None, target=None):
        if name not in first and name not in sys.modules:
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename.startswith(("<frozen", "<")):
                f = f.f_back
            first[name] = f.f_globals.get("__name__", "?") if f is not None else "?"
        return None

sys.meta_path.insert(0, Who())
atexit.register(lambda: json.dump({m: first.get(m, "") for m in sys.modules}, open(out, "w")))
runpy.run_module("tracker.daemon", run_name="__main__", alter_sys=True)
"""


def _env(base: dict, home: Path) -> dict:
    env = {**base, "OFFSCREEN_HOME": str(home)}
    # Coverage measuring the child would load its own modules (dataclasses, inspect, ...) there.
    for var in ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG", "JOURNAL_STREAM", "NOTIFY_SOCKET"):
        env.pop(var, None)
    return env


def _status(home: Path) -> dict:
    try:
        return json.loads((home / "state" / "daemon.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _queued_apps(home: Path) -> set:
    try:
        con = sqlite3.connect(f"file:{home / 'state' / 'queue.sqlite3'}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return set()
    try:
        return {app for (app,) in con.execute("SELECT app FROM spans")}
    except sqlite3.OperationalError:  # no queue yet
        return set()
    finally:
        con.close()


def test_a_daemon_recording_on_x11_loads_none_of_the_modules_it_does_not_need(xserver, tmp_path):
    home, out = tmp_path / "offscreen", tmp_path / "modules.json"
    xserver.activate(xserver.window("AlphaApp", "a document"))
    p = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, str(out), "--interval", "0.2", "--idle-after", "60"],
        env=_env(xserver.env, home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        st = wait_for(
            lambda: (s := _status(home)).get("pid") == p.pid and s.get("state") == "active" and s,
            timeout=20,
            what="the daemon recording",
        )
        assert st["backend"].startswith("x11")
        xserver.activate(xserver.window("BetaApp", "a page"))  # events through the loop, not only its start
        wait_for(lambda: "BetaApp" in _queued_apps(home), what="the second window in the queue")
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    loaded = json.loads(out.read_text())
    assert "tracker.sampling.x11" in loaded and "tracker.daemon.loop" in loaded  # it did record
    bad = {m: loaded[m] for m in FORBIDDEN if m in loaded}
    assert not bad, "loaded (module: first imported by): " + ", ".join(f"{m}: {who}" for m, who in bad.items())
    assert {m for m in loaded if m.startswith("Xlib.ext.")} <= XLIB_EXT
    assert not [m for m in loaded if m.startswith(("tracker.app", "tracker.cli", "tracker.commands", "tracker.store"))]


@pytest.fixture
def fake_env(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[0, "AlphaApp", "alpha doc"], [0.4, "BetaApp", "beta page"]]))
    return _env({**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script)}, tmp_path / "offscreen")


def test_offscreen_daemon_execs_the_lean_entry_in_place_and_never_imports_from_its_directory(fake_env, tmp_path):
    """The same PID (systemd and the tests signal it) runs `-m tracker.daemon`; the unit's working
    directory is $HOME, and a json.py there must not replace the standard library in the daemon."""
    exe = Path(sys.executable).with_name("offscreen")
    assert exe.exists(), "the console script (make .venv/stamp installs it)"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "json.py").write_text(
        "import os\nopen(os.path.join(os.path.dirname(__file__), 'imported-by'), 'a').write(f'{os.getpid()}\\n')\n"
        "raise ImportError('json.py from the working directory')\n"
    )
    p = subprocess.Popen(
        [str(exe), "daemon", "--interval", "0.1"],
        env=fake_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    home = Path(fake_env["OFFSCREEN_HOME"])
    try:
        wait_for(lambda: _status(home).get("pid") == p.pid and _status(home).get("state") == "active", timeout=20)
        cmdline = Path(f"/proc/{p.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[cmdline.index(b"-m") + 1] == b"tracker.daemon" and b"-P" in cmdline
        assert cmdline[cmdline.index(b"--interval") + 1] == b"0.1"
        assert cmdline[cmdline.index(b"--db") + 1] == str(home / "data" / "offscreen.duckdb").encode()
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    marker = cwd / "imported-by"
    assert str(p.pid) not in (marker.read_text().split() if marker.exists() else [])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--interval", "nan"], "Invalid value for '--interval': 'nan' is not a valid number (digits 0-9, one point)"),
        (["--idle-after", "0"], "Invalid value for '--idle-after': '0' is not in the range 1 to 86400"),
        (["--interval=٣"], "Invalid value for '--interval': '٣' is not a valid number (digits 0-9, one point)"),
        (["--interval"], "Option '--interval' requires an argument."),
        (["--verbose"], "No such option: --verbose"),
        (["now"], "Got unexpected extra argument (now)"),
    ],
)
def test_bad_flags_are_refused_in_one_line_in_click_s_words(fake_env, argv, message):
    r = subprocess.run(
        [sys.executable, "-m", "tracker.daemon", *argv], env=fake_env, capture_output=True, text=True, timeout=30
    )
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"Error: {message} (see 'python -m tracker.daemon --help')\n"
    assert not Path(fake_env["OFFSCREEN_HOME"], "state").exists()  # nothing started


def test_a_bad_configuration_reads_the_same_from_both_entries(fake_env):
    cfg = Path(fake_env["OFFSCREEN_HOME"], "config", "config.toml")
    cfg.parent.mkdir(parents=True)
    cfg.write_text("[daemon]\ninterval = nan\n")
    exe = str(Path(sys.executable).with_name("offscreen"))
    lean, cli = (
        subprocess.run(argv, env=fake_env, capture_output=True, text=True, timeout=30)
        for argv in ([sys.executable, "-m", "tracker.daemon"], [exe, "daemon"])
    )
    assert lean.stderr == cli.stderr == f"Error: {cfg}: daemon.interval: must be from 0.1 to 60, got nan\n"
    assert lean.returncode == cli.returncode == 2
    assert not (cfg.parent.parent / "state").exists()


def test_help_exits_0_and_names_every_flag():
    r = subprocess.run([sys.executable, "-m", "tracker.daemon", "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stderr == ""
    assert all(flag in r.stdout for flag in ("--db PATH", "--interval SECONDS", "--idle-after SECONDS"))


@pytest.mark.parametrize(("interval", "idle_after"), [(0.05, 1.0), (0.1, 180.0), (59.999999999999, 86400.0), (60, 1.5)])
def test_the_flags_offscreen_daemon_passes_read_back_as_the_same_numbers(interval, idle_after):
    assert args.parse(args.argv("/x/db", interval, idle_after)) == args.Args("/x/db", interval, idle_after)
    assert args.parse(args.argv(None, None, None)) == args.Args()


def test_a_number_with_more_decimals_than_a_flag_takes_is_passed_to_15():
    parsed = args.parse(args.argv(None, 1 / 3, 1e-05 + 1)).interval
    assert parsed == 0.333333333333333 and args.argv(None, None, 1e-05 + 1) == ["--idle-after", "1.00001"]
