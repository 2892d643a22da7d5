"""Fun (issue 18): `log --fun`, `interactions edit --fun`, list/show, the report and the dashboard's
figures (computed here by hand from the rows logged), export/import, backup/restore, the demo and
the migration, against a real DuckDB with the clock pinned (OFFSCREEN_NOW; TZ Europe/Berlin)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.config import Config
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store.schema import MIGRATIONS
from tracker.usecases import dashboard as usecase
from tracker.usecases import demo

NOW = "2026-11-26T12:00:00+01:00"
B = ZoneInfo("Europe/Berlin")
FUN_ERROR = "Error: fun must be a whole number from 1 (no fun) to 5 (lots of laughter), got {!r}\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)
    return tmp_path / "offscreen"


def _db(home):
    return home / "data" / "offscreen.duckdb"


def _listed(cli) -> list[dict]:
    return json.loads(cli("interactions", "list", "--json", check=0).stdout)


@pytest.mark.parametrize("value", ["0", "6", "2.5", "nan", "\u0663", "²", "-1", "yes"])
def test_bad_fun_is_one_line_exit_2_and_nothing_written(cli, home, value):
    r = cli("log", "--with", "Sam", "--for", "30m", "--fun", value, check=2)
    assert (r.stdout, r.stderr) == ("", FUN_ERROR.format(value))
    assert not _db(home).exists()


def test_fun_is_stored_shown_edited_and_cleared(cli, home):
    r = cli("log", "climbing", "--with", "Jo", "--at", "2026-11-24 18:00", "--for", "2h", "--fun", " 5 ", check=0)
    assert r.stdout == "Logged #1: in-person with Jo, 2026-11-24 18:00-20:00 (2h00m), fun 5: climbing\n"
    assert _listed(cli)[0]["fun"] == 5
    table = cli("interactions", "list", check=0).stdout.splitlines()
    assert table[0].split() == ["ID", "WHEN", "FOR", "MODE", "WITH", "CLOSE", "FUN", "SUMMARY"]
    assert table[1].split()[-2:] == ["5", "climbing"]
    assert "  fun:          5\n" in cli("interactions", "show", "1", check=0).stdout
    r = cli("interactions", "edit", "1", "--fun", "9", check=2)
    assert r.stderr == FUN_ERROR.format("9")
    assert _listed(cli)[0]["fun"] == 5  # nothing changed
    cli("interactions", "edit", "1", "--fun", "3", "--closeness", "6", check=0)
    assert (_listed(cli)[0]["fun"], _listed(cli)[0]["closeness"]) == (3, 6)
    cli("interactions", "edit", "1", "--closeness", "5", check=0)  # other edits keep it
    assert _listed(cli)[0]["fun"] == 3
    cli("interactions", "edit", "1", "--fun", "none", check=0)
    assert _listed(cli)[0]["fun"] is None
    assert "  fun:          -\n" in cli("interactions", "show", "1", check=0).stdout
    with store.connect(_db(home)) as con, pytest.raises(duckdb.ConstraintException):
        con.execute("UPDATE interactions SET fun = 6 WHERE id = 1")  # the store refuses what validation would


# In person: fun 5, 4, 4, 3, 5 (closeness 6, 5, 7, 4, 5); two of them with the routine.
# Video: fun 2, 3 (too few). Text: 3 unrated. Routine: the 2 in person + 3 voice calls (fun 4, 4, 5).
ROWS = [
    ("in-person", "2026-11-20 10:00", "5", "6", True),
    ("in-person", "2026-11-21 10:00", "4", "5", True),
    ("in-person", "2026-11-22 10:00", "4", "7", False),
    ("in-person", "2026-11-23 10:00", "3", "4", False),
    ("in-person", "2026-11-24 10:00", "5", "5", False),
    ("video", "2026-11-22 20:00", "2", None, False),
    ("video", "2026-11-23 20:00", "3", None, False),
    ("text", "2026-11-22 21:00", None, None, False),
    ("text", "2026-11-23 21:00", None, None, False),
    ("text", "2026-11-24 21:00", None, None, False),
    ("voice", "2026-11-23 19:00", "4", "3", True),
    ("voice", "2026-11-24 19:00", "4", "3", True),
    ("voice", "2026-11-25 19:00", "5", None, True),
]


@pytest.fixture
def rated(cli, home):
    cli("people", "add", "Mum", check=0)
    cli("routine", "add", "Call Mum", "--every", "day", "--with", "Mum", "--since", "2026-11-01", check=0)
    for mode, at, fun, close, routine in ROWS:
        args = ["log", "--with", "Mum", "--mode", mode, "--at", at, "--for", "30m"]
        args += ["--fun", fun] if fun else []
        args += ["--closeness", close] if close else []
        args += ["--routine", "Call Mum"] if routine else []
        cli(*args, check=0)
    cli("log", "--with", "Mum", "--at", "2026-11-24 12:00", "--for", "30m", "--fun", "1", check=0)
    cli("interactions", "delete", str(len(ROWS) + 1), check=0)  # deleted: does not count
    return home


def _group(n, fun, close):
    """A group's figures from the literal values: means only over 5 or more rated."""
    return {
        "interactions": n,
        "fun_rated": len(fun),
        "fun_mean": round(sum(fun) / len(fun), 2) if len(fun) >= 5 else None,
        "fun_missing": None if len(fun) >= 5 else f"Needs 5 interactions with fun rated, have {len(fun)}.",
        "closeness_rated": len(close),
        "closeness_mean": round(sum(close) / len(close), 2) if len(close) >= 5 else None,
    }


EXPECTED = {
    "needed": 5,
    "by_mode": {
        "in-person": _group(5, [5, 4, 4, 3, 5], [6, 5, 7, 4, 5]),  # fun 4.2, closeness 5.4
        "video": _group(2, [2, 3], []),
        "voice": _group(3, [4, 4, 5], [3, 3]),
        "text": _group(3, [], []),
    },
    "routines": _group(5, [5, 4, 4, 4, 5], [6, 5, 3, 3]),  # fun 4.4
    "one_offs": _group(8, [4, 3, 5, 2, 3], [7, 4, 5]),  # fun 3.4
    "source": "laughter helped in most modes in Vlahovic, Roberts & Dunbar 2012",
}


def test_report_json_and_text_show_fun_per_mode_and_routines(cli, rated):
    assert EXPECTED["by_mode"]["in-person"]["fun_mean"] == 4.2
    assert (EXPECTED["routines"]["fun_mean"], EXPECTED["one_offs"]["fun_mean"]) == (4.4, 3.4)
    s = json.loads(cli("report", "--json", check=0).stdout)
    assert s["fun"] == EXPECTED
    text = cli("report", check=0).stdout
    assert (
        "  Fun (1-5)     per mode, and with routines against one-offs:\n"
        "    in person:     4.2 over 5 rated, closeness 5.4/7\n"
        "    video:         not enough yet (2 rated, needs 5)\n"
        "    voice:         not enough yet (3 rated, needs 5)\n"
        "    text:          not enough yet (0 rated, needs 5)\n"
        "    with routines: 4.4 over 5 rated\n"
        "    one-offs:      3.4 over 5 rated\n"
        "    (laughter helped in most modes in Vlahovic, Roberts & Dunbar 2012)\n"
    ) in text


def test_report_says_nothing_of_fun_until_something_is_rated(cli, home):
    cli("log", "--with", "Sam", "--at", "2026-11-24 10:00", "--for", "30m", check=0)
    assert "Fun" not in cli("report", check=0).stdout
    assert json.loads(cli("report", "--json", check=0).stdout)["fun"]["one_offs"]["fun_missing"] == (
        "Needs 5 interactions with fun rated, have 0."
    )


def test_dashboard_data_and_view_for_fun(cli, rated):
    now = datetime(2026, 11, 26, 12, tzinfo=B)
    rng = Range.of(datetime(2026, 11, 1, tzinfo=B), now, now, Calendar(B), Config())
    with store.connect(_db(rated)) as con:
        d = usecase.view_data(con, rng)["fun"]
    assert d == EXPECTED
    from dashboards import serve_views

    v = serve_views.fun_view(d, rng)
    assert list(v.figure.data[0].x) == ["in person", "with routines", "one-offs"]
    assert list(v.figure.data[0].y) == [4.2, 4.4, 3.4]
    assert "Vlahovic, Roberts & Dunbar 2012" in v.caption
    assert "Not enough yet: video (2 rated), voice (3 rated)." in v.caption
    assert v.reading == "Most fun: with routines (4.4 of 5 over 5 rated)."
    before = Range.of(datetime(2026, 11, 1, tzinfo=B), datetime(2026, 11, 21, tzinfo=B), now, Calendar(B), Config())
    with store.connect(_db(rated)) as con:
        e = usecase.view_data(con, before)["fun"]
    assert serve_views.fun_view(e, before).empty.startswith("Needs 5 interactions with fun rated in one mode, have 1")


def test_export_import_round_trip_carries_fun(cli, rated, tmp_path, monkeypatch):
    for fmt in ("json", "csv"):
        out = tmp_path / f"x.{fmt}"
        cli("export", "-o", out, check=0)
        if fmt == "csv":
            assert out.read_text().splitlines()[0].split(",")[5:7] == ["closeness", "fun"]
        monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / f"other-{fmt}"))
        cli("routine", "add", "Call Mum", "--every", "day", check=0)
        cli("import", out, check=0)
        assert [i["fun"] for i in _listed(cli)] == [int(f) if f else None for _, _, f, _, _ in sorted(ROWS, key=_at)]
        monkeypatch.setenv("OFFSCREEN_HOME", str(rated))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"happened_at": "2026-11-20T10:00:00+01:00", "duration_min": 30, "mode": "video",
                                "people": ["Jo"], "fun": 6}]))  # fmt: skip
    monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / "third"))
    r = cli("import", bad, check=2)
    assert (
        r.stderr
        == 'Error: row 1, field "fun": fun must be a whole number from 1 (no fun) to 5 (lots of laughter), got 6\n'
    )


def _at(row):
    return row[1]


def test_backup_and_restore_carry_fun(cli, rated, tmp_path, monkeypatch):
    cli("backup", "-o", tmp_path / "b.json.gz", check=0)
    before = _listed(cli)
    monkeypatch.setenv("OFFSCREEN_HOME", str(tmp_path / "restored"))
    cli("restore", tmp_path / "b.json.gz", check=0)
    assert _listed(cli) == before
    assert sorted(i["fun"] or 0 for i in before) == sorted(int(r[2] or 0) for r in ROWS)


def test_demo_has_realistic_fun():
    data = demo.generate(90, 1, datetime(2026, 11, 26, 18, tzinfo=UTC), B)
    funs = [i.fun for i in data.interactions]
    rated = [f for f in funs if f is not None]
    assert set(rated) <= {1, 2, 3, 4, 5} and len(set(rated)) >= 3
    assert 0.3 < len(rated) / len(funs) < 0.9  # often rated, not always

    def mean(pred):
        xs = [i.fun for i in data.interactions if i.fun is not None and pred(i)]
        return sum(xs) / len(xs)

    assert mean(lambda i: i.summary == "Board games night") > mean(lambda i: i.mode == "text") + 1
    assert mean(lambda i: i.routine is not None) > mean(lambda i: i.work)
    # Fun has a random stream of its own: the same story as before, whatever seed the fun takes.
    again = demo.generate(90, 1, datetime(2026, 11, 26, 18, tzinfo=UTC), B)
    assert [i.fun for i in again.interactions] == funs


def test_demo_command_stores_fun(cli, home):
    r = json.loads(cli("demo", "--days", "30", "--json", check=0).stdout)
    assert r["interactions"] > 0
    with store.connect(_db(home)) as con:
        n, rated = con.execute("SELECT count(*), count(fun) FROM interactions").fetchone()
    assert 0 < rated < n


def test_migration_keeps_rows_ids_and_sequence(tmp_path):
    """A database made before 0006_fun: its interactions and ids stay, new ones continue after them."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    for name, step in MIGRATIONS:
        if name == "0006_fun":
            break
        if callable(step):
            step(con)
        else:
            for stmt in [s for s in step.split(";\n") if s.strip()]:
                con.execute(stmt)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
    for _ in range(3):
        con.execute(
            "INSERT INTO interactions (happened_at, duration_min, mode, closeness, logged_at) "
            "VALUES ('2026-11-20 10:00', 30, 'video', 4, '2026-11-20 10:30')"
        )
    con.execute("DELETE FROM interactions WHERE id = 2")
    con.close()
    path.chmod(0o600)
    with store.connect(path) as con:
        assert con.execute("SELECT id, closeness, fun FROM interactions ORDER BY id").fetchall() == [
            (1, 4, None),
            (3, 4, None),
        ]
        new = con.execute(
            "INSERT INTO interactions (happened_at, duration_min, mode, fun, logged_at) "
            "VALUES ('2026-11-21 10:00', 30, 'text', 2, '2026-11-21 10:30') RETURNING id"
        ).fetchone()[0]
        assert new == 4
        with pytest.raises(duckdb.ConstraintException):
            con.execute("UPDATE interactions SET fun = 0 WHERE id = 4")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("UPDATE interactions SET closeness = 8 WHERE id = 4")  # the old checks survive
