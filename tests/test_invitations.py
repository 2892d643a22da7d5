"""Invitations (issue 18) through the real CLI on a real DuckDB file, the clock pinned (Europe/Berlin):
every `invite` command, bad input (exit 2, one line, nothing written), the link `log --invite`
makes and the one `log` offers at a terminal, counts in `report --json`, view 12's data, backup
and restore, export and import, the demo, and the nudge."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.config import Nudges
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import dashboard as queries
from tracker.usecases import nudges

B = ZoneInfo("Europe/Berlin")
NOW = "2026-11-26T19:00:00+01:00"  # a Thursday evening


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)
    return tmp_path / "offscreen"


def _db(home: Path) -> Path:
    return home / "data" / "offscreen.duckdb"


def _listed(cli) -> list[dict]:
    return json.loads(cli("invite", "list", "--json", check=0).stdout)


def _rows(home: Path) -> dict[str, int]:
    with store.connect(_db(home)) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("invitations", "invitation_people", "people", "interactions")
        }


def test_every_command(cli, home):
    r = cli("invite", "--to", "Sam", "--for", "dinner", "--on", "fri 19:00", check=0)
    # "fri 19:00" on a Thursday is the coming Friday: an invitation is for what lies ahead.
    assert r.stdout == "Recorded invitation #1: you invited Sam to dinner, 2026-11-27 19:00 (no answer yet)\n"
    assert r.stderr == "New person: Sam\n"
    r = cli("invite", "--from", "Priya, Sammy", "--for", "climbing", "--on", "tomorrow 18:00", "--answer", "yes",
            check=0)  # fmt: skip
    assert r.stdout == "Recorded invitation #2: Priya, Sammy invited you to climbing, 2026-11-27 18:00 (you said yes)\n"
    assert (
        r.stderr == "New person: Priya\nNew person: Sammy (did you mean Sam? If so: offscreen people merge Sam Sammy)\n"
    )
    assert cli("invite", "answer", "1", "maybe", check=0).stdout == (
        "Answered invitation #1: you invited Sam to dinner, 2026-11-27 19:00 (they said maybe)\n"
    )
    r = cli("invite", "edit", "1", "--on", "none", "--for", "lunch", "--note", "somewhere quiet", check=0)
    assert r.stdout == "Updated invitation #1: you invited Sam to lunch (they said maybe)\n"
    first, second = _listed(cli)
    assert first == {
        "id": 1,
        "direction": "given",
        "people": ["Sam"],
        "what": "lunch",
        "planned_for": None,
        "made_at": "2026-11-26T19:00:00+01:00",
        "answer": "maybe",
        "answered_at": "2026-11-26T19:00:00+01:00",
        "interaction_id": None,
        "interaction_at": None,
        "note": "somewhere quiet",
        "open": True,
    }
    assert (second["direction"], second["people"], second["planned_for"]) == (
        "received",
        ["Priya", "Sammy"],
        "2026-11-27T18:00:00+01:00",
    )
    table = cli("invite", "list", check=0).stdout.splitlines()
    assert table[0].split() == ["ID", "MADE", "WAY", "WHO", "FOR", "ON", "ANSWER", "BECAME"]
    assert table[1].split() == ["#1", "2026-11-26", "to", "Sam", "lunch", "maybe"]
    cli("invite", "answer", "1", "no", check=0)
    assert [r["id"] for r in json.loads(cli("invite", "list", "--open", "--json", check=0).stdout)] == [2]
    assert [r["id"] for r in json.loads(cli("invite", "list", "--with", "priya", "--json", check=0).stdout)] == [2]
    # Deleting is for good: outside a terminal only with --yes.
    r = cli("invite", "delete", "1", check=2)
    assert r.stderr == (
        "Error: deleting invitation #1: you invited Sam to lunch (they said no) cannot be undone; "
        "add --yes to delete it\n"
    )
    assert cli("invite", "delete", "1", "--yes", check=0).stdout == "Deleted invitation #1 (lunch).\n"
    assert [r["id"] for r in _listed(cli)] == [2]
    assert _rows(home)["invitation_people"] == 2
    assert "Examples:" in cli("invite", "--help", check=0).stdout
    assert "offscreen invite --to Sam" in cli("invite", check=0).stdout  # alone: the help


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("--to", "Sam", "--from", "Jo", "--for", "x"),
            "give --to (you invited them) or --from (they invited you), not both",
        ),
        (("--to", "Sam"), 'say what the invitation is for, e.g. --for "dinner"'),
        (("--for", "dinner"), "say who: --to NAME (you invited them) or --from NAME (they invited you)"),
        (
            ("--to", "Sam", "--for", "x", "--answer", "perhaps"),
            "unknown answer 'perhaps'; use yes, no, maybe or pending",
        ),
        (("--to", "Sam", "--for", "x", "--on", "someday"), "cannot read time 'someday'"),
        (("--to", "Sam", "--for", "x", "--at", "tomorrow 10:00"), "is in the future; an invitation is made by now"),
        (("--to", "Sam\x1b", "--for", "x"), "contains a control character (U+001B)"),
        (("--to", "Sam", "--for", "x" * 501), "what is longer than 500 characters (501)"),
        (("--to", "Sam,", "--for", "x"), "empty name"),
        (("answer", "7", "yes"), "no invitation #7; see 'offscreen invite list'"),
        (("edit", "7", "--note", "x"), "no invitation #7; see 'offscreen invite list'"),
        (("delete", "7", "--yes"), "no invitation #7; see 'offscreen invite list'"),
        (("answer", "1", "perhaps"), "unknown answer 'perhaps'"),
        (("edit", "1"), "nothing to change"),
        (("edit", "1", "--interaction", "99"), "no interaction #99"),
        (("edit", "1", "--interaction", "x1"), "--interaction takes an interaction id or 'none'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, home, args, message):
    cli("invite", "--to", "Jo", "--for", "tea", check=0)
    before = (_rows(home), _listed(cli))
    r = cli("invite", *args, check=2)
    assert r.stdout == "" and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr
    assert (_rows(home), _listed(cli)) == before


def test_log_invite_links_what_it_became(cli, home):
    cli("invite", "--from", "Sam,Alex", "--for", "dinner", "--on", "2026-11-25 19:00", "--at", "2026-11-22 10:00",
        check=0)  # fmt: skip
    # --with defaults to the invitation's people; a pending invitation that happened is accepted.
    r = cli("log", "--invite", "1", "--at", "2026-11-25 19:00", "--for", "2h", "dinner", check=0)
    assert r.stdout == "Logged #1: in-person with Alex, Sam, 2026-11-25 19:00-21:00 (2h00m): dinner\n"
    assert r.stderr == "Linked invitation #1 (dinner); it happened, so it counts as accepted\n"
    [inv] = _listed(cli)
    assert (inv["interaction_id"], inv["interaction_at"], inv["answer"], inv["open"]) == (
        1,
        "2026-11-25T19:00:00+01:00",
        "yes",
        False,
    )
    # Linked already, declined, unknown: refused before anything is logged.
    before = _rows(home)
    r = cli("log", "--invite", "1", "--with", "Sam", "--for", "1h", check=2)
    assert r.stderr == (
        "Error: invitation #1 is already linked to interaction #1; unlink it first: "
        "offscreen invite edit 1 --interaction none\n"
    )
    cli("invite", "--to", "Jo", "--for", "a run", "--answer", "no", check=0)
    before = _rows(home)
    r = cli("log", "--invite", "2", "--for", "1h", check=2)
    assert r.stderr == (
        "Error: invitation #2 (a run) was declined; if it happened after all, record that first: "
        "offscreen invite answer 2 yes\n"
    )
    assert cli("log", "--invite", "9", "--for", "1h", check=2).stderr == (
        "Error: no invitation #9; see 'offscreen invite list'\n"
    )
    assert _rows(home) == before
    cli("invite", "edit", "1", "--interaction", "none", check=0)
    assert _listed(cli)[0]["interaction_id"] is None
    cli("invite", "edit", "1", "--interaction", "1", check=0)
    assert _listed(cli)[0]["interaction_id"] == 1


def test_log_invite_refuses_other_people(cli, home):
    cli("invite", "--from", "Priya", "--for", "climbing", "--on", "2026-11-25 19:00", check=0)
    cli("log", "--with", "Sam", "--at", "2026-11-20 10:00", "--for", "30m", check=0)
    before = _rows(home)
    # Sam is known, Priya is not among the people logged: refused, nothing written or linked.
    r = cli("log", "x", "--with", "Sam", "--for", "30m", "--invite", "1", check=2)
    assert r.stderr == (
        "Error: invitation #1 (climbing) is with Priya, who is not in this interaction; "
        "add them to --with, or leave --with out to use the invitation's people\n"
    )
    r = cli("log", "x", "--with", "priya ", "--with", "Sam", "--for", "30m", "--invite", "1", check=0)
    assert r.stderr == "Linked invitation #1 (climbing); it happened, so it counts as accepted\n"
    assert (_rows(home)["interactions"], before["interactions"]) == (2, 1)


def test_people_merge_moves_invitations(cli, home):
    cli("invite", "--to", "Sam,Sammy", "--for", "tea", check=0)
    cli("invite", "--from", "Sammy", "--for", "cake", check=0)
    cli("people", "merge", "Sam", "Sammy", check=0)
    assert [r["people"] for r in _listed(cli)] == [["Sam"], ["Sam"]]


def _pty_log(args: list[str], typed: bytes) -> tuple[int, str, str]:
    exe = Path(sys.executable).with_name("offscreen")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [str(exe), *args],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        os.close(slave)
        slave = None
        os.write(master, typed)
        out, err = proc.communicate(timeout=60)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return proc.returncode, out, err


def test_log_offers_the_link_at_a_terminal_only(cli, home):
    cli("invite", "--to", "Sam", "--for", "dinner", "--on", "2026-11-25 19:00", "--at", "2026-11-20 10:00",
        "--answer", "yes", check=0)  # fmt: skip
    # A script logging the same people is never asked, and nothing is linked.
    cli("log", "--with", "Sam", "--at", "2026-11-25 19:00", "--for", "1h", check=0)
    assert _listed(cli)[0]["interaction_id"] is None
    # At a terminal: asked, and Enter (the default, yes) links it.
    code, out, err = _pty_log(["log", "--with", "sam", "--at", "2026-11-25 20:30", "--for", "1h"], b"\n")
    assert code == 0, (out, err)
    assert "Was this invitation #1 (dinner with Sam)? Link them [Y/n]:" in out
    assert out.endswith("Linked invitation #1 (dinner)\n")
    assert _listed(cli)[0]["interaction_id"] == 2
    # Linked now: the next interaction with Sam is not offered it.
    code, out, _ = _pty_log(["log", "--with", "Sam", "--at", "2026-11-26 08:00", "--for", "30m"], b"\n")
    assert code == 0 and "Was this" not in out


def test_counts_in_the_report_and_view_12(cli, home):
    # This week (the report's last 7 days from Fri 20 Nov): two made, one accepted; one received, said yes.
    cli("invite", "--to", "Sam", "--for", "dinner", "--at", "2026-11-21 10:00", "--answer", "yes", check=0)
    cli("invite", "--to", "Jo", "--for", "a run", "--at", "2026-11-24 10:00", "--answer", "no", check=0)
    cli("invite", "--from", "Ana", "--for", "a walk", "--at", "2026-11-25 10:00", "--answer", "yes", check=0)
    cli("invite", "--from", "Ben", "--for", "cards", "--at", "2026-11-26 10:00", check=0)
    # The week before: one made, no answer.
    cli("invite", "--to", "Sam", "--for", "lunch", "--at", "2026-11-16 10:00", check=0)
    cli("log", "--with", "Sam", "--at", "2026-11-23 12:00", "--for", "1h", "--initiated", "me", check=0)
    s = json.loads(cli("report", "--json", check=0).stdout)
    assert s["invitations"] == {
        "current": {
            "made": 2,
            "made_accepted": 1,
            "made_unanswered": 0,
            "received": 2,
            "received_accepted": 1,
            "received_unanswered": 1,
            "happened": 0,
        },
        "previous": {
            "made": 1,
            "made_accepted": 0,
            "made_unanswered": 1,
            "received": 0,
            "received_accepted": 0,
            "received_unanswered": 0,
            "happened": 0,
        },
    }
    text = cli("report", check=0).stdout
    assert "  Invitations   you made 2 (they said yes to 1), got 2 (you said yes to 1)\n" in text
    assert "                before: made 1 (yes to 0), got 0 (yes to 0)\n" in text

    cal = Calendar(B, 4)

    def at(*a):
        return datetime(*a, tzinfo=B).astimezone(UTC).replace(tzinfo=None)

    rng = Range(since_utc=at(2026, 11, 9, 4), until_utc=at(2026, 11, 30, 4), now_utc=at(2026, 11, 26, 19), calendar=cal)
    with store.connect(_db(home)) as con:
        d = queries.courage(con, rng)
    assert d["weeks"] == ["2026-11-16", "2026-11-23"]  # no interaction in the week of the 16th: its invitation counts
    assert d["initiated"] == [0, 1]
    assert d["invited"] == [2, 1]  # lunch on Mon 16, dinner on Sat 21; the run on Tue 24
    assert d["they_accepted"] == [1, 0]
    assert d["received"] == [0, 2]
    assert d["you_accepted"] == [0, 1]
    # The first record is 16 November: no four weeks of history before either week, so no usual yet.
    assert d["reach_usual"] == [None, None]
    later = Range(
        since_utc=at(2026, 12, 21, 4), until_utc=at(2026, 12, 28, 4), now_utc=at(2026, 12, 28, 4), calendar=cal
    )
    with store.connect(_db(home)) as con:
        # Ben's invitation moves into the week of 21 December.
        con.execute("UPDATE invitations SET made_at = made_at + INTERVAL 28 DAY WHERE what = 'cards'")
        d = queries.courage(con, later)
    # 23 Nov - 20 Dec: the run you invited Jo to and the lunch you started with Sam, over 4 weeks.
    assert (d["weeks"], d["received"], d["reach_usual"]) == (["2026-12-21"], [1], [0.5])
    from dashboards.practice_views import courage_view

    v = courage_view(d, later)
    names = [t.name for t in v.figure.data]
    assert names[:4] == ["I reached out", "I invited", "they said yes to mine", "I said yes to theirs"]
    assert names[-1] == "my usual reaching out" and "never" not in v.caption and "not a target" in v.caption


def test_backup_restore_and_merge_keep_the_links(cli, home, tmp_path):
    cli("invite", "--from", "Sam", "--for", "dinner", "--at", "2026-11-20 10:00", "--answer", "yes", check=0)
    cli("log", "--invite", "1", "--at", "2026-11-21 19:00", "--for", "2h", check=0)
    cli("invite", "--to", "Jo", "--for", "tea", "--note", "n", check=0)
    before = _listed(cli)
    cli("backup", "-o", tmp_path / "b.json", check=0)
    other = tmp_path / "other"
    env = {"OFFSCREEN_HOME": str(other)}
    cli("restore", tmp_path / "b.json", check=0, env=env)
    assert json.loads(cli("invite", "list", "--json", check=0, env=env).stdout) == before
    # Into a database with an interaction and an invitation of its own: new ids, links re-pointed.
    third = {"OFFSCREEN_HOME": str(tmp_path / "third")}
    cli("log", "--with", "Kim", "--at", "2026-11-01 10:00", "--for", "1h", check=0, env=third)
    cli("invite", "--to", "Kim", "--for", "coffee", "--at", "2026-11-01 09:00", check=0, env=third)
    cli("restore", tmp_path / "b.json", "--merge", check=0, env=third)
    merged = json.loads(cli("invite", "list", "--json", check=0, env=third).stdout)
    assert [(r["id"], r["what"], r["interaction_id"], r["interaction_at"]) for r in merged] == [
        (1, "coffee", None, None),
        (2, "dinner", 2, "2026-11-21T19:00:00+01:00"),
        (3, "tea", None, None),
    ]
    cli("restore", tmp_path / "b.json", "--merge", check=0, env=third)  # twice: nothing new
    assert len(json.loads(cli("invite", "list", "--json", check=0, env=third).stdout)) == 3


def test_export_import_round_trip(cli, home, tmp_path):
    cli("invite", "--from", "Sam, Lee", "--for", "=dinner; with \"friends\"", "--on", "2026-11-21 19:00",
        "--at", "2026-11-20 10:00", "--answer", "maybe", "--note", "line1\nline2", check=0)  # fmt: skip
    cli("log", "--invite", "1", "--at", "2026-11-21 19:00", "--for", "2h", check=0)
    cli("invite", "--to", "Jo", "--for", "tea", check=0)
    for fmt in ("json", "csv"):
        cli("export", "-o", tmp_path / f"i.{fmt}", check=0)
        r = cli("export", "--what", "invitations", "-o", tmp_path / f"v.{fmt}", check=0)
        assert r.stdout == f"Exported 2 invitations to {tmp_path / f'v.{fmt}'}\n"
        env = {"OFFSCREEN_HOME": str(tmp_path / fmt)}
        # Imported as interactions by mistake: refused with the way out, nothing written.
        r = cli("import", tmp_path / f"v.{fmt}", check=2, env=env)
        assert "looks like an invitations export; import it with --what invitations" in r.stderr
        cli("import", tmp_path / f"i.{fmt}", check=0, env=env)
        r = cli("import", "--what", "invitations", tmp_path / f"v.{fmt}", check=0, env=env)
        assert r.stdout == f"Imported 2 invitations from {tmp_path / f'v.{fmt}'}\n"
        again = cli("export", "--what", "invitations", "--format", fmt, check=0, env=env).stdout
        assert again == (tmp_path / f"v.{fmt}").read_text()
        r = cli("import", "--what", "invitations", tmp_path / f"v.{fmt}", check=0, env=env)
        assert r.stdout == f"Imported 0 invitations from {tmp_path / f'v.{fmt}'} (2 duplicates skipped)\n"
    rec = json.loads((tmp_path / "v.json").read_text())[0]
    assert (rec["answer"], rec["interaction_at"], rec["what"]) == (
        "yes",
        "2026-11-21T19:00:00+01:00",
        '=dinner; with "friends"',
    )
    assert "'=dinner" in (tmp_path / "v.csv").read_text()  # formula-escaped for spreadsheets
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**rec, "answer": "perhaps"}]))
    r = cli("import", "--what", "invitations", bad, check=2, env={"OFFSCREEN_HOME": str(tmp_path / "bad")})
    assert r.stderr == "Error: row 1, field \"answer\": unknown answer 'perhaps'; use yes, no, maybe or pending\n"


def test_invitations_imported_first_are_linked_on_a_second_import(cli, home, tmp_path):
    cli("invite", "--from", "Sam", "--for", "dinner", "--on", "2026-11-21 19:00", "--at", "2026-11-20 10:00", check=0)
    cli("log", "--invite", "1", "--at", "2026-11-21 19:00", "--for", "2h", check=0)
    cli("invite", "--to", "Jo", "--for", "tea", check=0)
    cli("export", "-o", tmp_path / "i.json", check=0)
    cli("export", "--what", "invitations", "-o", tmp_path / "v.json", check=0)
    env = {"OFFSCREEN_HOME": str(tmp_path / "other")}
    # The wrong order: no interaction to link to yet.
    cli("import", "--what", "invitations", tmp_path / "v.json", check=0, env=env)
    assert [r["interaction_id"] for r in _listed_in(cli, env)] == [None, None]
    cli("import", tmp_path / "i.json", check=0, env=env)
    r = cli("import", "--what", "invitations", tmp_path / "v.json", check=0, env=env)
    assert r.stdout == (
        f"Imported 0 invitations from {tmp_path / 'v.json'} "
        "(2 duplicates skipped, 1 of them linked now to the interaction it became)\n"
    )
    assert [(r["interaction_id"], r["interaction_at"]) for r in _listed_in(cli, env)] == [
        (1, "2026-11-21T19:00:00+01:00"),
        (None, None),
    ]
    r = cli("import", "--what", "invitations", tmp_path / "v.json", check=0, env=env)  # once only
    assert r.stdout == f"Imported 0 invitations from {tmp_path / 'v.json'} (2 duplicates skipped)\n"


def _listed_in(cli, env: dict) -> list[dict]:
    return json.loads(cli("invite", "list", "--json", check=0, env=env).stdout)


def test_demo_has_a_few(cli, home):
    cli("demo", "--days", "60", check=0)
    rows = _listed(cli)
    assert 4 <= len(rows) <= 15
    assert {r["direction"] for r in rows} == {"given", "received"}
    assert {r["answer"] for r in rows} >= {"yes", "no", "pending"}
    linked = [r for r in rows if r["interaction_id"]]
    assert linked and all(r["made_at"] < r["interaction_at"] for r in linked)
    # The one waiting for an answer is the day's nudge (not in quiet hours at 19:00).
    r = cli("nudge", "--dry-run", check=0)
    assert "invited you to birthday drinks 4 days ago" in r.stdout


# --- the nudge -----------------------------------------------------------------------------------

NOON = datetime(2026, 11, 26, 12, 0, tzinfo=B)
NOQUIET = Nudges(quiet_start="00:00", quiet_end="00:00")
WAITING = {"id": 7, "people": ["Priya"], "what": "climbing", "days": 4}


def test_decide_an_unanswered_invitation():
    d = nudges.decide(NOON, NOQUIET, unanswered=[WAITING])
    assert d.nudge == nudges.Nudge(
        "invitation",
        "Priya invited you to climbing 4 days ago. Whatever the answer, saying it helps them plan.",
        "offscreen invite answer 7 yes|no|maybe",
        7,
    )
    # Under the same rules as every nudge: one a day, quiet hours, the off switch.
    assert nudges.decide(NOON, NOQUIET, sent_at=NOON, unanswered=[WAITING]).nudge is None
    assert nudges.decide(NOON, Nudges(quiet_start="11:00", quiet_end="13:00"), unanswered=[WAITING]).why == "quiet"
    assert nudges.decide(NOON, Nudges(enabled=False), unanswered=[WAITING]).why == "off"
    # A routine about to be missed comes first; an overdue friend after.
    risk = {"name": "Friday dinner", "current_streak": 4, "days_left": 1}
    assert nudges.decide(NOON, NOQUIET, at_risk=[risk], unanswered=[WAITING]).nudge.kind == "routine"


def test_waiting_for_you_rule():
    from tracker.domain.invitations import waiting_for_you

    now = datetime(2026, 11, 26, 12)
    base = {"direction": "received", "answer": "pending", "nudged_at": None, "planned_for": None}
    assert waiting_for_you({**base, "made_at": now - timedelta(days=3)}, now)
    assert not waiting_for_you({**base, "made_at": now - timedelta(days=2, hours=23)}, now)  # too soon
    assert not waiting_for_you({**base, "made_at": now - timedelta(days=9), "nudged_at": now}, now)  # asked once
    assert not waiting_for_you({**base, "made_at": now - timedelta(days=9), "direction": "given"}, now)
    assert not waiting_for_you({**base, "made_at": now - timedelta(days=9), "answer": "maybe"}, now)
    assert not waiting_for_you(
        {**base, "made_at": now - timedelta(days=9), "planned_for": now - timedelta(hours=1)}, now
    )


def test_nudge_asks_once_per_invitation(cli, home):
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text("[nudges]\ndesktop = false\n")
    cli("invite", "--from", "Priya", "--for", "climbing", "--at", "2026-11-22 10:00", check=0)
    assert cli("nudge", check=0).stdout.startswith("Priya invited you to climbing 4 days ago.")
    # The next day nothing else is due: the same invitation is not asked about again.
    r = cli("nudge", "--dry-run", check=0, env={"OFFSCREEN_NOW": "2026-11-27T19:00:00+01:00"})
    assert r.stdout.startswith("No nudge now: nothing is due.")
    with store.connect(_db(home)) as con:
        assert con.execute("SELECT nudged_at FROM invitations").fetchall() == [(datetime(2026, 11, 26, 18, 0),)]


def test_help_has_examples(cli):
    for sub in ("list", "answer", "edit", "delete"):
        assert "Example" in cli("invite", sub, "--help", check=0).stdout
    assert "--invite ID" in cli("log", "--help", check=0).stdout
