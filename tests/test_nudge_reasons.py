"""`offscreen nudge --dry-run` says why nothing is sent, and what would be sent otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dbrows import add_interaction, add_person
from inproc import cli  # noqa: F401 (fixture)
from tracker.config import Nudges
from tracker.domain.cadence import Due
from tracker.store import connect
from tracker.store import practice as sp
from tracker.usecases import nudges

B = ZoneInfo("Europe/Berlin")


def berlin(*a) -> datetime:
    return datetime(*a, tzinfo=B)


NOON = berlin(2026, 11, 10, 12, 0)
SAM_TEXT = "It's been 30 days since you last saw Sam. A short message to set something up? (offscreen people due)"


def pin(now: datetime) -> dict:
    return {"OFFSCREEN_NOW": now.isoformat(), "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}


@pytest.fixture
def sam(app):
    """Sam (inner circle, at most 14 days) last met 30 days before NOON: overdue."""
    with connect(app.paths.db) as con:
        p = add_person(con, "Sam", tier="inner", created_at=datetime(2026, 1, 1, 12))
        add_interaction(
            con,
            happened_at=(NOON - timedelta(days=30)).astimezone(UTC).replace(tzinfo=None),
            duration_min=60,
            person_ids=[p],
        )
    return app


def sent_rows(app) -> int:
    with connect(app.paths.db) as con:
        return con.execute("SELECT count(*) FROM nudges_sent").fetchone()[0]


def test_quiet_hours_say_until_when_and_what_would_be_sent(sam, cli):
    out = cli("nudge", "--dry-run", check=0, env=pin(berlin(2026, 11, 10, 6, 30))).stdout
    assert out.splitlines() == ["No nudge now: quiet hours until 08:00.", f"Otherwise it would send: {SAM_TEXT}"]
    assert sent_rows(sam) == 0


def test_already_sent_says_when_and_what(sam, cli):
    sent = berlin(2026, 11, 10, 6, 4)
    with connect(sam.paths.db) as con:
        sp.claim_nudge(con, sent.date(), "overdue", "Hello earlier.", sent.astimezone(UTC).replace(tzinfo=None))
    out = cli("nudge", "--dry-run", check=0, env=pin(NOON)).stdout.splitlines()
    assert out == [
        "No nudge now: today's nudge was already sent at 06:04 (one a day).",
        "It said: Hello earlier.",
        f"Otherwise it would send: {SAM_TEXT}",
    ]
    # Without --dry-run: the reason, and still nothing sent.
    assert cli("nudge", check=0, env=pin(NOON)).stdout == out[0] + "\n"
    assert sent_rows(sam) == 1


def test_off_says_so(sam, cli):
    sam.paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    sam.paths.config_file.write_text("[nudges]\nenabled = false\n")
    out = cli("nudge", "--dry-run", check=0, env=pin(NOON)).stdout.splitlines()
    assert out == [
        "No nudge now: nudges are off.",
        "Turn them on with enabled = true in [nudges].",
        f"Otherwise it would send: {SAM_TEXT}",
    ]


def test_nothing_due_says_so(app, cli):
    out = cli("nudge", "--dry-run", check=0, env=pin(NOON)).stdout.splitlines()
    assert out == ["No nudge now: nothing is due.", "Nobody is overdue, no routine is at risk, no break just ended."]


def test_quiet_with_nothing_due(app, cli):
    out = cli("nudge", "--dry-run", check=0, env=pin(berlin(2026, 11, 10, 23, 0))).stdout.splitlines()
    assert out == ["No nudge now: quiet hours until 08:00.", "Otherwise nothing would be sent either: nothing is due."]


def test_due_dry_run_shows_it_and_records_nothing(sam, cli):
    assert cli("nudge", "--dry-run", check=0, env=pin(NOON)).stdout == SAM_TEXT + "\n"
    assert sent_rows(sam) == 0


OVERDUE = Due(1, "Sam", 7, 14, berlin(2026, 10, 1, 19), False, 40, "overdue", berlin(2026, 10, 8).date())


@pytest.mark.parametrize(
    "now, cfg, sent_at, why",
    [
        (NOON, Nudges(enabled=False), None, "off"),
        (NOON, Nudges(), berlin(2026, 11, 10, 6, 4), "sent"),
        (berlin(2026, 11, 10, 7, 59), Nudges(), None, "quiet"),
        (berlin(2026, 11, 10, 21, 0), Nudges(quiet_start="20:30", quiet_end="07:15"), None, "quiet"),
    ],
)
def test_decide_is_pure_and_keeps_what_it_would_send(now, cfg, sent_at, why):
    d = nudges.decide(now, cfg, sent_at=sent_at, overdue=[OVERDUE])
    assert (d.nudge, d.why, d.otherwise.kind) == (None, why, "overdue")
    if why == "quiet":
        assert d.reason == f"quiet hours until {cfg.quiet_end}"
    assert nudges.decide(now, Nudges(quiet_start="00:00", quiet_end="00:00"), overdue=[OVERDUE]).nudge.kind == "overdue"


def test_decide_nothing_due():
    d = nudges.decide(NOON, Nudges(), overdue=[])
    assert (d.nudge, d.why, d.otherwise) == (None, "nothing-due", None)
