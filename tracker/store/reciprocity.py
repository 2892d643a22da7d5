"""SQL for serve and return (tracker/domain/reciprocity.py): who started each person's latest
one-to-one interactions. Times are naive UTC."""

from __future__ import annotations

from datetime import datetime, timedelta


def latest_initiated(
    con, until_utc: datetime, *, last_n: int, window_days: int, person_ids: list[int] | None = None
) -> dict[int, tuple[str, list[str | None]]]:
    """Per live person (or PERSON_IDS): (name, the `initiated` of their LAST_N latest live one-to-one
    interactions starting in the WINDOW_DAYS before UNTIL_UTC, newest first). Merged-away and
    removed people are absent (a merge moved their interactions), as is anyone without such interactions."""
    where = ""
    params: list[object] = [until_utc - timedelta(days=window_days), until_utc]
    if person_ids is not None:
        where = f"AND p.id IN ({', '.join('?' * len(person_ids)) or 'NULL'})"
        params += list(person_ids)
    rows = con.execute(
        f"""WITH solo AS (
              SELECT ip.interaction_id, min(ip.person_id) AS person_id
                FROM interaction_people ip GROUP BY ip.interaction_id HAVING count(*) = 1),
            ranked AS (
              SELECT p.id, p.name, i.initiated,
                     row_number() OVER (PARTITION BY p.id ORDER BY i.happened_at DESC, i.id DESC) AS k
                FROM solo JOIN interactions i ON i.id = solo.interaction_id
                JOIN people p ON p.id = solo.person_id
               WHERE i.deleted_at IS NULL AND p.merged_into IS NULL
                 AND i.happened_at >= ? AND i.happened_at < ? {where})
            SELECT id, name, initiated FROM ranked WHERE k <= {int(last_n)} ORDER BY id, k""",
        params,
    ).fetchall()
    out: dict[int, tuple[str, list[str | None]]] = {}
    for pid, name, initiated in rows:
        out.setdefault(pid, (name, []))[1].append(initiated)
    return out
