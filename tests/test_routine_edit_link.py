"""`offscreen routine edit` and `routine link` / `add --link-past`: a routine can be corrected, and
interactions with its people that were logged without --routine are found and can be linked.

The clock is pinned ($OFFSCREEN_NOW) to a Thursday evening; days are laid out relative to it.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest

from dbrows import add_interaction, add_person
from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.times import Calendar, local_zone, to_storage
from tracker.store import connect
from tracker.store import practice as sp

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-26T20:00:00+01:00")


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def _noon(day):
    return to_storage(Calendar(local_zone()).wall(day, time(12, 0)))


def _people(db, *names):
    with connect(db) as con:
        return [add_person(con, n, created_at=_noon(TODAY - timedelta(days=90))) for n in names]


def _row(db, name):
    with connect(db) as con:
        return sp.get_routine(con, name)


def test_edit_changes_only_the_given_fields(cli, db):
    _people(db, "Sam", "Alex", "Priya")
    cli("routine", "add", "Friday dinner", "--every", "week", "--on", "fri", "--with", "Sam", "--note", "n", check=0)
    before = _row(db, "friday dinner")

    r = cli("routine", "edit", "friday dinner", "--on", "sat", check=0)
    assert r.stdout == "Updated routine 'Friday dinner': every week on sat with Sam.\n"
    after = _row(db, "friday dinner")
    assert after["on_weekday"] == 5
    assert {k: after[k] for k in after if k != "on_weekday"} == {k: before[k] for k in before if k != "on_weekday"}

    r = cli("routine", "edit", "Friday dinner", "--name", "Dinner", "--with", "alex", "--with", "Priya", check=0)
    assert r.stdout == "Updated routine 'Dinner': every week on sat with Alex, Priya.\n"
    assert _row(db, "friday dinner") is None
    d = _row(db, "dinner")
    assert (d["id"], d["people"], d["note"], d["starts_on"]) == (
        before["id"],
        ["Alex", "Priya"],
        "n",
        before["starts_on"],
    )

    # A monthly routine has no planned weekday: --every month drops it; --note '' clears the note.
    r = cli("routine", "edit", "dinner", "--every", "2 months", "--note", "", check=0)
    assert r.stdout == "Updated routine 'Dinner': every 2 months with Alex, Priya.\n"
    d = _row(db, "dinner")
    assert (d["unit"], d["every_n"], d["on_weekday"], d["note"]) == ("month", 2, None, None)


def test_edit_bad_input_writes_nothing(cli, db):
    _people(db, "Sam")
    cli("routine", "add", "Walk", "--every", "week", "--with", "Sam", check=0)
    cli("routine", "add", "Run", "--every", "day", check=0)
    before = _row(db, "walk")
    for args, needle in [
        ([], "nothing to change"),
        (["--every", "fortnightly"], "--every 'fortnightly'"),
        (["--on", "someday"], "--on 'someday'"),
        (["--every", "month", "--on", "fri"], "--on only works with weekly routines"),
        (["--with", "Nobody"], "unknown person 'Nobody'"),
        (["--name", "run"], "already exists"),
        (["--name", "  "], "needs a name"),
    ]:
        r = cli("routine", "edit", "walk", *args, check=2)
        assert r.stderr.startswith("Error: ") and needle in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
    assert cli("routine", "edit", "nope", "--on", "fri", check=2).stderr.startswith("Error: no routine called 'nope'")
    assert _row(db, "walk") == before


def _calls(db, mum, dad):
    """Four calls to Mum since the routine's start (one with Dad too), one before it, one with Dad
    only, one deleted: four match."""
    with connect(db) as con:
        for back in (20, 13, 6, 1):
            add_interaction(
                con,
                happened_at=_noon(TODAY - timedelta(days=back)),
                duration_min=25,
                mode="voice",
                person_ids=[mum, dad] if back == 6 else [mum],
            )
        add_interaction(con, happened_at=_noon(TODAY - timedelta(days=40)), duration_min=25, person_ids=[mum])
        add_interaction(con, happened_at=_noon(TODAY - timedelta(days=3)), duration_min=25, person_ids=[dad])
        add_interaction(
            con,
            happened_at=_noon(TODAY - timedelta(days=2)),
            duration_min=25,
            person_ids=[mum],
            deleted_at=_noon(TODAY - timedelta(days=1)),
        )


def test_show_hints_at_unlinked_calls_and_link_counts_them(cli, db):
    mum, dad = _people(db, "Mum", "Dad")
    _calls(db, mum, dad)
    since = (TODAY - timedelta(days=27)).isoformat()
    r = cli("routine", "add", "Call mum", "--every", "week", "--with", "Mum", "--since", since, check=0)
    assert '4 past interactions match it; link them with: offscreen routine link "Call mum"' in r.stdout
    data = json.loads(cli("routine", "show", "call mum", "--json", check=0).stdout)
    assert (data["held"], data["unlinked"]) == (0, 4)
    text = cli("routine", "show", "call mum", check=0).stdout
    assert (
        'interactions with Mum logged without --routine could count; link them: offscreen routine link "Call mum"'
        in text
    )
    assert "4 interactions" in text

    done = json.loads(cli("routine", "link", "Call mum", "--json", check=0).stdout)
    want = [(TODAY - timedelta(days=b)).isoformat() for b in (20, 13, 6, 1)]
    assert done == {"name": "Call mum", "linked": 4, "dates": want}
    data = json.loads(cli("routine", "show", "call mum", "--json", check=0).stdout)
    assert (data["held"], data["unlinked"]) == (4, 0)
    assert "could count" not in cli("routine", "show", "call mum", check=0).stdout
    r = cli("routine", "link", "Call mum", check=0)
    assert r.stdout == "Nothing to link: no interaction logged without --routine matches 'Call mum'.\n"
    assert cli("routine", "link", "nope", check=2).stderr.startswith("Error: no routine called 'nope'")


def test_add_link_past_links_the_matching_ones(cli, db):
    mum, dad = _people(db, "Mum", "Dad")
    _calls(db, mum, dad)
    since = (TODAY - timedelta(days=27)).isoformat()
    r = cli("routine", "add", "Call mum", "--every", "week", "--with", "Mum", "--since", since, "--link-past", check=0)
    assert "Linked 4 past interactions with it." in r.stdout and "match it" not in r.stdout
    data = json.loads(cli("routine", "show", "call mum", "--json", check=0).stdout)
    assert (data["held"], data["unlinked"]) == (4, 0)
    # A routine with Mum and Dad matches only the call both were on.
    r = cli("routine", "add", "Both", "--every", "week", "--with", "Mum", "--with", "Dad", "--since", since, check=0)
    assert "match it" not in r.stdout  # that call is already linked to "Call mum"
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM interactions WHERE routine_id IS NOT NULL").fetchone()[0] == 4


@pytest.mark.parametrize("answer, held", [("y\n", 4), ("n\n", 0)])
def test_add_at_a_terminal_offers_to_link(cli, db, monkeypatch, answer, held):
    import io

    from tracker.commands import practice as commands

    mum, dad = _people(db, "Mum", "Dad")
    _calls(db, mum, dad)
    monkeypatch.setattr(commands, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    since = (TODAY - timedelta(days=27)).isoformat()
    r = cli("routine", "add", "Call mum", "--every", "week", "--with", "Mum", "--since", since, check=0)
    assert "4 past interactions with Mum since then. Link them?" in r.stdout
    assert ("Linked 4 past interactions with it." in r.stdout) == (held == 4)
    assert ("routine link" in r.stdout) == (held == 0)
    data = json.loads(cli("routine", "show", "call mum", "--json", check=0).stdout)
    assert (data["held"], data["unlinked"]) == (held, 4 - held)
