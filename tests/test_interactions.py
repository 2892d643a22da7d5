"""`offscreen interactions list|show|edit|delete|restore` and face_to_face_minutes, on real DuckDB files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.domain import interactions as core
from tracker.store import interactions as store_i
from tracker.store import people as store_p

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


def _db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _list(cli, *args) -> list[dict]:
    return json.loads(cli("interactions", "list", "--json", *args, check=0).stdout)


@pytest.fixture
def three(cli):
    cli("log", "dinner", "--with", "Sam,Alex", "--at", "2025-11-20 19:00", "--for", "2h", "--closeness", "6", check=0)
    cli("log", "--with", "Mum", "--mode", "voice", "--at", "2025-11-21 18:00", "--for", "25m", check=0)
    cli("log", "climbing", "--with", "Alex", "--at", "2025-11-23 10:00", "--for", "1h30m", "--tag", "sport",
        "--fun", "4", check=0)  # fmt: skip


def test_list_json_contract(cli, three):
    items = _list(cli)
    assert [i["id"] for i in items] == [1, 2, 3]
    for item in items:
        assert list(item) == list(core.FIELDS)
        assert datetime.fromisoformat(item["happened_at"]).utcoffset() is not None
        assert isinstance(item["people"], list) and isinstance(item["tags"], list)
    assert items[0]["people"] == ["Alex", "Sam"] and items[0]["closeness"] == 6
    assert items[2]["tags"] == ["sport"] and items[1]["closeness"] is None and items[1]["note"] is None
    assert (items[2]["fun"], items[1]["fun"]) == (4, None)


@pytest.mark.parametrize(
    "args, ids",
    [
        (["--since", "2025-11-21"], [2, 3]),
        (["--until", "2025-11-21"], [1, 2]),
        (["--since", "2025-11-21", "--until", "2025-11-22"], [2]),
        (["--with", "alex"], [1, 3]),
        (["--mode", "in-person"], [1, 3]),
        (["--mode", "phone"], [2]),
        (["--with", "Alex", "--mode", "voice"], []),
    ],
)
def test_list_filters(cli, three, args, ids):
    assert [i["id"] for i in _list(cli, *args)] == ids


def test_list_table(cli, three):
    assert cli("interactions", "list", "--since", "2025-11-21", check=0).stdout == (
        "ID  WHEN              FOR    MODE       WITH  CLOSE  FUN  SUMMARY\n"
        "#2  2025-11-21 18:00  25m    voice      Mum\n"
        "#3  2025-11-23 10:00  1h30m  in-person  Alex         4    climbing\n"
    )
    assert cli("interactions", "list", "--since", "2030-01-01", check=0).stdout == "No interactions match.\n"
    assert cli("interactions", "list", "--with", "Nobody", check=2).stderr == (
        "Error: no person called 'Nobody'; see 'offscreen people list'\n"
    )


def test_show(cli, three):
    out = cli("interactions", "show", "1", check=0).stdout.splitlines()
    assert out[0] == "#1"
    assert "  happened at:  2025-11-20 19:00" in out and "  people:       Alex, Sam" in out  # as `list` shows it
    assert "  duration:     2h00m" in out
    rec = json.loads(cli("interactions", "show", "3", "--json", check=0).stdout)
    assert rec["summary"] == "climbing" and rec["duration_min"] == 90


def test_edit_changes_only_given_fields(cli, tmp_path, three):
    before = _list(cli)[0]
    r = cli("interactions", "edit", "1", "--closeness", "7", "--note", "great talk", check=0)
    assert r.stdout == "Updated #1: in-person with Alex, Sam, 2025-11-20 19:00-21:00 (2h00m), closeness 7: dinner\n"
    after = _list(cli)[0]
    assert after == {**before, "closeness": 7, "note": "great talk"}
    # --with replaces the people; --for keeps the start; --at keeps the duration.
    cli("interactions", "edit", "1", "--with", "Jo", "--for", "3h", check=0)
    cli("interactions", "edit", "1", "--at", "2025-11-20 18:00", "--closeness", "none", "--tag", "", check=0)
    after = _list(cli)[0]
    assert (after["people"], after["duration_min"], after["happened_at"], after["closeness"]) == (
        ["Jo"],
        180,
        "2025-11-20T18:00:00+01:00",
        None,
    )
    assert after["logged_at"] == before["logged_at"]
    with store.connect(_db(tmp_path)) as con:
        assert con.execute("SELECT updated_at IS NOT NULL FROM interactions WHERE id = 1").fetchone() == (True,)
        assert con.execute("SELECT updated_at IS NULL FROM interactions WHERE id = 2").fetchone() == (True,)


def test_edit_rejects_bad_values_and_writes_nothing(cli, tmp_path, three):
    before = _list(cli)
    assert cli("interactions", "edit", "1", "--closeness", "9", check=2).stderr.startswith("Error: closeness must be")
    assert cli("interactions", "edit", "1", "--with", "", check=2).stderr.startswith("Error: empty name")
    assert cli("interactions", "edit", "1", check=2).stderr.startswith("Error: nothing to change")
    assert cli("interactions", "edit", "9", "--note", "x", check=2).stderr == (
        "Error: no interaction #9; see 'offscreen interactions list'\n"
    )
    assert _list(cli) == before


def test_delete_and_restore(cli, three):
    r = cli("interactions", "delete", "2", check=0)
    assert r.stdout == "Deleted #2 (undo: offscreen interactions restore 2)\n"
    assert [i["id"] for i in _list(cli)] == [1, 3]
    deleted = _list(cli, "--deleted")
    assert [i["id"] for i in deleted] == [2] and "deleted_at" in deleted[0]
    assert cli("interactions", "delete", "2", check=0).stdout == "#2 was already deleted\n"
    # Deleted interactions don't count for people either.
    people = {p["name"]: p["interactions"] for p in json.loads(cli("people", "list", "--json", check=0).stdout)}
    assert people["Mum"] == 0
    assert cli("interactions", "restore", "2", check=0).stdout == "Restored #2\n"
    assert [i["id"] for i in _list(cli)] == [1, 2, 3]
    for cmd in ("delete", "restore", "show"):
        assert cli("interactions", cmd, "77", check=2).stderr == (
            "Error: no interaction #77; see 'offscreen interactions list'\n"
        )


def _add(con, at, minutes, mode, names):
    it = core.build({"happened_at": at, "duration_min": minutes, "mode": mode, "people": names}, NOW, zone=UTC)
    return store_i.insert(con, it, store_p.resolve(con, it.people))


def test_face_to_face_minutes_counts_a_group_once(tmp_path):
    with store.connect(tmp_path / "f.duckdb") as con:
        _add(con, "2026-11-20T18:00:00+00:00", 120, "in-person", ["Sam", "Alex", "Jo"])  # 3 people, 2 h
        _add(con, "2026-11-21T09:00:00+00:00", 30, "in-person", ["Sam"])
        _add(con, "2026-11-21T12:00:00+00:00", 45, "video", ["Sam", "Alex"])  # not face to face
        gone = _add(con, "2026-11-21T15:00:00+00:00", 60, "in-person", ["Jo"])
        store_i.set_deleted(con, gone, True)
        assert con.execute("SELECT count(*) FROM interaction_people").fetchone() == (7,)
        assert store_i.face_to_face_minutes(con, None, None) == 150
        assert store_i.face_to_face_minutes(con, datetime(2026, 11, 21), datetime(2026, 11, 22)) == 30
        # A range cutting an interaction counts only the part inside it.
        assert store_i.face_to_face_minutes(con, datetime(2026, 11, 20, 19), datetime(2026, 11, 21)) == 60
        # Aware bounds are converted: 20:30 in Berlin is 19:30 UTC.
        aware = datetime(2026, 11, 20, 20, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        assert store_i.face_to_face_minutes(con, None, aware) == 90
        assert store_i.face_to_face_minutes(con, datetime(2026, 11, 22), None) == 0


def test_one_end_in_python_and_sql(tmp_path):
    """Where an interaction ends: the domain rule and the store's SQL give the same instant."""
    with store.connect(tmp_path / "e.duckdb") as con:
        iid = _add(con, "2026-11-20T18:00:00+00:00", 12.345, "in-person", ["Sam"])
        it = core.build(
            {"happened_at": "2026-11-20T18:00:00+00:00", "duration_min": 12.345, "people": ["Sam"]}, NOW, zone=UTC
        )
        sql_end = con.execute(f"SELECT {store_i.ends_at()} FROM interactions WHERE id = ?", [iid]).fetchone()[0]
        assert sql_end.replace(tzinfo=UTC) == it.ends_at == datetime(2026, 11, 20, 18, 12, 20, 700000, tzinfo=UTC)


def test_store_raises_domain_errors_with_their_data(tmp_path):
    from tracker.errors import NameTaken, UnknownInteraction, UnknownPerson, UnknownRoutine
    from tracker.store import practice as store_practice

    with store.connect(tmp_path / "d.duckdb") as con:
        store_p.create(con, "Sam")
        with pytest.raises(UnknownInteraction) as e:
            store_i.get(con, 7)
        assert e.value.id == 7
        with pytest.raises(UnknownPerson) as e:
            store_p.require(con, "Jo")
        assert e.value.name == "Jo"
        with pytest.raises(NameTaken) as e:
            store_p.create(con, "SAM")
        assert (e.value.name, e.value.kind) == ("SAM", "person")
        with pytest.raises(UnknownRoutine) as e:
            store_i.routine_id(con, "brunch")
        assert (e.value.name, e.value.known) == ("brunch", ())
        store_practice.add_routine(
            con,
            "Walk",
            unit="day",
            every_n=1,
            on_weekday=None,
            starts_on=NOW.date(),
            person_ids=[],
            now_utc=NOW.replace(tzinfo=None),
        )
        with pytest.raises(NameTaken) as e:
            store_practice.add_routine(
                con,
                "walk",
                unit="day",
                every_n=1,
                on_weekday=None,
                starts_on=NOW.date(),
                person_ids=[],
                now_utc=NOW.replace(tzinfo=None),
            )
        assert e.value.kind == "routine"
        with pytest.raises(UnknownRoutine) as e:
            store_i.routine_id(con, "brunch")
        assert e.value.known == ("Walk",)


def test_edit_warns_about_the_interactions_it_now_overlaps(cli, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW.isoformat())  # 19:00 in Berlin
    cli("log", "--with", "Sam", "--at", "17:00", "--for", "1h", check=0)
    cli("log", "--with", "Sam,Alex", "--at", "12:00", "--for", "1h", check=0)
    r = cli("interactions", "edit", "2", "--at", "17:30", check=0)
    assert r.stdout == "Updated #2: in-person with Alex, Sam, 2026-11-26 17:30-18:30 (1h00m)\n"
    assert r.stderr == "Warning: overlaps #1 with Sam, 17:00-18:00\n"
    # An edit is asked for: a duplicate it makes is named, not refused.
    r = cli("interactions", "edit", "2", "--with", "Sam", "--at", "17:00", check=0)
    assert r.stderr == "Warning: duplicates #1 with Sam, 17:00-18:00\n"
    assert cli("interactions", "edit", "1", "--closeness", "5", check=0).stderr == (
        "Warning: duplicates #2 with Sam, 17:00-18:00\n"
    )
