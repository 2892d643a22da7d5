"""tracker/daemon/lock.py: one daemon per home, and "is it running" asked of the kernel, with
real processes holding the real lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.daemon import lock
from tracker.errors import RuntimeFailure

HOLDER = """
import sys
from pathlib import Path
from tracker.daemon import lock
fd = lock.acquire(Path(sys.argv[1]))
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def holder_process():
    procs = []

    def start(path: Path) -> subprocess.Popen:
        p = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert p.stdout.readline().strip() == "locked"
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


@pytest.mark.parametrize("proc_locks", ["/proc/locks", "/nonexistent/locks"], ids=["proc-locks", "flock-probe"])
def test_holder_follows_the_kernel_not_the_pid_file(tmp_path, holder_process, proc_locks):
    path = tmp_path / "state" / "daemon.lock"
    assert lock.holder(path, Path(proc_locks)) is None  # no file
    p = holder_process(path)
    assert path.read_text() == f"{p.pid}\n"
    assert lock.holder(path, Path(proc_locks)) == p.pid
    p.kill()  # SIGKILL: no release, the PID stays in the file
    p.wait(timeout=10)
    assert path.read_text() == f"{p.pid}\n"
    assert lock.holder(path, Path(proc_locks)) is None


def test_a_second_acquire_names_the_first_and_release_frees_the_lock(tmp_path, holder_process):
    path = tmp_path / "daemon.lock"
    p = holder_process(path)
    with pytest.raises(RuntimeFailure) as e:
        lock.acquire(path)
    assert str(e.value).startswith(f"offscreen daemon already running (PID {p.pid}); one runs per OFFSCREEN_HOME")
    p.stdin.close()  # the holder exits normally
    p.wait(timeout=10)
    fd = lock.acquire(path)
    assert lock.holder(path) == os.getpid()
    assert path.read_text() == f"{os.getpid()}\n"
    lock.release(fd)
    assert lock.holder(path) is None
    assert path.read_text() == ""


def test_holder_ignores_other_files_locks(tmp_path, holder_process):
    holder_process(tmp_path / "other.lock")
    mine = tmp_path / "daemon.lock"
    mine.write_text("12345\n")  # a stale PID from a daemon long gone
    assert lock.holder(mine) is None
