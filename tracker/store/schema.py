"""Named, ordered migrations. Append new ones at the end; never edit one that has shipped.

Conventions: timestamps are naive UTC; ids come from sequences; `source` is 'cli', 'import',
'daemon' or 'demo' (demo data may be replaced without --force).
"""

MIGRATIONS: list[tuple[str, str]] = [
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
]
