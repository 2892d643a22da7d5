"""Every bad input is exit 2, one `Error:` line saying what is accepted, no
traceback, and nothing written. A table of cases, each run against a copy of a real database file
holding one interaction: all in-process through the same main() as the console script (fast), and
a sample again through the real console script."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.domain import interactions as core
from tracker.store import interactions as store_i
from tracker.store import people as store_p

LOG = ["log", "--with", "Sam", "--at", "2025-11-20 10:00", "--for", "1h"]
DURATION_OK = "like 90m, 1h30m, 1.5h or 1:30"
CLOSENESS_OK = "a whole number from 1 (distant) to 7 (very close)"
MODES_OK = "use in-person, video, voice or text"
HEADER = "id,happened_at,duration_min,mode,people,closeness,tags,note,summary,place,initiated,phones_away,work,logged_at,routine"
ROW = '{"happened_at": "2025-11-20T10:00:00+01:00", "duration_min": 30, "mode": "in-person", "people": ["Jo"]'

# (id, argv, import file (name, bytes) or None, fragments the one-line message must contain)
CASES = [
    ("mode", LOG + ["--mode", "walk"], None, ["unknown mode 'walk'", MODES_OK]),
    ("closeness-0", LOG + ["--closeness", "0"], None, [CLOSENESS_OK, "got '0'"]),
    ("closeness-8", LOG + ["--closeness", "8"], None, [CLOSENESS_OK, "got '8'"]),
    ("closeness-abc", LOG + ["--closeness", "abc"], None, [CLOSENESS_OK, "got 'abc'"]),
    ("duration-abc", LOG[:-1] + ["abc"], None, ["cannot read duration 'abc'", DURATION_OK]),
    ("duration-neg", LOG[:-1] + ["-5m"], None, ["duration '-5m' must be more than 0", DURATION_OK]),
    ("duration-0", LOG[:-1] + ["0m"], None, ["must be more than 0", DURATION_OK]),
    ("duration-30h", LOG[:-1] + ["30h"], None, ["longer than 24h", DURATION_OK]),
    ("future", ["log", "--with", "Sam", "--at", "2099-01-01 10:00", "--for", "1h"], None, ["in the future"]),
    (
        "impossible-date",
        ["log", "--with", "Sam", "--at", "2026-13-40 10:00", "--for", "1h"],
        None,
        ["impossible date or time '2026-13-40 10:00'", "YYYY-MM-DD HH:MM"],
    ),
    ("unreadable-time", ["log", "--with", "Sam", "--at", "teatime", "--for", "1h"], None, ["cannot read time"]),
    ("empty-with", ["log", "--with", "", "--for", "1h"], None, ["empty name", "--with Sam"]),
    ("blank-with", ["log", "--with", " , ", "--for", "1h"], None, ["empty name"]),
    ("no-with", ["log", "--for", "1h"], None, ["--with NAME"]),
    ("no-for", ["log", "--with", "Sam"], None, ["--for is required", "--for 45m"]),
    ("initiated", LOG + ["--initiated", "maybe"], None, ["unknown initiated 'maybe'", "me, them, mutual"]),
    ("phones", LOG + ["--phones-away", "sometimes"], None, ["unknown phones away", "yes, partly, no"]),
    ("unknown-option", LOG + ["--colour", "red"], None, ["No such option '--colour'"]),
    ("list-since", ["interactions", "list", "--since", "someday"], None, ["cannot read date 'someday'"]),
    ("list-mode", ["interactions", "list", "--mode", "walk"], None, [MODES_OK]),
    (
        "list-range",
        ["interactions", "list", "--since", "2025-11-02", "--until", "2025-11-01"],
        None,
        ["must be before"],
    ),
    ("show-unknown", ["interactions", "show", "999"], None, ["no interaction #999"]),
    ("show-not-a-number", ["interactions", "show", "one"], None, ["'one' is not a valid integer"]),
    ("edit-unknown", ["interactions", "edit", "999", "--note", "x"], None, ["no interaction #999"]),
    ("edit-bad", ["interactions", "edit", "1", "--mode", "walk"], None, [MODES_OK]),
    ("delete-unknown", ["interactions", "delete", "999"], None, ["no interaction #999"]),
    ("restore-unknown", ["interactions", "restore", "999"], None, ["no interaction #999"]),
    ("people-empty", ["people", "add", " "], None, ["empty name"]),
    ("people-comma", ["people", "add", "Sam, Jo"], None, ["contains ','"]),
    ("people-tier", ["people", "add", "Jo", "--tier", "bestie"], None, ["'bestie' is not one of"]),
    ("people-unknown", ["people", "show", "Nobody"], None, ["no person called 'Nobody'"]),
    ("merge-self", ["people", "merge", "Sam", "sam"], None, ["cannot merge a person into themselves"]),
    (
        "import-bad-field",
        None,
        ("a.json", f'[{ROW}}}, {ROW}, "mode": "walk"}}]'),
        ["row 2, field \"mode\": unknown mode 'walk'", MODES_OK],
    ),
    ("import-bad-json", None, ("a.json", '[{"happened_at": '), ["is not valid JSON (line 1", "offscreen export"]),
    ("import-not-array", None, ("a.json", ROW + "}"), ["must hold a JSON array"]),
    (
        "import-wrong-type",
        None,
        ("a.json", f'[{ROW}, "closeness": "high"}}]'),
        ['row 1, field "closeness"', CLOSENESS_OK],
    ),
    (
        "import-people-string",
        None,
        ("a.json", "[" + ROW.replace('["Jo"]', '"Jo"') + "}]"),
        ['row 1, field "people": must be a list'],
    ),
    ("import-unknown-field", None, ("a.json", f'[{ROW}, "mood": 3}}]'), ['row 1, field "mood": unknown field']),
    (
        "import-missing-field",
        None,
        ("a.json", '[{"happened_at": "2025-11-20T10:00:00+01:00", "mode": "text", "people": ["Jo"]}]'),
        ['row 1, field "duration_min": is missing'],
    ),
    (
        "import-future",
        None,
        ("a.json", f"[{ROW.replace('2025', '2099')}}}]"),
        ['row 1, field "happened_at"', "in the future"],
    ),
    (
        "import-csv-missing-column",
        None,
        ("a.csv", "happened_at,duration_min,people\n2025-11-20 10:00,30,Jo\n"),
        ['missing column "mode"'],
    ),
    (
        "import-csv-bad-cell",
        None,
        (
            "a.csv",
            f"{HEADER}\n,2025-11-20T10:00:00+01:00,30,video,Jo,,,,,,,,false,,\n"
            f",2025-11-21T10:00:00+01:00,-5,video,Jo,,,,,,,,false,,\n",
        ),
        ['row 2, field "duration_min"', "must be more than 0"],
    ),
    (
        "import-csv-bad-work",
        None,
        ("a.csv", f"{HEADER}\n,2025-11-20T10:00:00+01:00,30,video,Jo,,,,,,,,perhaps,,\n"),
        ['row 1, field "work": work must be true or false'],
    ),
    (
        "import-csv-ragged",
        None,
        ("a.csv", "happened_at,duration_min,mode,people\n2025-11-20 10:00,30,text\n"),
        ["row 1: has 3 cells but the header has 4 columns"],
    ),
    (
        "import-csv-bad-quote",
        None,
        ("a.csv", 'happened_at,duration_min,mode,people\n"2025-11-20 10:00"x,30,text,Jo\n'),
        ["is not valid CSV"],
    ),
    ("import-not-utf8", None, ("a.csv", b"happened_at\n\xff\xfe\n"), ["is not UTF-8 text"]),
    ("import-unknown-ext", None, ("a.txt", "x"), ["cannot tell the format", "--format json"]),
    ("import-empty-csv", None, ("a.csv", ""), ["is empty; expected a header line"]),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One database with one interaction (#1 with Sam), copied for every case."""
    path = tmp_path_factory.mktemp("seed") / "seed.duckdb"
    with store.connect(path) as con:
        it = core.build(
            {"happened_at": "2025-11-19T10:00:00+01:00", "duration_min": 60, "people": ["Sam"]},
            datetime(2026, 1, 1, tzinfo=UTC),
            zone=UTC,
        )
        store_i.insert(con, it, store_p.resolve(con, it.people))
    return path


def _dump(db) -> list:
    with store.connect(db) as con:
        return [
            con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("interactions", "people", "aliases", "interaction_people", "schema_migrations")
        ]


def _check(runner, tmp_path, seeded, argv, upload, fragments):
    db = tmp_path / "db" / "offscreen.duckdb"
    db.parent.mkdir(mode=0o700)
    shutil.copy(seeded, db)
    before = _dump(db)
    if upload is not None:
        name, content = upload
        f = tmp_path / name
        f.write_bytes(content.encode() if isinstance(content, str) else content)
        argv = ["import", f]
    r = runner("--db", db, *argv)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    for fragment in fragments:
        assert fragment in r.stderr
    assert _dump(db) == before


@pytest.mark.parametrize("case_id, argv, upload, fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input(cli, tmp_path, seeded, case_id, argv, upload, fragments):
    _check(cli, tmp_path, seeded, argv, upload, fragments)


REAL = (
    "mode",
    "closeness-abc",
    "duration-30h",
    "impossible-date",
    "empty-with",
    "edit-unknown",
    "import-bad-field",
    "import-csv-missing-column",
)


@pytest.mark.parametrize("case_id, argv, upload, fragments", [c for c in CASES if c[0] in REAL], ids=REAL)
def test_bad_input_real_process(run, tmp_path, seeded, case_id, argv, upload, fragments):
    _check(run, tmp_path, seeded, argv, upload, fragments)


def test_bad_log_creates_no_database(cli, tmp_path):
    r = cli("log", "--with", "Sam", "--for", "0m", check=2)
    assert r.stderr.startswith("Error: duration '0m' must be more than 0")
    assert not (tmp_path / "offscreen" / "data").exists()
