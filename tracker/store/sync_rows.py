"""Rows as they travel through the synced folder, and how another computer's rows are applied here
(issue 16; the folder and the sync itself: tracker/store/sync.py).

Each synced table's rows as written to the folder (VIEWS): local integer ids replaced by uids,
the people of an interaction or routine as a sorted uid list, and the row's hash, which finds a
change made here. Applying: the newest version of each uid read wins over the one known here
(tracker.domain.sync.newer); people and routines row by row (same name = same row, merges,
skips), interactions and check-ins set-wise.
"""

from __future__ import annotations

_OWN = "JOIN sync_rows r ON r.tbl = '{t}' AND r.own AND r.local_id = x.id"


def _uid_of(tbl: str, col: str) -> str:
    return f"(SELECT u.uid FROM sync_rows u WHERE u.tbl = '{tbl}' AND u.own AND u.local_id = {col})"


# Each table's rows as they are written to the folder: local integer ids replaced by uids, the
# people of an interaction or routine as a sorted uid list. `h` (the row's hash) finds changes.
VIEWS = {
    "people": f"""SELECT r.uid, x.name, x.tier, x.kin, x.every_days, x.max_days, x.cadence_modes, x.note,
            x.source, x.created_at, {_uid_of("people", "x.merged_into")} AS merged_into, x.removed_at,
            coalesce((SELECT list(a.alias ORDER BY a.alias) FROM aliases a WHERE a.person_id = x.id),
                     []::VARCHAR[]) AS aliases
        FROM people x {_OWN.format(t="people")} WHERE x.source <> 'demo'""",
    "routines": f"""SELECT r.uid, x.name, x.unit, x.every_n, x.on_weekday, x.starts_on, x.note, x.created_at,
            x.removed_at, x.source,
            coalesce((SELECT list(u.uid ORDER BY u.uid) FROM routine_people rp JOIN sync_rows u
                      ON u.tbl = 'people' AND u.own AND u.local_id = rp.person_id WHERE rp.routine_id = x.id),
                     []::VARCHAR[]) AS people,
            coalesce((SELECT list(struct_pack(period_start := s.period_start, reason := s.reason,
                                              created_at := s.created_at) ORDER BY s.period_start)
                      FROM routine_skips s WHERE s.routine_id = x.id),
                     []::STRUCT(period_start DATE, reason VARCHAR, created_at TIMESTAMP)[]) AS skips
        FROM routines x {_OWN.format(t="routines")} WHERE x.source <> 'demo'""",
    "interactions": f"""SELECT r.uid, x.summary, x.happened_at, x.duration_min, x.mode, x.closeness, x.fun,
            x.place, x.initiated, x.phones_away, x.work, x.tags, x.note, {_uid_of("routines", "x.routine_id")}
            AS routine, x.logged_at, x.updated_at, x.deleted_at, x.source,
            coalesce((SELECT list(u.uid ORDER BY u.uid) FROM interaction_people ip JOIN sync_rows u
                      ON u.tbl = 'people' AND u.own AND u.local_id = ip.person_id WHERE ip.interaction_id = x.id),
                     []::VARCHAR[]) AS people
        FROM interactions x {_OWN.format(t="interactions")} WHERE x.source <> 'demo'""",
    "checkins": f"""SELECT r.uid, x.at_utc, x.mood, x.connected, x.lack_companionship, x.left_out, x.isolated,
            x.lonely, x.note, x.source
        FROM checkins x {_OWN.format(t="checkins")} WHERE x.source <> 'demo'""",
}


def hashed(tbl: str) -> str:
    """SQL for TBL's rows as they travel, with `h`, the hash that finds a change made here."""
    return f"SELECT v.*, md5(to_json(v)) AS h FROM ({VIEWS[tbl]}) v"


def _winners_sql(tbl: str) -> str:
    """The newest version of each uid read, where it beats the version known here: the order of
    tracker.domain.sync.newer, (version, changed_at, host), in SQL."""
    return f"""SELECT w.*, r.local_id AS local_id, r.own AS own_row FROM (
               SELECT * FROM sync_in_{tbl} QUALIFY row_number() OVER
                 (PARTITION BY uid ORDER BY version DESC, changed_at DESC, host DESC) = 1) w
            LEFT JOIN sync_rows r ON r.tbl = '{tbl}' AND r.uid = w.uid
            WHERE r.uid IS NULL OR (w.version, w.changed_at, w.host) >
                  (r.version, coalesce(r.changed_at, TIMESTAMP '0001-01-01'), r.host)
            ORDER BY w.version, w.uid"""


def _winners(con, tbl: str) -> list[dict]:
    cur = con.execute(_winners_sql(tbl))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


# Tables applied set-wise (a year of another computer's rows in a few statements); people and
# routines, a few hundred rows with their special rules (same name, merges, skips), row by row.
_BULK = {"interactions": "interactions_id_seq", "checkins": "checkins_id_seq"}


def _apply_bulk(con, tbl: str) -> tuple[int, set[str]]:
    """_apply for interactions and check-ins, set-wise: the same rules, in SQL."""
    seq = _BULK[tbl]
    con.execute(f"CREATE OR REPLACE TEMP TABLE sync_w AS {_winners_sql(tbl)}")
    if tbl == "interactions":
        # The people and routine each row names, as local ids; a row naming one not arrived is deferred.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE sync_wp AS
               SELECT x.uid, x.puid, r.local_id AS pid FROM (SELECT uid, unnest(people) AS puid FROM sync_w) x
               LEFT JOIN sync_rows r ON r.tbl = 'people' AND r.uid = x.puid AND r.local_id IS NOT NULL"""
        )
        con.execute(
            """ALTER TABLE sync_w ADD COLUMN routine_id INTEGER;
               UPDATE sync_w SET routine_id = r.local_id FROM sync_rows r
               WHERE r.tbl = 'routines' AND r.uid = sync_w.routine AND r.local_id IS NOT NULL"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE sync_late AS
               SELECT uid, filename FROM sync_w WHERE NOT deleted AND (
                   (routine IS NOT NULL AND routine_id IS NULL)
                   OR uid IN (SELECT uid FROM sync_wp WHERE pid IS NULL))"""
        )
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE sync_late AS SELECT uid, filename FROM sync_w LIMIT 0")
    con.execute("DELETE FROM sync_w WHERE uid IN (SELECT uid FROM sync_late)")
    # Rows new here get ids from the table's own sequence; rows known here keep theirs.
    con.execute(
        f"""UPDATE sync_w SET local_id = nextval('{seq}')
            WHERE local_id IS NULL AND NOT deleted AND own_row IS NULL"""
    )
    cols = _FIELDS[tbl]
    con.execute(
        f"""INSERT INTO {tbl} (id, {", ".join(cols)})
            SELECT local_id, {", ".join(cols)} FROM sync_w WHERE own_row IS NULL AND NOT deleted"""
    )
    con.execute(
        f"""UPDATE {tbl} SET {", ".join(f"{c} = w.{c}" for c in cols)}
            FROM sync_w w WHERE {tbl}.id = w.local_id AND w.own_row AND NOT w.deleted"""
    )
    gone = "SELECT local_id FROM sync_w WHERE deleted AND own_row AND local_id IS NOT NULL"
    if tbl == "interactions":
        con.execute(f"DELETE FROM interaction_people WHERE interaction_id IN ({gone})")
        con.execute(
            """DELETE FROM interaction_people WHERE interaction_id IN
               (SELECT local_id FROM sync_w WHERE own_row IS NOT NULL AND NOT deleted)"""
        )
        con.execute(
            """INSERT INTO interaction_people SELECT DISTINCT w.local_id, p.pid
               FROM sync_w w JOIN sync_wp p USING (uid) WHERE NOT w.deleted AND w.own_row IS NOT false"""
        )
        con.execute(
            """UPDATE interactions SET routine_id = w.routine_id FROM sync_w w
               WHERE interactions.id = w.local_id AND NOT w.deleted AND w.own_row IS NOT false"""
        )
    con.execute(f"DELETE FROM {tbl} WHERE id IN ({gone})")
    con.execute(
        f"""INSERT INTO sync_rows (tbl, uid, local_id, own, version, host, changed_at)
            SELECT '{tbl}', uid, CASE WHEN deleted THEN NULL ELSE local_id END, own_row IS NOT false,
                   version, host, changed_at FROM sync_w
            ON CONFLICT (tbl, uid) DO UPDATE SET local_id = excluded.local_id, version = excluded.version,
               host = excluded.host, changed_at = excluded.changed_at"""
    )
    _rehash(con, tbl)
    (applied,) = con.execute("SELECT count(*) FROM sync_w").fetchone()
    return applied, {f for (f,) in con.execute("SELECT DISTINCT filename FROM sync_late").fetchall()}


def _rehash(con, tbl: str) -> None:
    """The hash of each row just applied, as this machine now serialises it: not a change to send back."""
    con.execute(
        f"""UPDATE sync_rows SET hash = c.h FROM ({hashed(tbl)}) c
            WHERE sync_rows.tbl = '{tbl}' AND sync_rows.uid = c.uid
              AND sync_rows.uid IN (SELECT uid FROM sync_in_{tbl})"""
    )


def _local(con, tbl: str, uid: str | None) -> int | None:
    if uid is None:
        return None
    row = con.execute(
        "SELECT local_id FROM sync_rows WHERE tbl = ? AND uid = ? AND local_id IS NOT NULL", [tbl, uid]
    ).fetchone()
    return row[0] if row else None


_FIELDS = {
    "people": (
        "name",
        "tier",
        "kin",
        "every_days",
        "max_days",
        "cadence_modes",
        "note",
        "source",
        "created_at",
        "removed_at",
    ),
    "routines": ("name", "unit", "every_n", "on_weekday", "starts_on", "note", "created_at", "removed_at", "source"),
    "interactions": (
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
        "logged_at",
        "updated_at",
        "deleted_at",
        "source",
    ),
    "checkins": (
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
}


def _apply(con, tbl: str) -> tuple[int, set[str]]:
    """Apply the winning rows of sync_in_<TBL> to TBL; returns (rows applied, files to read again)."""
    from tracker.domain.interactions import name_key

    applied = 0
    deferred: set[str] = set()
    for w in _winners(con, tbl):
        lid = w["local_id"]
        if w["deleted"]:
            if lid is not None and w["own_row"]:
                _delete_local(con, tbl, lid)
        else:
            refs = _refs(con, tbl, w)
            if refs is None:
                deferred.add(w["filename"])
                continue
            values = {k: w[k] for k in _FIELDS[tbl]}
            if tbl in ("people", "routines"):
                values["name_key"] = name_key(w["name"])
            live = {"people": "merged_into IS NULL", "routines": "removed_at IS NULL"}.get(tbl)
            if lid is None and live and w["merged_into" if tbl == "people" else "removed_at"] is None:
                # The same name on two machines before they first synced is one person (one
                # routine), as `log` would resolve it: the other uid then points at the row here.
                same = con.execute(
                    f"SELECT id FROM {tbl} WHERE name_key = ? AND {live}", [values["name_key"]]
                ).fetchone()
                if same:
                    _remember(con, tbl, w, same[0], own=False)
                    applied += 1
                    continue
            if lid is None:
                cols = list(values)
                (lid,) = con.execute(
                    f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING id",
                    list(values.values()),
                ).fetchone()
            elif w["own_row"]:
                con.execute(
                    f"UPDATE {tbl} SET {', '.join(c + ' = ?' for c in values)} WHERE id = ?", [*values.values(), lid]
                )
            if w["own_row"] is not False:
                _links(con, tbl, lid, w, refs)
        _remember(con, tbl, w, None if w["deleted"] else lid, own=w["own_row"] is not False)
        applied += 1
    _rehash(con, tbl)
    return applied, deferred


def _refs(con, tbl: str, w: dict) -> dict | None:
    """The local ids W names (people, routine, merged_into), or None when one has not arrived yet."""
    out: dict = {}
    if tbl in ("routines", "interactions"):
        ids = [_local(con, "people", u) for u in w["people"]]
        if None in ids:
            return None
        out["people"] = sorted(set(ids))
    if tbl == "interactions":
        out["routine"] = _local(con, "routines", w["routine"])
        if w["routine"] is not None and out["routine"] is None:
            return None
    if tbl == "people" and w["merged_into"] is not None and w["merged_into"] != w["uid"]:
        out["merged_into"] = _local(con, "people", w["merged_into"])
        if out["merged_into"] is None:
            return None
    return out


def _links(con, tbl: str, lid: int, w: dict, refs: dict) -> None:
    if tbl == "interactions":
        con.execute("UPDATE interactions SET routine_id = ? WHERE id = ?", [refs["routine"], lid])
        con.execute("DELETE FROM interaction_people WHERE interaction_id = ?", [lid])
        for pid in refs["people"]:
            con.execute("INSERT INTO interaction_people VALUES (?, ?)", [lid, pid])
    elif tbl == "routines":
        con.execute("DELETE FROM routine_people WHERE routine_id = ?", [lid])
        for pid in refs["people"]:
            con.execute("INSERT INTO routine_people VALUES (?, ?)", [lid, pid])
        con.execute("DELETE FROM routine_skips WHERE routine_id = ?", [lid])
        for s in w["skips"]:
            con.execute(
                "INSERT INTO routine_skips VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [lid, s["period_start"], s["reason"], s["created_at"]],
            )
    elif tbl == "people":
        from tracker.store import people as store_p

        (merged,) = con.execute("SELECT merged_into FROM people WHERE id = ?", [lid]).fetchone()
        if w["merged_into"] == w["uid"]:
            con.execute("UPDATE people SET merged_into = id WHERE id = ?", [lid])  # removed there
        elif w["merged_into"] is not None and merged is None and refs["merged_into"] != lid:
            store_p.merge(con, refs["merged_into"], lid)  # moves this machine's links too, as a merge here does
        elif w["merged_into"] is None and merged is not None:
            con.execute("UPDATE people SET merged_into = NULL WHERE id = ?", [lid])  # restored there
        keep = list(w["aliases"])
        con.execute("DELETE FROM aliases WHERE person_id = ? AND NOT list_contains(?::VARCHAR[], alias)", [lid, keep])
        from tracker.domain.interactions import name_key

        for a in keep:
            con.execute("INSERT INTO aliases VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [name_key(a), a, lid])


def _delete_local(con, tbl: str, lid: int) -> None:
    links = {"interactions": "interaction_people WHERE interaction_id", "routines": "routine_people WHERE routine_id"}
    if tbl in links:
        con.execute(f"DELETE FROM {links[tbl]} = ?", [lid])
    con.execute(f"DELETE FROM {tbl} WHERE id = ?", [lid])


def _remember(con, tbl: str, w: dict, lid: int | None, *, own: bool) -> None:
    con.execute(
        """INSERT INTO sync_rows (tbl, uid, local_id, own, version, host, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tbl, uid) DO UPDATE SET local_id = excluded.local_id, version = excluded.version,
              host = excluded.host, changed_at = excluded.changed_at""",
        [tbl, w["uid"], lid, own, w["version"], w["host"], w["changed_at"]],
    )


def apply_table(con, tbl: str) -> tuple[int, set[str]]:
    """Apply the winning rows of the temp table sync_in_<TBL> to TBL: (rows applied, files to read
    again because a row names a person or routine whose file has not arrived)."""
    return (_apply_bulk if tbl in _BULK else _apply)(con, tbl)


# The text rules of tracker/domain/text.py, for rows read from the folder as for rows typed here:
# names and tags are labels (a control character or too long: the file is refused, as `log`
# refuses such a name: a name is an identity, and one cleaned here would differ from the same
# person's name on the computer that wrote it); free text loses its control characters, as a
# note pasted here does (an older offscreen may have stored a stray ESC), and is refused when
# longer than the limit.
_LABELS = {"people": ("name",), "routines": ("name",)}
_LABEL_LISTS = {"people": (("aliases", 200),), "interactions": (("tags", 100),)}
_FREE = {
    "people": ("note",),
    "routines": ("note",),
    "interactions": ("summary", "place", "note"),
    "checkins": ("note",),
}


def check_text(con, tbl: str) -> dict[str, str]:
    """Apply the text rules to the rows of sync_in_<TBL>: free text cleaned in place; returns
    {file: why} of the files holding a row whose text is refused."""
    from tracker.domain import text as texts
    from tracker.errors import UserError

    labels, lists, free = _LABELS.get(tbl, ()), _LABEL_LISTS.get(tbl, ()), _FREE[tbl]
    cols = [*labels, *(c for c, _ in lists), *free, *(["skips"] if tbl == "routines" else [])]
    bad: dict[str, str] = {}
    rows = con.execute(f"SELECT filename, uid, version, {', '.join(cols)} FROM sync_in_{tbl}").fetchall()
    for fn, uid, version, *vals in rows:
        if fn in bad:
            continue
        v = dict(zip(cols, vals, strict=True))
        changes: dict = {}
        try:
            for c in labels:
                if v[c] is not None:
                    texts.check_label(v[c], f"{tbl[:-1]} {c}")
            for c, limit in lists:
                for item in v[c] or ():
                    texts.check_label(item, f"{tbl[:-1]} {c[:-1]}", limit)
            for c in free:
                if v[c] is not None and (cleaned := texts.clean_free(v[c], f"{tbl[:-1]} {c}")) != v[c]:
                    changes[c] = cleaned
            if v.get("skips"):
                skips = [
                    {**s, "reason": None if s["reason"] is None else texts.clean_free(s["reason"], "skip reason")}
                    for s in v["skips"]
                ]
                if skips != v["skips"]:
                    changes["skips"] = skips
        except UserError as e:
            bad[fn] = str(e)[:200]
            continue
        if changes:
            sets = ", ".join(
                f"{c} = ?"
                + ("::STRUCT(period_start DATE, reason VARCHAR, created_at TIMESTAMP)[]" if c == "skips" else "")
                for c in changes
            )
            con.execute(
                f"UPDATE sync_in_{tbl} SET {sets} WHERE filename = ? AND uid = ? AND version = ?",
                [*changes.values(), fn, uid, version],
            )
    return bad
