"""`offscreen dashboard -o` and `--open`: a missing directory is an input error that writes
nothing, and `--open` reports what the opener (xdg-open) really did. The opener is a stand-in
script on PATH; DISPLAY is set so that it is asked at all."""

from __future__ import annotations

import os
import signal
import time

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.commands import dashboard as dashboard_cmd


def test_a_missing_directory_is_an_error_and_nothing_is_made(cli, tmp_path):
    out = tmp_path / "nonexistent" / "dir" / "x.html"
    r = cli("dashboard", "-o", out, check=2)
    assert (r.stdout, r.stderr) == (
        "",
        f"Error: directory {out.parent} does not exist; create it first or write elsewhere\n",
    )
    assert not (tmp_path / "nonexistent").exists()


def fake_opener(tmp_path, body: str) -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\necho "$1" >> {tmp_path}/opened\n{body}\n')
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DISPLAY": ":99", "WAYLAND_DISPLAY": ""}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("exit 0", "Opened {out} in your browser."),
        ("exit 1", "Could not open it: xdg-open exited with status 1; open {out} in a browser yourself."),
        ("exit 4", "Could not open it: xdg-open exited with status 4; open {out} in a browser yourself."),
    ],
)
def test_open_reports_what_the_opener_did(cli, tmp_path, monkeypatch, body, said):
    monkeypatch.setattr(dashboard_cmd, "OPEN_WAIT_S", 30.0)  # an exit is reported at once; never waits this long
    out = tmp_path / "page.html"
    r = cli("dashboard", "-o", out, "--open", check=0, env=fake_opener(tmp_path, body))
    assert r.stdout.splitlines()[-1] == said.format(out=out)
    assert out.exists() and (tmp_path / "opened").read_text() == f"{out}\n"


def test_an_opener_still_busy_is_not_called_a_failure(cli, tmp_path, monkeypatch):
    """Some xdg-open backends run the browser in the foreground: still running means starting."""
    monkeypatch.setattr(dashboard_cmd, "OPEN_WAIT_S", 0.3)
    out = tmp_path / "page.html"
    env = fake_opener(tmp_path, f"echo $$ > {tmp_path}/pid\nexec sleep 60")
    r = cli("dashboard", "-o", out, "--open", check=0, env=env)
    try:
        assert r.stdout.splitlines()[-1] == f"Opening {out} in your browser."
    finally:
        for _ in range(100):  # the stand-in may still be starting on a loaded machine
            if (tmp_path / "pid").exists() and (tmp_path / "pid").read_text().strip():
                break
            time.sleep(0.05)
        os.kill(int((tmp_path / "pid").read_text()), signal.SIGTERM)
