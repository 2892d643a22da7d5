"""User mistakes end in one `Error:` line that names the file or the fix, never a traceback or an
"internal error", and write nothing."""

from __future__ import annotations

import pytest

from inproc import cli  # noqa: F401 (fixture)


def test_unknown_command_is_one_line_exit_2(cli):
    r = cli("frobnicate", check=2)
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["missing.txt", "missing.csv"])
def test_import_missing_file_says_so_before_the_format(cli, tmp_path, name):
    f = tmp_path / name
    r = cli("import", f, check=2)
    assert (r.stdout, r.stderr) == ("", f"Error: {f}: no such file\n")
    assert not (tmp_path / "offscreen" / "data" / "offscreen.duckdb").exists()


def test_import_existing_file_of_unknown_format_still_asks_for_format(cli, tmp_path):
    f = tmp_path / "diary.txt"
    f.write_text("happened_at,duration_min,mode,people\n")
    r = cli("import", f, check=2)
    assert r.stderr == f"Error: cannot tell the format of {f} from its name; add --format json or --format csv\n"


def test_an_unusable_output_path_is_one_error_line_naming_it_not_an_internal_error(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for args, target in (
        (["export", "-o", blocker / "x.json"], blocker / "x.json"),
        (["dashboard", "-o", blocker / "x.html"], blocker / "x.html"),
    ):
        r = cli(*args, check=2)
        assert r.stderr == f"Error: directory {target.parent} is not a directory; create it first or write elsewhere\n"
        assert r.stdout == ""
    r = cli("people", "list", env={"OFFSCREEN_HOME": str(blocker / "home")}, check=1)
    assert r.stderr.startswith(f"Error: {blocker / 'home'}") and "internal error" not in r.stderr


def test_a_file_that_is_not_a_database_fails_with_a_remedy(cli, tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello\n")
    r = cli("--db", bogus, "people", "list", check=1)
    assert r.stderr.startswith(f"Error: cannot open database {bogus}: ")
    assert r.stderr.endswith(
        "; check the path (--db, OFFSCREEN_DB, OFFSCREEN_HOME), or move that file away to start a new database "
        "and bring your latest backup back into it: offscreen restore BACKUP-FILE\n"
    )
    assert bogus.read_text() == "hello\n"


def test_weekday_times_are_named_in_the_error_and_the_help(cli):
    r = cli("log", "t", "--with", "Jo", "--for", "10m", "--at", "last friday", check=2)
    assert "'fri HH:MM'" in r.stderr and r.stderr.count("\n") == 1
    assert "'fri HH:MM'" in " ".join(cli("log", "--help", check=0).stdout.split())
