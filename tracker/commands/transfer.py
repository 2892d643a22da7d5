"""`offscreen export` and `offscreen import`: interactions (and activity) as JSON or CSV.

Round trip: export -> import into an empty database -> export gives the same file, except that
ids are assigned by the importing database (an `id` in an imported file is ignored). Import checks
every row with the same validation as `log` before writing anything, then writes all rows in one
transaction; exact duplicates (same start, duration, mode and people) are skipped and counted.

CSV list cells (people, tags) separate items with ';'; a ';' or '\\' inside a name is escaped
with a backslash ("Smith\\; J."). Empty cells are nulls.

CSV formula injection (r4): a cell starting with = + - @ TAB or CR is run as a formula by
spreadsheets, so export always prefixes such a cell with one "'" (what OWASP recommends and what
spreadsheets show as text). To stay lossless, a cell that is already quotes followed by one of
those characters gets one more quote; import strips exactly one quote from any cell that is one or
more quotes followed by a trigger character. Other cells ("'tis") are untouched both ways.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from tracker.domain import interactions as core
from tracker.domain.times import local_now, parse_range
from tracker.errors import RuntimeFailure, UserError

ACTIVITY_FIELDS = ("start", "end", "app", "title", "state", "category")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _format_for(path: str | None, given: str | None) -> str | None:
    if given:
        return given
    if path:
        ext = Path(path).suffix.lower()
        if ext in (".json", ".csv"):
            return ext[1:]
    return None


def _csv_text(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([csv_escape(c) for c in row] for row in rows)
    return buf.getvalue()


def _naive_utc(dt):
    from tracker.store import to_utc_naive

    return None if dt is None else to_utc_naive(dt)


@click.command("export")
@click.option(
    "--what",
    type=click.Choice(["interactions", "activity"]),
    default="interactions",
    show_default=True,
    help="What to export.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    help="Output format (default: from the -o extension, else json).",
)
@click.option("--since", metavar="DATE", help="From this day or time (2026-11-01, 30d, yesterday).")
@click.option("--until", metavar="DATE", help="Up to the end of this day, or this time.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically, private) instead of stdout.")
@click.pass_obj
def export_cmd(app, what, fmt, since, until, output):
    """Export interactions or activity as JSON or CSV (deleted interactions are left out).

    \b
    Examples:
      offscreen export -o interactions.json
      offscreen export --format csv --since 2026-11-01 > november.csv
      offscreen export --what activity --since 7d -o activity.csv
    """
    fmt = _format_for(output, fmt) or "json"
    lo, hi = parse_range(since, until, day_start_hour=app.config.general.day_start_hour)
    if what == "interactions":
        from tracker.store import interactions as store_i

        with app.store() as con:
            records = [core.to_record(r) for r in store_i.query(con, since=lo, until=hi)]
        header, cells = core.FIELDS, [core.to_csv_cells(r) for r in records]
    else:
        import importlib

        try:
            store_a = importlib.import_module("tracker.store.activity")  # the daemon engineer's module
        except ModuleNotFoundError as e:
            if e.name != "tracker.store.activity":
                raise
            raise RuntimeFailure("activity export is not available yet; export interactions instead") from None
        with app.store(drain=True) as con:
            records = store_a.export_rows(con, _naive_utc(lo), _naive_utc(hi), app.config)
        header = ACTIVITY_FIELDS
        cells = [["" if r.get(k) is None else str(r.get(k)) for k in header] for r in records]
    text = json.dumps(records, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else _csv_text(header, cells)
    if output:
        from tracker.paths import atomic_write

        try:
            atomic_write(Path(output).expanduser().absolute(), text)
        except OSError as e:
            raise RuntimeFailure(
                f"cannot write {output}: {e.strerror or e}; choose a file in a directory you can write to"
            ) from None
        noun = {"interactions": ("interaction", "interactions"), "activity": ("activity span", "activity spans")}[what]
        click.echo(f"Exported {len(records)} {noun[len(records) != 1]} to {output}")
    else:
        click.echo(text, nl=False)


class RowError(UserError):
    pass


def _row_error(n: int, field: str | None, msg: str) -> RowError:
    where = f"row {n}" + (f', field "{field}"' if field else "")
    return RowError(f"{where}: {msg}")


_KNOWN = set(core.FIELDS)


def _read_json(text: str, name: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(
            f"{name} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
            "expected an array of interactions as written by 'offscreen export'"
        ) from None
    if not isinstance(data, list):
        raise UserError(f"{name} must hold a JSON array of interactions, as written by 'offscreen export'")
    rows = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise _row_error(n, None, "must be an object with fields like happened_at, duration_min, mode, people")
        for key in ("people", "tags"):
            if item.get(key) is not None and not isinstance(item[key], list):
                raise _row_error(n, key, f"must be a list, got {item[key]!r}")
        rows.append(item)
    return rows


def _read_csv(text: str, name: str) -> list[dict]:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        lines = list(reader)
    except csv.Error as e:
        raise UserError(f"{name} is not valid CSV: {e}") from None
    if not lines:
        raise UserError(f"{name} is empty; expected a header line: {','.join(core.FIELDS)}")
    header = [h.strip() for h in lines[0]]
    rows = []
    for n, cells in enumerate(lines[1:], 1):
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            raise _row_error(n, None, f"has {len(cells)} cells but the header has {len(header)} columns")
        cells = [csv_unescape(c) for c in cells]
        rows.append({h: (c if c != "" or h in ("people", "tags") else None) for h, c in zip(header, cells)})
    for col in core.REQUIRED_FOR_IMPORT:
        if col not in header:
            raise UserError(
                f'{name}: missing column "{col}"; the header needs at least {", ".join(core.REQUIRED_FOR_IMPORT)}'
            )
    return rows


def parse_file(text: str, fmt: str, name: str, now) -> list[core.Interaction]:
    """Every row of an import file, validated like `log`; the first bad row raises, naming row and field."""
    rows = _read_json(text, name) if fmt == "json" else _read_csv(text, name)
    items = []
    for n, row in enumerate(rows, 1):
        unknown = sorted(set(row) - _KNOWN)
        if unknown:
            raise _row_error(n, unknown[0], f"unknown field; known fields: {', '.join(core.FIELDS)}")
        for key in core.REQUIRED_FOR_IMPORT:
            if row.get(key) in (None, "", []):
                raise _row_error(n, key, "is missing")
        try:
            items.append(core.build(row, now))
        except core.FieldError as e:
            raise _row_error(n, e.field, str(e)) from None
    return items


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), help="File format (default: by extension).")
@click.pass_obj
def import_cmd(app, file, fmt):
    """Import interactions from JSON or CSV (as written by `offscreen export`): all rows or none.

    Every row is checked first; the first bad one is reported with its row number and field and
    nothing is written. Exact duplicates of stored interactions are skipped, so importing the same
    file twice adds nothing. Required: happened_at, duration_min, mode, people.

    \b
    Examples:
      offscreen import interactions.json
      offscreen import --format csv diary.txt
    """
    if not file.exists():  # before the format: "missing.txt" is a missing file first (r4)
        raise UserError(f"{file}: no such file")
    fmt = _format_for(str(file), fmt)
    if fmt is None:
        raise UserError(f"cannot tell the format of {file} from its name; add --format json or --format csv")
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except UnicodeDecodeError:
        raise UserError(f"{file} is not UTF-8 text; expected {fmt.upper()} as written by 'offscreen export'") from None
    except OSError as e:
        raise UserError(f"cannot read {file}: {e.strerror}") from None
    items = parse_file(text, fmt, str(file), local_now())

    from tracker.store import interactions as store_i
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        rids = []
        for n, it in enumerate(items, 1):
            try:
                rids.append(store_i.routine_id(con, it.routine) if it.routine else None)
            except UserError as e:
                raise _row_error(n, "routine", str(e)) from None
        added, skipped = store_i.insert_many(con, items, source="import", routine_ids=rids)
    msg = f"Imported {added} interaction{'s' if added != 1 else ''} from {file}"
    if skipped:
        msg += f" ({skipped} duplicate{'s' if skipped != 1 else ''} skipped)"
    click.echo(msg)
