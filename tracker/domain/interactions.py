"""Pure building and validation of an interaction, shared by `log`, `interactions edit` and `import`.

One function, `build`, turns raw values (CLI strings, JSON values or CSV cells) into a validated
Interaction, so every way in accepts and rejects exactly the same things. Errors are FieldError
(a UserError) naming the field, so `import` can say "row 3, field "mode": ...".
Also the two rules every layer shares: `name_key` (how names and aliases match) and `ends_at`
(where an interaction ends; tracker/store/interactions.py has its SQL twin).
Time is a parameter (`now`, and the zone naive input is wall time in); nothing here touches the
database or the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from tracker.domain import text as texts
from tracker.domain.times import (
    DURATION_HELP,
    FUTURE_TOLERANCE,
    MAX_DURATION_MIN,
    Calendar,
    check_minutes,
    check_range,
    format_duration,
    in_zone,
    parse_duration,
    parse_when,
)
from tracker.errors import UserError

MODES = ("in-person", "video", "voice", "text")
MODES_HELP = "in-person, video, voice or text"
# What people actually type; normalised before validation.
MODE_ALIASES = {
    "in person": "in-person",
    "inperson": "in-person",
    "irl": "in-person",
    "f2f": "in-person",
    "face-to-face": "in-person",
    "face to face": "in-person",
    "video call": "video",
    "videocall": "video",
    "call": "voice",
    "phone": "voice",
    "phone call": "voice",
    "chat": "text",
    "message": "text",
    "messages": "text",
    "sms": "text",
}
INITIATED = ("me", "them", "mutual")
PHONES_AWAY = ("yes", "partly", "no")
CLOSENESS_HELP = "a whole number from 1 (distant) to 7 (very close)"
FUN_HELP = "a whole number from 1 (no fun) to 5 (lots of laughter)"
MAX_NAME = texts.MAX_NAME

# Every field of an interaction as exported, in export order (JSON keys and CSV columns).
FIELDS = (
    "id",
    "happened_at",
    "duration_min",
    "mode",
    "people",
    "closeness",
    "fun",
    "tags",
    "note",
    "summary",
    "place",
    "initiated",
    "phones_away",
    "work",
    "logged_at",
    "routine",
)
REQUIRED_FOR_IMPORT = ("happened_at", "duration_min", "mode", "people")

_TRUE = {"true", "yes", "1", "work", "y"}
_FALSE = {"false", "no", "0", "leisure", "n", ""}


class FieldError(UserError):
    """Invalid value for one field; `field` names it (import adds the row number)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Interaction:
    """A validated interaction. Times are aware; people and tags are de-duplicated, in given order."""

    happened_at: datetime
    duration_min: float
    mode: str = "in-person"
    people: tuple[str, ...] = ()
    closeness: int | None = None
    fun: int | None = None
    tags: tuple[str, ...] = ()
    note: str | None = None
    summary: str | None = None
    place: str | None = None
    initiated: str | None = None
    phones_away: str | None = None
    work: bool = False
    routine: str | None = None
    logged_at: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def ends_at(self) -> datetime:
        return ends_at(self.happened_at, self.duration_min)


def ends_at(happened_at: datetime, duration_min: float) -> datetime:
    """Where an interaction ends: its start plus its duration (SQL: tracker.store.interactions.ends_at)."""
    return happened_at + timedelta(minutes=duration_min)


def name_key(name: str) -> str:
    """THE key people's names, aliases and routine names are matched by: case-folded (so "Straße"
    matches "STRASSE"), runs of whitespace as one space. Stored in people.name_key,
    aliases.alias_key and routines.name_key; a change here needs a migration recomputing them."""
    return " ".join(name.split()).casefold()


CLOSE_NAME = 0.75  # difflib ratio on name keys: Sammy ~ Sam (0.75), Alec ~ Alex; Pam !~ Sam (0.67)


def close_names(name: str, known: Iterable[tuple[str, str, str | None]], n: int = 3) -> list[str]:
    """Who NAME may be a slip for, closest first (at most N). KNOWN: (name key, person's name, the
    alias or None) for every live name and alias. Close means difflib's ratio of the name keys is
    at least CLOSE_NAME, or one is the other's first words (Sam ~ Sam Lee). Each person once,
    shown as "Sam Lee" or "Sam Lee (alias Sammy)"."""
    import difflib  # only when a name is new: not on every command's import path

    key = name_key(name)
    scored: list[tuple[float, str, str]] = []
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(key)  # analysed once; the cheap upper bounds skip most names (as get_close_matches)
    for k, person, alias in known:
        if k == key:
            continue
        matcher.set_seq1(k)
        if k.startswith(key + " ") or key.startswith(k + " "):
            ratio = max(matcher.ratio(), CLOSE_NAME)
        elif matcher.real_quick_ratio() >= CLOSE_NAME and matcher.quick_ratio() >= CLOSE_NAME:
            ratio = matcher.ratio()
        else:
            continue
        if ratio >= CLOSE_NAME:
            scored.append((ratio, person, f"{person} (alias {alias})" if alias else person))
    out: list[str] = []
    seen: set[str] = set()
    for _, person, shown in sorted(scored, key=lambda t: (-t[0], name_key(t[2]))):
        if person not in seen:
            seen.add(person)
            out.append(shown)
    return out[:n]


def _checked(check: Callable[..., str], value: str, field_name: str, *args: object) -> str:
    """A tracker.domain.text rule applied to one field: its UserError becomes this field's FieldError."""
    try:
        return check(value, *args)
    except UserError as e:
        raise FieldError(field_name, str(e)) from None


def clean_name(name: object, field_name: str = "people") -> str:
    """A person's name or alias: trimmed, non-empty, no commas (--with splits on them), no control
    characters, at most MAX_NAME characters."""
    if not isinstance(name, str):
        raise FieldError(field_name, f"names must be text, got {name!r}")
    _checked(texts.check_label, name, field_name, "name", 4 * MAX_NAME)  # before folding: a NUL is no space
    text = " ".join(name.split())
    if not text:
        raise FieldError(field_name, "empty name; give a person's name, e.g. --with Sam")
    if "," in text:
        raise FieldError(field_name, f"name {text!r} contains ','; commas separate names in --with")
    return _checked(texts.check_label, text, field_name, "name", MAX_NAME)


def split_names(values: Iterable[str] | None) -> list[str]:
    """--with values, each possibly comma-separated ("Sam, Alex") -> names (not yet validated)."""
    out: list[str] = []
    for v in values or ():
        parts = v.split(",")
        out.extend(parts if len(parts) > 1 else [v])
    return out


def _names(value: object, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = split_list_cell(value)
    if not isinstance(value, (list, tuple)):
        raise FieldError(field_name, f"must be a list of names, got {value!r}")
    seen: dict[str, str] = {}
    for item in value:
        name = clean_name(item, field_name)
        seen.setdefault(name_key(name), name)
    return tuple(seen.values())


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = split_list_cell(value)
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in value):
        raise FieldError("tags", f"must be a list of text tags, got {value!r}")
    seen: dict[str, str] = {}
    for t in value:
        t = _checked(texts.check_label, t, "tags", "tag", texts.MAX_TAG).strip()
        if t:
            seen.setdefault(t, t)
    return tuple(seen.values())


def _text(value: object, field_name: str) -> str | None:
    """Free text (summary, note, place): control characters dropped, length bounded."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field_name, f"must be text, got {value!r}")
    return _checked(texts.clean_free, value, field_name, field_name).strip() or None


def _label(value: object, field_name: str) -> str | None:
    """A name given as text (a routine's): trimmed, no control characters, length bounded."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field_name, f"must be text, got {value!r}")
    return _checked(texts.check_label, value, field_name, field_name.replace("_", " ")).strip() or None


def _choice(value: object, field_name: str, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field_name, f"must be one of {', '.join(choices)}, got {value!r}")
    v = value.strip().lower()
    if not v:
        return None
    if v not in choices:
        raise FieldError(field_name, f"unknown {field_name.replace('_', ' ')} {value!r}; use {', '.join(choices)}")
    return v


def parse_mode(value: object) -> str:
    """A mode or a friendly alias ('irl', 'call') -> one of MODES."""
    if value is None:
        return "in-person"
    if not isinstance(value, str):
        raise FieldError("mode", f"unknown mode {value!r}; use {MODES_HELP}")
    v = " ".join(value.strip().lower().split())
    v = MODE_ALIASES.get(v, v)
    if v not in MODES:
        raise FieldError("mode", f"unknown mode {value!r}; use {MODES_HELP}")
    return v


def _rating(value: object, field_name: str, top: int, help_text: str) -> int | None:
    """A whole number 1-TOP (int, integral float or digit string); None / '' / 'none' mean not rated."""
    if value is None:
        return None
    given = value
    if isinstance(value, bool):
        raise FieldError(field_name, f"{field_name} must be {help_text}, got {value!r}")
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("", "none", "-"):
            return None
        if not (v.isascii() and v.isdigit() and len(v) <= 2):  # not '²', not Arabic-Indic digits
            raise FieldError(field_name, f"{field_name} must be {help_text}, got {value!r}")
        value = int(v)
    if isinstance(value, float) and value.is_integer():  # NaN and 2.5 are not
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= top:
        raise FieldError(field_name, f"{field_name} must be {help_text}, got {given!r}")
    return value


def parse_closeness(value: object) -> int | None:
    """1-7 (int, integral float or digit string); None / '' / 'none' mean not rated."""
    return _rating(value, "closeness", 7, CLOSENESS_HELP)


def parse_fun(value: object) -> int | None:
    """1-5, how much fun it was (issue 18); None / '' / 'none' mean not rated."""
    return _rating(value, "fun", 5, FUN_HELP)


def _duration(value: object) -> float:
    if isinstance(value, bool) or value is None:
        raise FieldError("duration_min", f"duration is required; use a duration {DURATION_HELP}")
    if isinstance(value, (int, float)):
        if not value > 0:
            raise FieldError("duration_min", f"duration {value!r} must be more than 0; use a duration {DURATION_HELP}")
        if value > MAX_DURATION_MIN:
            raise FieldError("duration_min", f"duration {value!r} is longer than 24h; use a duration {DURATION_HELP}")
        try:
            return check_minutes(float(value), value)
        except UserError as e:
            raise FieldError("duration_min", str(e)) from None
    if not isinstance(value, str):
        raise FieldError("duration_min", f"cannot read duration {value!r}; use a duration {DURATION_HELP}")
    if value.strip().startswith("-"):
        raise FieldError("duration_min", f"duration {value!r} must be more than 0; use a duration {DURATION_HELP}")
    try:
        return parse_duration(value)
    except UserError as e:
        raise FieldError("duration_min", str(e)) from None


def _when(value: object, field_name: str, now: datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        try:
            check_range(value, value.isoformat())  # a stored year-0001 row being edited
        except UserError as e:
            raise FieldError(field_name, f"{e}; give a new one with --at") from None
        dt = value if value.tzinfo else in_zone(value.replace(tzinfo=zone), zone)
        if dt > now + FUTURE_TOLERANCE:
            raise FieldError(field_name, f"time {dt.isoformat()} is in the future; log things that have happened")
    elif isinstance(value, str):
        try:
            dt = parse_when(value, now, zone=zone)
        except UserError as e:
            raise FieldError(field_name, str(e)) from None
    else:
        raise FieldError(field_name, f"must be a time like 2026-11-26T12:30:00+01:00, got {value!r}")
    return dt.replace(microsecond=0)  # seconds are enough, and exports stay readable


def _work(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError("work", f"work must be true or false, got {value!r}")


def build(values: dict, now: datetime, *, zone: tzinfo, require_people: bool = True) -> Interaction:
    """Validate raw VALUES (keys as in FIELDS; absent or None = not given) into an Interaction.

    NOW is aware; naive times in VALUES are wall times in ZONE. happened_at defaults to now minus
    the duration. The interaction must have ended by now (give or take a minute): a log is a
    record of what happened.
    """
    if now.tzinfo is None:
        raise ValueError("build() needs an aware now (App.now())")
    mode = parse_mode(values.get("mode"))
    duration = _duration(values.get("duration_min"))
    raw_at = values.get("happened_at")
    at = (
        (now - timedelta(minutes=duration)).replace(microsecond=0)
        if raw_at is None
        else _when(raw_at, "happened_at", now, zone)
    )
    end = ends_at(at, duration)
    if end > now + FUTURE_TOLERANCE:
        local_end = in_zone(end, zone)
        raise FieldError(
            "duration_min",
            f"it would end at {local_end:%Y-%m-%d %H:%M}, in the future; shorten the duration or log it afterwards",
        )
    people = _names(values.get("people"), "people")
    if require_people and not people:
        raise FieldError("people", "say who you were with, e.g. --with Sam (several: --with 'Sam, Alex')")
    logged = values.get("logged_at")
    return Interaction(
        happened_at=at,
        duration_min=duration,
        mode=mode,
        people=people,
        closeness=parse_closeness(values.get("closeness")),
        fun=parse_fun(values.get("fun")),
        tags=_tags(values.get("tags")),
        note=_text(values.get("note"), "note"),
        summary=_text(values.get("summary"), "summary"),
        place=_text(values.get("place"), "place"),
        initiated=_choice(values.get("initiated"), "initiated", INITIATED),
        phones_away=_choice(values.get("phones_away"), "phones_away", PHONES_AWAY),
        work=_work(values.get("work")),
        routine=_label(values.get("routine"), "routine"),
        logged_at=None if logged is None or logged == "" else _when(logged, "logged_at", now, zone),
    )


def describe(it: Interaction, zone: tzinfo, interaction_id: int | None = None, verb: str = "Logged") -> str:
    """One line saying what was stored, e.g. 'Logged #12: in-person with Sam, 2026-11-26 12:30-13:30 (1h00m)'."""
    start = in_zone(it.happened_at, zone)
    end = in_zone(it.ends_at, zone)
    who = ", ".join(it.people) if it.people else "nobody named"
    head = f"{verb} #{interaction_id}" if interaction_id is not None else verb
    line = f"{head}: {it.mode} with {who}, {start:%Y-%m-%d %H:%M}-{end:%H:%M} ({format_duration(it.duration_min)})"
    if it.closeness is not None:
        line += f", closeness {it.closeness}"
    if it.fun is not None:
        line += f", fun {it.fun}"
    if it.summary:
        line += f": {it.summary}"
    return line


# --- plain data for JSON / CSV (the `interactions list --json` and export contract) -------------


def number(x: float) -> int | float:
    """60.0 -> 60, 12.5 -> 12.5: exports look like what people typed."""
    return int(x) if float(x).is_integer() else x


def to_record(row: dict, zone: tzinfo) -> dict:
    """A stored row (store.interactions) -> the JSON-ready export dict, keys in FIELDS order, times
    local to ZONE."""
    iso = Calendar(zone).iso
    return {
        "id": row["id"],
        "happened_at": iso(row["happened_at"]),
        "duration_min": number(row["duration_min"]),
        "mode": row["mode"],
        "people": list(row["people"]),
        "closeness": row["closeness"],
        "fun": row.get("fun"),
        "tags": list(row["tags"] or []),
        "note": row["note"],
        "summary": row["summary"],
        "place": row["place"],
        "initiated": row["initiated"],
        "phones_away": row["phones_away"],
        "work": bool(row["work"]),
        "logged_at": iso(row["logged_at"]),
        "routine": row.get("routine"),
    }


# CSV list cells (people, tags): items separated by ';'. A ';' or '\' inside an item is escaped
# with a backslash, so any name round-trips ("Smith\; J." is one name), while "Sam;Alex" stays easy
# to type by hand.


def join_list_cell(items: Iterable[object]) -> str:
    return ";".join(str(i).replace("\\", "\\\\").replace(";", "\\;") for i in items)


def split_list_cell(cell: str) -> list[str]:
    items, cur, i = [], [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell):
            cur.append(cell[i + 1])
            i += 2
            continue
        if ch == ";":
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    items.append("".join(cur))
    return [s.strip() for s in items if s.strip()]


def to_csv_cells(record: dict) -> list[str]:
    """An export dict -> CSV cells in FIELDS order (null = empty cell)."""
    out = []
    for k in FIELDS:
        v = record.get(k)
        if k in ("people", "tags"):
            out.append(join_list_cell(v or []))
        elif v is None:
            out.append("")
        elif isinstance(v, bool):
            out.append("true" if v else "false")
        else:
            out.append(str(v))
    return out
