"""The X fixtures under the per-test timeout: a hung X server fails its one test, the run goes on,
and nothing the fixtures started is left running (an inner pytest run with this project's pytest
settings, the timeout method among them, and short per-test timeouts)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, require

INNER = textwrap.dedent("""
    import os
    import time
    from pathlib import Path

    import pytest

    from x11_fixtures import start_x, xserver_nowm  # noqa: F401 (fixture)

    PIDS = Path(os.environ["PIDS_FILE"])


    @pytest.mark.timeout(1)
    def test_xvfb_that_never_reports_its_display(monkeypatch):
        monkeypatch.setenv("PATH", os.environ["HUNG_XVFB_DIR"] + os.pathsep + os.environ["PATH"])
        start_x(wm=False)


    @pytest.mark.timeout(2.5)
    def test_hangs_with_a_live_server(xserver_nowm):
        xserver_nowm.window("HungApp")
        with PIDS.open("a") as fh:
            for p in (xserver_nowm.xvfb, *xserver_nowm.windows):
                fh.write(f"{p.pid}\\n")
        time.sleep(600)


    def test_the_run_goes_on():
        pass
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.x11
def test_a_hung_x_server_fails_one_test_and_is_killed(tmp_path):
    require("Xvfb", "xdotool")
    hung = tmp_path / "bin"
    hung.mkdir()
    pids = tmp_path / "pids"
    (hung / "Xvfb").write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 600\n")  # never writes -displayfd
    (hung / "Xvfb").chmod(0o755)
    (tmp_path / "test_inner.py").write_text(INNER)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), "HUNG_XVFB_DIR": str(hung), "PIDS_FILE": str(pids)}
    env.pop("CI", None)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
    argv += ["--rootdir", str(tmp_path), str(tmp_path / "test_inner.py")]
    r = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=90)
    started = [int(p) for p in pids.read_text().split()] if pids.exists() else []
    try:
        assert r.stdout.splitlines()[-1].startswith("2 failed, 1 passed"), r.stdout
        assert r.stdout.count("Failed: Timeout (>1.0s) from pytest-timeout") == 1, r.stdout
        assert r.stdout.count("Failed: Timeout (>2.5s) from pytest-timeout") == 1, r.stdout
        assert len(started) == 3, started  # the hung Xvfb; the live one and its window
        assert [p for p in started if _alive(p)] == []
    finally:
        for p in started:
            if _alive(p):
                os.kill(p, 9)
