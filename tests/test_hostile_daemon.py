"""The daemon against hostile numbers and a disk that stops taking writes (issue 17)."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import threading

import pytest

from conftest import _offscreen_exe
from tracker import paths
from x11_fixtures import wait_for

BAD = ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "0", "-1", "١", "1_0", ""]


@pytest.mark.parametrize("option", ["--interval", "--idle-after"])
@pytest.mark.parametrize("value", BAD)
def test_daemon_refuses_seconds_that_are_not_finite_and_in_range(run, option, value, tmp_path):
    # A subprocess with a timeout: a value let through starts a daemon that never returns
    # (`--interval nan` busy-looped at 65 % CPU).
    r = run("daemon", option, value, timeout=20)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith(f"Error: Invalid value for '{option}': ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "offscreen" / "state" / "daemon.json").exists()  # nothing started


@pytest.mark.parametrize("key", ["interval", "idle_after"])
@pytest.mark.parametrize("value", ["nan", "+nan", "inf", "-inf", "0"])
def test_daemon_refuses_such_numbers_in_the_config_file(run, key, value, tmp_path):
    cfg = tmp_path / "offscreen" / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(f"[daemon]\n{key} = {value}\n")
    r = run("daemon", timeout=20)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith(f"Error: {cfg}: daemon.{key}: must be ") and r.stderr.count("\n") == 1, r.stderr


class Daemon:
    """`offscreen daemon` with its log on a pipe (a pipe has no file size limit), read by a thread."""

    def __init__(self, env: dict, *args):
        self.p = subprocess.Popen(
            [*_offscreen_exe(), "daemon", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.p.stderr), daemon=True)
        self.reader.start()
        self.status_file = paths.resolve(env=env).daemon_status

    def status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def saying(self, text: str) -> list[str]:
        return [ln for ln in list(self.lines) if text in ln]


def test_a_full_disk_is_logged_once_and_the_spans_are_queued_when_it_has_room(tmp_path, run):
    """A file size limit (RLIMIT_FSIZE binds root too, unlike file modes) makes every write that
    would grow the queue fail, as on a full disk: one error line, not one per sample (160 lines in
    13 s before), sampling goes on, and once writes work again the spans kept in memory are queued."""
    script = tmp_path / "script.json"
    script.write_text(json.dumps([[i * 0.2, "term", f"t{i}"] for i in range(3000)]))
    env = {**os.environ, "OFFSCREEN_FAKE_SCRIPT": str(script)}
    queue = paths.resolve(env=env).queue_file
    d = Daemon(env, "--interval", "0.1", "--idle-after", "600")
    try:
        wait_for(lambda: d.status().get("state") == "active", what="the daemon sampling")
        wait_for(lambda: queue.with_name(queue.name + "-wal").exists(), what="the queue's log")
        wal = queue.with_name(queue.name + "-wal")
        # From now on nothing written to a file may pass its current size (the status file, a few
        # hundred bytes rewritten by rename, stays below it).
        limit = max(queue.stat().st_size, wal.stat().st_size)
        queued = len(queued_titles(queue))
        resource.prlimit(d.p.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        wait_for(lambda: d.saying("cannot write the queue"), what="the queue error in the log")
        seen = set()  # the status file's last sample time, to the second: 3 more seconds of samples and switches
        wait_for(lambda: seen.add(d.status().get("last_sample_at")) or len(seen) > 4, what="more samples")
        failures = d.saying("cannot write the queue")
        assert len(failures) == len(set(failures)), failures  # each distinct failure once (within a minute)
        assert 1 <= len(failures) <= 2, failures
        assert "kept in memory" in failures[0] and str(queue) in failures[0]
        resource.prlimit(d.p.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        wait_for(lambda: d.saying("the queue accepts spans again"), what="the queue working again")
        d.p.send_signal(signal.SIGTERM)
        assert d.p.wait(30) == 0
    finally:
        if d.p.poll() is None:
            d.p.kill()
            d.p.wait()
    d.reader.join(10)
    r = run("export", "--what", "activity", "--format", "json", timeout=60)
    assert r.returncode == 0, r.stderr
    spans = json.loads(r.stdout)
    titles = [s["title"] for s in spans]
    # One span per title, none lost while the disk was full: t0, t1, ... without a hole, and more
    # of them than had been queued when the writes began to fail.
    assert titles == [f"t{i}" for i in range(len(titles))], titles
    assert len(titles) >= queued + 5, (queued, titles)


def queued_titles(queue) -> list[str]:
    con = sqlite3.connect(f"file:{queue}?mode=ro", uri=True, timeout=5)
    try:
        return [r[0] for r in con.execute("SELECT title FROM spans")]
    finally:
        con.close()
