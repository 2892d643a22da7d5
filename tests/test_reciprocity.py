"""Serve and return (issue 18): who starts things with each person, from the pure rule through
`people show`, `people list --json`, the dashboard's data and the one-sided nudge, against a real
DuckDB with the clock pinned (OFFSCREEN_NOW; TZ Europe/Berlin from conftest)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import store
from tracker.config import Config, Nudges
from tracker.domain import reciprocity as rec
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store.practice import claim_nudge
from tracker.usecases import dashboard as usecase
from tracker.usecases import nudges

NOW = "2026-11-26T12:00:00+01:00"
B = ZoneInfo("Europe/Berlin")
NOQUIET = Nudges(quiet_start="00:00", quiet_end="00:00")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)
    return tmp_path / "offscreen"


def _db(home):
    return home / "data" / "offscreen.duckdb"


def log(cli, who: str, day: int, initiated: str | None, *, month: int = 11, mode: str = "in-person") -> None:
    args = ["log", "--with", who, "--at", f"2026-{month:02d}-{day:02d} 10:00", "--for", "30m", "--mode", mode]
    cli(*args, *(["--initiated", initiated] if initiated else []), check=0)


# --- the pure rule ---------------------------------------------------------------------------


def test_nothing_is_said_below_the_threshold_and_unknowns_do_not_count():
    b = rec.balance("Sam", ["them", None, "them", "me", None, "them"])  # newest first: 4 say who
    assert (b.considered, b.recorded, b.enough, b.shares(), b.one_sided) == (6, 4, False, None, None)
    assert rec.sentence(b) == "Not enough yet: 4 one-to-one interactions say who started it, 5 needed."
    one = rec.balance("Sam", ["me"])
    assert rec.sentence(one) == "Not enough yet: 1 one-to-one interaction says who started it, 5 needed."
    assert rec.sentence(rec.balance("Sam", [])) == (
        "Not enough yet: 0 one-to-one interactions say who started it, 5 needed."
    )


def test_one_sided_both_ways_and_what_ends_a_run():
    me = rec.balance("Sam", ["me"] * 8 + ["them", "mutual"])
    assert (me.one_sided, me.run, rec.sentence(me)) == ("me", 8, "You started the last 8 with Sam.")
    assert me.shares() == {"me": 0.8, "them": 0.1, "mutual": 0.1}
    them = rec.balance("Sam", ["them"] * 6 + ["me"] * 4)
    assert (them.one_sided, rec.sentence(them)) == ("them", "Sam started the last 6: maybe reach out?")
    # An interaction that doesn't say who started it ends the run: "the last 6" would not be true.
    broken = rec.balance("Sam", ["them"] * 3 + [None] + ["them"] * 4)
    assert (broken.run, broken.one_sided) == (3, None)
    assert rec.sentence(broken) == "Of the last 7 that say who started them: you started 0, Sam 7."
    mixed = rec.balance("Jo", ["mutual", "them", "them", "them", "them", "them", "me"])
    assert (mixed.run_by, mixed.one_sided) == (None, None)
    assert rec.sentence(mixed) == "Of the last 7 that say who started them: you started 1, Jo 5, both 1."
    # Only the latest LAST_N count.
    old = rec.balance("Sam", ["me"] * 10 + ["them"] * 5)
    assert (old.considered, old.me, old.them, old.run) == (10, 10, 0, 10)


# --- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def people(cli, home):
    """Sam started the last 6 one-to-one; Alex: I started the last 8 (of 11, the oldest beyond the
    last 10); Jo: 4 say who started (not enough); a group with Sam and Jo counts for neither;
    a one-to-one with Jo more than 180 days ago is out of the window."""
    for d in range(1, 7):
        log(cli, "Sam", d, "them")
    log(cli, "Sam", 7, "me", month=10)  # older than the six above
    for d in range(1, 12):
        log(cli, "Alex", d + 10, "me" if d > 3 else "them", mode="text")  # days 11-13 them, 14-21 me
    for d, who in ((22, "me"), (23, None), (24, "them"), (25, "mutual"), (26, None)):
        log(cli, "Jo", d, who, month=10)
    cli("log", "--with", "Sam, Jo", "--at", "2026-11-25 10:00", "--for", "1h", "--initiated", "them", check=0)
    log(cli, "Jo", 1, "me", month=3)  # 2026-03-01: beyond the window
    return home


def test_people_show_says_it_in_words(cli, people):
    out = cli("people", "show", "sam", check=0).stdout
    assert "  who starts:      Sam started the last 6: maybe reach out?\n" in out
    out = cli("people", "show", "alex", check=0).stdout
    assert "  who starts:      You started the last 8 with Alex.\n" in out
    out = cli("people", "show", "jo", check=0).stdout
    assert "  who starts:      Not enough yet: 3 one-to-one interactions say who started it, 5 needed.\n" in out


def test_people_list_json_has_the_counts_and_shares(cli, people):
    rows = {p["name"]: p["reciprocity"] for p in json.loads(cli("people", "list", "--json", check=0).stdout)}
    assert rows["Sam"] == {
        "considered": 7,
        "recorded": 7,
        "needed": 5,
        "me": 1,
        "them": 6,
        "mutual": 0,
        "shares": {"me": 0.14, "them": 0.86, "mutual": 0.0},
        "one_sided": "them",
        "run": 6,
        "said": "Sam started the last 6: maybe reach out?",
    }
    assert rows["Alex"] == {
        "considered": 10,
        "recorded": 10,
        "needed": 5,
        "me": 8,
        "them": 2,
        "mutual": 0,
        "shares": {"me": 0.8, "them": 0.2, "mutual": 0.0},
        "one_sided": "me",
        "run": 8,
        "said": "You started the last 8 with Alex.",
    }
    assert rows["Jo"]["considered"] == 5 and rows["Jo"]["recorded"] == 3
    assert (rows["Jo"]["shares"], rows["Jo"]["one_sided"], rows["Jo"]["run"]) == (None, None, None)
    show = json.loads(cli("people", "show", "Sam", "--json", check=0).stdout)
    assert show["reciprocity"] == rows["Sam"]


def test_deleted_and_merged_interactions(cli, people):
    """A deleted interaction does not count; merging moves the interactions to who is kept."""
    cli("interactions", "delete", "1", check=0)  # one of Sam's "them"
    sam = json.loads(cli("people", "show", "Sam", "--json", check=0).stdout)["reciprocity"]
    assert (sam["them"], sam["run"]) == (5, 5)
    log(cli, "Samuel", 10, "them")
    cli("people", "merge", "Sam", "Samuel", check=0)
    sam = json.loads(cli("people", "show", "Sam", "--json", check=0).stdout)["reciprocity"]
    assert (sam["them"], sam["run"]) == (6, 6)


def test_dashboard_data_for_the_serve_and_return_view(cli, people):
    cal = Calendar(B)
    rng = Range.of(datetime(2026, 11, 1, tzinfo=B), rng_now(), rng_now(), cal, Config())
    with store.connect(_db(people)) as con:
        d = usecase.view_data(con, rng)["serve-and-return"]
    assert [p["name"] for p in d["people"]] == ["Alex", "Sam"]  # both one-sided: by name; Jo not enough
    assert d["people"][1]["shares"] == {"me": 0.14, "them": 0.86, "mutual": 0.0}
    assert (d["not_enough"], d["needed"], d["last_n"], d["window_days"]) == (1, 5, 10, 180)
    from dashboards import serve_views

    v = serve_views.serve_and_return_view(d, rng)
    assert v.reading == "You started the last 8 with Alex. Sam started the last 6: maybe reach out?"
    assert [t.name for t in v.figure.data] == ["you started", "together", "they started"]
    assert list(v.figure.data[2].x) == [0.2, 0.86]
    # Seen from the range's end: by 4 November Sam had 4 that say who started (3 + 1 in October).
    early = Range.of(datetime(2026, 11, 1, tzinfo=B), datetime(2026, 11, 4, tzinfo=B), rng_now(), cal, Config())
    with store.connect(_db(people)) as con:
        e = usecase.view_data(con, early)["serve-and-return"]
    assert [p["name"] for p in e["people"]] == [] and e["not_enough"] == 2  # Sam and Jo; Alex had none yet
    assert serve_views.serve_and_return_view(e, early).empty.startswith("Nobody has 5 one-to-one interactions")


def rng_now():
    return datetime(2026, 11, 26, 12, tzinfo=B)


# --- the nudge ---------------------------------------------------------------------------------

SAM = rec.balance("Sam", ["them"] * 6)
SAM_AND_ME = rec.balance("Sam", ["them"] * 6 + ["me"])  # they started the last 6, but not all 10
ALEX = rec.balance("Alex", ["me"] * 8)


def test_decide_offers_a_one_sided_friendship_last_and_rarely():
    now = datetime(2026, 11, 26, 12, tzinfo=B)
    d = nudges.decide(now, NOQUIET, one_sided=[ALEX, SAM])
    assert d.nudge == nudges.Nudge(
        "one-sided",
        "Sam started the last 6 times you two met or talked. Maybe reach out this time?",
        "offscreen people show Sam",
    )
    # Never about a friendship you carry, nor one where you started any of the latest.
    assert nudges.decide(now, NOQUIET, one_sided=[ALEX, SAM_AND_ME]).why == "nothing-due"
    # Rarely: not within 14 days of the last one-sided nudge (whoever it was about).
    assert nudges.decide(now, NOQUIET, one_sided=[SAM], one_sided_last=date(2026, 11, 13)).why == "nothing-due"
    assert nudges.decide(now, NOQUIET, one_sided=[SAM], one_sided_last=date(2026, 11, 12)).nudge.kind == "one-sided"
    # TODAY is the calendar's day (days may start at 04:00), not NOW's date.
    late = nudges.decide(now, NOQUIET, one_sided=[SAM], one_sided_last=date(2026, 11, 12), today=date(2026, 11, 25))
    assert late.why == "nothing-due"
    # Everything else comes first; quiet hours and one a day hold as for any nudge.
    risk = {"name": "Friday dinner", "current_streak": 0, "days_left": 2}
    assert nudges.decide(now, NOQUIET, at_risk=[risk], one_sided=[SAM]).nudge.kind == "routine"
    quiet = nudges.decide(datetime(2026, 11, 26, 23, tzinfo=B), Nudges(), one_sided=[SAM])
    assert (quiet.nudge, quiet.why, quiet.otherwise.kind) == (None, "quiet", "one-sided")
    sent = nudges.decide(now, NOQUIET, sent_at=now, one_sided=[SAM])
    assert (sent.nudge, sent.why) == (None, "sent")
    assert nudges.decide(now, Nudges(enabled=False), one_sided=[SAM]).why == "off"


def test_nudge_dry_run_reads_the_database(cli, people):
    r = cli("nudge", "--dry-run", check=0)  # Sam: the latest 7 include one I started
    assert "Sam started" not in r.stdout
    cli("interactions", "delete", "7", check=0)  # that one (October 7)
    r = cli("nudge", "--dry-run", check=0)
    assert "Sam started the last 6 times you two met or talked. Maybe reach out this time?" in r.stdout
    with store.connect(_db(people)) as con:  # a one-sided nudge 10 days ago: not again yet
        claim_nudge(con, date(2026, 11, 16), "one-sided", "x", datetime(2026, 11, 16, 11, tzinfo=UTC))
    r = cli("nudge", "--dry-run", check=0)
    assert "Sam started" not in r.stdout


# --- invitations each way ----------------------------------------------------------------------


def test_invitations_since_the_last_one_the_other_way():
    three = rec.invites("Priya", ["received"] * 3 + ["given", "received"])  # newest first
    assert (three.received_since, three.given_since, three.one_sided) == (3, 0, "them")
    assert rec.invites_sentence(three) == (
        "Priya invited you 3 times since you last invited them: maybe invite them this time?"
    )
    never = rec.invites("Priya", ["received"] * 4)
    assert rec.invites_sentence(never) == (
        "Priya invited you 4 times and you have not invited them yet: maybe invite them this time?"
    )
    mine = rec.invites("Sam", ["given"] * 3 + ["received"])
    assert (mine.one_sided, rec.invites_sentence(mine)) == ("me", "You invited Sam 3 times since Sam last invited you.")
    assert rec.invites_sentence(rec.invites("Sam", ["given"] * 3)) == (
        "You invited Sam 3 times and Sam has not invited you yet."
    )
    # Below INVITE_RUN, or the last one the other way: nothing said.
    for directions in (["received", "received", "given"] * 2, ["given", "received", "received", "received"], []):
        i = rec.invites("Jo", directions)
        assert (i.one_sided, rec.invites_sentence(i)) == (None, None)


@pytest.fixture
def invited(cli, home):
    """Priya invited me 3 times (one with Lee too) since I invited her (answered: no nudge about
    an answer comes first); I invited Sam twice."""
    cli("invite", "--to", "Priya", "--for", "tea", "--at", "2026-11-01 10:00", check=0)
    for day, who in ((3, "Priya"), (8, "Priya, Lee"), (12, "Priya")):
        cli("invite", "--from", who, "--for", "a walk", "--at", f"2026-11-{day:02d} 10:00", "--answer", "no", check=0)
    for day in (2, 9):
        cli("invite", "--to", "Sam", "--for", "lunch", "--at", f"2026-11-{day:02d} 10:00", check=0)
    return home


def test_people_show_and_json_say_the_invitations(cli, invited):
    said = "Priya invited you 3 times since you last invited them: maybe invite them this time?"
    assert f"  invitations:     {said}\n" in cli("people", "show", "priya", check=0).stdout
    assert "invitations:" not in cli("people", "show", "Sam", check=0).stdout  # 2: nothing to say
    rows = {p["name"]: p["invitations"] for p in json.loads(cli("people", "list", "--json", check=0).stdout)}
    assert rows["Priya"] == {"received_since": 3, "given_since": 0, "needed": 3, "one_sided": "them", "said": said}
    assert rows["Sam"] == {"received_since": 0, "given_since": 2, "needed": 3, "one_sided": None, "said": None}
    assert rows["Lee"]["received_since"] == 1
    assert json.loads(cli("people", "show", "Priya", "--json", check=0).stdout)["invitations"] == rows["Priya"]
    # Inviting her back ends the run.
    cli("invite", "--to", "Priya", "--for", "dinner", check=0)
    assert "invitations:" not in cli("people", "show", "priya", check=0).stdout


def test_decide_and_nudge_on_invitations_rarely(cli, invited):
    now = datetime(2026, 11, 26, 12, tzinfo=B)
    priya = rec.invites("Priya", ["received"] * 3)
    d = nudges.decide(now, NOQUIET, one_sided=[rec.invites("Sam", ["given"] * 5), priya])
    assert d.nudge == nudges.Nudge(
        "one-sided",
        "Priya invited you 3 times and you have not invited them yet: maybe invite them this time?",
        "offscreen invite --to Priya --for WHAT --on WHEN",
    )
    # The same rarity rule as the other one-sided nudge, and it comes after one about interactions.
    assert nudges.decide(now, NOQUIET, one_sided=[priya], one_sided_last=date(2026, 11, 13)).why == "nothing-due"
    assert nudges.decide(now, NOQUIET, one_sided=[SAM, priya]).nudge.text().startswith("Sam started")
    r = cli("nudge", "--dry-run", check=0)
    assert "Priya invited you 3 times since you last invited them: maybe invite them this time?" in r.stdout
    with store.connect(_db(invited)) as con:
        claim_nudge(con, date(2026, 11, 16), "one-sided", "x", datetime(2026, 11, 16, 11, tzinfo=UTC))
    assert "Priya invited" not in cli("nudge", "--dry-run", check=0).stdout
