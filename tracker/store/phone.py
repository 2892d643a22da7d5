"""All SQL of phone screen time (table phone_time, migration 0007_phone_time): one reported
figure per local day and source, a later one replacing it (rules: tracker/domain/phone.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from tracker.domain.phone import PhoneDay, check


def put_days(con, days: Iterable[PhoneDay], recorded_at: datetime) -> dict[str, int]:
    """Store each figure of DAYS for its (day, source), replacing what that day and source held;
    RECORDED_AT is naive UTC. The one writer of phone_time: `checkin --phone` and the
    ActivityWatch import (source 'aw') both call it. Returns how many rows were added, replaced
    with other figures, and unchanged (the same figures again: a second import adds nothing)."""
    out = {"added": 0, "replaced": 0, "unchanged": 0}
    for d in days:
        check(d.minutes, d.social_minutes)
        old = con.execute(
            "SELECT minutes, social_minutes FROM phone_time WHERE day = ? AND source = ?", [d.day, d.source]
        ).fetchone()
        if old is not None and (old[0], old[1]) == (d.minutes, d.social_minutes):
            out["unchanged"] += 1
            continue
        out["replaced" if old is not None else "added"] += 1
        con.execute(
            """INSERT INTO phone_time (day, source, minutes, social_minutes, recorded_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (day, source) DO UPDATE
               SET minutes = excluded.minutes, social_minutes = excluded.social_minutes,
                   recorded_at = excluded.recorded_at""",
            [d.day, d.source, d.minutes, d.social_minutes, recorded_at],
        )
    return out


def get_day(con, day: date, source: str) -> PhoneDay | None:
    row = con.execute(
        "SELECT day, minutes, social_minutes, source FROM phone_time WHERE day = ? AND source = ?", [day, source]
    ).fetchone()
    return None if row is None else PhoneDay(*row)


def delete_day(con, day: date, source: str) -> bool:
    """Remove DAY's figure from SOURCE; False when there was none."""
    found = get_day(con, day, source) is not None
    con.execute("DELETE FROM phone_time WHERE day = ? AND source = ?", [day, source])
    return found


def between(con, first: date, last: date) -> list[PhoneDay]:
    """Every stored figure of the local days FIRST..LAST (inclusive), all sources, by day."""
    rows = con.execute(
        """SELECT day, minutes, social_minutes, source FROM phone_time
           WHERE day >= ? AND day <= ? ORDER BY day, source""",
        [first, last],
    ).fetchall()
    return [PhoneDay(*r) for r in rows]


def export_rows(con, first: date | None, last: date | None) -> list[dict]:
    """The stored rows of FIRST..LAST (None: open) for `offscreen export --what phone`, oldest first."""
    rows = con.execute(
        """SELECT day, source, minutes, social_minutes, recorded_at FROM phone_time
           WHERE (? IS NULL OR day >= ?) AND (? IS NULL OR day <= ?) ORDER BY day, source""",
        [first, first, last, last],
    ).fetchall()
    return [dict(zip(("day", "source", "minutes", "social_minutes", "recorded_at"), r)) for r in rows]


def import_rows(con, rows: list[tuple[PhoneDay, datetime]]) -> dict[str, int]:
    """Rows of an import file ((figure, recorded_at naive UTC)): a (day, source) not stored is
    added, one stored with an earlier recorded_at is replaced, others are skipped."""
    out = {"added": 0, "replaced": 0, "skipped": 0}
    for d, at in rows:
        old = con.execute(
            "SELECT recorded_at, minutes, social_minutes FROM phone_time WHERE day = ? AND source = ?",
            [d.day, d.source],
        ).fetchone()
        if old is not None and (old[0] >= at or (old[1], old[2]) == (d.minutes, d.social_minutes)):
            out["skipped"] += 1
            continue
        done = put_days(con, [d], at)
        out["added"] += done["added"]
        out["replaced"] += done["replaced"]
    return out
