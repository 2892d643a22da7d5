"""`offscreen people remove|restore`: a person can be removed (refused while interactions name
them unless the user says what happens to those), vanishes from every list, frees their name,
and comes back with `restore`."""

from __future__ import annotations

import json

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-26T20:00:00+01:00")


def _db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _names(cli) -> list[str]:
    return [p["name"] for p in json.loads(cli("people", "list", "--json", check=0).stdout)]


def _due(cli) -> list[str]:
    return [d["name"] for d in json.loads(cli("people", "due", "--json", check=0).stdout)]


def _interactions(cli) -> list[tuple[str, list[str]]]:
    rows = json.loads(cli("interactions", "list", "--json", check=0).stdout)
    return [(r["summary"], r["people"]) for r in rows]


def _setup(cli):
    cli("people", "add", "Sam", "--tier", "close", "--alias", "Sammy", check=0)
    cli("people", "add", "Alex", "--tier", "close", check=0)
    cli("log", "dinner", "--with", "Sam,Alex", "--at", "yesterday 19:00", "--for", "1h", check=0)
    cli("log", "call", "--with", "Sam", "--mode", "voice", "--at", "2h ago", "--for", "20m", check=0)


def _snapshot(tmp_path):
    with store.connect(_db(tmp_path)) as con:
        return [
            con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("people", "aliases", "interactions", "interaction_people")
        ]


def test_refused_while_interactions_name_them_and_bad_flags_write_nothing(cli, tmp_path):
    _setup(cli)
    before = _snapshot(tmp_path)
    r = cli("people", "remove", "sam", check=2)
    assert r.stderr == (
        "Error: Sam is in 2 interactions; say what happens to them: --keep-interactions (they stay, "
        "without Sam), --with-interactions (deleted too, restorable) or --into OTHER (merge)\n"
    )
    for args, needle in [
        (["Sam", "--keep-interactions", "--with-interactions"], "give one of"),
        (["Sam", "--with-interactions", "--into", "Alex"], "give one of"),
        (["Sam", "--into", "Nobody"], "no person called 'Nobody'"),
        (["Sam", "--into", "sammy"], "Error: "),
        (["Nobody"], "no person called 'Nobody'"),
    ]:
        r = cli("people", "remove", *args, check=2)
        assert r.stderr.startswith("Error: ") and needle in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
    assert cli("people", "restore", "Alex", check=2).stderr == "Error: no removed person called 'Alex'\n"
    assert _snapshot(tmp_path) == before


def test_remove_without_interactions_frees_the_name_and_restore_undoes_it(cli, tmp_path):
    _setup(cli)
    cli("people", "add", "Old colleague", "--tier", "friend", "--alias", "OC", check=0)
    assert "Old colleague" in _due(cli)
    r = cli("people", "remove", "old colleague", "--json", check=0)
    assert json.loads(r.stdout) == {
        "name": "Old colleague",
        "interactions": 0,
        "into": None,
        "undo": 'offscreen people restore "Old colleague"',
        "action": "removed",
    }
    assert _names(cli) == ["Alex", "Sam"]
    assert "Old colleague" not in _due(cli)
    # The name and alias are free: a new person may take them (here, the alias).
    assert cli("people", "add", "OC", check=0).stdout.startswith("Added OC")
    r = cli("people", "restore", "Old colleague", check=0)
    assert r.stdout == "Restored Old colleague\n"
    people = {p["name"]: p for p in json.loads(cli("people", "list", "--json", check=0).stdout)}
    assert sorted(people) == ["Alex", "OC", "Old colleague", "Sam"]
    assert people["Old colleague"]["aliases"] == [] and people["Old colleague"]["tier"] == "friend"
    assert "Old colleague" in _due(cli)


def test_with_interactions_deletes_them_recoverably(cli, tmp_path):
    _setup(cli)
    r = cli("people", "remove", "Sammy", "--with-interactions", check=0)
    assert r.stdout == "Removed Sam and their 2 interactions (undo: offscreen people restore Sam)\n"
    assert _names(cli) == ["Alex"] and _interactions(cli) == []
    assert "Sam" not in _due(cli)
    # Logging with the name now makes a new person, not the removed one.
    cli("log", "walk", "--with", "Sam", "--at", "1h ago", "--for", "30m", check=0)
    assert _interactions(cli) == [("walk", ["Sam"])]
    r = cli("people", "restore", "Sam", check=2)
    assert r.stderr == (
        "Error: 'Sam' is someone else's name now: remove or merge that person first (offscreen people --help)\n"
    )
    cli("people", "add", "Sam Baker", check=0)
    cli("people", "merge", "Sam Baker", "Sam", check=0)  # "Sam" is now an alias of Sam Baker ...
    assert cli("people", "restore", "sammy", check=2).stderr.startswith("Error: 'Sam' is someone else's name")
    cli("people", "rename", "Sam Baker", "Sam B", check=0)
    with store.connect(_db(tmp_path)) as con:  # ... until it is dropped
        con.execute("DELETE FROM aliases WHERE alias_key = 'sam'")
    assert cli("people", "restore", "sammy", check=0).stdout == "Restored Sam with 2 interactions\n"
    assert sorted(_interactions(cli)) == [("call", ["Sam"]), ("dinner", ["Alex", "Sam"]), ("walk", ["Sam B"])]


def test_keep_interactions_leaves_them_without_the_person(cli, tmp_path):
    _setup(cli)
    r = cli("people", "remove", "Sam", "--keep-interactions", check=0)
    assert r.stdout == "Removed Sam; their 2 interactions stay, without them (undo: offscreen people restore Sam)\n"
    assert sorted(_interactions(cli)) == [("call", []), ("dinner", ["Alex"])]
    assert _names(cli) == ["Alex"]


def test_into_merges(cli, tmp_path):
    _setup(cli)
    r = cli("people", "remove", "Sam", "--into", "Alex", check=0)
    assert r.stdout == "Merged Sam into Alex (2 interactions moved)\n"
    assert sorted(_interactions(cli)) == [("call", ["Alex"]), ("dinner", ["Alex"])]


def test_help_has_examples(cli):
    for cmd in ("remove", "restore"):
        out = cli("people", cmd, "--help", check=0).stdout
        assert "Example" in out and f"offscreen people {cmd}" in out


@pytest.mark.parametrize("answer, code", [("n\n", 1), ("y\n", 0)])
def test_keep_interactions_asks_first_at_a_terminal(cli, tmp_path, monkeypatch, answer, code):
    import io

    from tracker.commands import people as commands

    _setup(cli)
    before = _snapshot(tmp_path)
    monkeypatch.setattr(commands, "_at_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    r = cli("people", "remove", "Sam", "--keep-interactions", check=code)
    assert "take them off their interactions?" in r.stdout
    assert (_snapshot(tmp_path) == before) == (code == 1)


def test_removed_people_leave_the_dashboard(cli, tmp_path):
    from datetime import datetime

    from tracker.store import dashboard

    cli("log", "coffee", "--with", "Jo,Kim", "--at", "yesterday 10:00", "--for", "30m", check=0)
    cli("people", "remove", "Jo", "--keep-interactions", check=0)
    with store.connect(_db(tmp_path)) as con:
        people = dashboard.last_contacts_without_cadence(con, datetime(2026, 11, 27))
    assert [p["name"] for p in people] == ["Kim"]
