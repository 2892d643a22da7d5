"""tracker.sampling.procs reads /proc itself (no psutil in the daemon): the same answers as psutil."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import psutil

from tracker.sampling.procs import parent_pid, process_info


def _psutil(pid: int) -> tuple[str | None, str | None]:
    """What the psutil version of process_info returned."""
    try:
        proc = psutil.Process(pid)
        name = proc.name()
        try:
            exe = proc.exe() or None
        except (psutil.AccessDenied, psutil.ZombieProcess, OSError):
            exe = None
        return name, exe
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return None, None


def test_every_process_on_the_machine_reads_as_psutil_reads_it():
    pids = psutil.pids()
    assert len(pids) > 5
    for pid in pids:
        ours, theirs = process_info(pid), _psutil(pid)
        if theirs != (None, None) and ours == (None, None) and not psutil.pid_exists(pid):
            continue  # it exited between the two reads
        assert ours == theirs, pid


def test_a_name_longer_than_the_kernels_fifteen_bytes_and_a_deleted_executable(tmp_path):
    exe = tmp_path / "a-very-long-program-name"
    shutil.copy(shutil.which("sleep"), exe)
    p = subprocess.Popen([str(exe), "30"])
    try:
        # Popen returns once the exec has begun; the kernel renames the process a moment later
        # (seen in CI: still "python"). Wait for the name, then: the kernel cut it ...
        with open("/proc/self/comm") as f:
            before_exec = f.read().strip()  # a forked child has its parent's name until exec renames it
        for _ in range(500):
            with open(f"/proc/{p.pid}/comm") as f:
                comm = f.read().strip()
            if comm != before_exec:
                break
            time.sleep(0.01)
        assert comm == "a-very-long-pro"
        assert process_info(p.pid) == ("a-very-long-program-name", str(exe)) == _psutil(p.pid)  # ... we did not
        exe.unlink()  # replaced by an update while it runs: the path, without readlink's mark
        assert process_info(p.pid) == ("a-very-long-program-name", str(exe)) == _psutil(p.pid)
        assert parent_pid(p.pid) == os.getpid()
    finally:
        p.kill()
        p.wait()
    assert process_info(p.pid) == (None, None) == _psutil(p.pid)  # gone and reaped
    assert process_info(None) == process_info(0) == process_info(-1) == (None, None)


def test_our_own_process():
    assert process_info(os.getpid()) == _psutil(os.getpid())
    assert process_info(os.getpid())[1] == os.path.realpath(sys.executable)
