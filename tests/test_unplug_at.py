"""`offscreen unplug --at`: one rule at every hour. A start later than now plans a block; a start
in the past that ends later is a session running since then; one that has ended is recorded after
the fact. The README's `unplug --at 18:00 --for 2h` works whenever it is typed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from inproc import cli  # noqa: F401 (fixture)

DAY = "2026-11-26"  # Berlin, UTC+1


def at(hhmm: str) -> dict:
    return {"OFFSCREEN_NOW": f"{DAY}T{hhmm}:00+01:00"}


def listed(cli, env) -> list[tuple]:
    rows = json.loads(cli("unplug", "list", "--json", check=0, env=env).stdout)
    return [(r["start"][11:16], r["end"][11:16], r["minutes"], r["running"], r["planned"], r["verdict"]) for r in rows]


@pytest.mark.parametrize("now", ["00:05", "05:00", "17:59", "18:00", "18:30", "19:59", "20:00", "23:30"])
def test_the_readme_example_works_at_any_hour(cli, now):
    env = at(now)
    r = cli("unplug", "--at", "18:00", "--for", "2h", "--note", "walk with Sam", check=0, env=env)
    clock = datetime.fromisoformat(f"{DAY}T{now}")
    begin = datetime.fromisoformat(f"{DAY}T18:00")
    end = begin + timedelta(hours=2)
    if clock < begin:
        assert r.stdout.startswith("Planned device-free time 18:00-20:00 (2h00m).")
        state = (False, True, "planned")
    elif clock < end:
        assert r.stdout.startswith("Unplugged from 18:00 until 20:00 (2h00m).")
        state = (True, False, "no data")
    else:
        assert r.stdout == "Recorded device-free time 18:00-20:00 (2h00m).\n"
        state = (False, False, "no data")
    # A running session shows its minutes so far; any other its whole length.
    shown_end = clock if state[0] else end
    minutes = (shown_end - begin).total_seconds() / 60
    assert listed(cli, env) == [("18:00", f"{shown_end:%H:%M}", minutes, *state)]


def test_a_planned_block_starts_on_its_own_and_can_be_called_off(cli):
    cli("unplug", "--at", "18:00", "--for", "2h", check=0, env=at("09:00"))
    r = cli("unplug", "--at", "19:00", "--for", "30m", check=2, env=at("09:00"))
    assert r.stderr == "Error: overlaps session 1 from 2026-11-26 18:00\n"
    r = cli("unplug", check=2, env=at("09:00"))  # open-ended now would run into it
    assert r.stderr.startswith("Error: device-free time is planned from 18:00;") and len(r.stderr.splitlines()) == 1
    cli("unplug", "--for", "1h", check=0, env=at("09:00"))  # ends well before: fine
    assert listed(cli, at("18:30")) == [
        ("09:00", "10:00", 60.0, False, False, "no data"),
        ("18:00", "18:30", 30.0, True, False, "no data"),
    ]
    r = cli("unplug", "stop", check=0, env=at("18:30"))
    assert r.stdout == "Welcome back: 30m device-free since 18:00.\n"

    cli("unplug", "--at", "21:00", "--for", "1h", check=0, env=at("19:00"))
    r = cli("unplug", "stop", check=0, env=at("20:00"))
    assert r.stdout == "Called off the device-free time planned for 21:00-22:00.\n"
    assert [row[:2] for row in listed(cli, at("23:00"))] == [("09:00", "10:00"), ("18:00", "18:30")]
    r = cli("unplug", "stop", check=2, env=at("23:00"))
    assert "no device-free session is running" in r.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--at", "18:00"], "a planned session needs --for"),
        (["--at", "2026-11-28 09:00", "--for", "1h"], "in the future by more than a day"),
    ],
)
def test_planning_refusals(cli, app, args, needle):
    r = cli("unplug", *args, check=2, env=at("09:00"))
    assert r.stderr.startswith("Error: ") and needle in r.stderr and len(r.stderr.splitlines()) == 1
    assert not app.paths.db.exists() or listed(cli, at("09:00")) == []


def test_the_old_early_morning_case_still_runs(cli):
    r = cli("unplug", "--at", "05:58", "--for", "3m", check=0, env=at("06:00"))
    assert r.stdout.startswith("Unplugged from 05:58 until 06:01 (3m).")


def test_tomorrow_morning_can_be_planned_late_in_the_evening(cli, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-12-01T23:00:00+01:00")
    r = cli("unplug", "--at", "tomorrow 07:00", "--for", "1h", check=0)
    assert r.stdout.startswith("Planned device-free time 07:00-08:00 (1h00m).")
    (item,) = json.loads(cli("unplug", "list", "--json", "--since", "2026-12-01", check=0).stdout)
    assert item["planned"] is True and item["start"].startswith("2026-12-02T07:00:00+01:00")
