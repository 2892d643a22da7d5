"""In-process runner for the `offscreen` CLI: the same main() as the console script, without the
~0.3 s process start, for the many small CLI assertions. End-to-end tests still use `run`."""

from __future__ import annotations

import os
import subprocess

import pytest

from tracker.cli import main


@pytest.fixture
def cli(capsys):
    """cli(*args, check=N) -> CompletedProcess-like result of `offscreen ARGS` run in this process."""

    def _cli(*args, check=None):
        capsys.readouterr()
        umask = os.umask(0o022)  # main() tightens the umask; don't leak that into other tests
        os.umask(umask)
        try:
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
