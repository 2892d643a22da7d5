"""SQL of the ActivityWatch import (tracker/usecases/aw_import.py): its phone days.

Spans go through tracker.store.activity.upsert_spans with source 'aw'. Phone days go to the
phone_time table (migration 0007_phone_time) with source 'aw', one row per local day;
`put_phone_days` is the one seam between the import and that table (the phone helper's
tracker/store/phone.py `put_days` does the same for check-ins, and may take its place).
"""

from __future__ import annotations

from datetime import date, datetime

SOURCE = "aw"


def put_phone_days(con, days: dict[date, float], recorded_at: datetime) -> dict[str, int]:
    """Store DAYS' minutes under source 'aw', replacing that day's earlier 'aw' figure; RECORDED_AT
    is naive UTC. Returns how many days were added, replaced and unchanged (a second import of the
    same file: all unchanged)."""
    out = {"added": 0, "replaced": 0, "unchanged": 0}
    if not days:
        return out
    old = dict(
        con.execute(
            "SELECT day, minutes FROM phone_time WHERE source = ? AND day >= ? AND day <= ?",
            [SOURCE, min(days), max(days)],
        ).fetchall()
    )
    rows = []
    for day, minutes in days.items():
        if day in old and old[day] == minutes:
            out["unchanged"] += 1
            continue
        out["replaced" if day in old else "added"] += 1
        rows.append([day, SOURCE, minutes, recorded_at])
    if rows:
        con.executemany(
            """INSERT INTO phone_time (day, source, minutes, social_minutes, recorded_at) VALUES (?, ?, ?, NULL, ?)
               ON CONFLICT (day, source) DO UPDATE
               SET minutes = excluded.minutes, recorded_at = excluded.recorded_at""",
            rows,
        )
    return out
