"""All SQL for interactions. Functions take an open DuckDB connection; times are naive UTC.

An interaction is one row however many people were there (interaction_people links them), so a
group dinner counts once toward face-to-face time.
"""

from __future__ import annotations

from datetime import datetime

from tracker.domain.interactions import name_key
from tracker.domain.times import as_storage, to_storage, utc_now
from tracker.errors import UnknownInteraction
from tracker.store import people as people_store


def ends_at(alias: str = "") -> str:
    """SQL for where an interaction ends (its start plus its duration), for the row ALIAS names.
    The one SQL form of tracker.domain.interactions.ends_at: every query computing an end uses it."""
    a = f"{alias}." if alias else ""
    return f"({a}happened_at + to_microseconds(CAST({a}duration_min * 60e6 AS BIGINT)))"


_MIN = datetime(1900, 1, 1)
_MAX = datetime(2999, 1, 1)
_COLS = (
    "id",
    "summary",
    "happened_at",
    "duration_min",
    "mode",
    "closeness",
    "fun",
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


def _stamp(now: datetime | None) -> datetime:
    return (now or to_storage(utc_now())).replace(microsecond=0)


def routine_id(con, name: str) -> int:
    """The id of the live routine NAME (by the name key); UnknownRoutine otherwise."""
    from tracker.store.practice import require_routine

    return require_routine(con, name)["id"]


def insert(
    con, it, person_ids: list[int], *, source: str = "cli", now: datetime | None = None, routine: int | None = None
) -> int:
    """Store validated interaction IT (tracker.domain.interactions.Interaction) with PERSON_IDS. Returns its id."""
    logged = as_storage(it.logged_at) if it.logged_at else _stamp(now)
    row = con.execute(
        """INSERT INTO interactions (summary, happened_at, duration_min, mode, closeness, fun, place, initiated,
               phones_away, work, tags, note, routine_id, logged_at, source)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            it.summary,
            as_storage(it.happened_at),
            it.duration_min,
            it.mode,
            it.closeness,
            it.fun,
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
               fun = ?, place = ?, initiated = ?, phones_away = ?, work = ?, tags = ?, note = ?, routine_id = ?,
               updated_at = ?
           WHERE id = ?""",
        [
            it.summary,
            as_storage(it.happened_at),
            it.duration_min,
            it.mode,
            it.closeness,
            it.fun,
            it.place,
            it.initiated,
            it.phones_away,
            it.work,
            list(it.tags),
            it.note,
            routine,
            _stamp(now),
            iid,
        ],
    )
    con.execute("DELETE FROM interaction_people WHERE interaction_id = ?", [iid])
    _link(con, iid, person_ids)


def set_deleted(con, iid: int, deleted: bool, now: datetime | None = None) -> bool:
    """Soft-delete (or restore) IID. False when it already was in that state; UnknownInteraction if unknown."""
    row = con.execute("SELECT deleted_at FROM interactions WHERE id = ?", [iid]).fetchone()
    if row is None:
        raise UnknownInteraction(iid)
    if (row[0] is not None) == deleted:
        return False
    stamp = (now or to_storage(utc_now())) if deleted else None
    con.execute("UPDATE interactions SET deleted_at = ? WHERE id = ?", [stamp, iid])
    return True


def query(
    con,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    person_id: int | None = None,
    mode: str | None = None,
    deleted: bool | None = False,
    ids: list[int] | None = None,
) -> list[dict]:
    """Interactions starting in [since, until) (aware or naive UTC), oldest first, with people names.

    deleted=False lists live ones, True only soft-deleted ones, None both.
    """
    where: list[str] = []
    params: list[object] = []
    if deleted is not None:
        where.append("i.deleted_at IS NOT NULL" if deleted else "i.deleted_at IS NULL")
    if since is not None:
        where.append("i.happened_at >= ?")
        params.append(as_storage(since))
    if until is not None:
        where.append("i.happened_at < ?")
        params.append(as_storage(until))
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
               (SELECT list(p.name ORDER BY p.name_key, p.name)
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
    """One interaction (deleted or not); UnknownInteraction when there is no such id."""
    rows = query(con, ids=[iid], deleted=None)
    if not rows:
        raise UnknownInteraction(iid)
    return rows[0]


def in_person_union(where: str = "TRUE", *, per_person: bool = False) -> str:
    """SQL subquery of the clock time spent in person: the UNION of the [start, end) intervals of the
    live in-person interactions matching WHERE (SQL on `i`, the interactions row; its ? parameters
    are the caller's), as disjoint islands with columns s, e (and person_id when PER_PERSON: one
    union per person, over the interactions that person was linked to).

    Why a union and not a sum of durations: the same evening logged twice, or two logs that
    overlap, are one stretch of the clock; summing them told `today` 3h30m for 1h30m spent with
    Sam. Every "time together in person" figure (today, status, report, dashboard, per person)
    clips these islands, so they can never add up to more than the clock allows. A group still
    counts once: it is one interaction row. Written once, here, so the figures cannot disagree.

    Gaps and islands: ordered by start, an interval opens a new island when it starts after the
    furthest end of every interval before it (same partition); an island spans its members.
    """
    who = "person_id, " if per_person else ""
    join = "JOIN interaction_people ip ON ip.interaction_id = i.id" if per_person else ""
    part = "PARTITION BY person_id" if per_person else ""
    return f"""(
        SELECT {who}min(s) AS s, max(e) AS e FROM (
          SELECT *, sum(CASE WHEN reach IS NULL OR s > reach THEN 1 ELSE 0 END)
                      OVER ({part} ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
          FROM (
            SELECT *, max(e) OVER ({part} ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
            FROM (
              SELECT {"ip." + who if per_person else ""}i.happened_at AS s, {ends_at("i")} AS e
              FROM interactions i {join}
              WHERE i.mode = 'in-person' AND i.deleted_at IS NULL AND i.duration_min > 0 AND ({where}))))
        GROUP BY {who}island)"""


def face_to_face_minutes(con, since_utc: datetime | None, until_utc: datetime | None) -> float:
    """In-person minutes inside [since_utc, until_utc) (naive or aware UTC; None = unbounded).

    The clock time of in_person_union: overlapping or duplicate logs count once, a group counts
    once, deleted ones are excluded; time outside the range does not count (a dinner 23:00-01:00
    is split between two days).
    """

    lo = _MIN if since_utc is None else as_storage(since_utc)
    hi = _MAX if until_utc is None else as_storage(until_utc)
    # Only intervals touching the range can add to its union: filter before the window functions.
    islands = in_person_union(f"i.happened_at < ? AND {ends_at('i')} > ?")
    row = con.execute(
        f"""SELECT coalesce(sum(epoch(least(e, ?::TIMESTAMP) - greatest(s, ?::TIMESTAMP))), 0) / 60.0
           FROM {islands}""",
        [hi, lo, hi, lo],
    ).fetchone()
    return float(row[0])


def clashes(con, person_ids: list[int], start: datetime, end: datetime, *, exclude: int | None = None) -> list[dict]:
    """Live interactions with any of PERSON_IDS whose time overlaps [START, END) (aware or naive
    UTC), oldest first, but not EXCLUDE (the one being edited): id, happened_at, duration_min, mode,
    person_ids (all of its people, sorted) and shared (the names of PERSON_IDS among them)."""
    if not person_ids:
        return []
    # Two plain queries, the second only when something overlaps at all: `log` runs this every
    # time, and one query joining the people cost it twice as much.
    # Sorted in Python: an ORDER BY here made the query half as slow again.
    near = sorted(
        (
            r
            for r in con.execute(
                f"""SELECT id, happened_at, duration_min, mode FROM interactions i
                WHERE deleted_at IS NULL AND happened_at < ? AND {ends_at("i")} > ?""",
                [as_storage(end), as_storage(start)],
            ).fetchall()
            if r[0] != exclude
        ),
        key=lambda r: (r[1], r[0]),
    )
    if not near:
        return []
    links: dict[int, list[tuple[str, int, str]]] = {}
    for iid, pid, key, name in con.execute(
        f"""SELECT ip.interaction_id, ip.person_id, p.name_key, p.name
            FROM interaction_people ip JOIN people p ON p.id = ip.person_id
            WHERE ip.interaction_id IN ({", ".join("?" * len(near))})""",
        [r[0] for r in near],
    ).fetchall():
        links.setdefault(iid, []).append((key, pid, name))
    wanted = set(person_ids)
    out = []
    for iid, at, minutes, mode in near:
        people = sorted(links.get(iid, []))
        shared = [name for _, pid, name in people if pid in wanted]
        if shared:
            out.append(
                {
                    "id": iid,
                    "happened_at": at,
                    "duration_min": minutes,
                    "mode": mode,
                    "person_ids": sorted(pid for _, pid, _ in people),
                    "shared": shared,
                }
            )
    return out


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
    now = _stamp(now)
    known = dict(
        con.execute(
            """SELECT name_key, id FROM people WHERE merged_into IS NULL
           UNION ALL
           SELECT a.alias_key, p.id FROM aliases a JOIN people p ON p.id = a.person_id WHERE p.merged_into IS NULL"""
        ).fetchall()
    )

    def pid_for(name: str) -> int:
        key = name_key(name)
        if key not in known:
            known[key] = people_store.create(con, name, source=source, now=now)
        return known[key]

    starts = [as_storage(it.happened_at) for it in items]
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
        logged = as_storage(it.logged_at) if it.logged_at else now
        rows.append(
            [
                it.summary,
                starts[n],
                it.duration_min,
                it.mode,
                it.closeness,
                it.fun,
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
            "id, summary, happened_at, duration_min, mode, closeness, fun, place, initiated, phones_away, work, "
            "tags, note, routine_id, logged_at, source"
        )
        numbered = [[iid, *row] for iid, row in zip(ids, rows)]
        for chunk in _chunks(numbered, 200):
            con.execute(
                f"INSERT INTO interactions ({cols}) VALUES "
                + ", ".join(["(" + ", ".join("?" * 16) + ")"] * len(chunk)),
                [v for row in chunk for v in row],
            )
        pairs = [(iid, pid) for iid, pids in zip(ids, links) for pid in pids]
        for chunk in _chunks(pairs, 500):
            con.execute(
                "INSERT INTO interaction_people VALUES " + ", ".join(["(?, ?)"] * len(chunk)),
                [v for pair in chunk for v in pair],
            )
    return len(rows), skipped
