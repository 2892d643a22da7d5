"""The export/import file formats, pure: JSON and CSV text in and out, rows validated like `log`.

Round trip: export -> import into an empty database -> export gives the same file, except that
ids are assigned by the importing database (an `id` in an imported file is ignored).

Phone time (`export --what phone`, `import --what phone`) is one row per local day and source:
day (YYYY-MM-DD), minutes, social_minutes (empty: not reported), source (tracker/domain/phone.py
SOURCES; empty: checkin) and recorded_at (local ISO 8601; empty: the time of the import).

CSV list cells (people, tags) separate items with ';'; a ';' or '\\' inside a name is escaped
with a backslash ("Smith\\; J."). Empty cells are nulls.

CSV formula injection: a cell starting with = + - @ TAB or CR is run as a formula by
spreadsheets, so export always prefixes such a cell with one "'" (what OWASP recommends and what
spreadsheets show as text). To stay lossless, a cell that is already quotes followed by one of
those characters gets one more quote; import strips exactly one quote from any cell that is one or
more quotes followed by a trigger character. Other cells ("'tis") are untouched both ways.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path

from tracker.domain import interactions as core
from tracker.domain import invitations as invites
from tracker.domain import phone as phones
from tracker.domain.times import Calendar, check_range, to_storage, wall_time
from tracker.errors import UserError

ACTIVITY_FIELDS = ("start", "end", "app", "title", "state", "category")
PHONE_FIELDS = ("day", "minutes", "social_minutes", "source", "recorded_at")
PHONE_REQUIRED = ("day", "minutes")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_KNOWN = set(core.FIELDS)


def _is_formula_like(cell: str, min_quotes: int) -> bool:
    """`cell` is at least `min_quotes` quotes followed by a character a spreadsheet runs as a formula."""
    rest = cell.lstrip("'")
    return len(cell) - len(rest) >= min_quotes and rest.startswith(_FORMULA_START)


def csv_escape(cell: str) -> str:
    """A cell a spreadsheet shows as text: "'" before =, +, -, @, TAB, CR (and before quotes leading to one)."""
    return "'" + cell if _is_formula_like(cell, 0) else cell


def csv_unescape(cell: str) -> str:
    """Undo csv_escape exactly: one leading quote off a cell of quotes followed by a formula character."""
    return cell[1:] if _is_formula_like(cell, 1) else cell


def format_for(path: str | None, given: str | None) -> str | None:
    """The format asked for, else the one a file name's extension says (.json, .csv), else None."""
    if given:
        return given
    if path:
        ext = Path(path).suffix.lower()
        if ext in (".json", ".csv"):
            return ext[1:]
    return None


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A header and rows of text cells as CSV, every cell formula-escaped."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([csv_escape(c) for c in row] for row in rows)
    return buf.getvalue()


def export_text(records: list[dict], header: Iterable[str], cells: list[list[str]], fmt: str) -> str:
    """RECORDS as a JSON array, or their CELLS as CSV under HEADER."""
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    return csv_text(header, cells)


class RowError(UserError):
    """A bad row of an import file; the message names the row (and field)."""


def row_error(n: int, field: str | None, msg: str) -> RowError:
    where = f"row {n}" + (f', field "{field}"' if field else "")
    return RowError(f"{where}: {msg}")


def _no_constant(word: str) -> float:
    raise ValueError(f"{word} is not a number JSON allows")


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 18:  # an id or a minute count needs far fewer; int() stops at 4300
        raise ValueError(f"a {len(digits)}-digit number")
    return int(digits)


def _read_json(text: str, name: str, what: str = "interactions") -> list[dict]:
    expected = f"expected an array of {what} as written by 'offscreen export'"
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as e:
        raise UserError(f"{name} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); {expected}") from None
    except RecursionError:
        raise UserError(f"{name} nests arrays or objects too deeply to be an export; {expected}") from None
    except ValueError as e:  # NaN or Infinity, or a number of thousands of digits
        raise UserError(f"{name} holds a value offscreen does not read ({e}); {expected}") from None
    if not isinstance(data, list):
        raise UserError(f"{name} must hold a JSON array of {what}, as written by 'offscreen export'")
    rows = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise row_error(n, None, "must be an object with fields like happened_at, duration_min, mode, people")
        for key in ("people", "tags"):
            if item.get(key) is not None and not isinstance(item[key], list):
                raise row_error(n, key, f"must be a list, got {item[key]!r}")
        rows.append(item)
    return rows


def _read_csv(
    text: str, name: str, fields: tuple[str, ...] = core.FIELDS, required: tuple[str, ...] = core.REQUIRED_FOR_IMPORT
) -> list[dict]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        lines = list(reader)
    except csv.Error as e:
        raise UserError(f"{name} is not valid CSV: {e}") from None
    if not lines:
        raise UserError(f"{name} is empty; expected a header line: {','.join(fields)}")
    header = [h.strip() for h in lines[0]]
    seen: set[str] = set()
    for h in header:
        if h in seen:  # the row dicts would keep only the last cell of the two
            raise UserError(f'{name}: the column "{h}" appears twice in the header; keep one')
        seen.add(h)
    rows = []
    for n, cells in enumerate(lines[1:], 1):
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            raise row_error(n, None, f"has {len(cells)} cells but the header has {len(header)} columns")
        cells = [csv_unescape(c) for c in cells]
        rows.append({h: (c if c != "" or h in ("people", "tags") else None) for h, c in zip(header, cells)})
    for col in required:
        if col not in header and "direction" in header and "direction" not in required:
            raise UserError(f"{name} looks like an invitations export; import it with --what invitations")
        if col not in header:
            raise UserError(f'{name}: missing column "{col}"; the header needs at least {", ".join(required)}')
    return rows


def parse_file(text: str, fmt: str, name: str, now: datetime, zone: tzinfo) -> list[core.Interaction]:
    """Every row of an import file, validated like `log`; the first bad one raises, naming row and field."""
    rows = _read_json(text, name) if fmt == "json" else _read_csv(text, name)
    items = []
    for n, row in enumerate(rows, 1):
        unknown = sorted(set(row) - _KNOWN)
        if unknown and "direction" in unknown:
            raise row_error(n, "direction", "this looks like an invitations export; import it with --what invitations")
        if unknown:
            raise row_error(n, unknown[0], f"unknown field; known fields: {', '.join(core.FIELDS)}")
        for key in core.REQUIRED_FOR_IMPORT:
            if row.get(key) in (None, "", []):
                raise row_error(n, key, "is missing")
        try:
            items.append(core.build(row, now, zone=zone))
        except core.FieldError as e:
            raise row_error(n, e.field, str(e)) from None
    return items


# What an invitations export holds besides invitations.FIELDS (`invite list --json` records): ignored.
_INVITATION_EXTRA = {"interaction_id", "open"}


def parse_invitations(
    text: str, fmt: str, name: str, now: datetime, zone: tzinfo
) -> list[tuple[invites.Invitation, datetime | None]]:
    """Every row of an invitations file (`export --what invitations`), validated like `invite`,
    each with the start of the interaction it became (None: none); the first bad row raises."""
    rows = (
        _read_json(text, name) if fmt == "json" else _read_csv(text, name, invites.FIELDS, invites.REQUIRED_FOR_IMPORT)
    )
    out = []
    for n, row in enumerate(rows, 1):
        unknown = sorted(set(row) - set(invites.FIELDS) - _INVITATION_EXTRA)
        if unknown:
            raise row_error(n, unknown[0], f"unknown field; known fields: {', '.join(invites.FIELDS)}")
        for key in invites.REQUIRED_FOR_IMPORT:
            if row.get(key) in (None, "", []):
                raise row_error(n, key, "is missing")
        try:
            inv = invites.build(row, now, zone=zone)
            became = invites.past_time(row.get("interaction_at"), "interaction_at", now, zone)
        except core.FieldError as e:
            raise row_error(n, e.field, str(e)) from None
        out.append((inv, became))
    return out


def phone_record(d: phones.PhoneDay, recorded_at: datetime, cal: Calendar) -> dict:
    """A stored phone-time row -> the export dict, keys in PHONE_FIELDS order."""
    return {
        "day": d.day.isoformat(),
        "minutes": core.number(d.minutes),
        "social_minutes": None if d.social_minutes is None else core.number(d.social_minutes),
        "source": d.source,
        "recorded_at": cal.iso(recorded_at),
    }


def _minutes(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"must be a number of minutes, got {value!r}")
    return phones.parse_minutes(str(value), field)


def _phone_row(row: dict, now: datetime, zone: tzinfo) -> tuple[phones.PhoneDay, datetime]:
    field = "day"
    try:
        text = row["day"]
        if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(f"must be a date like 2026-11-30, got {text!r}")
        day = date.fromisoformat(text)
        check_range(datetime.combine(day, datetime.min.time()), text)
        field = "minutes"
        minutes = _minutes(row["minutes"], "minutes")
        field = "social_minutes"
        social = None if row.get("social_minutes") in (None, "") else _minutes(row["social_minutes"], "social_minutes")
        phones.check(minutes, social)
        field = "source"
        source = row.get("source") or "checkin"
        if source not in phones.SOURCES:
            raise ValueError(f"must be one of {', '.join(phones.SOURCES)}, got {source!r}")
        field = "recorded_at"
        at = now
        if row.get("recorded_at") not in (None, ""):
            raw = row["recorded_at"]
            if not isinstance(raw, str):
                raise ValueError(f"must be an ISO 8601 time, got {raw!r}")
            parsed = datetime.fromisoformat(raw)
            at = wall_time(parsed, zone, raw) if parsed.tzinfo is None else check_range(parsed, raw)
    except (ValueError, UserError) as e:
        raise core.FieldError(field, str(e)) from None
    return phones.PhoneDay(day, minutes, social, source), to_storage(at)


def parse_phone_file(
    text: str, fmt: str, name: str, now: datetime, zone: tzinfo
) -> list[tuple[phones.PhoneDay, datetime]]:
    """Every row of a phone-time import file with its recorded_at (naive UTC); the first bad one
    raises, naming row and field, and a day given twice for one source is refused."""
    what = "days of phone time"
    rows = _read_json(text, name, what) if fmt == "json" else _read_csv(text, name, PHONE_FIELDS, PHONE_REQUIRED)
    out = []
    seen: dict[tuple[date, str], int] = {}
    for n, row in enumerate(rows, 1):
        unknown = sorted(set(row) - set(PHONE_FIELDS))
        if unknown:
            raise row_error(n, unknown[0], f"unknown field; known fields: {', '.join(PHONE_FIELDS)}")
        for key in PHONE_REQUIRED:
            if row.get(key) in (None, ""):
                raise row_error(n, key, "is missing")
        try:
            d, at = _phone_row(row, now, zone)
        except core.FieldError as e:
            raise row_error(n, e.field, str(e)) from None
        if (d.day, d.source) in seen:
            raise row_error(n, "day", f"{d.day} from {d.source} is already in row {seen[(d.day, d.source)]}; keep one")
        seen[(d.day, d.source)] = n
        out.append((d, at))
    return out
