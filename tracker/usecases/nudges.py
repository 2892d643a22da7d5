"""Nudges, rare and kind: at most one a day, never in quiet hours, off with one switch.

Selection is pure (`choose`): given the time, the configuration and the candidates, which nudge,
if any. Priority: "were you with people?" right after a 30 min - 4 h absence (it is only useful
in that moment), then a routine about to be missed, then an invitation someone gave you that has
waited days for your answer (each asked about once: tracker.domain.invitations.waiting_for_you),
then the person most overdue, and last, rarely (not within ONE_SIDED_EVERY_DAYS of the last such
nudge), someone who started all of your latest one-to-one interactions (tracker/domain/reciprocity.py).
Delivery is a freedesktop notification via `notify-send`; a failure is logged to
$XDG_STATE_HOME/offscreen/nudges.log and recorded, never raised. The day is claimed in the
database (nudges_sent, keyed by local day) BEFORE delivering, so no day ever gets two, even when
two processes race.
"""

from __future__ import annotations

import html
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from tracker.config import Config, Nudges
from tracker.domain import reciprocity
from tracker.domain.times import Calendar, format_duration, from_storage, to_storage

# The "were you with people?" question is only asked this soon after coming back.
RETURN_WINDOW = timedelta(minutes=15)
# A one-sided friendship is said at most once in this many days, whoever it is about: a reminder, not a nag.
ONE_SIDED_EVERY_DAYS = 14
NOTIFY_TIMEOUT = 5.0


@dataclass(frozen=True)
class Nudge:
    kind: str
    message: str
    command: str | None = None  # what to run to act on it
    ref: int | None = None  # the row it is about (an invitation's id), to remember it was asked

    def text(self) -> str:
        return self.message + (f" ({self.command})" if self.command else "")


def _hm(s: str) -> time:
    h, m = s.split(":")
    return time(int(h), int(m))


def in_quiet_hours(t: time, start: str, end: str) -> bool:
    """Is local wall time T inside [start, end)? Wraps midnight (22:00-08:00); start == end: never."""
    a, b = _hm(start), _hm(end)
    if a == b:
        return False
    return a <= t < b if a < b else (t >= a or t < b)


def overdue_message(d) -> Nudge:
    if d.never_met:
        msg = f"You haven't met {d.name} since adding them {d.days_since} days ago. Maybe suggest something small?"
    else:
        msg = f"It's been {d.days_since} days since you last saw {d.name}. A short message to set something up?"
    return Nudge("overdue", msg, "offscreen people due")


def routine_message(r: dict) -> Nudge:
    left = "today is the last day" if r["days_left"] <= 1 else f"{r['days_left']} days left"
    streak = f" (a {r['current_streak']}-period streak)" if r["current_streak"] >= 2 else ""
    return Nudge(
        "routine",
        f"{r['name']} hasn't happened yet this time{streak}: {left}. Still on?",
        f"offscreen routine show {_quote(r['name'])}",
    )


def idle_message(span: dict) -> Nudge:
    return Nudge(
        "from-idle",
        f"Welcome back. You were away {format_duration(span['minutes'])}: were you with people?",
        "offscreen log --from-idle",
    )


def invitation_message(inv: dict) -> Nudge:
    """INV: {id, people, what, days} -- a received invitation still without an answer."""
    who = " and ".join(inv["people"]) if len(inv["people"]) <= 2 else f"{inv['people'][0]} and others"
    return Nudge(
        "invitation",
        f"{who} invited you to {inv['what']} {inv['days']} days ago. Whatever the answer, saying it helps them plan.",
        f"offscreen invite answer {inv['id']} yes|no|maybe",
        inv["id"],
    )


def one_sided_message(b: reciprocity.Balance) -> Nudge:
    return Nudge(
        "one-sided",
        f"{b.name} started the last {b.run} times you two met or talked. Maybe reach out this time?",
        f"offscreen people show {_quote(b.name)}",
    )


def invited_message(i: reciprocity.Invites) -> Nudge:
    return Nudge(
        "one-sided",
        reciprocity.invites_sentence(i) or "",
        f"offscreen invite --to {_quote(i.name)} --for WHAT --on WHEN",
    )


def _one_sided(balances, last_sent: date | None, today: date) -> Nudge | None:
    """The first Balance they started all of (at least ONE_SIDED_RUN, none by you), or Invites
    where they invited you INVITE_RUN times since you last invited them, unless a one-sided nudge
    (either kind) went out in the last ONE_SIDED_EVERY_DAYS days."""
    if last_sent is not None and (today - last_sent).days < ONE_SIDED_EVERY_DAYS:
        return None
    for b in balances:
        if isinstance(b, reciprocity.Invites):
            if b.one_sided == "them":
                return invited_message(b)
        elif b.one_sided == "them" and b.me == 0:
            return one_sided_message(b)
    return None


def _quote(s: str) -> str:
    return f'"{s}"' if " " in s else s


@dataclass(frozen=True)
class Decision:
    """Today's nudge, or why there is none and what would be sent but for that."""

    nudge: Nudge | None
    why: str | None = None  # 'off', 'sent', 'quiet' or 'nothing-due' when nudge is None
    reason: str | None = None  # the same in words, for the user
    otherwise: Nudge | None = None  # what would be sent were it not for WHY ('nothing-due': None)
    detail: str | None = None  # a second line: what was sent, what "nothing due" looked at


def _candidate(
    now: datetime,
    *,
    overdue=(),
    at_risk=(),
    idle_span: dict | None = None,
    unanswered=(),
    one_sided=(),
    one_sided_last: date | None = None,
    today: date | None = None,
) -> Nudge | None:
    """What there is to say at NOW, whatever the switches and the hour."""
    if idle_span is not None and timedelta(0) <= to_storage(now) - idle_span["end_utc"] <= RETURN_WINDOW:
        return idle_message(idle_span)
    if at_risk:
        return routine_message(at_risk[0])
    if unanswered:
        return invitation_message(unanswered[0])
    late = [d for d in overdue if d.status == "overdue"]
    if late:
        return overdue_message(late[0])
    return _one_sided(one_sided, one_sided_last, today or now.date())


def decide(
    now: datetime,
    cfg: Nudges,
    *,
    sent_at: datetime | None = None,
    sent_message: str | None = None,
    overdue=(),
    at_risk=(),
    idle_span: dict | None = None,
    unanswered=(),
    one_sided=(),
    one_sided_last: date | None = None,
    today: date | None = None,
) -> Decision:
    """Pick today's nudge, or say why none is sent (off, already sent, quiet hours, nothing due).

    NOW is aware local time (App.now()); SENT_AT is when today's nudge went out (aware), None when
    none did; idle_span's end_utc is naive UTC; overdue are cadence.Due items (only status
    'overdue' is used), most pressing first; unanswered are received invitations waiting for your
    answer ({id, people, what, days}, oldest first), each never asked about before; ONE_SIDED are
    reciprocity.Balance or Invites items, and ONE_SIDED_LAST the local day the last one-sided nudge was sent
    (None: never), TODAY NOW's local day (App.calendar; default NOW's date).
    """
    nudge = _candidate(
        now,
        overdue=overdue,
        at_risk=at_risk,
        idle_span=idle_span,
        unanswered=unanswered,
        one_sided=one_sided,
        one_sided_last=one_sided_last,
        today=today,
    )
    if not cfg.enabled:
        return Decision(None, "off", "nudges are off", nudge, "Turn them on with enabled = true in [nudges].")
    if sent_at is not None:
        when = sent_at.astimezone(now.tzinfo).strftime("%H:%M") if now.tzinfo else sent_at.strftime("%H:%M")
        said = f"It said: {sent_message}" if sent_message else None
        return Decision(None, "sent", f"today's nudge was already sent at {when} (one a day)", nudge, said)
    if in_quiet_hours(now.time(), cfg.quiet_start, cfg.quiet_end):
        return Decision(None, "quiet", f"quiet hours until {cfg.quiet_end}", nudge)
    if nudge is None:
        looked = "Nobody is overdue, no routine is at risk, no break just ended."
        return Decision(None, "nothing-due", "nothing is due", None, looked)
    return Decision(nudge)


def choose(
    now: datetime, cfg: Nudges, *, sent_today: bool, overdue=(), at_risk=(), idle_span: dict | None = None
) -> Nudge | None:
    """Pick today's nudge, or None (off, quiet hours, already sent today, nothing to say); see decide."""
    return decide(
        now, cfg, sent_at=now if sent_today else None, overdue=overdue, at_risk=at_risk, idle_span=idle_span
    ).nudge


def deliver(
    nudge: Nudge, *, env: dict | None = None, log_file: Path | None = None, command: str = "notify-send"
) -> str:
    """Show NUDGE as a desktop notification. Returns 'desktop' or 'failed: why'; never raises."""
    # Most servers (GNOME, KDE, dunst) render body markup: a name like "Tom & Jerry" must be escaped.
    argv = [command, "--app-name=offscreen", "--urgency=low", "offscreen", html.escape(nudge.text(), quote=False)]
    try:
        p = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=NOTIFY_TIMEOUT, stdin=subprocess.DEVNULL
        )
        if p.returncode == 0:
            return "desktop"
        why = f"{command} exited {p.returncode}: {' '.join((p.stderr or '').split())[:200]}"
    except FileNotFoundError:
        why = f"{command} not found (install libnotify-bin)"
    except subprocess.TimeoutExpired:
        why = f"{command} did not answer within {NOTIFY_TIMEOUT:.0f} s"
    except OSError as e:
        why = f"{command}: {e}"
    _log(log_file, f"nudge not shown: {why}")
    return f"failed: {why}"


def _log(log_file: Path | None, line: str) -> None:
    if log_file is None:
        return
    from tracker.paths import private_file

    try:
        private_file(log_file)
        with open(log_file, "a", encoding="utf-8") as fh:
            fh.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {line}\n")
    except OSError:
        pass  # logging a failed notification must not fail either


def run(app, now: datetime, *, dry_run: bool = False, env: dict | None = None) -> tuple[Nudge | None, str | None]:
    """Choose today's nudge from the database, claim the day, deliver. Returns (nudge, delivery)."""
    decision, delivered = run_explained(app, now, dry_run=dry_run, env=env)
    return decision.nudge, delivered


def run_explained(app, now: datetime, *, dry_run: bool = False, env: dict | None = None) -> tuple[Decision, str | None]:
    """As run, with the Decision: why nothing is sent, and what would be otherwise."""
    with app.store(drain=True) as con:
        decision, claimed = choose_and_claim(app, con, now, dry_run=dry_run)
    if not claimed:
        return decision, None
    return decision, deliver_claimed(app, decision, now, env=env)


def choose_and_claim(app, con, now: datetime, *, dry_run: bool = False) -> tuple[Decision, bool]:
    """Through CON (drained already): the Decision for NOW and whether its nudge was claimed for
    the day (then deliver_claimed must follow, after CON is closed)."""
    from tracker.store import practice as sp
    from tracker.usecases import practice

    cfg: Config = app.config
    day = app.calendar.day_of(now)
    row = sp.nudge_on(con, day)
    sent_at = None if row is None else from_storage(row["sent_utc"])
    sent_message = None if row is None else row["message"]
    if not dry_run and (not cfg.nudges.enabled or row is not None):
        # The daemon asks often: skip the queries when nothing can be sent anyway.
        return decide(now, cfg.nudges, sent_at=sent_at, sent_message=sent_message), False
    utc_now = to_storage(now)
    idle = sp.last_idle_span(con, utc_now, within=RETURN_WINDOW)
    if idle is not None and sp.interactions_overlap(con, idle["start_utc"], idle["end_utc"]):
        idle = None  # already logged what happened while away: nothing to ask
    decision = decide(
        now,
        cfg.nudges,
        sent_at=sent_at,
        sent_message=sent_message,
        overdue=practice.people_due(con, now, app.calendar, cfg),
        at_risk=practice.routines_at_risk(con, now, app.calendar),
        idle_span=idle,
        unanswered=_unanswered(con, utc_now),
        one_sided=_balances(con, now),
        one_sided_last=sp.last_nudge_day(con, "one-sided"),
        today=day,
    )
    nudge = decision.nudge
    if nudge is None or dry_run:
        return decision, False
    if not sp.claim_nudge(con, day, nudge.kind, nudge.text(), utc_now):
        # Another process claimed the day between our read and now.
        return Decision(None, "sent", "another process just sent today's nudge (one a day)", nudge), False
    if nudge.kind == "invitation" and nudge.ref is not None:
        from tracker.store import invitations as store_v

        store_v.set_nudged(con, nudge.ref, utc_now)  # asked once: never again about this one
    return decision, True


def deliver_claimed(app, decision: Decision, now: datetime, *, env: dict | None = None) -> str:
    """Deliver the nudge choose_and_claim claimed and record how; call with no connection open:
    a slow notification server must not hold the database lock."""
    from tracker.store import practice as sp

    nudge = decision.nudge
    assert nudge is not None
    cfg: Config = app.config
    delivered = deliver(nudge, env=env, log_file=app.paths.state_dir / "nudges.log") if cfg.nudges.desktop else "off"
    with app.store() as con:
        sp.set_nudge_delivery(con, app.calendar.day_of(now), delivered)
    return delivered


def _unanswered(con, utc_now: datetime) -> list[dict]:
    """Received invitations waiting for your answer long enough to ask (oldest first)."""
    from tracker.domain.invitations import waiting_for_you
    from tracker.store import invitations as store_v

    return [
        {"id": r["id"], "people": r["people"], "what": r["what"], "days": (utc_now - r["made_at"]).days}
        for r in store_v.pending_received(con)
        if waiting_for_you(r, utc_now)
    ]


def _balances(con, now: datetime) -> list[reciprocity.Balance | reciprocity.Invites]:
    """Everyone's serve and return at NOW, by name (the order a one-sided nudge picks in), then
    everyone's invitations each way, by name."""
    from tracker.usecases.people import balances, invitation_balances

    return [
        *sorted(balances(con, now).values(), key=lambda b: b.name.casefold()),
        *sorted(invitation_balances(con, now).values(), key=lambda i: i.name.casefold()),
    ]


def status_line(con, cal: Calendar, now: datetime) -> str | None:
    """Today's nudge for `offscreen status` (one line), or None."""
    from tracker.store import practice as sp

    row = sp.nudge_on(con, cal.day_of(now))
    return None if row is None else f"Nudge today: {row['message']}"
