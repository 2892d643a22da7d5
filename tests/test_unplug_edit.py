"""`offscreen unplug edit ID` and `unplug delete ID`: correct a session's start, end or note under
the same rules as `unplug` (planned blocks at most a day ahead and with an end, no overlaps), and
delete one only when confirmed."""

from __future__ import annotations

import json

import pytest

from inproc import cli  # noqa: F401 (fixture)

NOW = "2026-11-26T19:00:00+01:00"  # Berlin, UTC+1


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)


def listed(cli) -> list[tuple]:
    rows = json.loads(cli("unplug", "list", "--json", check=0).stdout)
    return [
        (r["id"], r["start"][11:16], r["end"][11:16], r["minutes"], r["running"], r["planned"], r["note"]) for r in rows
    ]


def _error(r):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    return lines[0]


def test_edit_length_start_and_note(cli):
    cli("unplug", "--at", "14:00", "--for", "1h", "--note", "walk", check=0)
    r = cli("unplug", "edit", "1", "--for", "90m", check=0)
    assert r.stdout == "Session 1: 2026-11-26 14:00-15:30 (1h30m), walk.\n"
    assert listed(cli) == [(1, "14:00", "15:30", 90.0, False, False, "walk")]
    cli("unplug", "edit", "1", "--at", "15:00", check=0)  # moving the start keeps the length
    assert listed(cli) == [(1, "15:00", "16:30", 90.0, False, False, "walk")]
    cli("unplug", "edit", "1", "--until", "16:00", "--note", "", check=0)
    assert listed(cli) == [(1, "15:00", "16:00", 60.0, False, False, None)]


def test_edit_keeps_the_unplug_rules(cli):
    cli("unplug", "--at", "14:00", "--for", "1h", check=0)
    cli("unplug", "--at", "20:00", "--for", "1h", check=0)  # planned
    before = listed(cli)
    assert "overlaps session 2" in _error(cli("unplug", "edit", "1", "--until", "20:30"))
    assert "overlaps session 1" in _error(cli("unplug", "edit", "2", "--at", "14:30"))
    assert "more than a day" in _error(cli("unplug", "edit", "2", "--at", "2026-11-27 21:00"))
    assert "not both" in _error(cli("unplug", "edit", "1", "--for", "2h", "--until", "18:00"))
    assert "before it starts" in _error(cli("unplug", "edit", "1", "--until", "13:00"))
    assert "nothing to change" in _error(cli("unplug", "edit", "1"))
    assert "no device-free session 9" in _error(cli("unplug", "edit", "9", "--for", "1h"))
    _error(cli("unplug", "edit", "1", "--for", "soon"))
    _error(cli("unplug", "edit", "1", "--at", "teatime"))
    _error(cli("unplug", "edit", "1", "--until", "later"))
    _error(cli("unplug", "edit", "two", "--for", "1h"))
    assert listed(cli) == before
    # A planned block stays a planned block, moved within the next day.
    cli("unplug", "edit", "2", "--at", "21:00", check=0)
    assert listed(cli)[1] == (2, "21:00", "22:00", 60.0, False, True, None)


def test_edit_a_running_session(cli):
    cli("unplug", "--at", "18:00", check=0)  # running since 18:00, open-ended
    r = cli("unplug", "edit", "1", "--for", "2h", check=0)
    assert r.stdout == "Session 1: 2026-11-26 18:00-20:00 (2h00m) (running).\n"
    assert listed(cli) == [(1, "18:00", "19:00", 60.0, True, False, None)]  # listed up to now
    _error(cli("unplug", "--for", "1h"))  # still running: no second one
    cli("unplug", "edit", "1", "--until", "18:30", check=0)  # it ended earlier than recorded
    assert listed(cli) == [(1, "18:00", "18:30", 30.0, False, False, None)]


def test_an_open_ended_session_cannot_move_later_than_now(cli):
    cli("unplug", "--at", "18:00", check=0)  # running, no end
    assert "needs an end" in _error(cli("unplug", "edit", "1", "--at", "21:00"))
    cli("unplug", "edit", "1", "--at", "21:00", "--for", "1h", check=0)
    assert listed(cli) == [(1, "21:00", "22:00", 60.0, False, True, None)]


def test_delete_is_confirmed(cli):
    cli("unplug", "--at", "14:00", "--for", "1h", check=0)
    assert "--yes" in _error(cli("unplug", "delete", "1"))
    assert len(listed(cli)) == 1
    r = cli("unplug", "delete", "1", "--yes", check=0)
    assert r.stdout == "Deleted device-free session 1 from 2026-11-26 14:00.\n"
    assert listed(cli) == []
    _error(cli("unplug", "delete", "1", "--yes"))
