"""All SQL for people and aliases. Functions take an open DuckDB connection.

A person is matched by name or alias through one key (tracker.domain.interactions.name_key).
Merged-away people keep their row (merged_into set) so history stays explainable, but are hidden
from every lookup; their name becomes an alias of the person they were merged into.
Removed people (`people remove`) keep their row too, with removed_at set and merged_into set to
their own id, so every lookup that hides merged-away people hides them as well and their name
becomes free; their aliases stay theirs until someone else takes one, for `people restore`.
Errors are the domain errors of tracker.errors, carrying the data; tracker/usecases phrases them.
"""

from __future__ import annotations

from datetime import datetime

from tracker.domain.interactions import name_key as _key
from tracker.domain.times import to_storage, utc_now
from tracker.errors import NameTaken, SelfMerge, UnknownPerson


def _stamp(now: datetime | None) -> datetime:
    """NOW (naive UTC, the storage convention) or the clock's."""
    return to_storage(utc_now()) if now is None else now


def find(con, name: str) -> int | None:
    """The id of the live person called NAME (or with alias NAME), by the one name key."""
    found = find_named(con, name)
    return None if found is None else found[0]


def find_named(con, name: str) -> tuple[int, str] | None:
    """(id, name) of the live person called NAME, or else of the one with alias NAME, by the one
    name key."""
    return find_many(con, [name]).get(_key(name))


def find_many(con, names: list[str]) -> dict[str, tuple[int, str]]:
    """find_named for each of NAMES at once (`offscreen log` looks every name up): name key ->
    (id, name) for those found. Two plain queries, the second only for keys no name has: one
    query with a UNION cost `log` more than both (DuckDB plans every new statement afresh)."""
    keys = list(dict.fromkeys(_key(n) for n in names))
    if not keys:
        return {}
    found: dict[str, tuple[int, str]] = {}
    for key, pid, pname in con.execute(
        f"""SELECT name_key, id, name FROM people WHERE name_key IN ({", ".join("?" * len(keys))})
            AND merged_into IS NULL ORDER BY id""",
        keys,
    ).fetchall():
        found.setdefault(key, (pid, pname))
    if rest := [k for k in keys if k not in found]:
        for key, pid, pname in con.execute(
            f"""SELECT a.alias_key, p.id, p.name FROM aliases a JOIN people p ON p.id = a.person_id
                WHERE a.alias_key IN ({", ".join("?" * len(rest))}) AND p.merged_into IS NULL ORDER BY p.id""",
            rest,
        ).fetchall():
            found.setdefault(key, (pid, pname))
    return found


def lookup_keys(con) -> list[tuple[str, str, str | None]]:
    """(key, person's name, alias or None) for every live person's name and alias, in no order:
    what a new name is compared with to ask "did you mean"."""
    return con.execute(
        """SELECT name_key, name, NULL FROM people WHERE merged_into IS NULL
           UNION ALL
           SELECT a.alias_key, p.name, a.alias FROM aliases a JOIN people p ON p.id = a.person_id
           WHERE p.merged_into IS NULL"""
    ).fetchall()


def require(con, name: str) -> int:
    """Like find, but an unknown name raises UnknownPerson."""
    pid = find(con, name)
    if pid is None:
        raise UnknownPerson(name)
    return pid


def create(con, name: str, *, source: str = "cli", now: datetime | None = None, checked: bool = False, **fields) -> int:
    """Insert a new person (NameTaken unless the name is free). FIELDS: tier, kin, every_days,
    max_days, cadence_modes, note. NOW: naive UTC. CHECKED: the caller found no one by NAME in this
    same transaction just before (so the lookup is not run twice)."""
    if not checked and find(con, name) is not None:
        raise NameTaken(name, "person")
    cols = ["name", "name_key", "source", "created_at"]
    vals = [name, _key(name), source, _stamp(now)]
    for k in ("tier", "kin", "every_days", "max_days", "cadence_modes", "note"):
        if fields.get(k) is not None:
            cols.append(k)
            vals.append(fields[k])
    row = con.execute(
        f"INSERT INTO people ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING id", vals
    ).fetchone()
    return row[0]


def resolve(con, names, *, source: str = "cli", now: datetime | None = None) -> list[int]:
    """Ids for NAMES, creating people on first use; same order, duplicates collapsed."""
    ids: list[int] = []
    for name in names:
        pid = find(con, name)
        if pid is None:
            pid = create(con, name, source=source, now=now)
        if pid not in ids:
            ids.append(pid)
    return ids


def names(con, ids: list[int]) -> list[str]:
    """Current names for IDS, in the same order."""
    if not ids:
        return []
    rows = dict(
        con.execute(f"SELECT id, name FROM people WHERE id IN ({', '.join('?' * len(ids))})", list(ids)).fetchall()
    )
    return [rows[i] for i in ids]


def _adopt(con, *pids: int) -> None:
    """A demo person the user changes is the user's from now on: a later `offscreen demo`
    replaces demo rows only (tracker/store/demo.py)."""
    con.execute(
        f"UPDATE people SET source = 'cli' WHERE source = 'demo' AND id IN ({', '.join('?' * len(pids))})", list(pids)
    )


def update(con, pid: int, **fields) -> None:
    """Set the given columns (tier, kin, every_days, max_days, cadence_modes, note); None values count."""
    allowed = {"tier", "kin", "every_days", "max_days", "cadence_modes", "note"}
    bad = set(fields) - allowed
    if bad:
        raise ValueError(f"not a person field: {sorted(bad)}")
    if not fields:
        return
    sets = ", ".join(f"{k} = ?" for k in fields)
    con.execute(f"UPDATE people SET {sets} WHERE id = ?", [*fields.values(), pid])
    _adopt(con, pid)


def aliases(con, pid: int) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT alias FROM aliases WHERE person_id = ? ORDER BY alias_key", [pid]).fetchall()
    ]


def add_alias(con, pid: int, alias: str) -> bool:
    """Make ALIAS another name for PID. False if it already was; NameTaken if it is someone else's."""
    owner = find(con, alias)
    if owner == pid:
        return False
    if owner is not None:
        raise NameTaken(alias, "person")
    _put_alias(con, alias, pid)
    _adopt(con, pid)
    return True


def _put_alias(con, alias: str, pid: int) -> None:
    """Store ALIAS for PID; a removed person holding it loses it (a live owner is checked before)."""
    con.execute(
        """INSERT INTO aliases VALUES (?, ?, ?)
           ON CONFLICT (alias_key) DO UPDATE SET alias = excluded.alias, person_id = excluded.person_id""",
        [_key(alias), alias, pid],
    )


def rename(con, pid: int, new: str) -> str:
    """Rename PID to NEW; the old name stays as an alias. Returns the old name."""
    old = con.execute("SELECT name FROM people WHERE id = ?", [pid]).fetchone()[0]
    owner = find(con, new)
    if owner is not None and owner != pid:
        raise NameTaken(new, "person")
    con.execute("DELETE FROM aliases WHERE alias_key = ?", [_key(new)])
    con.execute("UPDATE people SET name = ?, name_key = ? WHERE id = ?", [new, _key(new), pid])
    if _key(old) != _key(new):
        _put_alias(con, old, pid)
    _adopt(con, pid)
    return old


def merge(con, keep: int, gone: int) -> int:
    """Move GONE's interactions and aliases to KEEP; GONE's name becomes an alias. Returns moved count.

    Call inside a transaction: all of it happens or none of it.
    """
    if keep == gone:
        raise SelfMerge(keep)
    gone_name = con.execute("SELECT name FROM people WHERE id = ?", [gone]).fetchone()[0]
    moved = con.execute("SELECT count(*) FROM interaction_people WHERE person_id = ?", [gone]).fetchone()[0]
    # An interaction with both people keeps one link to KEEP.
    con.execute(
        """DELETE FROM interaction_people WHERE person_id = ? AND interaction_id IN
           (SELECT interaction_id FROM interaction_people WHERE person_id = ?)""",
        [gone, keep],
    )
    con.execute("UPDATE interaction_people SET person_id = ? WHERE person_id = ?", [keep, gone])
    # Their invitations move too (issue 18), one link per invitation as for interactions.
    con.execute(
        """DELETE FROM invitation_people WHERE person_id = ? AND invitation_id IN
           (SELECT invitation_id FROM invitation_people WHERE person_id = ?)""",
        [gone, keep],
    )
    con.execute("UPDATE invitation_people SET person_id = ? WHERE person_id = ?", [keep, gone])
    con.execute("UPDATE aliases SET person_id = ? WHERE person_id = ?", [keep, gone])
    con.execute("UPDATE people SET merged_into = ? WHERE id = ?", [keep, gone])
    con.execute(
        "INSERT INTO aliases VALUES (?, ?, ?) ON CONFLICT (alias_key) DO UPDATE SET person_id = excluded.person_id",
        [_key(gone_name), gone_name, keep],
    )
    _adopt(con, keep, gone)
    return moved


def interaction_counts(con, pid: int) -> tuple[int, int]:
    """(live, deleted) interactions naming PID."""
    return con.execute(
        """SELECT count(*) FILTER (WHERE i.deleted_at IS NULL), count(*) FILTER (WHERE i.deleted_at IS NOT NULL)
           FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id WHERE ip.person_id = ?""",
        [pid],
    ).fetchone()


def remove(con, pid: int, *, interactions: str, now: datetime) -> int:
    """Remove PID (restorable with `restore`). INTERACTIONS says what happens to the interactions
    naming them: 'keep' (they stay, without PID: the links go), 'delete' (the live ones are
    soft-deleted at NOW, which `restore` undoes). Returns how many interactions that touched.
    Call inside a transaction."""
    if interactions == "keep":
        n = con.execute("SELECT count(*) FROM interaction_people WHERE person_id = ?", [pid]).fetchone()[0]
        con.execute("DELETE FROM interaction_people WHERE person_id = ?", [pid])
    elif interactions == "delete":
        n = len(
            con.execute(
                """UPDATE interactions SET deleted_at = ? WHERE deleted_at IS NULL AND id IN
                   (SELECT interaction_id FROM interaction_people WHERE person_id = ?) RETURNING id""",
                [now, pid],
            ).fetchall()
        )
    else:
        raise ValueError(f"interactions must be 'keep' or 'delete', not {interactions!r}")
    con.execute("UPDATE people SET merged_into = id, removed_at = ? WHERE id = ?", [now, pid])
    _adopt(con, pid)
    return n


def find_removed(con, name: str) -> int | None:
    """The most recently removed person called NAME (or who had alias NAME)."""
    key = _key(name)
    row = con.execute(
        """SELECT id FROM people p WHERE removed_at IS NOT NULL AND merged_into = id
             AND (name_key = ? OR EXISTS (SELECT 1 FROM aliases a WHERE a.person_id = p.id AND a.alias_key = ?))
           ORDER BY removed_at DESC, id DESC LIMIT 1""",
        [key, key],
    ).fetchone()
    return row[0] if row else None


def restore(con, pid: int) -> int:
    """Bring a removed person back, with the interactions their removal deleted; aliases someone
    else took meanwhile stay theirs. NameTaken when their name now belongs to someone live.
    Returns how many interactions came back. Call inside a transaction."""
    name, removed_at = con.execute("SELECT name, removed_at FROM people WHERE id = ?", [pid]).fetchone()
    if find(con, name) is not None:
        raise NameTaken(name, "person")
    # An alias that is now a live person's name would make one name mean two people.
    con.execute(
        """DELETE FROM aliases WHERE person_id = ?
           AND alias_key IN (SELECT name_key FROM people WHERE merged_into IS NULL)""",
        [pid],
    )
    back = con.execute(
        """UPDATE interactions SET deleted_at = NULL WHERE deleted_at = ? AND id IN
           (SELECT interaction_id FROM interaction_people WHERE person_id = ?) RETURNING id""",
        [removed_at, pid],
    ).fetchall()
    con.execute("UPDATE people SET merged_into = NULL, removed_at = NULL WHERE id = ?", [pid])
    return len(back)


def get(con, pid: int) -> dict:
    """One person with aliases and interaction stats (live interactions only)."""
    rows = list_people(con, ids=[pid])
    return rows[0]


def list_people(con, *, tier: str | None = None, ids: list[int] | None = None) -> list[dict]:
    """Live people with aliases, interaction count, last contact and in-person hours; by name."""
    where = ["p.merged_into IS NULL"]
    params: list[object] = []
    if tier:
        where.append("p.tier = ?")
        params.append(tier)
    if ids is not None:
        where.append(f"p.id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    from tracker.store.interactions import in_person_union  # lazy: that module imports this one

    rows = con.execute(
        f"""
        WITH stats AS (
            SELECT ip.person_id,
                   count(*) AS n,
                   max(i.happened_at) AS last_any,
                   max(i.happened_at) FILTER (WHERE i.mode = 'in-person') AS last_in_person
            FROM interaction_people ip JOIN interactions i ON i.id = ip.interaction_id
            WHERE i.deleted_at IS NULL
            GROUP BY ip.person_id
        ), together AS (
            -- clock time with each person: a stretch logged twice counts once
            SELECT person_id, sum(epoch(e - s)) / 60.0 AS in_person_min
            FROM {in_person_union(per_person=True)} GROUP BY person_id
        ), al AS (
            SELECT person_id, list(alias ORDER BY alias_key) AS aliases FROM aliases GROUP BY person_id
        )
        SELECT p.id, p.name, p.tier, p.kin, p.every_days, p.max_days, p.cadence_modes, p.note,
               p.source, p.created_at, coalesce(s.n, 0), s.last_any, s.last_in_person,
               coalesce(t.in_person_min, 0), al.aliases
        FROM people p
        LEFT JOIN stats s ON s.person_id = p.id
        LEFT JOIN together t ON t.person_id = p.id
        LEFT JOIN al ON al.person_id = p.id
        WHERE {" AND ".join(where)}
        ORDER BY p.name_key, p.id
        """,
        params,
    ).fetchall()
    keys = [
        "id",
        "name",
        "tier",
        "kin",
        "every_days",
        "max_days",
        "cadence_modes",
        "note",
        "source",
        "created_at",
        "interactions",
        "last_any",
        "last_in_person",
        "in_person_min",
        "aliases",
    ]
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        d["aliases"] = list(d["aliases"] or [])
        out.append(d)
    return out
