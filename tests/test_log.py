"""`offscreen log` against a real DuckDB file (TZ Europe/Berlin): in-process through the same
main() as the console script, and through the real console script where a terminal (a pty) or the
process itself (what it imports) is what is tested."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store

NOW = datetime(2026, 11, 26, 18, 0, 30, tzinfo=UTC)  # 19:00:30 in Berlin


@pytest.fixture
def now(monkeypatch):
    """Pin the CLI's clock (App.now) to NOW."""
    monkeypatch.setenv("OFFSCREEN_NOW", NOW.isoformat())
    return NOW


def _db(tmp_path) -> Path:
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _listed(cli) -> list[dict]:
    return json.loads(cli("interactions", "list", "--json", check=0).stdout)


def test_log_prints_what_was_stored_and_stores_every_field(cli, tmp_path, now):
    r = cli(
        "log",
        "lunch",
        "at",
        "the",
        "canteen",
        "--with",
        "Sam, Alex",
        "--with",
        "Jo",
        "--at",
        "2025-11-20 12:30",
        "--for",
        "1h",
        "--closeness",
        "5",
        "--fun",
        "4",
        "--tag",
        "food",
        "--tag",
        "work friends",
        "--note",
        "talked about Lisbon",
        "--place",
        "canteen",
        "--initiated",
        "them",
        "--phones-away",
        "partly",
        "--work",
        check=0,
    )
    assert r.stdout == (
        "Logged #1: in-person with Sam, Alex, Jo, 2025-11-20 12:30-13:30 (1h00m), closeness 5, fun 4: lunch at the canteen\n"
    )
    assert r.stderr == "New person: Sam\nNew person: Alex\nNew person: Jo\n"
    [item] = _listed(cli)
    logged_at = item.pop("logged_at")
    assert item == {
        "id": 1,
        "happened_at": "2025-11-20T12:30:00+01:00",
        "duration_min": 60,
        "mode": "in-person",
        "people": ["Alex", "Jo", "Sam"],
        "closeness": 5,
        "fun": 4,
        "tags": ["food", "work friends"],
        "note": "talked about Lisbon",
        "summary": "lunch at the canteen",
        "place": "canteen",
        "initiated": "them",
        "phones_away": "partly",
        "work": True,
        "routine": None,
    }
    # Both when it happened and when it was logged are stored; logged_at is "now", to the second.
    assert logged_at == "2026-11-26T19:00:30+01:00"
    with store.connect(_db(tmp_path)) as con:
        assert con.execute("SELECT happened_at, source FROM interactions").fetchall() == [
            (datetime(2025, 11, 20, 11, 30), "cli")
        ]


def test_default_time_is_now_minus_duration_and_default_mode_in_person(cli, now):
    cli("log", "--with", "Sam", "--for", "45m", check=0)
    [item] = _listed(cli)
    assert datetime.fromisoformat(item["happened_at"]) == now - timedelta(minutes=45)
    assert item["mode"] == "in-person" and item["duration_min"] == 45 and item["closeness"] is None
    assert item["work"] is False and item["tags"] == [] and item["note"] is None


def test_summer_time_offset_and_mode_aliases(cli):
    cli("log", "--with", "Mum", "--mode", "call", "--at", "2025-06-10 19:00", "--for", "1:30", check=0)
    cli("log", "--with", "Jo", "--mode", "IRL", "--at", "2025-06-11 19:00", "--for", "1.5h", check=0)
    items = _listed(cli)
    assert [(i["happened_at"], i["mode"], i["duration_min"]) for i in items] == [
        ("2025-06-10T19:00:00+02:00", "voice", 90),
        ("2025-06-11T19:00:00+02:00", "in-person", 90),
    ]


def test_people_created_on_first_use_and_matched_case_insensitively_and_by_alias(cli):
    cli("log", "--with", "Sam Lee", "--at", "2025-11-20 10:00", "--for", "30m", check=0)
    cli("people", "alias", "sam lee", "Sammy", check=0)
    r = cli("log", "--with", "SAM LEE,sammy", "--at", "2025-11-21 10:00", "--for", "30m", check=0)
    # One person (both names are Sam), shown by the stored name.
    assert r.stdout == "Logged #2: in-person with Sam Lee, 2025-11-21 10:00-10:30 (30m)\n"
    r = cli("log", "--with", "SAMMY", "--at", "2025-11-22 10:00", "--for", "30m", check=0)
    people = json.loads(cli("people", "list", "--json", check=0).stdout)
    assert [(p["name"], p["interactions"]) for p in people] == [("Sam Lee", 3)]


def test_missing_essentials_without_a_terminal_is_exit_2_never_a_prompt(cli, tmp_path):
    r = cli("log", "--with", "Sam", check=2)
    assert r.stderr == "Error: --for is required when stdin is not a terminal, e.g. --for 45m or --for 1h30m\n"
    r = cli("log", "--for", "1h", check=2)
    assert r.stderr.startswith("Error: say who you were with: --with NAME")
    assert not _db(tmp_path).exists()  # nothing written, not even a database


def test_interaction_that_would_end_in_the_future_is_rejected(cli, tmp_path, now):
    r = cli("log", "--with", "Sam", "--at", "18:50", "--for", "2h", check=2)
    assert r.stderr == (
        "Error: it would end at 2026-11-26 20:50, in the future; shorten the duration or log it afterwards\n"
    )
    assert not _db(tmp_path).exists()


def test_prompts_for_missing_essentials_at_a_terminal(tmp_path):
    """With a real pseudo-terminal on stdin, `log` asks for who, how long and (optionally) closeness and fun."""
    exe = Path(sys.executable).with_name("offscreen")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [str(exe), "log", "coffee", "--at", "2025-11-20 09:00"],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        os.close(slave)
        slave = None
        # Typed answers; the first duration is wrong and is asked again, and so is a fun of 7.
        os.write(master, b"Sam, Alex\nabc\n45m\n6\n7\n4\n")
        out, err = proc.communicate(timeout=60)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0, (out, err)
    assert "Who were you with" in out and "How long" in out and "Closeness 1-7" in out and "Fun 1-5" in out
    assert "cannot read duration 'abc'" in out + err
    assert "fun must be a whole number from 1 (no fun) to 5 (lots of laughter), got '7'" in out + err
    # Typed text echoes on the terminal, not on stdout, so the prompts run together on one line.
    assert out.endswith(
        ": Logged #1: in-person with Sam, Alex, 2025-11-20 09:00-09:45 (45m), closeness 6, fun 4: coffee\n"
    )


def test_bad_option_at_a_terminal_fails_before_any_prompt(tmp_path):
    exe = Path(sys.executable).with_name("offscreen")
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [str(exe), "log", "--mode", "walk"], stdin=slave, capture_output=True, text=True, timeout=60
        )
    finally:
        os.close(slave)
        os.close(master)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "Error: unknown mode 'walk'; use in-person, video, voice or text\n"


def test_routine_is_stored_by_name(cli, tmp_path):
    cli("people", "add", "Sam", check=0)
    cli("routine", "add", "Friday dinner", "--every", "week", "--on", "fri", "--with", "Sam", check=0)
    cli("log", "--with", "Sam", "--for", "1h", "--at", "2025-11-21 19:00", "--routine", "friday DINNER", check=0)
    r = cli("log", "--with", "Sam", "--for", "1h", "--at", "2025-11-22 19:00", "--routine", "brunch", check=2)
    assert r.stderr == "Error: no routine called 'brunch' (routines: Friday dinner)\n"
    [item] = _listed(cli)
    assert item["routine"] == "Friday dinner"
    with store.connect(_db(tmp_path)) as con:
        rid = con.execute("SELECT id FROM routines").fetchone()[0]
        assert con.execute("SELECT routine_id FROM interactions").fetchall() == [(rid,)]


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import sys\nfrom tracker.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "print('\\n'.join(sys.modules))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_help_imports_neither_duckdb_nor_plotly():
    mods = _modules_after(["--help"])
    assert "click" in mods  # the check is real: the help did run
    assert not {m for m in mods if m.split(".")[0] in ("duckdb", "_duckdb", "plotly", "pandas", "numpy")}


def test_log_does_not_import_plotly():
    mods = _modules_after(["log", "--with", "Sam", "--for", "5m", "--at", "2025-11-20 10:00"])
    assert "_duckdb" in mods or "duckdb" in mods  # the log did reach the store
    assert not {m for m in mods if m.split(".")[0] in ("plotly", "pandas", "Xlib", "pynput")}


def test_log_imports_only_what_it_uses():
    # Each of these is 1-2 ms of `log`'s CPU (issue 14): the config (read only when an overlap is
    # shown), invitations (only for --invite), the queue (log reads nothing the daemon queued).
    mods = _modules_after(["log", "--with", "Sam, Alex", "--for", "5m", "--at", "2025-11-20 10:00"])
    assert {"_duckdb", "tracker.store.people", "difflib"} <= mods  # stored, and new people were compared
    unused = {"json", "random", "tracker.config", "tracker.usecases.invitations", "tracker.domain.invitations"}
    # What the interpreter loads before offscreen runs at all (coverage's start-up under `make test`
    # imports json and random) is not the command's doing.
    r = subprocess.run(
        [sys.executable, "-c", "import sys; print('\\n'.join(sys.modules))"], capture_output=True, text=True, timeout=60
    )
    before = set(r.stdout.split())
    assert not (unused - before) & mods, sorted((unused - before) & mods)
    assert not {m for m in mods if m.startswith("tracker.daemon")}


def test_from_idle_fills_time_and_duration(cli, tmp_path, now):
    now = now.replace(tzinfo=None)  # stored naive UTC
    away_start, away_end = now - timedelta(minutes=55), now - timedelta(minutes=10)
    r = cli("log", "--from-idle", "--with", "Sam", check=2)
    assert r.stderr.startswith("Error: no absence of 30 min to 4 h ended in the last hour")
    with store.connect(_db(tmp_path)) as con:
        con.execute(
            "INSERT INTO activity (span_id, start_utc, end_utc, app, state) VALUES "
            "('a', ?, ?, 'code', 'active'), ('b', ?, ?, NULL, 'idle'), ('c', ?, ?, 'code', 'active')",
            [away_start - timedelta(hours=1), away_start, away_start, away_end, away_end, now],
        )
    r = cli("log", "--from-idle", "--with", "Sam", "coffee", check=0)
    assert r.stdout == "Logged #1: in-person with Sam, 2026-11-26 18:05-18:50 (45m): coffee\n"
    [item] = _listed(cli)
    assert (item["happened_at"], item["duration_min"]) == ("2026-11-26T18:05:30+01:00", 45)


# --- duplicates, overlaps and new people ----------------------------------------------------


def _count(tmp_path, table: str) -> int:
    with store.connect(_db(tmp_path)) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_an_exact_duplicate_is_refused_naming_it_unless_force(cli, tmp_path, now):
    cli("log", "--with", "Sam", "--at", "17:00", "--for", "1h", check=0)
    r = cli("log", "--with", "sam", "--at", "17:00", "--for", "60m", check=2)
    assert r.stdout == ""
    assert r.stderr == (
        "Error: this duplicates #1 with Sam, 17:00-18:00 (same people, start, duration and mode); "
        "nothing logged (add --force to log it again)\n"
    )
    assert _count(tmp_path, "interactions") == 1
    r = cli("log", "--with", "Sam", "--at", "17:00", "--for", "1h", "--force", check=0)
    assert r.stdout == "Logged #2: in-person with Sam, 2026-11-26 17:00-18:00 (1h00m)\n"
    assert r.stderr == "Warning: duplicates #1 with Sam, 17:00-18:00\n"
    # Another mode at the same time is an overlap, not a duplicate: stored, one line per overlap.
    r = cli("log", "--with", "Sam", "--mode", "voice", "--at", "17:00", "--for", "1h", check=0)
    assert r.stderr == "Warning: overlaps #1 with Sam, 17:00-18:00\nWarning: overlaps #2 with Sam, 17:00-18:00\n"
    assert _count(tmp_path, "interactions") == 3


def test_an_overlap_with_the_same_people_is_stored_and_named(cli, tmp_path, now):
    cli("log", "--with", "Sam,Alex", "--at", "17:00", "--for", "1h", check=0)
    cli("log", "--with", "Jo", "--at", "16:00", "--for", "3h", check=0)
    r = cli("log", "--with", "Sam", "--at", "17:30", "--for", "1h", check=0)
    assert r.stdout == "Logged #3: in-person with Sam, 2026-11-26 17:30-18:30 (1h00m)\n"
    assert r.stderr == "Warning: overlaps #1 with Sam, 17:00-18:00\n"  # Jo's afternoon is not Sam's
    r = cli("log", "--with", "Alex, Sam", "--at", "16:00", "--for", "2h", check=0)
    assert r.stderr == (
        "Warning: overlaps #1 with Alex, Sam, 17:00-18:00\nWarning: overlaps #3 with Sam, 17:30-18:30\n"
    )
    # One ending as the next begins does not overlap it.
    assert cli("log", "--with", "Sam", "--at", "18:30", "--for", "20m", check=0).stderr == ""
    assert _count(tmp_path, "interactions") == 5


def test_an_overlap_starting_on_another_local_day_shows_its_date(cli, now):
    # 02:00-05:00 belongs to the 25th (days start at 04:00); 04:30 is the 26th.
    cli("log", "--with", "Sam", "--at", "2026-11-26 02:00", "--for", "3h", check=0)
    r = cli("log", "--with", "Sam", "--at", "2026-11-26 04:30", "--for", "1h", check=0)
    assert r.stderr == "Warning: overlaps #1 with Sam, 2026-11-26 02:00-05:00\n"
    r = cli("log", "--with", "Sam", "--at", "2026-11-26 01:00", "--for", "1h30m", check=0)
    assert r.stderr == "Warning: overlaps #1 with Sam, 02:00-05:00\n"


def test_a_new_name_says_a_person_was_created_and_suggests_a_close_one(cli, tmp_path, now):
    r = cli("log", "--with", "Sam", "--at", "10:00", "--for", "1h", check=0)
    assert r.stderr == "New person: Sam\n"
    r = cli("log", "--with", "Sammy", "--at", "12:00", "--for", "1h", check=0)
    assert r.stderr == "New person: Sammy (did you mean Sam? If so: offscreen people merge Sam Sammy)\n"
    cli("people", "alias", "Sam", "Samuel", check=0)
    r = cli("log", "--with", "samuele, Jo Ann", "--at", "14:00", "--for", "1h", check=0)
    assert r.stderr == "New person: samuele (did you mean Sam (alias Samuel)?)\nNew person: Jo Ann\n"
    r = cli("log", "--with", "Jo", "--at", "15:00", "--for", "1h", check=0)  # the first word of Jo Ann
    assert r.stderr == "New person: Jo (did you mean Jo Ann? If so: offscreen people merge 'Jo Ann' Jo)\n"
    # Known names, by alias or in another case, are no news.
    assert cli("log", "--with", "SAMUEL", "--at", "16:00", "--for", "1h", check=0).stderr == ""
    assert _count(tmp_path, "people") == 5
