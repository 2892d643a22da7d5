"""All SQL of `offscreen backup` and `offscreen restore`: every table out, every table back in.

TABLES names every table and column a backup holds; tests/test_backup.py fails when the schema
gains one that is not listed here, so nothing new is silently left out of backups. The file
format is tracker/domain/backup.py.

Restore loads the file's rows into temp tables first (this checks every value against the
column types before anything real is touched), then, inside the caller's transaction:
- into an empty database, or with replace=True after emptying every table: rows keep their
  ids, and each id sequence is moved past the highest restored id (and past the sequence
  position the backup recorded), so later `log` or `checkin` rows never collide;
- with merge: rows already present are skipped (see MERGE_MATCH) and new ones get new ids, with
  every link (people of an interaction, a routine's people, aliases, merged_into) re-pointed.
"""

from __future__ import annotations

from collections.abc import Iterator

import _duckdb as duckdb

from tracker.domain.backup import BadBackup
from tracker.store import rollups, sync_marks
from tracker.store.schema import MIGRATIONS

# Every table (but schema_migrations) and column, in the order a restore inserts them.
TABLES: dict[str, tuple[str, ...]] = {
    "people": (
        "id",
        "name",
        "name_key",
        "tier",
        "kin",
        "every_days",
        "max_days",
        "cadence_modes",
        "note",
        "source",
        "created_at",
        "merged_into",
        "removed_at",
    ),
    "aliases": ("alias_key", "alias", "person_id"),
    "routines": (
        "id",
        "name",
        "name_key",
        "unit",
        "every_n",
        "on_weekday",
        "starts_on",
        "note",
        "created_at",
        "removed_at",
        "source",
    ),
    "routine_people": ("routine_id", "person_id"),
    "routine_skips": ("routine_id", "period_start", "reason", "created_at"),
    "interactions": (
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
        "fun",
    ),
    "interaction_people": ("interaction_id", "person_id"),
    "invitations": (
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
    ),
    "invitation_people": ("invitation_id", "person_id"),
    "checkins": (
        "id",
        "at_utc",
        "mood",
        "connected",
        "lack_companionship",
        "left_out",
        "isolated",
        "lonely",
        "note",
        "source",
    ),
    "unplug_sessions": ("id", "start_utc", "planned_end_utc", "end_utc", "note", "created_at", "source"),
    "nudges_sent": ("day", "kind", "message", "sent_utc", "delivered"),
    "phone_time": ("day", "source", "minutes", "social_minutes", "recorded_at"),
    "activity": ("span_id", "start_utc", "end_utc", "app", "title", "state", "exe", "source"),
    "settings": ("key", "value"),
    # Each row's uid in the synced folder (issue 16): restored with the rows so the next sync
    # neither re-exports them under new uids nor takes the other computers' copies for new rows.
    "sync_rows": ("tbl", "uid", "local_id", "own", "version", "host", "changed_at", "hash"),
}
# The backup's "schema" stands for schema_migrations; the rollups are derived from activity and
# rebuilt after a restore (tracker/store/rollups.py); the sync tables listed are read again from
# the synced folder (tracker/store/sync.py) at the next sync.
NOT_BACKED_UP = ("schema_migrations", "activity_quarters", "rollup_rules", "sync_files", "sync_hosts", "sync_activity")
# id sequence -> the table whose id it hands out
SEQUENCES: dict[str, str] = {
    "people_id_seq": "people",
    "interactions_id_seq": "interactions",
    "routines_id_seq": "routines",
    "checkins_id_seq": "checkins",
    "unplug_id_seq": "unplug_sessions",
    "invitations_id_seq": "invitations",
}
_ORDER: dict[str, str] = {
    "aliases": "alias_key",
    "routine_people": "routine_id, person_id",
    "routine_skips": "routine_id, period_start",
    "interaction_people": "interaction_id, person_id",
    "invitation_people": "invitation_id, person_id",
    "nudges_sent": "day",
    "phone_time": "day, source",
    "activity": "start_utc, span_id",
    "settings": "key",
    "sync_rows": "tbl, uid",
}
# How --merge recognises a row that is already there (documented in the README, "Backup and restore").
MERGE_MATCH: dict[str, str] = {
    "people": "same name key as a person or alias (merged-away people: same name and created_at)",
    "aliases": "same alias key, or the name key of a person",
    "routines": "same name as a live routine (removed ones: same name and created_at)",
    "routine_people": "same routine and person",
    "routine_skips": "same routine and period",
    "interactions": "same start, duration, mode and people (deleted or not)",
    "interaction_people": "comes with its interaction",
    "invitations": "same direction, time made, what and people",
    "invitation_people": "comes with its invitation",
    "checkins": "same time",
    "unplug_sessions": "same start",
    "nudges_sent": "same day",
    "phone_time": "same day and source (the stored figure stays)",
    "activity": "same span id",
    "settings": "same key (the stored value stays)",
    "sync_rows": "not merged: rows merged in are synced under new uids",
}
_MERGE_KEYS = {
    "checkins": ("at_utc",),
    "unplug_sessions": ("start_utc",),
    "nudges_sent": ("day",),
    "phone_time": ("day", "source"),
    "activity": ("span_id",),
    "settings": ("key",),
}
_CHUNK = 50_000
_REBUILD_OVER = 5000  # rows: DELETE on a persisted primary-key index is very slow (store/demo.py)


def _types(con) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in con.execute(
        """SELECT table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name, column_index"""
    ).fetchall():
        out.setdefault(table, {})[column] = dtype
    return out


def migrations(con) -> list[str]:
    applied = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    return [name for name, _ in MIGRATIONS if name in applied]


def sequences(con) -> dict[str, int | None]:
    """The last id each sequence handed out (None: none yet)."""
    rows = dict(
        con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE database_name = current_database()"
        ).fetchall()
    )
    return {name: rows.get(name) for name in SEQUENCES}


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]


def total_rows(con) -> int:
    return sum(count(con, t) for t in TABLES)


def dump(con, table: str) -> Iterator[list[list]]:
    """The rows of TABLE in TABLES' column order, in chunks; timestamps and dates as text."""
    types = _types(con)[table]
    sel = ", ".join(f"CAST({c} AS VARCHAR)" if types[c].startswith(("TIMESTAMP", "DATE")) else c for c in TABLES[table])
    order = _ORDER.get(table, "id")
    cur = con.execute(f"SELECT {sel} FROM main.{table} ORDER BY {order}")
    while True:
        rows = cur.fetchmany(_CHUNK)
        if not rows:
            return
        yield [list(r) for r in rows]


# --- restore -------------------------------------------------------------------------------


def check(doc: dict, name: str) -> None:
    """The file's schema, tables, columns and sequences are known to this version (BadBackup if not)."""
    known = [m for m, _ in MIGRATIONS]
    newer = [m for m in doc.get("schema") or [] if m not in known]
    if newer:
        raise BadBackup(
            f"{name} was made by a newer offscreen (database schema {newer[-1]}); upgrade offscreen to restore it"
        )
    for table, body in doc["tables"].items():
        if table not in TABLES:
            raise BadBackup(f'{name}: unknown table "{table}"; was it made by a newer offscreen?')
        unknown = [c for c in body["columns"] if c not in TABLES[table]]
        if unknown:
            raise BadBackup(f'{name}: table "{table}" has an unknown column "{unknown[0]}"')
    for seq, value in (doc.get("sequences") or {}).items():
        if seq not in SEQUENCES or not (value is None or (isinstance(value, int) and not isinstance(value, bool))):
            raise BadBackup(f'{name}: bad sequence "{seq}": {value!r}')


def _load_temp(con, doc: dict, name: str, types: dict[str, dict[str, str]]) -> None:
    """Every table of the file into restore_<table> temp tables, every value cast to its column's type."""
    for table, cols in TABLES.items():
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE restore_{table} AS SELECT {', '.join(cols)} FROM main.{table} LIMIT 0"
        )
        body = doc["tables"].get(table)
        if not body or not body["rows"]:
            continue
        fcols = body["columns"]
        sel = ", ".join(f"CAST(c{i} AS {types[table][c]})" for i, c in enumerate(fcols))
        unnest = ", ".join(f"unnest(?) AS c{i}" for i in range(len(fcols)))
        rows = body["rows"]
        for start in range(0, len(rows), _CHUNK):
            part = rows[start : start + _CHUNK]
            try:
                con.execute(
                    f"INSERT INTO restore_{table} ({', '.join(fcols)}) SELECT {sel} FROM (SELECT {unnest})",
                    [list(c) for c in zip(*part)],
                )
            except (duckdb.Error, TypeError, ValueError, OverflowError) as e:
                raise BadBackup(
                    f'{name}: table "{table}" (rows {start + 1}-{start + len(part)}) holds a value that does not fit: '
                    f"{_first_line(e)}; nothing was restored"
                ) from None


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _empty_table(con, table: str) -> None:
    if count(con, table) <= _REBUILD_OVER:
        con.execute(f"DELETE FROM main.{table}")
        return
    # Rebuilt from its own DDL (defaults, checks, keys) and indexes, as store/demo.py does.
    table_sql = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' AND NOT temporary", [table]
    ).fetchone()[0]
    index_sql = [
        r[0]
        for r in con.execute(
            "SELECT sql FROM duckdb_indexes() WHERE table_name = ? AND schema_name = 'main' AND sql IS NOT NULL",
            [table],
        ).fetchall()
    ]
    con.execute(f"DROP TABLE main.{table}")
    con.execute(table_sql)
    for sql in index_sql:
        con.execute(sql)


def _advance(con, recorded: dict) -> None:
    """Move every id sequence past the highest id in its table and past the recorded position."""
    current = sequences(con)
    starts = dict(
        con.execute(
            "SELECT sequence_name, start_value FROM duckdb_sequences() WHERE database_name = current_database()"
        ).fetchall()
    )
    for seq, table in SEQUENCES.items():
        top = con.execute(f"SELECT coalesce(max(id), 0) FROM main.{table}").fetchone()[0]
        target = max(top, recorded.get(seq) or 0)
        issued = current[seq] if current[seq] is not None else starts[seq] - 1
        if target > issued:
            con.execute(f"SELECT max(nextval('{seq}')) FROM range(?)", [target - issued]).fetchone()


def _dicts(con, table: str) -> list[dict]:
    cols = TABLES[table]
    return [dict(zip(cols, r)) for r in con.execute(f"SELECT {', '.join(cols)} FROM restore_{table}").fetchall()]


def _insert(con, table: str, rows: list[dict], cols: tuple[str, ...]) -> None:
    one = "(" + ", ".join("?" * len(cols)) + ")"
    for start in range(0, len(rows), 500):
        part = rows[start : start + 500]
        con.execute(
            f"INSERT INTO main.{table} ({', '.join(cols)}) VALUES " + ", ".join(one for _ in part),
            [r[c] for r in part for c in cols],
        )


def _new_ids(con, seq: str, n: int) -> list[int]:
    if n == 0:
        return []
    return sorted(r[0] for r in con.execute(f"SELECT nextval('{seq}') FROM range(?)", [n]).fetchall())


def _merge_keyed(con, table: str, match: dict, seq: str, cols: tuple[str, ...]) -> tuple[dict, int, int]:
    """People or routines: a file row matching a stored one (MATCH: key -> id) maps to it; others
    are inserted with new ids. Returns (old id -> id, added, skipped)."""
    rows = _dicts(con, table)
    mapping: dict[int, int] = {}
    new = []
    for r in rows:
        gone = r.get("merged_into") if table == "people" else r.get("removed_at")
        key = (r["name_key"], r["created_at"]) if gone is not None else r["name_key"]
        if key in match:
            mapping[r["id"]] = match[key]
        else:
            new.append(r)
    for r, nid in zip(new, _new_ids(con, seq, len(new))):
        mapping[r["id"]] = nid
    fixed = [{**r, "id": mapping[r["id"]]} for r in new]
    if table == "people":
        for r in fixed:
            if r["merged_into"] is not None:
                r["merged_into"] = mapping.get(r["merged_into"], r["merged_into"])
    _insert(con, table, fixed, cols)
    return mapping, len(new), len(rows) - len(new)


def _merge(con) -> dict[str, tuple[int, int]]:
    done: dict[str, tuple[int, int]] = {}
    match = dict(
        con.execute(
            """SELECT name_key, id FROM people WHERE merged_into IS NULL
               UNION ALL SELECT a.alias_key, p.id FROM aliases a JOIN people p ON p.id = a.person_id
                         WHERE p.merged_into IS NULL"""
        ).fetchall()
    )
    match.update(
        {
            (k, c): i
            for k, c, i in con.execute(
                "SELECT name_key, created_at, id FROM people WHERE merged_into IS NOT NULL"
            ).fetchall()
        }
    )
    pmap, added, skipped = _merge_keyed(con, "people", match, "people_id_seq", TABLES["people"])
    done["people"] = (added, skipped)

    taken = {r[0] for r in con.execute("SELECT alias_key FROM aliases UNION SELECT name_key FROM people").fetchall()}
    aliases = [r for r in _dicts(con, "aliases") if r["alias_key"] not in taken]
    aliases = [{**r, "person_id": pmap.get(r["person_id"], r["person_id"])} for r in aliases]
    _insert(con, "aliases", aliases, TABLES["aliases"])
    done["aliases"] = (len(aliases), count(con, "restore_aliases") - len(aliases))

    rmatch: dict = dict(con.execute("SELECT name_key, id FROM routines WHERE removed_at IS NULL").fetchall())
    rmatch.update(
        {
            (k, c): i
            for k, c, i in con.execute(
                "SELECT name_key, created_at, id FROM routines WHERE removed_at IS NOT NULL"
            ).fetchall()
        }
    )
    rmap, added, skipped = _merge_keyed(con, "routines", rmatch, "routines_id_seq", TABLES["routines"])
    done["routines"] = (added, skipped)

    pairs = set(con.execute("SELECT routine_id, person_id FROM routine_people").fetchall())
    rp = []
    for r in _dicts(con, "routine_people"):
        pair = (rmap.get(r["routine_id"], r["routine_id"]), pmap.get(r["person_id"], r["person_id"]))
        if pair not in pairs:
            pairs.add(pair)
            rp.append({"routine_id": pair[0], "person_id": pair[1]})
    _insert(con, "routine_people", rp, TABLES["routine_people"])
    done["routine_people"] = (len(rp), count(con, "restore_routine_people") - len(rp))

    skips = set(con.execute("SELECT routine_id, period_start FROM routine_skips").fetchall())
    rs = []
    for r in _dicts(con, "routine_skips"):
        key = (rmap.get(r["routine_id"], r["routine_id"]), r["period_start"])
        if key not in skips:
            skips.add(key)
            rs.append({**r, "routine_id": key[0]})
    _insert(con, "routine_skips", rs, TABLES["routine_skips"])
    done["routine_skips"] = (len(rs), count(con, "restore_routine_skips") - len(rs))

    imap, counted = _merge_interactions(con, pmap, rmap)
    done.update(counted)
    done.update(_merge_invitations(con, pmap, imap))

    for table, keys in _MERGE_KEYS.items():
        cols = [c for c in TABLES[table] if not (c == "id" and table in SEQUENCES.values())]
        on = " AND ".join(f"t.{k} = b.{k}" for k in keys)
        before = count(con, table)
        con.execute(
            f"""INSERT INTO main.{table} ({", ".join(cols)})
                SELECT {", ".join("b." + c for c in cols)} FROM restore_{table} b
                WHERE NOT EXISTS (SELECT 1 FROM main.{table} t WHERE {on})"""
        )
        added = count(con, table) - before
        done[table] = (added, count(con, f"restore_{table}") - added)
    return done


def _people_of(con, table: str, key: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for iid, pid in con.execute(f"SELECT {key}, person_id FROM {table}").fetchall():
        out.setdefault(iid, []).append(pid)
    return out


def _merge_interactions(con, pmap: dict, rmap: dict) -> tuple[dict[int, int], dict[str, tuple[int, int]]]:
    """Interactions not already there, with their people; returns (the file's id -> the stored
    one, for the invitations that point at them) and the counts."""
    stored_people = _people_of(con, "main.interaction_people", "interaction_id")
    seen: dict[tuple, int | None] = {
        (at, float(dur), mode, tuple(sorted(stored_people.get(iid, [])))): iid
        for iid, at, dur, mode in con.execute("SELECT id, happened_at, duration_min, mode FROM interactions").fetchall()
    }
    file_people = _people_of(con, "restore_interaction_people", "interaction_id")
    rows = _dicts(con, "interactions")
    imap: dict[int, int] = {}
    again: dict[int, tuple] = {}  # a file row repeating an earlier file row -> that row's key
    new = []
    for r in rows:
        pids = sorted({pmap.get(p, p) for p in file_people.get(r["id"], [])})
        key = (r["happened_at"], float(r["duration_min"]), r["mode"], tuple(pids))
        if key in seen:
            stored = seen[key]
            if stored is None:
                again[r["id"]] = key
            else:
                imap[r["id"]] = stored
            continue
        seen[key] = None  # filled with its new id below
        new.append((r, pids, key))
    fixed, links = [], []
    for (r, pids, key), nid in zip(new, _new_ids(con, "interactions_id_seq", len(new))):
        rid = r["routine_id"]
        imap[r["id"]] = seen[key] = nid
        fixed.append({**r, "id": nid, "routine_id": rmap.get(rid, rid) if rid is not None else None})
        links += [{"interaction_id": nid, "person_id": p} for p in pids]
    imap.update({fid: imap_key for fid, key in again.items() if (imap_key := seen[key]) is not None})
    _insert(con, "interactions", fixed, TABLES["interactions"])
    _insert(con, "interaction_people", links, TABLES["interaction_people"])
    return imap, {
        "interactions": (len(fixed), len(rows) - len(fixed)),
        "interaction_people": (len(links), count(con, "restore_interaction_people") - len(links)),
    }


def _merge_invitations(con, pmap: dict, imap: dict) -> dict[str, tuple[int, int]]:
    """Invitations not already there (MERGE_MATCH), their people and interaction re-pointed."""
    stored_people = _people_of(con, "main.invitation_people", "invitation_id")
    seen = {
        (d, at, what, tuple(sorted(stored_people.get(vid, []))))
        for vid, d, at, what in con.execute("SELECT id, direction, made_at, what FROM invitations").fetchall()
    }
    file_people = _people_of(con, "restore_invitation_people", "invitation_id")
    rows = _dicts(con, "invitations")
    new = []
    for r in rows:
        pids = sorted({pmap.get(p, p) for p in file_people.get(r["id"], [])})
        key = (r["direction"], r["made_at"], r["what"], tuple(pids))
        if key not in seen:
            seen.add(key)
            new.append((r, pids))
    fixed, links = [], []
    for (r, pids), nid in zip(new, _new_ids(con, "invitations_id_seq", len(new))):
        link = r["interaction_id"]
        # A link to an interaction the file does not hold is dropped: its id means nothing here.
        fixed.append({**r, "id": nid, "interaction_id": None if link is None else imap.get(link)})
        links += [{"invitation_id": nid, "person_id": p} for p in pids]
    _insert(con, "invitations", fixed, TABLES["invitations"])
    _insert(con, "invitation_people", links, TABLES["invitation_people"])
    return {
        "invitations": (len(fixed), len(rows) - len(fixed)),
        "invitation_people": (len(links), count(con, "restore_invitation_people") - len(links)),
    }


def restore(con, doc: dict, name: str, *, mode: str) -> dict[str, tuple[int, int]]:
    """Write the backup DOC (tracker.domain.backup.parse) into the database; call inside a
    transaction. MODE: "empty" (the caller checked), "replace" or "merge". Returns, per table,
    (rows added, rows skipped as already present)."""
    check(doc, name)
    types = _types(con)
    _load_temp(con, doc, name, types)
    if mode == "merge":
        done = _merge(con)
    else:
        if mode == "replace":
            for table in reversed(list(TABLES)):
                _empty_table(con, table)
        done = {}
        for table in TABLES:
            cols = doc["tables"][table]["columns"] if table in doc["tables"] else []
            if cols:
                try:
                    con.execute(
                        f"INSERT INTO main.{table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM restore_{table}"
                    )
                except duckdb.Error as e:
                    raise BadBackup(
                        f'{name}: table "{table}" does not fit the database: {_first_line(e)}; nothing was restored'
                    ) from None
            done[table] = (count(con, f"restore_{table}"), 0)
        _advance(con, doc.get("sequences") or {})
    rollups.invalidate(con)  # activity changed wholesale: the next read rebuilds them
    sync_marks.forget(con)  # and the next sync compares every row and day (issue 16)
    # On an error the caller's rollback takes the temp tables too.
    for table in TABLES:
        con.execute(f"DROP TABLE restore_{table}")
    return done
