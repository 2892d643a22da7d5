"""Named, ordered migrations. Append new ones at the end; never edit one that has shipped.

A migration is SQL (statements separated by ";\n") or, for what SQL cannot compute, a Python
function taking the connection; tracker.store.migrate runs each in a transaction of its own.
Conventions: timestamps are naive UTC; ids come from sequences; `source` is 'cli', 'import',
'daemon' or 'demo' (demo data may be replaced without --force).
"""

from __future__ import annotations

from collections.abc import Callable


def _recompute_name_keys(con) -> None:
    """Rewrite people.name_key, aliases.alias_key and routines.name_key with THE name key
    (tracker.domain.interactions.name_key). Older versions wrote some with SQL lower(), which
    leaves "Straße" as "straße" where the key is "strasse", so a lookup by the key missed them.
    DuckDB has no casefold, hence Python.

    Two aliases whose keys now coincide keep one row: the one already stored under the new key
    (the one lookups found before), else the first by old key.
    """
    from tracker.domain.interactions import name_key

    for table in ("people", "routines"):
        rows = con.execute(f"SELECT id, name, name_key FROM {table}").fetchall()
        changed = [[name_key(name), rid] for rid, name, key in rows if name_key(name) != key]
        if changed:
            con.executemany(f"UPDATE {table} SET name_key = ? WHERE id = ?", changed)
    rows = con.execute("SELECT alias_key, alias, person_id FROM aliases ORDER BY alias_key").fetchall()
    winners: dict[str, tuple[str, str, int]] = {}
    for key, alias, pid in rows:
        new = name_key(alias)
        if new not in winners or key == new:
            winners[new] = (key, alias, pid)
    stale = [key for key, alias, _ in rows if name_key(alias) != key]
    if stale:
        con.execute(f"DELETE FROM aliases WHERE alias_key IN ({', '.join('?' * len(stale))})", stale)
    moved = [[new, alias, pid] for new, (key, alias, pid) in winners.items() if key != new]
    if moved:
        con.executemany("INSERT INTO aliases VALUES (?, ?, ?)", moved)


def _add_fun(con) -> None:
    """interactions.fun (1-5, NULL = not rated), with its CHECK like closeness's. DuckDB adds a
    column but not a CHECK with it, so the table is rebuilt from its own DDL (whatever columns
    earlier migrations added) plus the constraint, with its indexes, and the rows copied over."""
    con.execute("ALTER TABLE interactions ADD COLUMN fun SMALLINT")
    ddl = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name = 'interactions' AND schema_name = 'main' AND NOT temporary"
    ).fetchone()[0]
    body = ddl.strip().rstrip(";").rstrip()
    if not body.endswith(")"):
        raise RuntimeError(f"unexpected DDL for interactions: {ddl!r}")
    indexes = [
        r[0]
        for r in con.execute(
            "SELECT sql FROM duckdb_indexes() WHERE table_name = 'interactions' AND sql IS NOT NULL"
        ).fetchall()
    ]
    con.execute("ALTER TABLE interactions RENAME TO interactions_before_fun")
    con.execute(body[:-1] + ", CHECK((fun BETWEEN 1 AND 5)))")
    con.execute("INSERT INTO interactions SELECT * FROM interactions_before_fun")
    con.execute("DROP TABLE interactions_before_fun")
    for sql in indexes:
        con.execute(sql)


def _allow_watching(con) -> None:
    """Let activity.state be 'watching' (issue 15). DuckDB cannot alter a CHECK constraint, so the
    table is rebuilt from its own current definition (columns a later migration added come along),
    with its indexes."""
    (sql,) = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'activity'"
    ).fetchone()
    old = "'asleep')"
    if "'watching'" in sql:
        return
    if sql.count(old) != 1:
        raise RuntimeError(f"unexpected definition of the activity table: {sql}")
    indexes = [r[0] for r in con.execute("SELECT sql FROM duckdb_indexes() WHERE table_name = 'activity'").fetchall()]
    new = sql.replace(old, "'asleep', 'watching')").replace("CREATE TABLE activity(", "CREATE TABLE activity_new(", 1)
    con.execute(new)
    con.execute("INSERT INTO activity_new SELECT * FROM activity")
    con.execute("DROP TABLE activity")
    con.execute("ALTER TABLE activity_new RENAME TO activity")
    for index in indexes:
        con.execute(index)


MIGRATIONS: list[tuple[str, str | Callable]] = [
    (
        "0001_core",
        """
CREATE SEQUENCE people_id_seq START 1;
CREATE TABLE people (
    id INTEGER PRIMARY KEY DEFAULT nextval('people_id_seq'),
    name VARCHAR NOT NULL,
    name_key VARCHAR NOT NULL,          -- lower(name), for case-insensitive matching
    tier VARCHAR CHECK (tier IN ('inner', 'close', 'friend', 'acquaintance')),
    kin BOOLEAN NOT NULL DEFAULT false,
    every_days INTEGER,                 -- cadence: ideal gap (NULL = tier default / none)
    max_days INTEGER,                   -- cadence: maximum gap
    cadence_modes VARCHAR,              -- which modes count for the cadence, comma-separated; NULL = in-person
    note VARCHAR,
    source VARCHAR NOT NULL DEFAULT 'cli',
    created_at TIMESTAMP NOT NULL,
    merged_into INTEGER                 -- set when merged away; such rows are hidden
);
CREATE TABLE aliases (
    alias_key VARCHAR PRIMARY KEY,      -- lower(alias)
    alias VARCHAR NOT NULL,
    person_id INTEGER NOT NULL
);
CREATE SEQUENCE interactions_id_seq START 1;
CREATE TABLE interactions (
    id INTEGER PRIMARY KEY DEFAULT nextval('interactions_id_seq'),
    summary VARCHAR,
    happened_at TIMESTAMP NOT NULL,     -- UTC, when it started
    duration_min DOUBLE NOT NULL,
    mode VARCHAR NOT NULL CHECK (mode IN ('in-person', 'video', 'voice', 'text')),
    closeness SMALLINT CHECK (closeness BETWEEN 1 AND 7),
    place VARCHAR,
    initiated VARCHAR CHECK (initiated IN ('me', 'them', 'mutual')),
    phones_away VARCHAR CHECK (phones_away IN ('yes', 'partly', 'no')),
    work BOOLEAN NOT NULL DEFAULT false,
    tags VARCHAR[] NOT NULL DEFAULT [],
    note VARCHAR,
    routine_id INTEGER,
    logged_at TIMESTAMP NOT NULL,       -- UTC, when it was typed
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP,               -- soft delete: `interactions restore ID` clears it
    source VARCHAR NOT NULL DEFAULT 'cli'
);
CREATE TABLE interaction_people (
    interaction_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (interaction_id, person_id)
);
CREATE TABLE activity (
    span_id VARCHAR PRIMARY KEY,        -- stable id from the daemon: a re-drain replaces, never doubles
    start_utc TIMESTAMP NOT NULL,
    end_utc TIMESTAMP NOT NULL,
    app VARCHAR,                        -- WM_CLASS class / process name; 'excluded' when filtered
    title VARCHAR,                      -- NULL when not recorded (redacted, excluded)
    state VARCHAR NOT NULL CHECK (state IN ('active', 'idle', 'locked', 'asleep')),
    exe VARCHAR,
    source VARCHAR NOT NULL DEFAULT 'daemon'
);
CREATE INDEX activity_start_idx ON activity (start_utc);
CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
)
""",
    ),
    (
        "0002_practice",
        """
CREATE SEQUENCE routines_id_seq START 1;
CREATE TABLE routines (
    id INTEGER PRIMARY KEY DEFAULT nextval('routines_id_seq'),
    name VARCHAR NOT NULL,
    name_key VARCHAR NOT NULL,          -- lower(name); unique among routines not removed
    unit VARCHAR NOT NULL CHECK (unit IN ('day', 'week', 'month')),
    every_n INTEGER NOT NULL CHECK (every_n BETWEEN 1 AND 366),
    on_weekday SMALLINT CHECK (on_weekday BETWEEN 0 AND 6),  -- planned day, 0 = Monday
    starts_on DATE NOT NULL,            -- local day the first period starts from
    note VARCHAR,
    created_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,               -- soft delete: held interactions keep their routine_id
    source VARCHAR NOT NULL DEFAULT 'cli'
);
CREATE TABLE routine_people (
    routine_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (routine_id, person_id)
);
CREATE TABLE routine_skips (
    routine_id INTEGER NOT NULL,
    period_start DATE NOT NULL,         -- local day the skipped period starts
    reason VARCHAR,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (routine_id, period_start)
);
CREATE SEQUENCE checkins_id_seq START 1;
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY DEFAULT nextval('checkins_id_seq'),
    at_utc TIMESTAMP NOT NULL,
    mood SMALLINT CHECK (mood BETWEEN 1 AND 5),              -- awful 1 .. great 5
    connected SMALLINT CHECK (connected BETWEEN 0 AND 10),   -- felt connected today
    lack_companionship SMALLINT CHECK (lack_companionship BETWEEN 1 AND 3),  -- UCLA-3 items
    left_out SMALLINT CHECK (left_out BETWEEN 1 AND 3),
    isolated SMALLINT CHECK (isolated BETWEEN 1 AND 3),
    lonely VARCHAR CHECK (lonely IN ('often/always', 'some of the time', 'occasionally', 'hardly ever', 'never')),
    note VARCHAR,
    source VARCHAR NOT NULL DEFAULT 'cli'
);
CREATE SEQUENCE unplug_id_seq START 1;
CREATE TABLE unplug_sessions (
    id INTEGER PRIMARY KEY DEFAULT nextval('unplug_id_seq'),
    start_utc TIMESTAMP NOT NULL,
    planned_end_utc TIMESTAMP,          -- from --for; the session ends here unless stopped earlier
    end_utc TIMESTAMP,                  -- set by `unplug stop` (or given after the fact)
    note VARCHAR,
    created_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL DEFAULT 'cli'
);
CREATE TABLE nudges_sent (
    day DATE PRIMARY KEY,               -- local day (general.day_start_hour): one nudge a day
    kind VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    sent_utc TIMESTAMP NOT NULL,
    delivered VARCHAR NOT NULL          -- 'desktop', 'off' (desktop = false) or 'failed: ...'
)
""",
    ),
    # Names and aliases match by one key (casefold, whitespace collapsed); older rows used lower().
    ("0003_name_keys", _recompute_name_keys),
    # `people remove`: a removed person also gets merged_into = their own id, so every query that
    # hides merged-away people hides them too; removed_at tells them apart and dates the removal.
    ("0004_people_removed", "ALTER TABLE people ADD COLUMN removed_at TIMESTAMP"),
    # Invitations given and received (issue 18): who, for what, the answer, and the interaction
    # it became. People are linked like an interaction's (invitation_people), so merges move them.
    (
        "0005_invitations",
        """
CREATE SEQUENCE invitations_id_seq START 1;
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY DEFAULT nextval('invitations_id_seq'),
    direction VARCHAR NOT NULL CHECK (direction IN ('given', 'received')),
    what VARCHAR NOT NULL,              -- what for: "dinner", "climbing"
    planned_for TIMESTAMP,              -- UTC, when it is for (NULL: not said)
    made_at TIMESTAMP NOT NULL,         -- UTC, when it was made
    answer VARCHAR NOT NULL DEFAULT 'pending' CHECK (answer IN ('yes', 'no', 'maybe', 'pending')),
    answered_at TIMESTAMP,              -- UTC, when the answer was recorded (NULL while pending)
    interaction_id INTEGER,             -- the interaction it became (`log --invite ID`)
    note VARCHAR,
    nudged_at TIMESTAMP,                -- when a nudge asked about it (at most once per invitation)
    source VARCHAR NOT NULL DEFAULT 'cli',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
CREATE TABLE invitation_people (
    invitation_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    PRIMARY KEY (invitation_id, person_id)
)
""",
    ),
    # Issue 18: how much fun an interaction was, 1 (none) to 5 (lots of laughter); NULL = not rated.
    ("0006_fun", _add_fun),
    # Phone screen time as the person reports it (tracker/domain/phone.py): one figure per local
    # day and source ('checkin', 'aw' from an ActivityWatch import, 'demo'); a later report of the
    # same day and source replaces the row. No id: (day, source) is the key.
    (
        "0007_phone_time",
        """
CREATE TABLE phone_time (
    day DATE NOT NULL,                  -- local day (general.day_start_hour)
    source VARCHAR NOT NULL,
    minutes DOUBLE NOT NULL CHECK (minutes >= 0 AND minutes <= 1440),
    social_minutes DOUBLE CHECK (social_minutes >= 0 AND social_minutes <= minutes),
    recorded_at TIMESTAMP NOT NULL,     -- UTC, when it was reported or imported
    PRIMARY KEY (day, source)
)
""",
    ),
    # activity.state may be 'watching': a playing video in front without input (issue 15).
    ("0008_watching", _allow_watching),
    # Issue 14: activity rolled up per UTC quarter-hour, so reads do not grow with history
    # (tracker/store/rollups.py). Derived data, not backed up; rollup_rules holds the category
    # CASE the rows were computed with, and is empty until the first read builds them.
    (
        "0009_rollups",
        """
CREATE TABLE activity_quarters (
    q BIGINT NOT NULL,                  -- UTC quarter-hour: epoch seconds // 900
    state VARCHAR NOT NULL,
    app VARCHAR,                        -- as in activity (NULL: none)
    category VARCHAR NOT NULL,          -- by the CASE in rollup_rules
    micros BIGINT NOT NULL              -- microseconds of spans inside the quarter
);
CREATE TABLE rollup_rules (
    case_sql VARCHAR NOT NULL,          -- one row; none: stale, rebuilt at the next read
    activity_key VARCHAR NOT NULL,      -- activity's (count, sum of starts, sum of ends) they match
    version BIGINT NOT NULL             -- new (random) at every change of the rollups: readers' cache key
)
""",
    ),
    # Several computers through a synced folder (issue 16, tracker/store/sync.py): each local row's
    # uid on every machine and the version known here, the files written and read, the other
    # hosts and their screen-time spans. The synced tables themselves are not changed.
    (
        "0010_sync",
        """
CREATE TABLE sync_rows (
    tbl VARCHAR NOT NULL,               -- people, routines, interactions, checkins
    uid VARCHAR NOT NULL,               -- 32 hex, random: the row's id on every machine
    local_id INTEGER,                   -- the row here (NULL: deleted)
    own BOOLEAN NOT NULL,               -- false: another machine's uid for a person or routine here (same name)
    version BIGINT NOT NULL,            -- Lamport version of the content known here
    host VARCHAR NOT NULL,              -- the host that wrote that version
    changed_at TIMESTAMP,               -- UTC, that host's clock (a tie-break only)
    hash VARCHAR,                       -- md5 of the row as last written or applied here
    PRIMARY KEY (tbl, uid)
);
CREATE TABLE sync_files (
    path VARCHAR PRIMARY KEY,           -- HOST/kind/name, relative to sync.dir
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    rows INTEGER NOT NULL,
    read_at TIMESTAMP NOT NULL,         -- UTC, when written (own) or read
    own BOOLEAN NOT NULL,
    fp VARCHAR                          -- own activity days: the fingerprint of the spans written
);
CREATE TABLE sync_hosts (
    host VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    seen_at TIMESTAMP NOT NULL
);
CREATE TABLE sync_activity (
    host VARCHAR NOT NULL,              -- another machine's screen-time spans (no titles)
    day DATE NOT NULL,                  -- the UTC day of the file they came in
    start_utc TIMESTAMP NOT NULL,
    end_utc TIMESTAMP NOT NULL,
    state VARCHAR NOT NULL,
    app VARCHAR
)
""",
    ),
]
