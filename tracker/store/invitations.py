"""All SQL for invitations. Functions take an open DuckDB connection; times are naive UTC.

People are linked through invitation_people, by the same person ids as interactions
(tracker/store/people.py: a merge moves them). An invitation may point at the interaction it
became (interaction_id); a deleted interaction keeps the link (restore brings it back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.domain.times import as_storage
from tracker.errors import UnknownInvitation

_COLS = (
    "id",
    "direction",
    "what",
    "planned_for",
    "made_at",
    "answer",
    "answered_at",
    "interaction_id",
    "note",
    "nudged_at",
    "source",
    "created_at",
    "updated_at",
)


def _opt(dt: datetime | None) -> datetime | None:
    return None if dt is None else as_storage(dt)


def _answered(inv, now: datetime) -> datetime | None:
    """When INV was answered: its own time (an import), else NOW, never before it was made."""
    if inv.answer == "pending":
        return None
    return as_storage(inv.answered_at) if inv.answered_at else max(as_storage(inv.made_at), now)


def _link(con, iid: int, person_ids: list[int]) -> None:
    con.execute("DELETE FROM invitation_people WHERE invitation_id = ?", [iid])
    if person_ids:
        con.execute(
            "INSERT INTO invitation_people VALUES " + ", ".join(["(?, ?)"] * len(person_ids)),
            [v for pid in person_ids for v in (iid, pid)],
        )


def insert(
    con, inv, person_ids: list[int], *, now: datetime, source: str = "cli", interaction_id: int | None = None
) -> int:
    """Store validated invitation INV (tracker.domain.invitations.Invitation) with PERSON_IDS; returns its id."""
    row = con.execute(
        """INSERT INTO invitations (direction, what, planned_for, made_at, answer, answered_at, interaction_id,
               note, source, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            inv.direction,
            inv.what,
            _opt(inv.planned_for),
            as_storage(inv.made_at),
            inv.answer,
            _answered(inv, now),
            interaction_id,
            inv.note,
            source,
            now,
        ],
    ).fetchone()
    _link(con, row[0], person_ids)
    return row[0]


def update(con, iid: int, inv, person_ids: list[int], *, answered_at: datetime | None, now: datetime) -> None:
    """Replace every user field of invitation IID with INV's (an edit merged with the old values)."""
    con.execute(
        """UPDATE invitations SET direction = ?, what = ?, planned_for = ?, made_at = ?, answer = ?,
               answered_at = ?, note = ?, updated_at = ?, source = 'cli' WHERE id = ?""",
        [
            inv.direction,
            inv.what,
            _opt(inv.planned_for),
            as_storage(inv.made_at),
            inv.answer,
            answered_at,
            inv.note,
            now,
            iid,
        ],
    )
    _link(con, iid, person_ids)


def set_answer(con, iid: int, answer: str, now: datetime) -> None:
    """Record ANSWER (pending clears answered_at)."""
    con.execute(
        "UPDATE invitations SET answer = ?, answered_at = ?, updated_at = ?, source = 'cli' WHERE id = ?",
        [answer, None if answer == "pending" else now, now, iid],
    )


def set_interaction(con, iid: int, interaction_id: int | None, now: datetime) -> None:
    """Link invitation IID to the interaction it became (None: unlink)."""
    con.execute(
        "UPDATE invitations SET interaction_id = ?, updated_at = ?, source = 'cli' WHERE id = ?",
        [interaction_id, now, iid],
    )


def set_nudged(con, iid: int, now: datetime) -> None:
    con.execute("UPDATE invitations SET nudged_at = ? WHERE id = ?", [now, iid])


def delete(con, iid: int) -> None:
    """Delete invitation IID for good, with its people links."""
    con.execute("DELETE FROM invitation_people WHERE invitation_id = ?", [iid])
    con.execute("DELETE FROM invitations WHERE id = ?", [iid])


def query(con, *, ids: list[int] | None = None, open_only: bool = False, person_id: int | None = None) -> list[dict]:
    """Invitations, oldest made first, with their people's names and ids and the start of the
    interaction each became (interaction_at)."""
    where: list[str] = []
    params: list[object] = []
    if ids is not None:
        where.append(f"v.id IN ({', '.join('?' * len(ids)) or 'NULL'})")
        params.extend(ids)
    if open_only:
        where.append("v.answer <> 'no' AND v.interaction_id IS NULL")
    if person_id is not None:
        where.append("v.id IN (SELECT invitation_id FROM invitation_people WHERE person_id = ?)")
        params.append(person_id)
    sql = f"""
        SELECT {", ".join("v." + c for c in _COLS)}, i.happened_at AS interaction_at,
               (SELECT list(p.name ORDER BY p.name_key, p.name) FROM invitation_people ip
                  JOIN people p ON p.id = ip.person_id WHERE ip.invitation_id = v.id) AS people,
               (SELECT list(ip.person_id ORDER BY ip.person_id) FROM invitation_people ip
                 WHERE ip.invitation_id = v.id) AS person_ids
        FROM invitations v LEFT JOIN interactions i ON i.id = v.interaction_id
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY v.made_at, v.id"""
    keys = _COLS + ("interaction_at", "people", "person_ids")
    out = []
    for r in con.execute(sql, params).fetchall():
        d = dict(zip(keys, r))
        d["people"] = list(d["people"] or [])
        d["person_ids"] = list(d["person_ids"] or [])
        out.append(d)
    return out


def get(con, iid: int) -> dict:
    """One invitation; UnknownInvitation when there is no such id."""
    rows = query(con, ids=[iid])
    if not rows:
        raise UnknownInvitation(iid)
    return rows[0]


def linked_to(con, interaction_id: int) -> list[int]:
    """Ids of the invitations that became INTERACTION_ID."""
    return [
        r[0] for r in con.execute("SELECT id FROM invitations WHERE interaction_id = ?", [interaction_id]).fetchall()
    ]


def interaction_people(con, interaction_id: int) -> list[int]:
    """The person ids of an interaction."""
    return [
        r[0]
        for r in con.execute(
            "SELECT person_id FROM interaction_people WHERE interaction_id = ? ORDER BY person_id", [interaction_id]
        ).fetchall()
    ]


def directions_by_person(
    con, until_utc: datetime, person_ids: list[int] | None = None
) -> dict[int, tuple[str, list[str]]]:
    """Per live person (or PERSON_IDS) with invitations made before UNTIL_UTC: (name, the directions
    of those invitations, newest first)."""
    where = ""
    params: list[object] = [until_utc]
    if person_ids is not None:
        where = f"AND p.id IN ({', '.join('?' * len(person_ids)) or 'NULL'})"
        params += list(person_ids)
    rows = con.execute(
        f"""SELECT p.id, p.name, v.direction FROM invitations v
              JOIN invitation_people ip ON ip.invitation_id = v.id JOIN people p ON p.id = ip.person_id
             WHERE p.merged_into IS NULL AND v.made_at <= ? {where}
             ORDER BY p.id, v.made_at DESC, v.id DESC""",
        params,
    ).fetchall()
    out: dict[int, tuple[str, list[str]]] = {}
    for pid, name, direction in rows:
        out.setdefault(pid, (name, []))[1].append(direction)
    return out


def accepted_open(con) -> list[dict]:
    """Accepted invitations not linked to an interaction yet (candidates for `log`'s offer)."""
    return [r for r in query(con, open_only=True) if r["answer"] == "yes"]


def pending_received(con) -> list[dict]:
    """Received invitations still without an answer (nudge candidates)."""
    return [r for r in query(con, open_only=True) if r["direction"] == "received" and r["answer"] == "pending"]


def counts(con, since_utc: datetime, until_utc: datetime) -> dict:
    """Invitations made in [since, until): given and received, and how each was answered."""
    row = con.execute(
        """SELECT count(*) FILTER (direction = 'given'),
                  count(*) FILTER (direction = 'given' AND answer = 'yes'),
                  count(*) FILTER (direction = 'given' AND answer = 'pending'),
                  count(*) FILTER (direction = 'received'),
                  count(*) FILTER (direction = 'received' AND answer = 'yes'),
                  count(*) FILTER (direction = 'received' AND answer = 'pending'),
                  count(*) FILTER (interaction_id IS NOT NULL)
           FROM invitations WHERE made_at >= ? AND made_at < ?""",
        [as_storage(since_utc), as_storage(until_utc)],
    ).fetchone()
    return {
        "made": row[0],
        "made_accepted": row[1],  # they said yes to yours
        "made_unanswered": row[2],
        "received": row[3],
        "received_accepted": row[4],  # you said yes to theirs
        "received_unanswered": row[5],
        "happened": row[6],
    }


def weekly(con, weeks: list[tuple[Any, datetime, datetime]]) -> dict[Any, dict[str, int]]:
    """Per week (WEEKS: label, naive UTC start, end): invitations made (given), accepted by them,
    received, and accepted by you, counted in the week each was made (as counts(); one query for
    all the weeks: a five-year dashboard has 260 of them)."""
    if not weeks:
        return {}
    rows = con.execute(
        """WITH w AS (SELECT unnest($i::INTEGER[]) AS i, unnest($lo::TIMESTAMP[]) AS lo,
                             unnest($hi::TIMESTAMP[]) AS hi)
           SELECT w.i, count(v.made_at) FILTER (v.direction = 'given'),
                  count(v.made_at) FILTER (v.direction = 'given' AND v.answer = 'yes'),
                  count(v.made_at) FILTER (v.direction = 'received'),
                  count(v.made_at) FILTER (v.direction = 'received' AND v.answer = 'yes')
           FROM w LEFT JOIN invitations v ON v.made_at >= w.lo AND v.made_at < w.hi GROUP BY w.i""",
        {
            "i": list(range(len(weeks))),
            "lo": [as_storage(lo) for _, lo, _ in weeks],
            "hi": [as_storage(hi) for _, _, hi in weeks],
        },
    ).fetchall()
    by = {r[0]: r[1:] for r in rows}
    return {
        label: dict(zip(("invited", "they_accepted", "received", "you_accepted"), by[i]))
        for i, (label, _, _) in enumerate(weeks)
    }


def reaching_out(con, lo: datetime, hi: datetime) -> int:
    """Times you reached out in [lo, hi): live interactions you initiated and invitations you made."""
    return reaching_out_many(con, [(lo, hi)])[0]


def reaching_out_many(con, windows: list[tuple[datetime, datetime]]) -> list[int]:
    """reaching_out for each (lo, hi) of WINDOWS, in one query."""
    if not windows:
        return []
    rows = con.execute(
        """WITH w AS (SELECT unnest($i::INTEGER[]) AS i, unnest($lo::TIMESTAMP[]) AS lo,
                             unnest($hi::TIMESTAMP[]) AS hi),
           a AS (SELECT w.i, count(x.happened_at) AS n FROM w LEFT JOIN
                   (SELECT happened_at FROM interactions WHERE deleted_at IS NULL AND initiated = 'me') x
                   ON x.happened_at >= w.lo AND x.happened_at < w.hi GROUP BY w.i),
           b AS (SELECT w.i, count(v.made_at) AS n FROM w LEFT JOIN
                   (SELECT made_at FROM invitations WHERE direction = 'given') v
                   ON v.made_at >= w.lo AND v.made_at < w.hi GROUP BY w.i)
           SELECT a.i, a.n + b.n FROM a JOIN b USING (i)""",
        {"i": list(range(len(windows))), "lo": [lo for lo, _ in windows], "hi": [hi for _, hi in windows]},
    ).fetchall()
    by = dict(rows)
    return [int(by[i]) for i in range(len(windows))]


def first_reach(con) -> datetime | None:
    """The earliest live interaction or invitation: from when a weekly baseline of reaching out means something."""
    return con.execute(
        """SELECT least((SELECT min(happened_at) FROM interactions WHERE deleted_at IS NULL),
                        (SELECT min(made_at) FROM invitations))"""
    ).fetchone()[0]


def import_many(
    con, items, person_ids: list[list[int]], links: list[int | None], *, now: datetime
) -> tuple[int, int, int]:
    """Insert imported invitations (validated, with their people's ids and the interaction each
    became); an exact duplicate (same direction, made_at, what and people) is skipped, but linked
    when it is not yet and the file's interaction is found now (interactions imported since).
    Returns (added, skipped, of the skipped those linked now)."""
    seen = {
        (r["direction"], r["made_at"], r["what"], tuple(sorted(r["person_ids"]))): (r["id"], r["interaction_id"])
        for r in query(con)
    }
    added = skipped = relinked = 0
    for inv, pids, link in zip(items, person_ids, links):
        key = (inv.direction, as_storage(inv.made_at), inv.what, tuple(sorted(pids)))
        if key in seen:
            skipped += 1
            iid, linked = seen[key]
            if linked is None and link is not None and iid is not None and not linked_to(con, link):
                set_interaction(con, iid, link, now)
                seen[key] = (iid, link)
                relinked += 1
            continue
        seen[key] = (None, link)  # a duplicate within the file: skipped, nothing to link
        insert(con, inv, pids, now=now, source="import", interaction_id=link)
        added += 1
    return added, skipped, relinked


def interaction_starting(con, start: datetime, person_ids: list[int]) -> int | None:
    """The live interaction starting at START with all of PERSON_IDS (an import's link), if one."""
    rows = con.execute(
        """SELECT i.id, list(ip.person_id) FROM interactions i JOIN interaction_people ip ON ip.interaction_id = i.id
           WHERE i.deleted_at IS NULL AND i.happened_at = ? GROUP BY i.id ORDER BY i.id""",
        [as_storage(start)],
    ).fetchall()
    for iid, pids in rows:
        if set(person_ids) <= set(pids):
            return iid
    return None
