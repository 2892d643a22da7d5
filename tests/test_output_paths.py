"""Every -o (dashboard, export, backup) names a file in a directory that exists: a typo in the
directory is an error (exit 2) and never leaves new directories behind."""

from __future__ import annotations

import pytest

from inproc import cli  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    "args, name",
    [
        (["dashboard", "-o"], "x.html"),
        (["export", "-o"], "x.json"),
        (["export", "--what", "activity", "-o"], "x.csv"),
        (["backup", "-o"], "x.json.gz"),
    ],
)
def test_a_missing_directory_is_an_error_and_nothing_is_created(cli, tmp_path, args, name):
    target = tmp_path / "no" / "such" / name
    r = cli(*args, target, check=2)
    assert r.stderr == f"Error: directory {target.parent} does not exist; create it first or write elsewhere\n"
    assert not (tmp_path / "no").exists()


def test_a_file_where_the_directory_should_be_is_an_error(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("export", "-o", blocker / "x.json", check=2)
    assert r.stderr == f"Error: directory {blocker} is not a directory; create it first or write elsewhere\n"
