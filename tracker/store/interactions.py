"""All SQL for interactions. Functions take an open DuckDB connection; times are naive UTC.

An interaction is one row however many people were there (interaction_people links them), so a
group dinner counts once toward face-to-face time (issue 2, section 4).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.errors import UserError
from tracker.store import people as people_store
from tracker.store import to_utc_naive, utcnow

_MIN = datetime(1900, 1, 1)
_MAX = datetime(2999, 1, 1)
_COLS = (
    "id",
    "summary",
    "happened_at",
    "duration_min",
    "mode",
    "closeness",
    "place",
    "initiated",
    "phones_away",
    "work",
    "tags",
    "note",
    "routine_id",
    "logged_at",
    "updated_at",
    "deleted_at",
    "source",
)


def _naive(dt: datetime | None) -> datetime | None:
    return None if dt is None else to_utc_naive(dt)


def routine_id(con, name: str) -> int:
    """The id of the live routine NAME (case-insensitive); UserError naming the known ones otherwise."""
    from tracker.store.practice import require_routine

    return require_routine(con, name)["id"]


def insert(
    con, it, person_ids: list[int], *, source: str = "cli", now: datetime | None = None, routine: int | None = None
) -> int:
    """Store validated interaction IT (tracker.domain.interactions.Interaction) with PERSON_IDS. Returns its id."""
    logged = _naive(it.logged_at) if it.logged_at else (now or utcnow()).replace(microsecond=0)
    row = con.execute(
        """INSERT INTO interactions (summary, happened_at, duration_min, mode, closeness, place, initiated,
               phones_away, work, tags, note, routine_id, logged_at, source)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            it.summary,
            _naive(it.happened_at),
            it.duration_min,
            it.mode,
            it.closeness,
            it.place,
            it.initiated,
            it.phones_away,
            it.work,
            list(it.tags),
            it.note,
            routine,
            logged,
            source,
        ],
    ).fetchone()
    iid = row[0]
    _link(con, iid, person_ids)
    return iid


def _link(con, iid: int, person_ids: list[int]) -> None:
    if person_ids:
        con.execute(
            "INSERT INTO interaction_people VALUES " + ", ".join(["(?, ?)"] * len(person_ids)),
            [v for pid in person_ids for v in (iid, pid)],
        )


def update(con, iid: int, it, person_ids: list[int], *, routine: int | None, now: datetime | None = None) -> None:
    """Replace every user field of interaction IID with IT's (an edit merged with the old values)."""
    con.execute(
        """UPDATE interactions SET summary = ?, happened_at = ?, duration_min = ?, mode = ?, closeness = ?,
               place = ?, initiated = ?, phones_away = ?, work = ?, tags = ?, note = ?, routine_id = ?,
               updated_at = ?
           WHERE id = ?""",
        [
            it.summary,
            _naive(it.happened_at),
            it.duration_min,
            it.mode,
            it.closeness,
            it.place,
            it.initiated,
            it.phones_away,
            it.work,
            list(it.tags),
            it.note,
            routine,
            (now or utcnow()).replace(microsecond=0),
            iid,
        ],
    )
    con.execute("DELETE FROM interaction_people WHERE interaction_id = ?", [iid])
    _link(con, iid, person_ids)


def set_deleted(con, iid: int, deleted: bool, now: datetime | None = None) -> bool:
    """Soft-delete (or restore) IID. False when it already was in that state; UserError if unknown."""
    row = con.execute("SELECT deleted_at FROM interactions WHERE id = ?", [iid]).fetchone()
    if row is None:
        raise UserError(f"no interaction #{iid}; see 'offscreen interactions list'")
    if (row[0] is not None) == deleted:
        return False
    con.execute("UPDATE interactions SET deleted_at = ? WHERE id = ?", [(now or utcnow()) if deleted else None, iid])
    return True


def query(
    con,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    person_id: int | None = None,
    mode: str | None = None,
    deleted: bool = False,
    ids: list[int] | None = None,
) -> list[dict]:
    """Interactions starting in [since, until) (aware or naive UTC), oldest first, with people names.

    deleted=False lists live ones, True only soft-deleted ones, None both.
    """
    where, params = [], []
    if deleted is not None:
        where.append("i.deleted_at IS NOT NULL" if deleted else "i.deleted_at IS NULL")
    if since is not None:
        where.append("i.happened_at >= ?")
        params.append(_naive(since) if since.tzinfo else since)
    if until is not None:
        where.append("i.happened_at < ?")
        params.append(_naive(until) if until.tzinfo else until)
    if mode is not None:
        where.append("i.mode = ?")
        params.append(mode)
    if person_id is not None:
        where.append("i.id IN (SELECT interaction_id FROM interaction_people WHERE person_id = ?)")
        params.append(person_id)
    if ids is not None:
        where.append(f"i.id IN ({', '.join('?' * len(ids)) or 'NULL'})")
        params.extend(ids)
    routine_sel, routine_join = "r.name", "LEFT JOIN routines r ON r.id = i.routine_id"
    sql = f"""
        SELECT {", ".join("i." + c for c in _COLS)}, {routine_sel} AS routine,
               (SELECT list(p.name ORDER BY lower(p.name), p.name)
                  FROM interaction_people ip JOIN people p ON p.id = ip.person_id
                 WHERE ip.interaction_id = i.id) AS people
        FROM interactions i {routine_join}
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY i.happened_at, i.id
    """
    keys = _COLS + ("routine", "people")
    out = []
    for r in con.execute(sql, params).fetchall():
        d = dict(zip(keys, r))
        d["people"] = list(d["people"] or [])
        d["tags"] = list(d["tags"] or [])
        out.append(d)
    return out


def get(con, iid: int) -> dict:
    """One interaction (deleted or not); UserError when there is no such id."""
    rows = query(con, ids=[iid], deleted=None)
    if not rows:
        raise UserError(f"no interaction #{iid}; see 'offscreen interactions list'")
    return rows[0]


def face_to_face_minutes(con, since_utc: datetime | None, until_utc: datetime | None) -> float:
    """In-person minutes inside [since_utc, until_utc) (naive or aware UTC; None = unbounded).

    Each interaction counts once, however many people were there; deleted ones are excluded; an
    interaction crossing a bound counts only its part inside the range (a dinner 23:00-01:00 is split
    between two days).
    """

    def bound(dt, default):
        if dt is None:
            return default
        return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt

    lo, hi = bound(since_utc, _MIN), bound(until_utc, _MAX)
    row = con.execute(
        """SELECT coalesce(sum(greatest(0, epoch(
                     least(happened_at + to_seconds(duration_min * 60), ?::TIMESTAMP) - greatest(happened_at, ?::TIMESTAMP)
                 ))), 0) / 60.0
           FROM interactions
           WHERE mode = 'in-person' AND deleted_at IS NULL
             AND happened_at < ? AND happened_at + to_seconds(duration_min * 60) > ?""",
        [hi, lo, hi, lo],
    ).fetchone()
    return float(row[0])


def _chunks(seq, n):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def insert_many(
    con, items, *, source: str, now: datetime | None = None, routine_ids=None, skip_duplicates: bool = True
) -> tuple[int, int]:
    """Insert validated interactions (creating people on first use). Returns (added, skipped).

    Exact duplicates (same start, duration, mode and people as a live interaction, or as an
    earlier item) are skipped. ROUTINE_IDS, when given, is a parallel list. Set-based (a few
    statements per 200 rows, not per row): 2000 rows take a second, not a minute. Call inside a
    transaction for all-or-nothing.
    """
    items = list(items)
    if not items:
        return 0, 0
    now = (now or utcnow()).replace(microsecond=0)
    known = dict(
        con.execute(
            """SELECT name_key, id FROM people WHERE merged_into IS NULL
           UNION ALL
           SELECT a.alias_key, p.id FROM aliases a JOIN people p ON p.id = a.person_id WHERE p.merged_into IS NULL"""
        ).fetchall()
    )

    def pid_for(name: str) -> int:
        key = name.casefold()
        if key not in known:
            known[key] = people_store.create(con, name, source=source, now=now)
        return known[key]

    starts = [_naive(it.happened_at) for it in items]
    seen: set = set()
    if skip_duplicates:
        seen = {
            (at, float(dur), mode, tuple(pids or ()))
            for at, dur, mode, pids in con.execute(
                """SELECT i.happened_at, i.duration_min, i.mode,
                          list(ip.person_id ORDER BY ip.person_id) FILTER (WHERE ip.person_id IS NOT NULL)
                   FROM interactions i LEFT JOIN interaction_people ip ON ip.interaction_id = i.id
                   WHERE i.deleted_at IS NULL AND i.happened_at BETWEEN ? AND ?
                   GROUP BY i.id, i.happened_at, i.duration_min, i.mode""",
                [min(starts), max(starts)],
            ).fetchall()
        }
    rows, links = [], []
    skipped = 0
    for n, it in enumerate(items):
        pids = []
        for name in it.people:
            pid = pid_for(name)
            if pid not in pids:
                pids.append(pid)
        key = (starts[n], float(it.duration_min), it.mode, tuple(sorted(pids)))
        if skip_duplicates and key in seen:
            skipped += 1
            continue
        seen.add(key)
        logged = _naive(it.logged_at) if it.logged_at else now
        rows.append(
            [
                it.summary,
                starts[n],
                it.duration_min,
                it.mode,
                it.closeness,
                it.place,
                it.initiated,
                it.phones_away,
                it.work,
                list(it.tags),
                it.note,
                routine_ids[n] if routine_ids else None,
                logged,
                source,
            ]
        )
        links.append(pids)
    if rows:
        ids = sorted(
            r[0] for r in con.execute("SELECT nextval('interactions_id_seq') FROM range(?)", [len(rows)]).fetchall()
        )
        cols = (
            "id, summary, happened_at, duration_min, mode, closeness, place, initiated, phones_away, work, "
            "tags, note, routine_id, logged_at, source"
        )
        numbered = [[iid, *row] for iid, row in zip(ids, rows)]
        for chunk in _chunks(numbered, 200):
            con.execute(
                f"INSERT INTO interactions ({cols}) VALUES "
                + ", ".join(["(" + ", ".join("?" * 15) + ")"] * len(chunk)),
                [v for row in chunk for v in row],
            )
        pairs = [(iid, pid) for iid, pids in zip(ids, links) for pid in pids]
        for chunk in _chunks(pairs, 500):
            con.execute(
                "INSERT INTO interaction_people VALUES " + ", ".join(["(?, ?)"] * len(chunk)),
                [v for pair in chunk for v in pair],
            )
    return len(rows), skipped
