"""Serve and return (issue 18): who starts things with each person, said kindly, never as a score.

Pure: the `initiated` values of a person's latest interactions in, a Balance and its sentence out.
Only one-to-one interactions count (tracker/store/reciprocity.py picks them): in a group, "them"
does not say which of them reached out. The honest-data rule, as tracker/domain/coverage.py has
it for screen time: nothing is said until MIN_RECORDED of those interactions say who started them.
A one-sided run is read from the newest interaction backwards; one without `initiated`, or a
mutual one, ends it (we cannot say "you started the last 8" past an interaction we know nothing of).

Invitations are the other side of it: how many a person gave you since you last invited them (and
the other way), from the directions of every invitation naming them, group ones too (each of
them invited you). Said from INVITE_RUN on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LAST_N = 10  # the latest one-to-one interactions looked at
WINDOW_DAYS = 180  # ... within this many days before now
MIN_RECORDED = 5  # of them, at least this many must say who started them
ONE_SIDED_RUN = 5  # the same side started at least this many in a row (newest first): one-sided
INVITE_RUN = 3  # invitations one way since the last one the other way, before it is said


@dataclass(frozen=True)
class Balance:
    """Who started a person's latest one-to-one interactions (`initiated` counts, newest first)."""

    name: str
    considered: int  # interactions looked at (at most LAST_N, within WINDOW_DAYS)
    me: int
    them: int
    mutual: int
    run_by: str | None  # 'me' or 'them': who started the newest ones in a row (None: mutual or unknown)
    run: int  # how many in a row

    @property
    def recorded(self) -> int:
        return self.me + self.them + self.mutual

    @property
    def enough(self) -> bool:
        return self.recorded >= MIN_RECORDED

    @property
    def one_sided(self) -> str | None:
        """'me' or 'them' when that side started the last ONE_SIDED_RUN or more; None otherwise."""
        return self.run_by if self.enough and self.run >= ONE_SIDED_RUN else None

    def shares(self) -> dict[str, float] | None:
        """The share of the recorded ones each side started (None until enough)."""
        if not self.enough:
            return None
        n = self.recorded
        return {k: round(v / n, 2) for k, v in (("me", self.me), ("them", self.them), ("mutual", self.mutual))}


def balance(name: str, initiated: Sequence[str | None]) -> Balance:
    """NAME's Balance from the `initiated` values of their latest one-to-one interactions, newest first."""
    latest = list(initiated)[:LAST_N]
    run_by = latest[0] if latest and latest[0] in ("me", "them") else None
    run = 0
    if run_by is not None:
        for v in latest:
            if v != run_by:
                break
            run += 1
    return Balance(
        name=name,
        considered=len(latest),
        me=latest.count("me"),
        them=latest.count("them"),
        mutual=latest.count("mutual"),
        run_by=run_by,
        run=run,
    )


def sentence(b: Balance) -> str:
    """The balance in one kind sentence, both ways, or what is missing before anything is said."""
    if not b.enough:
        says = "interaction says" if b.recorded == 1 else "interactions say"
        return f"Not enough yet: {b.recorded} one-to-one {says} who started it, {MIN_RECORDED} needed."
    if b.one_sided == "me":
        return f"You started the last {b.run} with {b.name}."
    if b.one_sided == "them":
        return f"{b.name} started the last {b.run}: maybe reach out?"
    parts = [f"you started {b.me}", f"{b.name} {b.them}"] + ([f"both {b.mutual}"] if b.mutual else [])
    return f"Of the last {b.recorded} that say who started them: {', '.join(parts)}."


def record(b: Balance) -> dict:
    """JSON-ready (`people show --json`, `people list --json`, the dashboard)."""
    return {
        "considered": b.considered,
        "recorded": b.recorded,
        "needed": MIN_RECORDED,
        "me": b.me,
        "them": b.them,
        "mutual": b.mutual,
        "shares": b.shares(),
        "one_sided": b.one_sided,
        "run": b.run if b.enough else None,
        "said": sentence(b),
    }


@dataclass(frozen=True)
class Invites:
    """Invitations with a person since the last one the other way (newest first, as counted)."""

    name: str
    received_since: int  # they invited you since you last invited them (all of them, if you never did)
    given_since: int  # you invited them since they last invited you
    ever_given: bool
    ever_received: bool

    @property
    def one_sided(self) -> str | None:
        """'them' (they keep inviting you) or 'me' from INVITE_RUN on; None otherwise."""
        if self.received_since >= INVITE_RUN:
            return "them"
        return "me" if self.given_since >= INVITE_RUN else None


def invites(name: str, directions: Sequence[str]) -> Invites:
    """NAME's Invites from the directions ('given' or 'received') of their invitations, newest first."""
    latest = list(directions)
    run_of = latest[0] if latest else None
    run = 0
    for d in latest:
        if d != run_of:
            break
        run += 1
    return Invites(
        name=name,
        received_since=run if run_of == "received" else 0,
        given_since=run if run_of == "given" else 0,
        ever_given="given" in latest,
        ever_received="received" in latest,
    )


def invites_sentence(i: Invites) -> str | None:
    """The invitation imbalance in one kind sentence, or None below INVITE_RUN."""
    if i.one_sided == "them":
        since = "since you last invited them" if i.ever_given else "and you have not invited them yet"
        return f"{i.name} invited you {i.received_since} times {since}: maybe invite them this time?"
    if i.one_sided == "me":
        since = f"since {i.name} last invited you" if i.ever_received else f"and {i.name} has not invited you yet"
        return f"You invited {i.name} {i.given_since} times {since}."
    return None


def invites_record(i: Invites) -> dict:
    """JSON-ready (`people show --json`, `people list --json`)."""
    return {
        "received_since": i.received_since,
        "given_since": i.given_since,
        "needed": INVITE_RUN,
        "one_sided": i.one_sided,
        "said": invites_sentence(i),
    }
