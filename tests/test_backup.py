"""`offscreen backup` and `offscreen restore`: every table out, the same data back, all or nothing."""

from __future__ import annotations

import gzip
import json
import stat
from datetime import date, datetime

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.store import backup as store_b
from tracker.store.activity import upsert_spans
from tracker.store.practice import claim_nudge

NOW = "2026-11-26T20:00:00+01:00"


def _db(home) -> object:
    return home / "data" / "offscreen.duckdb"


def _dump(db) -> dict:
    """Every backed-up table's rows, sorted, straight from DuckDB."""
    with store.connect(db) as con:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in store_b.TABLES}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)
    return tmp_path / "offscreen"


@pytest.fixture
def life(cli, home):
    """A database in which every column of every table holds a value somewhere."""
    cli("people", "add", "Sam Lee", "--tier", "inner", "--every", "7", "--max", "14", "--note", 'ü ; "x"', check=0)
    cli("people", "alias", "Sam Lee", "Sammy", check=0)
    cli("people", "add", "Mum", "--kin", "--counts", "any", "--tier", "close", check=0)
    cli("log", "--with", "Alexander", "--at", "2026-11-01 10:00", "--for", "30m", check=0)
    cli("log", "--with", "Alex", "--at", "2026-11-02 10:00", "--for", "30m", check=0)
    cli("people", "merge", "Alexander", "Alex", check=0)
    cli("people", "add", "Gone", check=0)
    cli("people", "remove", "Gone", check=0)
    cli(
        "routine",
        "add",
        "Friday dinner",
        "--every",
        "week",
        "--on",
        "fri",
        "--with",
        "Sam Lee",
        "--note",
        "n",
        "--since",
        "2026-11-06",
        check=0,
    )
    cli("routine", "add", "Old habit", "--every", "2w", check=0)
    cli("routine", "remove", "Old habit", check=0)
    cli("routine", "skip", "Friday dinner", "--date", "2026-11-13", "--reason", "ill", check=0)
    cli("invite", "--from", "Sammy", "--for", "dinner", "--on", "2026-11-20 19:00", "--at", "2026-11-15 10:00",
        "--answer", "yes", "--note", "at ours", check=0)  # fmt: skip
    cli("invite", "--to", "Mum", "--for", "a walk", check=0)
    cli("invite", "edit", "2", "--note", "Sunday?", check=0)
    cli(
        "log",
        "--invite",
        "1",
        "dinner",
        "--with",
        "Sammy, Mum",
        "--at",
        "2026-11-20 19:00",
        "--for",
        "2h",
        "--routine",
        "Friday dinner",
        "--closeness",
        "6",
        "--fun",
        "5",
        "--place",
        "home",
        "--initiated",
        "me",
        "--phones-away",
        "yes",
        "--work",
        "--tag",
        "food",
        "--note",
        "line1\nline2",
        check=0,
    )
    cli("log", "--with", "Mum", "--mode", "voice", "--at", "2026-11-21 18:00", "--for", "12.5m", check=0)
    cli("interactions", "edit", "4", "--closeness", "3", check=0)
    cli("interactions", "delete", "4", check=0)
    cli("checkin", "--mood", "good", "--connected", "7", "--weekly", "--lack-companionship", "some",
        "--left-out", "hardly-ever", "--isolated", "often", "--lonely", "some", "--note", "ok", check=0)  # fmt: skip
    cli("checkin", "--phone", "2h10m", "--phone-social", "50m", "--at", "2026-11-25 21:00", check=0)
    cli("unplug", "--at", "2026-11-25 18:00", "--for", "2h", "--note", "walk", check=0)
    cli("unplug", "--at", "19:00", check=0)
    cli("unplug", "stop", check=0)
    with store.connect(_db(home)) as con:
        upsert_spans(
            con,
            [
                ("s1", 1764180000.0, 1764180600.5, "firefox", "Mail – ü", "active", "/usr/bin/firefox"),
                ("s2", 1764180600.5, 1764181000.0, None, None, "locked", None),
            ],
        )
        claim_nudge(con, date(2026, 11, 26), "cadence", "Call Mum", datetime(2026, 11, 26, 18, 0))
        con.execute("INSERT INTO settings VALUES ('k', 'v')")
        con.execute("UPDATE invitations SET nudged_at = '2026-11-18 09:00' WHERE id = 1")
        con.execute(  # a sync's uid for person 1 (tracker/store/sync.py), as `offscreen sync now` writes it
            "INSERT INTO sync_rows VALUES ('people', ?, 1, true, 3, 'laptop-0123456789ab', '2026-11-18 09:00', 'ab')",
            ["0" * 32],
        )
    return home


def test_every_table_column_and_sequence_of_the_schema_is_in_the_backup(home):
    """Fails when a migration adds a table, column or sequence that TABLES does not list."""
    with store.connect(_db(home)) as con:
        cols: dict[str, set] = {}
        for t, c in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"
        ).fetchall():
            cols.setdefault(t, set()).add(c)
        seqs = {
            r[0]
            for r in con.execute(
                "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database()"
            ).fetchall()
        }
    for t in store_b.NOT_BACKED_UP:
        cols.pop(t)
    assert {t: set(c) for t, c in store_b.TABLES.items()} == cols
    assert set(store_b.SEQUENCES) == seqs


def test_the_fixture_fills_every_column(life):
    """So the round trip below really checks every column: each holds a non-null value somewhere."""
    with store.connect(_db(life)) as con:
        empty = [
            f"{t}.{c}"
            for t, cols in store_b.TABLES.items()
            for c in cols
            if con.execute(f"SELECT count({c}) FROM {t}").fetchone()[0] == 0
        ]
    assert empty == []


LISTINGS = [
    ("people", "list", "--json"),
    ("people", "show", "Sam Lee", "--json"),
    ("people", "show", "Mum", "--json"),
    ("people", "show", "Alexander", "--json"),
    ("interactions", "list", "--json"),
    ("interactions", "list", "--deleted", "--json"),
    ("routine", "list", "--json"),
    ("routine", "show", "Friday dinner", "--json"),
    ("unplug", "list", "--since", "365d", "--json"),
    ("export", "--what", "activity", "--format", "json"),
    ("people", "due", "--json"),
    ("report", "--json"),
    ("invite", "list", "--json"),
]


def _listings(cli, home) -> list[str]:
    return [cli(*args, check=0, env={"OFFSCREEN_HOME": str(home)}).stdout for args in LISTINGS]


@pytest.mark.parametrize("name", ["b.json", "b.json.gz"])
def test_restore_into_an_empty_database_gives_the_same_data_back(cli, life, tmp_path, name):
    f = tmp_path / name
    out = cli("backup", "-o", f, check=0).stdout
    assert out.startswith("Backed up 5 people, 2 aliases, 2 routines, 1 skipped period, 4 interactions, 1 check-in")
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    raw = f.read_bytes()
    doc = json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)
    assert (doc["format"], doc["version"]) == ("offscreen-backup", 1)
    assert doc["tables"]["interactions"]["count"] == 4

    other = tmp_path / "other"
    r = cli("restore", f, check=0, env={"OFFSCREEN_HOME": str(other)})
    assert r.stdout.startswith(f"Restored into {_db(other)} from {f}: 5 people")
    assert _dump(_db(other)) == _dump(_db(life))
    assert _listings(cli, other) == _listings(cli, life)


def test_ids_continue_after_the_restored_ones(cli, life, tmp_path):
    f = tmp_path / "b.json"
    cli("backup", "-o", f, check=0)
    other = {"OFFSCREEN_HOME": str(tmp_path / "other")}
    cli("restore", f, check=0, env=other)
    assert cli("log", "--with", "Newcomer", "--for", "1h", check=0, env=other).stdout.startswith("Logged #5:")
    # Another day: the life above already checked in on the 26th (one daily check-in a day).
    cli("checkin", "--mood", "meh", "--at", "2026-11-25 19:00", check=0, env=other)
    cli("routine", "add", "Brunch", "--every", "month", check=0, env=other)
    with store.connect(_db(tmp_path / "other")) as con:
        assert con.execute("SELECT id FROM people WHERE name = 'Newcomer'").fetchone()[0] == 6
        assert con.execute("SELECT max(id), count(DISTINCT id) FROM checkins").fetchone() == (2, 2)
        assert con.execute("SELECT id FROM routines WHERE name = 'Brunch'").fetchone()[0] == 3


def test_restore_into_a_database_with_data_is_refused_without_merge_or_replace(cli, life, tmp_path):
    f = tmp_path / "b.json"
    cli("backup", "-o", f, check=0)
    before = _dump(_db(life))
    r = cli("restore", f, check=2)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"Error: {_db(life)} already holds data (")
    assert "--merge" in r.stderr and "--replace" in r.stderr
    assert _dump(_db(life)) == before
    r = cli("restore", f, "--merge", "--replace", check=2)
    assert r.stderr == "Error: --merge and --replace exclude each other; pick one\n"


def test_merge_skips_what_is_there_and_relinks_the_rest(cli, life, tmp_path):
    f = tmp_path / "b.json"
    cli("backup", "-o", f, check=0)
    before = _dump(_db(life))
    r = cli("restore", f, "--merge", check=0)
    assert "added nothing" in r.stdout
    assert _dump(_db(life)) == before

    # Another machine: Sam (by an alias there), one interaction in common, one of its own.
    other = {"OFFSCREEN_HOME": str(tmp_path / "other")}
    cli("people", "add", "Samuel", "--alias", "Sam Lee", check=0, env=other)
    cli("log", "--with", "Mum", "--mode", "voice", "--at", "2026-11-21 18:00", "--for", "12.5m", check=0, env=other)
    cli("log", "--with", "Jo", "--at", "2026-11-24 12:00", "--for", "1h", check=0, env=other)
    r = cli("restore", f, "--merge", "--json", check=0, env=other)
    done = json.loads(r.stdout)
    assert done["skipped"]["interactions"] == 1 and done["added"]["interactions"] == 3
    assert done["skipped"]["people"] == 2  # Sam Lee (an alias of Samuel here) and Mum
    dinner = [i for i in json.loads(cli("interactions", "list", "--json", check=0, env=other).stdout) if i["summary"]]
    assert [(d["people"], d["routine"]) for d in dinner] == [(["Mum", "Samuel"], "Friday dinner")]
    routine = json.loads(cli("routine", "show", "Friday dinner", "--json", check=0, env=other).stdout)
    assert routine["with"] == ["Samuel"]
    # Merging again adds nothing.
    again = json.loads(cli("restore", f, "--merge", "--json", check=0, env=other).stdout)
    assert sum(again["added"].values()) == 0


def test_replace_puts_the_backup_in_place_of_everything(cli, life, tmp_path):
    f = tmp_path / "b.json"
    cli("backup", "-o", f, check=0)
    other = {"OFFSCREEN_HOME": str(tmp_path / "other")}
    cli("log", "--with", "Jo", "--at", "2026-11-24 12:00", "--for", "1h", check=0, env=other)
    cli("restore", f, "--replace", check=0, env=other)
    assert _dump(_db(tmp_path / "other")) == _dump(_db(life))


def _bad(tmp_path, name, data: bytes):
    f = tmp_path / name
    f.write_bytes(data)
    return f


@pytest.mark.parametrize(
    "case",
    ["truncated", "truncated-gz", "export-file", "newer-version", "newer-schema", "bad-value", "unknown-column"],
)
def test_a_bad_file_writes_nothing(cli, life, tmp_path, case):
    good = tmp_path / "b.json"
    cli("backup", "-o", good, check=0)
    text = good.read_text()
    doc = json.loads(text)
    if case == "truncated":
        f = _bad(tmp_path, "t.json", text[: len(text) // 2].encode())
    elif case == "truncated-gz":
        f = _bad(tmp_path, "t.json.gz", gzip.compress(text.encode())[:-40])
    elif case == "export-file":
        f = _bad(tmp_path, "e.json", cli("export", check=0).stdout.encode())
    elif case == "newer-version":
        f = _bad(tmp_path, "v.json", json.dumps({**doc, "version": 2}).encode())
    elif case == "newer-schema":
        f = _bad(tmp_path, "s.json", json.dumps({**doc, "schema": doc["schema"] + ["9999_future"]}).encode())
    elif case == "bad-value":
        doc["tables"]["activity"]["rows"][-1][1] = "not a time"
        f = _bad(tmp_path, "x.json", json.dumps(doc).encode())
    else:
        doc["tables"]["people"]["columns"][-1] = "nickname"
        f = _bad(tmp_path, "c.json", json.dumps(doc).encode())
    empty = tmp_path / "empty"
    r = cli("restore", f, check=2, env={"OFFSCREEN_HOME": str(empty)})
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    if case == "bad-value":  # found while loading, in the rolled-back transaction
        assert _dump(_db(empty)) == {t: [] for t in store_b.TABLES}
    else:  # found before the database is opened
        assert not _db(empty).exists()
    before = _dump(_db(life))
    cli("restore", f, "--replace", check=2)
    assert _dump(_db(life)) == before


def test_a_bad_row_late_in_the_file_rolls_back_the_rows_before_it(cli, life, tmp_path):
    """Values fit their types, but two people share an id: the insert fails after others went in."""
    f = tmp_path / "b.json"
    cli("backup", "-o", f, check=0)
    doc = json.loads(f.read_text())
    doc["tables"]["activity"]["rows"][1][0] = doc["tables"]["activity"]["rows"][0][0]  # same span id
    f.write_text(json.dumps(doc))
    before = _dump(_db(life))
    r = cli("restore", f, "--replace", check=2)
    assert r.stderr.startswith(f'Error: {f}: table "activity" does not fit the database: ')
    assert _dump(_db(life)) == before


def test_backup_to_a_directory_or_unwritable_place(cli, life, tmp_path):
    r = cli("backup", "-o", tmp_path, check=2)
    assert r.stderr.startswith(f"Error: {tmp_path} is a directory")
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = cli("backup", "-o", blocker / "b.json", check=2)
    assert r.stderr == f"Error: directory {blocker} is not a directory; create it first or write elsewhere\n"
