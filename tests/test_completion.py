"""Shell completion through click's real protocol: the console script run with _OFFSCREEN_COMPLETE,
COMP_WORDS and COMP_CWORD, as the bash script `_OFFSCREEN_COMPLETE=bash_source offscreen` installs."""

from __future__ import annotations

import os
from pathlib import Path

from inproc import cli  # noqa: F401 (fixture)


def complete(run, line: str, env=None) -> list[str]:
    """The values bash would offer for LINE (the word after its last space is being completed)."""
    words = line.split(" ")
    r = run(
        env={
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
            "_OFFSCREEN_COMPLETE": "bash_complete",
            **(env or {}),
        },
        check=0,
    )
    assert r.stderr == ""
    return [item.split(",", 1)[1] for item in r.stdout.splitlines() if item]


def test_modes_and_tiers_complete(run):
    assert complete(run, "offscreen log --mode v") == ["video", "voice"]
    assert complete(run, "offscreen interactions list --mode ") == ["in-person", "video", "voice", "text"]
    assert complete(run, "offscreen people add Jo --tier c") == ["close"]


def test_people_and_routines_complete_from_the_database(run, cli):
    cli("log", "--with", "Sam Lee,Priya", "--for", "1h", check=0)
    cli("people", "alias", "Sam Lee", "Sammy", check=0)
    cli("routine", "add", "Call mum", "--every", "2w", "--with", "Priya", check=0)
    cli("routine", "add", "Climbing", "--every", "week", "--with", "Sam Lee", check=0)
    assert complete(run, "offscreen log --with s") == ["Sam Lee", "Sammy"]
    assert complete(run, "offscreen log --with Priya,sa") == ["Priya,Sam Lee", "Priya,Sammy"]
    assert complete(run, "offscreen people show p") == ["Priya"]
    assert complete(run, "offscreen routine show c") == ["Call mum", "Climbing"]
    assert complete(run, "offscreen log --routine Cl") == ["Climbing"]


def test_completion_is_quiet_and_creates_nothing_without_a_database(run, tmp_path):
    home = os.environ["OFFSCREEN_HOME"]
    assert complete(run, "offscreen log --with s") == []
    assert not list(Path(home).rglob("*.duckdb"))  # no database made by a TAB
    # An unreadable --db is no candidates, not a traceback.
    (tmp_path / "junk.duckdb").write_text("not a database")
    assert complete(run, f"offscreen --db {tmp_path / 'junk.duckdb'} people show ") == []
