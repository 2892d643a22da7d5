"""The locker-process lock heuristic (tracker/sampling/lockers.py) against real processes."""

from __future__ import annotations

import os
import shutil
import subprocess

from tracker.sampling.lockers import CHECK_EVERY, LockerWatch


def _fake_locker(tmp_path, name="swaylock"):
    exe = tmp_path / name  # a real process whose comm is the locker's name
    shutil.copy("/bin/sleep", exe)
    return subprocess.Popen([str(exe), "60"])


def test_a_running_locker_of_this_user_means_locked(tmp_path):
    watch = LockerWatch()
    assert watch.locked(0.0) is False
    proc = _fake_locker(tmp_path)
    try:
        assert watch.locked(0.5) is False  # asked again too soon: the cached answer
        assert watch.locked(CHECK_EVERY) is True
        assert LockerWatch(uid=os.getuid() + 12345).locked(0.0) is False  # another user's locker
    finally:
        proc.kill()
        proc.wait()
    assert watch.locked(2 * CHECK_EVERY) is False


def test_other_processes_and_a_missing_proc_are_not_a_lock(tmp_path):
    proc = _fake_locker(tmp_path, "swaylockd")
    try:
        assert LockerWatch().locked(0.0) is False
    finally:
        proc.kill()
        proc.wait()
    assert LockerWatch(proc=str(tmp_path / "nowhere")).locked(0.0) is False
