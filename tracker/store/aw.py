"""SQL of the ActivityWatch import (tracker/usecases/aw_import.py): its phone days.

Spans go through tracker.store.activity.upsert_spans with source 'aw'. Phone days go to the
phone_time table (migration 0007_phone_time) with source 'aw', one row per local day, through
the one writer of that table, tracker.store.phone.put_days (which `checkin --phone` uses too).
"""

from __future__ import annotations

from datetime import date, datetime

SOURCE = "aw"


def put_phone_days(con, days: dict[date, float], recorded_at: datetime) -> dict[str, int]:
    """Store DAYS' minutes under source 'aw', replacing that day's earlier 'aw' figure; RECORDED_AT
    is naive UTC. Returns how many days were added, replaced and unchanged (a second import of the
    same file: all unchanged)."""
    from tracker.domain.phone import PhoneDay
    from tracker.store.phone import put_days

    return put_days(con, [PhoneDay(day, minutes, None, SOURCE) for day, minutes in sorted(days.items())], recorded_at)
