"""`offscreen people ...` against a real database file, plus the store functions behind it."""

from __future__ import annotations

import json

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.errors import UserError
from tracker.store import people as store_p


def _db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _people(cli) -> dict[str, dict]:
    return {p["name"]: p for p in json.loads(cli("people", "list", "--json", check=0).stdout)}


def _log(cli, who, at, dur="1h", *extra):
    return cli("log", "--with", who, "--at", at, "--for", dur, *extra, check=0)


def test_add_with_tier_kin_cadence_stores_the_columns(cli, tmp_path):
    r = cli(
        "people",
        "add",
        "Mum",
        "--tier",
        "inner",
        "--kin",
        "--every",
        "7",
        "--max",
        "14",
        "--counts",
        "any",
        "--note",
        "calls on Sundays",
        "--alias",
        "Mom",
        check=0,
    )
    assert r.stdout == "Added Mum (#1)\n"
    cli("people", "add", "Jo", "--counts", "in-person", check=0)
    with store.connect(_db(tmp_path)) as con:
        rows = con.execute(
            "SELECT name, tier, kin, every_days, max_days, cadence_modes, note FROM people ORDER BY id"
        ).fetchall()
    assert rows == [
        ("Mum", "inner", True, 7, 14, "in-person,video,voice,text", "calls on Sundays"),
        ("Jo", None, False, None, None, "in-person", None),
    ]
    p = _people(cli)["Mum"]
    assert (p["aliases"], p["tier"], p["kin"], p["counts"], p["interactions"]) == (["Mom"], "inner", True, "any", 0)


@pytest.mark.parametrize(
    "args, message",
    [
        (["people", "add", "mum"], "Error: 'mum' already exists; use 'offscreen people edit' to change them\n"),
        (["people", "add", "mom"], "Error: 'mom' already exists; use 'offscreen people edit' to change them\n"),
        (
            ["people", "add", "Dad", "--every", "30", "--max", "7"],
            "Error: --every (30 days) must not be more than --max (7 days)\n",
        ),
        (["people", "add", "Dad", "--every", "0"], "Error: --every must be a number of days from 1 to 3650, got 0\n"),
        (["people", "add", "  "], "Error: empty name; give a person's name, e.g. --with Sam\n"),
        (["people", "show", "Nobody"], "Error: no person called 'Nobody'; see 'offscreen people list'\n"),
        (["people", "edit", "Mum"], "Error: nothing to change; give at least one option (see --help)\n"),
        (
            ["people", "edit", "Mum", "--every", "30"],
            "Error: --every (30 days) must not be more than --max (14 days)\n",
        ),
    ],
)
def test_people_errors_are_exit_2_one_line(cli, tmp_path, args, message):
    cli("people", "add", "Mum", "--every", "7", "--max", "14", "--alias", "Mom", check=0)
    with store.connect(_db(tmp_path)) as con:
        before = con.execute("SELECT * FROM people ORDER BY id").fetchall()
    r = cli(*args, check=2)
    assert r.stderr == message
    with store.connect(_db(tmp_path)) as con:
        assert con.execute("SELECT * FROM people ORDER BY id").fetchall() == before


def test_edit_changes_only_given_fields_and_can_clear(cli):
    cli("people", "add", "Sam", "--tier", "close", "--every", "14", "--max", "30", "--note", "n", check=0)
    cli("people", "edit", "sam", "--kin", "--max", "60", check=0)
    p = _people(cli)["Sam"]
    assert (p["tier"], p["kin"], p["every_days"], p["max_days"], p["note"]) == ("close", True, 14, 60, "n")
    cli("people", "edit", "Sam", "--tier", "none", "--every", "0", "--no-kin", "--note", "", check=0)
    p = _people(cli)["Sam"]
    assert (p["tier"], p["kin"], p["every_days"], p["max_days"], p["note"]) == (None, False, None, 60, None)


def test_rename_keeps_old_name_as_alias(cli):
    _log(cli, "Sam", "2025-11-20 10:00")
    assert cli("people", "rename", "sam", "Samantha Lee", check=0).stdout == "Renamed Sam to Samantha Lee\n"
    p = _people(cli)["Samantha Lee"]
    assert p["aliases"] == ["Sam"] and p["interactions"] == 1
    # The old name still finds her; a later log adds to the same person.
    _log(cli, "SAM", "2025-11-21 10:00")
    assert _people(cli)["Samantha Lee"]["interactions"] == 2
    items = json.loads(cli("interactions", "list", "--json", check=0).stdout)
    assert [i["people"] for i in items] == [["Samantha Lee"], ["Samantha Lee"]]
    # Renaming onto another person's name is refused.
    _log(cli, "Jo", "2025-11-22 10:00")
    assert cli("people", "rename", "Jo", "sam", check=2).stderr.startswith("Error: 'sam' already names someone else")


def test_merge_moves_interactions_and_aliases_and_name(cli, tmp_path):
    _log(cli, "Sam Lee", "2025-11-20 10:00", "1h")
    _log(cli, "Sammy", "2025-11-21 10:00", "30m")
    _log(cli, "Sammy, Sam Lee, Jo", "2025-11-22 10:00", "2h")  # both: must not double-link
    cli("people", "alias", "Sammy", "S.", check=0)
    r = cli("people", "merge", "sam lee", "sammy", check=0)
    assert r.stdout == "Merged Sammy into Sam Lee (2 interactions moved)\n"
    people = _people(cli)
    assert sorted(people) == ["Jo", "Sam Lee"]
    sam = people["Sam Lee"]
    assert sam["aliases"] == ["S.", "Sammy"] and sam["interactions"] == 3
    assert sam["in_person_hours"] == 3.5
    items = json.loads(cli("interactions", "list", "--json", check=0).stdout)
    assert [i["people"] for i in items] == [["Sam Lee"], ["Sam Lee"], ["Jo", "Sam Lee"]]
    with store.connect(_db(tmp_path)) as con:
        assert con.execute("SELECT count(*) FROM interaction_people").fetchone() == (4,)
    assert cli("people", "show", "SAMMY", "--json", check=0).stdout.count('"name": "Sam Lee"') == 1


def test_merge_is_all_or_nothing(tmp_path):
    db = tmp_path / "m.duckdb"
    with store.connect(db) as con:
        a = store_p.create(con, "A")
        b = store_p.create(con, "B")
        store_p.add_alias(con, b, "Bee")
        con.execute("INSERT INTO interaction_people VALUES (1, ?)", [b])
        snapshot = [
            con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("people", "aliases", "interaction_people")
        ]
        with pytest.raises(RuntimeError), store.transaction(con):
            store_p.merge(con, a, b)
            raise RuntimeError("crash half-way")
        assert [
            con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("people", "aliases", "interaction_people")
        ] == snapshot
        with pytest.raises(UserError):
            store_p.merge(con, a, a)


def test_alias_conflicts_and_show(cli):
    cli("people", "add", "Sam", check=0)
    cli("people", "add", "Jo", check=0)
    assert cli("people", "alias", "Sam", "SAM", check=0).stdout == (
        "Sam has no other names ('Sam' already matches in any case)\n"
    )
    assert cli("people", "alias", "Sam", "Sammy", "S", check=0).stdout == "Sam is also: S, Sammy\n"
    r = cli("people", "alias", "Jo", "sammy", check=2)
    assert r.stderr == "Error: 'sammy' already names someone else; merge them with 'offscreen people merge'\n"
    _log(cli, "s", "2025-11-20 18:00", "2h", "--mode", "video")
    out = cli("people", "show", "sammy", check=0).stdout
    assert out.splitlines()[0] == "Sam (#1)"
    assert "  interactions:    1" in out and "#1 2025-11-20 18:00 video 2h00m" in out


def test_people_list_table(cli):
    cli("people", "add", "Mum", "--tier", "inner", "--kin", check=0)
    _log(cli, "Mum", "2025-11-20 18:00", "1h30m")
    _log(cli, "bob", "2025-11-19 18:00", "20m", "--mode", "text")
    assert cli("people", "list", check=0).stdout == (
        "NAME  TIER   KIN  TIMES  LAST SEEN   IN PERSON  ALIASES\n"
        "bob               1\n"
        "Mum   inner  yes  1      2025-11-20  1h30m\n"
    )


def test_one_name_key_finds_people_whatever_the_case_folding(cli):
    # "ß" lower-cases to itself but case-folds to "ss": every lookup must use the same key.
    cli("people", "add", "Straße", check=0)
    r = cli("routine", "add", "Walk", "--every", "week", "--with", "Straße", check=0)
    assert r.stdout.startswith("Added routine 'Walk': every week with Straße, from ")
    cli("routine", "add", "Run", "--every", "week", "--with", "STRASSE", check=0)
    assert json.loads(cli("people", "show", "strasse", "--json", check=0).stdout)["name"] == "Straße"
    assert cli("people", "add", "STRASSE", check=2).stderr == (
        "Error: 'STRASSE' already exists; use 'offscreen people edit' to change them\n"
    )
    # A routine name matches the same way.
    assert cli("routine", "show", "WALK", "--json", check=0).stdout.count('"with": [\n    "Straße"') == 1


def _old_keys(db):
    """Rewrite the stored keys the way older versions did (SQL lower()) and forget the migration."""
    with store.connect(db) as con:
        con.execute("UPDATE people SET name_key = lower(name)")
        con.execute("UPDATE routines SET name_key = lower(name)")
        con.execute("DELETE FROM aliases")
        pid = con.execute("SELECT id FROM people WHERE name = 'Groß'").fetchone()[0]
        jo = con.execute("SELECT id FROM people WHERE name = 'Jo'").fetchone()[0]
        # Two aliases that differ only in case folding: one row survives, under the new key; a
        # third one moves to its new key.
        con.execute(
            "INSERT INTO aliases VALUES ('fußi', 'Fußi', ?), ('fussi', 'Fussi', ?), ('maß', 'Maß', ?)", [pid, pid, jo]
        )
        con.execute("DELETE FROM schema_migrations WHERE name = '0003_name_keys'")
        assert con.execute("SELECT name_key FROM people ORDER BY id").fetchall() == [("groß",), ("jo",)]


def test_migration_recomputes_keys_written_with_lower(cli, tmp_path):
    cli("people", "add", "Groß", check=0)
    cli("people", "add", "Jo", check=0)
    cli("routine", "add", "Straßenfest", "--every", "month", check=0)
    _old_keys(_db(tmp_path))
    with store.connect(_db(tmp_path)) as con:  # migrates
        assert con.execute("SELECT name_key FROM people ORDER BY id").fetchall() == [("gross",), ("jo",)]
        assert con.execute("SELECT name_key FROM routines").fetchall() == [("strassenfest",)]
        assert con.execute("SELECT alias_key, alias FROM aliases ORDER BY ALL").fetchall() == [
            ("fussi", "Fussi"),
            ("mass", "Maß"),
        ]
    assert json.loads(cli("people", "show", "GROSS", "--json", check=0).stdout)["name"] == "Groß"
    assert json.loads(cli("people", "show", "Groß", "--json", check=0).stdout)["aliases"] == ["Fussi"]
    assert json.loads(cli("people", "show", "fußi", "--json", check=0).stdout)["name"] == "Groß"
    assert json.loads(cli("people", "show", "MASS", "--json", check=0).stdout)["name"] == "Jo"
    r = cli("routine", "add", "Walk", "--every", "week", "--with", "GROSS", check=0)
    assert "with Groß" in r.stdout
    assert json.loads(cli("routine", "show", "STRASSENFEST", "--json", check=0).stdout)["name"] == "Straßenfest"
