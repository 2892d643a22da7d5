"""In-process runner for the `offscreen` CLI: the same main() as the console script, without the
~0.3 s process start, for the many small CLI assertions. `run` (conftest.py) stays for what needs a
real process: the console script itself, a real pty, signals, daemons, concurrency, and start-up
that reads the environment before main() (pynput connects to $DISPLAY at import, for one)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest

from tracker.cli import main


@contextmanager
def environ(changes: Mapping[str, str] | None) -> Iterator[None]:
    """os.environ with CHANGES on top (like `run`'s env=), restored afterwards; TZ re-read both ways."""
    if not changes:
        yield
        return
    saved = {k: os.environ.get(k) for k in changes}
    os.environ.update({k: str(v) for k, v in changes.items()})
    if "TZ" in changes:
        time.tzset()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if "TZ" in changes:
            time.tzset()


@pytest.fixture
def cli(capsys):
    """cli(*args, check=N, env={...}) -> CompletedProcess-like result of `offscreen ARGS` run in
    this process, with ENV added to the environment for that one call (as `run` does)."""

    def _cli(*args, check=None, env=None):
        capsys.readouterr()
        umask = os.umask(0o022)  # main() tightens the umask; don't leak that into other tests
        os.umask(umask)
        try:
            with environ(env):
                main([str(a) for a in args])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            os.umask(umask)
        out, err = capsys.readouterr()
        res = subprocess.CompletedProcess(list(args), code, out, err)
        if check is not None:
            assert code == check, (code, out, err)
        return res

    return _cli
