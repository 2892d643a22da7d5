"""What changed since the last sync, so a sync costs what changed, not the history (issue 16).

Activity: the UTC days a write into activity touched are marked where the spans are written
(tracker/store/activity.py upsert_spans, which knows the quarters it rewrote, as the rollups do),
and the sync fingerprints and rewrites only those days. The mark carries activity's row count
(rollups.activity_key: metadata, no scan) after the last marked write: a write that bypassed
the marks (a restore, the demo, a test laying out rows) changes the count, and the next sync
compares every day once, as the first sync does. No mark at all (sync never ran here) costs a
write nothing.

Rows: one fingerprint of the synced tables as stored (count and xor of row hashes: ~15 ms CPU for
five years of a demo's 8,456 interactions, against ~60 ms for the content hash of every row as
it travels); the same fingerprint as after the last sync means nothing to look at.

Both live in settings (sync.mark.*); a restore forgets them (tracker/store/backup.py).
"""

from __future__ import annotations

import json

from tracker.store import rollups

ACTIVITY = "sync.mark.activity"
ROWS = "sync.mark.rows"
_DAY_Q = 86400 // rollups.Q_S

# What the rows as they travel are made of (tracker/store/sync_rows.py VIEWS), as stored.
_ROW_TABLES = (
    "people",
    "aliases",
    "routines",
    "routine_people",
    "routine_skips",
    "interactions",
    "interaction_people",
    "checkins",
)


def _get(con, key: str) -> str | None:
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _set(con, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]
    )


def forget(con) -> None:
    """Drop every mark: the next sync compares everything (a restore replaced the tables)."""
    con.execute("DELETE FROM settings WHERE starts_with(key, 'sync.mark.')")


def _merge(ranges: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def note_spans(con, stretches, before: str) -> None:
    """After a write into activity: mark the UTC days of the quarter STRETCHES ([a, b), as
    rollups.runs gives them) for the next sync. BEFORE: rollups.activity_key() before the write."""
    text = _get(con, ACTIVITY)
    if text is None:
        return  # sync never ran here: its first run compares every day
    mark = json.loads(text)
    if mark["key"] != before:
        return  # stale already: the next sync compares every day
    days = mark["days"] + [[a // _DAY_Q, (b - 1) // _DAY_Q] for a, b in stretches if b > a]
    _set(con, ACTIVITY, json.dumps({"key": rollups.activity_key(con), "days": _merge(days)}))


def changed_days(con) -> list[tuple[int, int]] | None:
    """UTC day ranges (days since 1970-01-01, both ends in) whose spans changed since the last
    sync, or None when that is not known (compare every day)."""
    text = _get(con, ACTIVITY)
    if text is None:
        return None
    mark = json.loads(text)
    if mark["key"] != rollups.activity_key(con):
        return None
    return [(lo, hi) for lo, hi in mark["days"]]


def activity_synced(con) -> None:
    """Every day is as written to the folder now: nothing marked."""
    _set(con, ACTIVITY, json.dumps({"key": rollups.activity_key(con), "days": []}))


def rows_key(con) -> str:
    """The synced tables' fingerprint as stored, and the uids given to their rows."""
    parts = [f"SELECT '{t}', count(*), bit_xor(hash(x)) FROM {t} x" for t in _ROW_TABLES]
    parts.append("SELECT 'sync_rows', count(*), bit_xor(hash(tbl, uid, local_id, own)) FROM sync_rows")
    return repr(con.execute(" UNION ALL ".join(parts) + " ORDER BY 1").fetchall())


def rows_unchanged(con, key: str) -> bool:
    """Whether the synced tables are as they were after the last sync (KEY: rows_key())."""
    return _get(con, ROWS) == key


def rows_synced(con, key: str) -> None:
    _set(con, ROWS, key)
