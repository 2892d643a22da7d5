"""The console script ends its process without the interpreter's teardown (issue 14: ~10 ms of
`offscreen log`), but never at the cost of what a normal exit does: atexit callbacks run, output
is complete, exit codes stay, another thread is waited for, and what was logged is in the file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tracker.app import App
from tracker.store import connect


def console(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run tracker.cli.main() as the console script does (no argv given) after CODE."""
    script = (
        textwrap.dedent(code)
        + "\nimport sys\nfrom tracker.cli import main\nsys.argv = ['offscreen', *sys.argv[1:]]\nmain()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60
    )


def test_atexit_callbacks_still_run_and_their_output_arrives():
    r = console("import atexit\natexit.register(lambda: print('callback ran'))", "--version")
    assert (r.returncode, r.stdout) == (0, "offscreen, version 0.1.0\ncallback ran\n"), r.stderr


def test_another_thread_is_waited_for():
    code = """
        import threading, time
        def late():
            time.sleep(0.3)
            print("thread finished", flush=True)
        threading.Thread(target=late).start()
    """
    r = console(code, "--version")
    assert (r.returncode, r.stdout) == (0, "offscreen, version 0.1.0\nthread finished\n"), r.stderr


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (("log", "--with", "Sam", "--for", "1m", "--mode", "walk"), 2, "Error: unknown mode 'walk'"),
        (("nosuchcommand",), 2, "Error: No such command 'nosuchcommand'."),
    ],
)
def test_exit_codes_and_messages_stay(args, code, err):
    r = console("", *args)
    assert r.returncode == code and r.stderr.startswith(err) and len(r.stderr.splitlines()) == 1, r.stderr


def test_what_log_wrote_is_in_the_database_at_once():
    r = console("", "log", "lunch", "--with", "Sam", "--for", "45m", "--at", "2h ago")
    assert r.returncode == 0 and r.stdout.startswith("Logged #1: in-person with Sam"), r.stderr
    app = App.create()
    assert not app.paths.db.with_name(app.paths.db.name + ".wal").exists()  # checkpointed at close
    with connect(app.paths.db) as con:
        assert con.execute("SELECT summary, duration_min FROM interactions").fetchall() == [("lunch", 45.0)]
