"""One atomic write (tracker/paths.py atomic_write) for every file offscreen keeps, and errors
that name the file a person can act on, never the temp file."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import paths


def test_config_init_under_a_config_that_is_a_file_names_the_config_file(cli, tmp_path, monkeypatch):
    home = tmp_path / "home-with-a-file"
    home.mkdir()
    (home / "config").write_text("not a directory")
    monkeypatch.setenv("OFFSCREEN_HOME", str(home))
    r = cli("config", "init")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"Error: {home}/config/config.toml: Not a directory; check the path and its permissions\n"
    assert sorted(p.name for p in home.iterdir()) == ["config"]
    assert (home / "config").read_text() == "not a directory"


def test_an_error_names_the_target_and_leaves_no_temp_file(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    blocker = here / "blocker"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError) as e:
        paths.atomic_write(blocker / "out.txt", "data")
    assert (e.value.errno, e.value.filename) == (errno.ENOTDIR, str(blocker / "out.txt"))

    target = here / "a-directory"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as e:
        paths.atomic_write(target, "data")
    assert e.value.filename == str(target)
    assert sorted(p.name for p in here.iterdir()) == ["a-directory", "blocker"]  # the temp file is gone


def test_atomic_write_replaces_whole_files_with_the_mode_asked(tmp_path):
    target = tmp_path / "new" / "file.txt"
    paths.atomic_write(target, "one")
    paths.atomic_write(target, b"two", mode=0o644)
    assert target.read_text() == "two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert os.listdir(target.parent) == ["file.txt"]


def test_service_install_writes_the_unit_with_atomic_write(tmp_path):
    from tracker.ops import service

    env = {"HOME": str(tmp_path / "home"), "PATH": "/nonexistent"}  # no systemctl: it prints the commands
    where = paths.resolve(env={**env, "OFFSCREEN_HOME": str(tmp_path / "o")})
    target = service.unit_path(env)
    target.parent.parent.mkdir(parents=True)
    target.parent.write_text("a file where systemd/user should be")
    with pytest.raises(NotADirectoryError) as e:
        service.install(where, env=env, exec_start=["offscreen"])
    assert e.value.filename == str(target)
    target.parent.unlink()
    assert service.install(where, env=env, exec_start=["offscreen"]).todo
    assert target.read_text().startswith("# Written by `offscreen service install`")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # systemd reads it; nothing secret in it
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700  # created like every directory offscreen makes
    assert os.listdir(target.parent) == ["offscreen.service"]
