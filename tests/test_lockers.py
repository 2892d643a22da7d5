"""The locker-process lock heuristic (tracker/sampling/lockers.py) against real processes.

Every watch here is scoped to a socket path of this test's own (a locker counts only for the
session whose compositor it talks to), so lockers other tests start at the same time are not seen."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from tracker.sampling.lockers import CHECK_EVERY, LockerWatch


def _fake_locker(tmp_path, name="swaylock", display="wayland-test"):
    exe = tmp_path / name  # a real process whose comm is the locker's name
    shutil.copy("/bin/sleep", exe)
    env = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": str(tmp_path), "WAYLAND_DISPLAY": display}
    proc = subprocess.Popen([str(exe), "60"], env=env)
    _until_named(proc, name)
    return proc


def _until_named(proc, name):
    """Popen returns when the exec has begun; the kernel names the process a moment later."""
    for _ in range(500):
        with open(f"/proc/{proc.pid}/comm") as fh:
            if fh.read().strip() == name:
                return
        time.sleep(0.01)
    raise AssertionError(f"process {proc.pid} never became {name}")


def test_a_running_locker_of_this_session_means_locked(tmp_path):
    watch = LockerWatch(socket=str(tmp_path / "wayland-test"))
    assert watch.locked(0.0) is False
    proc = _fake_locker(tmp_path)
    try:
        assert watch.locked(0.5) is False  # asked again too soon: the cached answer
        assert watch.locked(CHECK_EVERY) is True
        other_user = LockerWatch(socket=str(tmp_path / "wayland-test"), uid=os.getuid() + 12345)
        assert other_user.locked(0.0) is False
        assert LockerWatch(socket=str(tmp_path / "wayland-other")).locked(0.0) is False  # another session
    finally:
        proc.kill()
        proc.wait()
    assert watch.locked(2 * CHECK_EVERY) is False


def test_other_processes_and_a_missing_proc_are_not_a_lock(tmp_path):
    proc = _fake_locker(tmp_path, "swaylockd")
    try:
        assert LockerWatch(socket=str(tmp_path / "wayland-test")).locked(0.0) is False
    finally:
        proc.kill()
        proc.wait()
    assert LockerWatch(proc=str(tmp_path / "nowhere")).locked(0.0) is False


def test_a_process_seen_before_its_exec_is_looked_at_again(tmp_path):
    """Between fork and exec a locker still has its parent's name: the next listing looks again."""
    exe = tmp_path / "swaylock"
    shutil.copy("/bin/sleep", exe)
    env = {"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": str(tmp_path), "WAYLAND_DISPLAY": "wayland-test"}
    # A shell that waits for a line, then execs the locker: seen first as "sh", later as swaylock.
    proc = subprocess.Popen(["sh", "-c", f'read x; exec "{exe}" 60'], env=env, stdin=subprocess.PIPE)
    try:
        watch = LockerWatch(socket=str(tmp_path / "wayland-test"))
        assert watch.locked(0.0) is False  # the shell, not yet a locker
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        _until_named(proc, "swaylock")
        assert watch.locked(CHECK_EVERY) is True
    finally:
        proc.kill()
        proc.wait()


def test_a_look_a_little_early_is_taken_when_the_daemon_is_awake_anyway(tmp_path):
    # The heartbeat wakes the daemon every 2 s while you are active: a locker look due a moment
    # after it rides on that wake instead of waking the daemon again (issue 14: wakeups on sway).
    from tracker.sampling.lockers import CHECK_SLACK

    watch = LockerWatch(socket=str(tmp_path / "wayland-test"))
    assert watch.locked(0.0) is False
    proc = _fake_locker(tmp_path)
    try:
        assert watch.locked(CHECK_EVERY - CHECK_SLACK - 0.1) is False  # too soon: the cached answer
        assert watch.locked(CHECK_EVERY - CHECK_SLACK + 0.1) is True  # awake anyway: looked
    finally:
        proc.kill()
        proc.wait()
