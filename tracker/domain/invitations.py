"""Pure rules of invitations (issue 18): what one holds, how it is validated, when it is open,
which interaction it may have become, and when an unanswered one is worth a nudge.

An invitation is given (you invited them: --to) or received (they invited you: --from). Its
answer is theirs when given and yours when received: yes, no, maybe, or pending (no answer yet).
`build` validates raw values (CLI strings, JSON values, CSV cells) for `invite`, `invite edit`
and `import` alike; errors are FieldError naming the field. Time is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from tracker.domain import text as texts
from tracker.domain.interactions import FieldError, clean_name, join_list_cell, name_key, split_list_cell
from tracker.domain.times import FUTURE_TOLERANCE, Calendar, check_range, in_zone, parse_when
from tracker.errors import UserError

DIRECTIONS = ("given", "received")
ANSWERS = ("yes", "no", "maybe", "pending")
MAX_WHAT = 500  # "dinner at ours, bring the kids": a phrase, not a letter
# A received invitation still unanswered after this many days may be the day's nudge (once).
UNANSWERED_AFTER_DAYS = 3
# `log` at a terminal offers to link an accepted invitation whose planned time is this close.
LINK_WINDOW = timedelta(hours=36)
# The export/import record, in order (`offscreen export --what invitations`).
FIELDS = (
    "id",
    "direction",
    "people",
    "what",
    "planned_for",
    "made_at",
    "answer",
    "answered_at",
    "interaction_at",
    "note",
)
REQUIRED_FOR_IMPORT = ("direction", "people", "what", "made_at")


@dataclass(frozen=True)
class Invitation:
    """A validated invitation; times aware, people de-duplicated in the order given."""

    direction: str
    people: tuple[str, ...]
    what: str
    made_at: datetime
    planned_for: datetime | None = None
    answer: str = "pending"
    note: str | None = None
    answered_at: datetime | None = None  # None: when it is stored (an import brings its own)


def parse_answer(value: object, field_name: str = "answer") -> str:
    """yes / no / maybe / pending (also 'none' or '' for no answer yet)."""
    if value is None:
        return "pending"
    if not isinstance(value, str):
        raise FieldError(field_name, f"answer must be yes, no, maybe or pending, got {value!r}")
    v = value.strip().lower()
    v = {"": "pending", "none": "pending", "y": "yes", "n": "no"}.get(v, v)
    if v not in ANSWERS:
        raise FieldError(field_name, f"unknown answer {value!r}; use yes, no, maybe or pending")
    return v


def _direction(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in DIRECTIONS:
        raise FieldError("direction", f"direction must be given or received, got {value!r}")
    return value.strip().lower()


def _people(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = split_list_cell(value)
    if not isinstance(value, (list, tuple)):
        raise FieldError("people", f"must be a list of names, got {value!r}")
    seen: dict[str, str] = {}
    for item in value:
        name = clean_name(item, "people")
        seen.setdefault(name_key(name), name)
    if not seen:
        raise FieldError("people", "say who: --to NAME (you invited them) or --from NAME (they invited you)")
    return tuple(seen.values())


def _free(value: object, field_name: str, limit: int = texts.MAX_TEXT) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field_name, f"{field_name} must be text, got {value!r}")
    try:
        return texts.clean_free(value, field_name, limit).strip() or None
    except UserError as e:
        raise FieldError(field_name, str(e)) from None


def _time(value: object, field_name: str, now: datetime, zone: tzinfo, *, future: bool) -> datetime:
    if isinstance(value, datetime):
        check_range(value, value.isoformat())
        dt = value if value.tzinfo else in_zone(value.replace(tzinfo=zone), zone)
    elif isinstance(value, str):
        try:
            # Refused below, in words for invitations; a bare "fri 19:00" is the coming one when it may be ahead.
            dt = parse_when(value, now, zone=zone, allow_future=True, ahead=future)
        except UserError as e:
            raise FieldError(field_name, str(e)) from None
    else:
        raise FieldError(field_name, f"must be a time like 2026-11-26T19:30:00+01:00, got {value!r}")
    if not future and dt > now + FUTURE_TOLERANCE:
        raise FieldError(field_name, f"time {dt.isoformat()} is in the future; an invitation is made by now")
    return dt.replace(microsecond=0)


def past_time(value: object, field_name: str, now: datetime, zone: tzinfo) -> datetime | None:
    """An optional time that has happened (a file's answered_at, interaction_at), or None."""
    return None if value in (None, "") else _time(value, field_name, now, zone, future=False)


def build(values: dict, now: datetime, *, zone: tzinfo) -> Invitation:
    """Validate raw VALUES (direction, people, what, planned_for, made_at, answer, note; None = not
    given) into an Invitation. made_at defaults to NOW and may not be in the future; planned_for may."""
    if now.tzinfo is None:
        raise ValueError("build() needs an aware now (App.now())")
    what = _free(values.get("what"), "what", MAX_WHAT)
    if what is None:
        raise FieldError("what", 'say what the invitation is for, e.g. --for "dinner"')
    raw_made = values.get("made_at")
    made = now.replace(microsecond=0) if raw_made in (None, "") else _time(raw_made, "made_at", now, zone, future=False)
    raw_on = values.get("planned_for")
    on = None if raw_on in (None, "") else _time(raw_on, "planned_for", now, zone, future=True)
    answer = parse_answer(values.get("answer"))
    return Invitation(
        direction=_direction(values.get("direction")),
        people=_people(values.get("people")),
        what=what,
        made_at=made,
        planned_for=on,
        answer=answer,
        note=_free(values.get("note"), "note"),
        answered_at=None if answer == "pending" else past_time(values.get("answered_at"), "answered_at", now, zone),
    )


def whose_answer(direction: str) -> str:
    """Who answers: 'they' for an invitation you gave, 'you' for one you received."""
    return "they" if direction == "given" else "you"


def is_open(answer: str, interaction_id: int | None) -> bool:
    """Open: not declined and not yet become an interaction (what `invite list --open` shows)."""
    return answer != "no" and interaction_id is None


def may_become(inv: dict, person_ids: Iterable[int], start: datetime, end: datetime) -> bool:
    """Could the interaction [START, END) with PERSON_IDS be what invitation INV (a stored row:
    answer, interaction_id, person_ids, made_at, planned_for; naive UTC like START and END) became?
    Accepted, not linked yet, all its people there, made before the interaction ended, and, when
    it says when, planned within LINK_WINDOW of the start."""
    if inv["answer"] != "yes" or inv["interaction_id"] is not None:
        return False
    if not set(inv["person_ids"]) or not set(inv["person_ids"]) <= set(person_ids):
        return False
    if inv["made_at"] > end:
        return False
    on = inv["planned_for"]
    return on is None or abs(on - start) <= LINK_WINDOW


def waiting_for_you(inv: dict, now_utc: datetime) -> bool:
    """A received invitation still without your answer UNANSWERED_AFTER_DAYS after it was made,
    never asked about by a nudge, and not for a time already past (INV: a stored row, naive UTC)."""
    return (
        inv["direction"] == "received"
        and inv["answer"] == "pending"
        and inv["nudged_at"] is None
        and now_utc - inv["made_at"] >= timedelta(days=UNANSWERED_AFTER_DAYS)
        and (inv["planned_for"] is None or inv["planned_for"] > now_utc)
    )


def describe(rec: dict) -> str:
    """One line for a record (to_record): 'Invitation #3: you invited Sam to dinner, Fri 2026-11-27 19:00 (yes)'."""
    who = ", ".join(rec["people"])
    head = f"you invited {who} to" if rec["direction"] == "given" else f"{who} invited you to"
    when = f", {rec['planned_for'][:16].replace('T', ' ')}" if rec["planned_for"] else ""
    answer = "no answer yet" if rec["answer"] == "pending" else f"{whose_answer(rec['direction'])} said {rec['answer']}"
    link = f", became #{rec['interaction_id']}" if rec.get("interaction_id") else ""
    return f"Invitation #{rec['id']}: {head} {rec['what']}{when} ({answer}{link})"


def to_record(row: dict, zone: tzinfo) -> dict:
    """A stored row (tracker.store.invitations) -> the JSON-ready dict `invite list --json` prints."""
    iso = Calendar(zone).iso
    return {
        "id": row["id"],
        "direction": row["direction"],
        "people": list(row["people"]),
        "what": row["what"],
        "planned_for": iso(row["planned_for"]),
        "made_at": iso(row["made_at"]),
        "answer": row["answer"],
        "answered_at": iso(row["answered_at"]),
        "interaction_id": row["interaction_id"],
        "interaction_at": iso(row.get("interaction_at")),
        "note": row["note"],
        "open": is_open(row["answer"], row["interaction_id"]),
    }


def to_export(rec: dict) -> dict:
    """A record -> the export record (FIELDS): ids of other rows do not travel, the interaction's start does."""
    return {k: rec.get(k) for k in FIELDS}


def to_csv_cells(rec: dict) -> list[str]:
    """An export record -> CSV cells in FIELDS order (null = empty cell)."""
    out = []
    for k in FIELDS:
        v = rec.get(k)
        out.append(join_list_cell(v or []) if k == "people" else "" if v is None else str(v))
    return out
