"""The backup file format (`offscreen backup` / `offscreen restore`), pure: text in and out.

A backup is one JSON document, gzip-compressed when the file name ends in .gz (restore looks at
the bytes, not the name):

    {
      "format": "offscreen-backup",
      "version": 1,
      "created_at": "2026-11-30T12:00:00+01:00",     # local time with offset, for people
      "offscreen": "0.1.0",                          # the program that wrote it
      "schema": ["0001_core", "0002_practice", ...], # the database migrations it was taken at
      "sequences": {"people_id_seq": 18, ...},       # last id handed out (null: none yet)
      "tables": {
        "people": {"columns": ["id", "name", ...], "count": 18, "rows": [[1, "Sam", ...], ...]},
        ...
      }
    }

Every table of the database is there (but schema_migrations, which "schema" stands for), each
row a list in the order of its "columns" (lists, not objects: a year is ~500,000 activity
spans), rows one per line. Values are the stored ones: ids as they are (links between tables
survive), timestamps naive UTC text ("2026-11-30 11:00:00" or with ".ffffff"), dates
"2026-11-30", booleans, numbers, lists (tags) and null. Soft-deleted interactions, removed
routines and merged-away people are rows like any other, with their deleted_at, removed_at and
merged_into set, so a restore is exact.

"version" is this layout's number: a reader refuses a higher one. "count" lets a reader tell a
cut-off table from a short one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from tracker.errors import UserError

FORMAT = "offscreen-backup"
VERSION = 1


class BadBackup(UserError):
    """The file is not a backup this version can restore; the message says why."""


def header_text(meta: dict) -> str:
    """The document up to its tables, as text: META's keys in order, then `"tables": {`."""
    head = json.dumps({"format": FORMAT, "version": VERSION, **meta}, ensure_ascii=False)
    return head[:-1] + ', "tables": {'


def table_text(name: str, columns: Iterable[str], count: int, first: bool) -> str:
    """The opening of table NAME, up to its first row."""
    sep = "" if first else ","
    return f'{sep}\n{json.dumps(name)}: {{"columns": {json.dumps(list(columns))}, "count": {count}, "rows": ['


def rows_text(rows: Iterable[list], first: bool) -> str:
    """ROWS, one JSON array a line, continuing a table's rows (FIRST: nothing before them)."""
    body = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows)
    if not body:
        return ""
    return ("\n" if first else ",\n") + body


TABLE_END = "]}"
DOCUMENT_END = "\n}}\n"


def parse(text: str, name: str) -> dict:
    """The document in TEXT, its structure checked (not its values: the store checks those)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadBackup(
            f"{name} is not a complete offscreen backup (cut off or not JSON: line {e.lineno}: {e.msg}); "
            "nothing was restored"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BadBackup(
            f'{name} is not an offscreen backup (no "format": "{FORMAT}"); '
            "restore reads files written by 'offscreen backup' (import reads 'offscreen export' files)"
        )
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadBackup(f"{name}: backup version {version!r} is not a number")
    if version > VERSION:
        raise BadBackup(
            f"{name} is a version {version} backup, newer than this offscreen reads (up to {VERSION}); "
            "upgrade offscreen to restore it"
        )
    tables = doc.get("tables")
    if not isinstance(tables, dict):
        raise BadBackup(f'{name}: no "tables" object; nothing was restored')
    for table, body in tables.items():
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("columns"), list)
            or not isinstance(body.get("rows"), list)
        ):
            raise BadBackup(f'{name}: table "{table}" needs "columns" and "rows" lists')
        width = len(body["columns"])
        if len(set(body["columns"])) != width or not all(isinstance(c, str) for c in body["columns"]):
            raise BadBackup(f'{name}: table "{table}" has bad "columns"')
        if body.get("count") is not None and body["count"] != len(body["rows"]):
            raise BadBackup(
                f'{name}: table "{table}" holds {len(body["rows"])} rows of the {body["count"]} written (cut off?)'
            )
        for n, row in enumerate(body["rows"], 1):
            if not isinstance(row, list) or len(row) != width:
                raise BadBackup(f'{name}: table "{table}", row {n} does not have its {width} columns')
    for key in ("schema", "sequences"):
        if key in doc and not isinstance(doc[key], list if key == "schema" else dict):
            raise BadBackup(f'{name}: "{key}" has the wrong type')
    return doc
