"""Export and import: lossless round trips, all-or-nothing, duplicates, against real DuckDB files."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import UTC

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.domain import interactions as core


def _db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _counts(db) -> tuple:
    with store.connect(db) as con:
        return tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("interactions", "people", "aliases", "interaction_people")
        )


@pytest.fixture
def diary(cli):
    """A few interactions with every field and awkward text: quotes, newlines, ';', '\\', unicode."""
    cli(
        "log",
        "dinner",
        "--with",
        "Smith; J.",
        "--with",
        "Zoë",
        "--at",
        "2025-06-10 19:00",
        "--for",
        "2h",
        "--closeness",
        "6",
        "--tag",
        "food;drink",
        "--tag",
        "back\\slash",
        "--note",
        'she said "hi",\nthen left',
        "--place",
        "Café Ü",
        "--initiated",
        "me",
        "--phones-away",
        "yes",
        check=0,
    )
    cli("log", "--with", "Mum", "--mode", "voice", "--at", "2025-11-21 18:00", "--for", "12.5m", "--work", check=0)
    cli("log", "standup", "--with", "Zoë, Mum", "--mode", "video", "--at", "2025-11-22 09:00", "--for", "1:05", check=0)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_is_lossless(cli, tmp_path, monkeypatch, diary, fmt):
    first = cli("export", "--format", fmt, check=0).stdout
    f = tmp_path / f"export.{fmt}"
    f.write_text(first)
    monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / "other"))
    assert cli("import", f, check=0).stdout == f"Imported 3 interactions from {f}\n"
    assert cli("export", "--format", fmt, check=0).stdout == first
    # Importing the same file again adds nothing.
    assert cli("import", f, check=0).stdout == f"Imported 0 interactions from {f} (3 duplicates skipped)\n"
    assert _counts(tmp_path / "other" / "data" / "offscreen.duckdb") == (3, 3, 0, 5)


def test_export_contents(cli, diary):
    items = json.loads(cli("export", check=0).stdout)
    assert [list(i) for i in items] == [list(core.FIELDS)] * 3
    assert items[0]["people"] == ["Smith; J.", "Zoë"] and items[0]["tags"] == ["food;drink", "back\\slash"]
    assert items[0]["happened_at"] == "2025-06-10T19:00:00+02:00"
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", check=0).stdout)))
    assert rows[0]["people"] == "Smith\\; J.;Zoë" and rows[0]["tags"] == "food\\;drink;back\\\\slash"
    assert rows[1]["closeness"] == "" and rows[1]["work"] == "true" and rows[1]["duration_min"] == "12.5"
    assert [i["id"] for i in json.loads(cli("export", "--since", "2025-11-22", check=0).stdout)] == [3]


def test_ids_are_reassigned_and_deleted_ones_are_not_exported(cli, tmp_path, monkeypatch, diary):
    cli("interactions", "delete", "1", check=0)
    f = tmp_path / "e.json"
    assert cli("export", "-o", f, check=0).stdout == f"Exported 2 interactions to {f}\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / "other"))
    cli("import", f, check=0)
    again = json.loads(cli("export", check=0).stdout)
    assert [i["id"] for i in again] == [1, 2]  # new ids
    assert [{**i, "id": 0} for i in again] == [{**i, "id": 0} for i in json.loads(f.read_text())]


def test_hand_written_csv_with_only_required_columns(cli, tmp_path):
    f = tmp_path / "diary.csv"
    f.write_text(
        "happened_at,duration_min,mode,people\n"
        "2025-11-20 10:00,90,in-person,Sam;Alex\n"
        "\n"
        "2025-11-21T10:00:00+01:00,1h,irl,sam\n"
    )
    assert cli("import", f, check=0).stdout == f"Imported 2 interactions from {f}\n"
    items = json.loads(cli("interactions", "list", "--json", check=0).stdout)
    assert [(i["happened_at"], i["duration_min"], i["people"]) for i in items] == [
        ("2025-11-20T10:00:00+01:00", 90, ["Alex", "Sam"]),
        ("2025-11-21T10:00:00+01:00", 60, ["Sam"]),
    ]


def test_bad_row_writes_nothing_and_names_row_and_field(cli, tmp_path, diary):
    before = _counts(_db(tmp_path))
    rows = json.loads(cli("export", check=0).stdout)
    rows = [{**r, "happened_at": r["happened_at"].replace("2025", "2024")} for r in rows]  # not duplicates
    rows[2]["mode"] = "walk"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(rows))
    r = cli("import", f, check=2)
    assert r.stderr == "Error: row 3, field \"mode\": unknown mode 'walk'; use in-person, video, voice or text\n"
    assert _counts(_db(tmp_path)) == before


def _routine_rows(tmp_path):
    f = tmp_path / "r.json"
    rows = [
        {"happened_at": "2025-11-20T10:00:00+01:00", "duration_min": 30, "mode": "in-person", "people": ["New"]},
        {"happened_at": "2025-11-21T10:00:00+01:00", "duration_min": 30, "mode": "in-person", "people": ["Sam"]},
    ]
    rows += [{**rows[1], "happened_at": f"2025-11-2{d}T10:00:00+01:00", "routine": r} for d, r in ((2, "brunch"),
             (3, "Friday dinner"), (4, "brunch"))]  # fmt: skip
    f.write_text(json.dumps(rows))
    return f


def test_unknown_routines_stop_the_import_before_anything_is_written_and_say_what_to_do(cli, tmp_path):
    f = _routine_rows(tmp_path)
    r = cli("import", f, check=2)
    assert r.stderr == (
        f"Error: {f} names 2 routines this database does not have: 'brunch' (row 3), 'Friday dinner' (row 4); "
        "nothing was imported. Add them first (offscreen routine add NAME --every week), or import with "
        "--drop-unknown-routines to leave those links out; to move everything to a new machine use "
        "'offscreen backup' and 'offscreen restore'\n"
    )
    assert _counts(_db(tmp_path)) == (0, 0, 0, 0)


def test_drop_unknown_routines_imports_the_rows_without_the_links_and_keeps_known_ones(cli, tmp_path):
    f = _routine_rows(tmp_path)
    cli("routine", "add", "Brunch", "--every", "week", check=0)
    r = cli("import", f, "--drop-unknown-routines", check=0)
    assert (
        r.stdout
        == f"Imported 5 interactions from {f}; 1 without their routine ('Friday dinner': not in this database)\n"
    )
    routines = [i["routine"] for i in json.loads(cli("interactions", "list", "--json", check=0).stdout)]
    assert routines == [None, None, "Brunch", None, "Brunch"]


def test_a_full_export_with_routines_imports_into_an_empty_database(cli, tmp_path, monkeypatch):
    """An export names routines by name; the new database has none until they are added."""
    cli("routine", "add", "Friday dinner", "--every", "week", "--since", "2025-11-01", check=0)
    cli("log", "--with", "Sam", "--at", "2025-11-21 19:00", "--for", "2h", "--routine", "Friday dinner", check=0)
    f = tmp_path / "all.json"
    cli("export", "-o", f, check=0)
    monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / "new"))
    assert "'Friday dinner' (row 1)" in cli("import", f, check=2).stderr
    cli("routine", "add", "Friday dinner", "--every", "week", "--since", "2025-11-01", check=0)
    assert cli("import", f, check=0).stdout == f"Imported 1 interaction from {f}\n"
    assert json.loads(cli("interactions", "list", "--json", check=0).stdout)[0]["routine"] == "Friday dinner"


def test_activity_export_of_nothing_is_an_empty_array(cli):
    r = cli("export", "--what", "activity", "--format", "json", check=0)
    assert json.loads(r.stdout) == []


def test_import_matches_existing_people_by_alias_and_skips_duplicates_within_the_file(cli, tmp_path):
    cli("people", "add", "Sam Lee", "--alias", "Sammy", check=0)
    row = {
        "happened_at": "2025-11-20T10:00:00+01:00",
        "duration_min": 30,
        "mode": "in-person",
        "people": ["sammy", "New One"],
    }
    f = tmp_path / "d.json"
    f.write_text(json.dumps([row, {**row, "people": ["New One", "SAM LEE"]}, {**row, "mode": "video"}]))
    assert cli("import", f, check=0).stdout == f"Imported 2 interactions from {f} (1 duplicate skipped)\n"
    items = json.loads(cli("interactions", "list", "--json", check=0).stdout)
    assert [(i["mode"], i["people"]) for i in items] == [
        ("in-person", ["New One", "Sam Lee"]),
        ("video", ["New One", "Sam Lee"]),
    ]
    assert _counts(_db(tmp_path)) == (2, 2, 1, 4)


def test_activity_export_cli_json_csv_range_and_output(cli, tmp_path):
    """The activity export contract through the CLI: json and csv, --since/--until
    as overlap on local times, -o written privately and counted in words ("activity spans")."""
    from datetime import datetime

    from tracker.app import App
    from tracker.store import activity, connect

    def t(h, m=0):
        return datetime(2026, 11, 26, h, m, tzinfo=UTC).timestamp()

    with connect(App.create().paths.db) as con:
        activity.upsert_spans(
            con,
            [
                ("a", t(8), t(9), "firefox", "Inbox - Gmail", "active", None),
                ("b", t(9), t(9, 30), "Code", 'main.py, "quoted"', "active", None),
                ("c", t(9, 30), t(9, 40), "Code", 'main.py, "quoted"', "idle", None),
                ("d", t(9, 40), t(10), None, None, "locked", None),
            ],
        )
    rng = ["--since", "2026-11-26 10:10", "--until", "2026-11-26 10:45"]  # Berlin: overlaps b, c, d
    r = cli("export", "--what", "activity", "--format", "csv", *rng, check=0)
    assert r.stdout == (
        "start,end,app,title,state,category\n"
        '2026-11-26T10:00:00+01:00,2026-11-26T10:30:00+01:00,Code,"main.py, ""quoted""",active,programming\n'
        '2026-11-26T10:30:00+01:00,2026-11-26T10:40:00+01:00,Code,"main.py, ""quoted""",idle,programming\n'
        "2026-11-26T10:40:00+01:00,2026-11-26T11:00:00+01:00,,,locked,\n"
    )
    items = json.loads(cli("export", "--what", "activity", "--format", "json", *rng, check=0).stdout)
    assert [{k: i[k] for k in ("start", "end", "app", "title", "state", "category")} for i in items][2] == {
        "start": "2026-11-26T10:40:00+01:00",
        "end": "2026-11-26T11:00:00+01:00",
        "app": None,
        "title": None,
        "state": "locked",
        "category": None,
    }
    assert [i["app"] for i in items] == ["Code", "Code", None]
    f = tmp_path / "one.json"
    r = cli(
        "export", "--what", "activity", "--since", "2026-11-26 09:00", "--until", "2026-11-26 09:30", "-o", f, check=0
    )
    assert r.stdout == f"Exported 1 activity span to {f}\n"
    assert [i["title"] for i in json.loads(f.read_text())] == ["Inbox - Gmail"]
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    r = cli("export", "--what", "activity", "-o", f, check=0)
    assert r.stdout == f"Exported 4 activity spans to {f}\n"


def test_export_into_a_file_as_directory_is_a_clear_exit_2(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for what in ("interactions", "activity"):
        r = cli("export", "--what", what, "-o", blocker / "out.json")
        assert (r.returncode, r.stdout) == (2, "")
        assert r.stderr == f"Error: directory {blocker} is not a directory; create it first or write elsewhere\n"
    assert blocker.read_text() == "x"
