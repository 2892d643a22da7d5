"""Bulk SQL for `offscreen demo`: replace all source='demo' rows with a generated history.

The user's own rows are never touched. A demo person or routine the user's data depends on (an
own interaction or routine links it, it has an alias, the user renamed, edited or skipped it:
tracker/store/people.py and practice.py mark those at once) is the user's from then on: it keeps
its id and every link, only its source changes. A demo person or routine whose name (or alias)
is one of the user's gets a distinct name ("Sam (demo)"), so a lookup by name never lands on a
demo row while the user has that name.

Speed and memory matter (a year is > 500,000 spans, five years 2.7 million): the generator
streams activity into private temp TSV files, one per chunk of days (SpanFiles), before the
database is opened, and each file goes in by one `INSERT ... SELECT FROM read_csv(...)`. Five years
in one transaction made DuckDB hold ~500 MB (its primary-key index and transaction-local rows
cannot be evicted before the commit), so the first chunk commits with everything else and every
further chunk in a transaction of its own, with a checkpoint and a memory limit (issue 14); a
failure in a later chunk deletes the demo rows written so far. Ids for people and interactions
are reserved from their sequences so later `offscreen log` rows never collide with demo rows.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from pathlib import Path

from tracker.domain.interactions import name_key
from tracker.errors import RuntimeFailure
from tracker.paths import ensure_private_dir
from tracker.store import rollups, transaction


def _adopt_used(con) -> None:
    """Make the demo people and routines the user's data refers to the user's (source 'cli'),
    so that deleting the demo rows leaves no own link dangling."""
    con.execute(
        """UPDATE routines SET source = 'cli' WHERE source = 'demo' AND id IN
             (SELECT routine_id FROM interactions WHERE source <> 'demo' AND routine_id IS NOT NULL)"""
    )
    while True:  # until no own row refers to a demo person (a merge chain may take a few rounds)
        adopted = con.execute(
            """UPDATE people SET source = 'cli' WHERE source = 'demo' AND (
                 id IN (SELECT ip.person_id FROM interaction_people ip
                          JOIN interactions i ON i.id = ip.interaction_id WHERE i.source <> 'demo')
                 OR id IN (SELECT rp.person_id FROM routine_people rp
                             JOIN routines r ON r.id = rp.routine_id WHERE r.source <> 'demo')
                 OR id IN (SELECT person_id FROM aliases)  -- the demo makes none
                 OR id IN (SELECT vp.person_id FROM invitation_people vp
                             JOIN invitations v ON v.id = vp.invitation_id WHERE v.source <> 'demo')
                 OR id IN (SELECT merged_into FROM people WHERE source <> 'demo' AND merged_into IS NOT NULL)
                 OR merged_into IN (SELECT id FROM people WHERE source <> 'demo'))"""
        ).fetchone()[0]
        if not adopted:
            return


def _distinct(name: str, taken: set[str]) -> str:
    """NAME, or "NAME (demo)", "NAME (demo 2)", ...: the first whose key is not in TAKEN (which
    it joins)."""
    candidates = itertools.chain([name, f"{name} (demo)"], (f"{name} (demo {n})" for n in itertools.count(2)))
    chosen = next(c for c in candidates if name_key(c) not in taken)
    taken.add(name_key(chosen))
    return chosen


def _delete_demo(con) -> None:
    con.execute(
        "DELETE FROM invitation_people WHERE invitation_id IN (SELECT id FROM invitations WHERE source = 'demo')"
    )
    con.execute("DELETE FROM invitations WHERE source = 'demo'")
    # An own invitation linked to a demo interaction loses the link: that interaction goes.
    con.execute(
        """UPDATE invitations SET interaction_id = NULL
           WHERE interaction_id IN (SELECT id FROM interactions WHERE source = 'demo')"""
    )
    con.execute(
        "DELETE FROM interaction_people WHERE interaction_id IN (SELECT id FROM interactions WHERE source = 'demo')"
    )
    con.execute("DELETE FROM interactions WHERE source = 'demo'")
    con.execute("DELETE FROM aliases WHERE person_id IN (SELECT id FROM people WHERE source = 'demo')")
    con.execute("DELETE FROM people WHERE source = 'demo'")
    # Routines, check-ins, unplug sessions and phone time the demo made.
    for table in ("routine_people", "routine_skips"):
        con.execute(f"DELETE FROM {table} WHERE routine_id IN (SELECT id FROM routines WHERE source = 'demo')")
    for table in ("routines", "checkins", "unplug_sessions", "phone_time"):
        con.execute(f"DELETE FROM {table} WHERE source = 'demo'")
    _delete_demo_activity(con)


def _delete_demo_activity(con) -> None:
    """DELETE of many rows is pathologically slow on a persisted primary-key index (DuckDB 2.0.1:
    46 s for 537k rows; bench/README.md), so the table is rebuilt from its own recorded DDL with
    the non-demo rows kept. Runs inside the caller's transaction."""
    demo_rows, other_rows = con.execute(
        "SELECT count(*) FILTER (source = 'demo'), count(*) FILTER (source <> 'demo') FROM activity"
    ).fetchone()
    if demo_rows == 0:
        return
    if demo_rows < 5000:
        con.execute("DELETE FROM activity WHERE source = 'demo'")
        return
    table_sql = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name = 'activity' AND schema_name = 'main'"
    ).fetchone()[0]
    index_sql = [
        r[0]
        for r in con.execute(
            "SELECT sql FROM duckdb_indexes() WHERE table_name = 'activity' AND schema_name = 'main'"
        ).fetchall()
    ]
    if other_rows:
        con.execute("CREATE OR REPLACE TEMP TABLE activity_keep AS SELECT * FROM activity WHERE source <> 'demo'")
    con.execute("DROP TABLE activity")
    con.execute(table_sql)
    for sql in index_sql:
        con.execute(sql)
    if other_rows:
        con.execute("INSERT INTO activity SELECT * FROM activity_keep")
        con.execute("DROP TABLE activity_keep")


def _reserve(con, seq: str, n: int) -> list[int]:
    if n == 0:
        return []
    return [r[0] for r in con.execute(f"SELECT nextval('{seq}') FROM range(?)", [n]).fetchall()]


def _values(con, table: str, columns: list[str], rows: list[tuple], chunk: int = 500) -> None:
    """Multi-row VALUES inserts (DuckDB's executemany is much slower)."""
    one = "(" + ", ".join("?" for _ in columns) + ")"
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(one for _ in part),
            [v for row in part for v in row],
        )


class SpanFiles:
    """The demo's activity spans in private (0600) TSV files in TMP_DIR, one per add(): written while
    generating, before the database is opened, and removed on leaving the `with` block."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.files: list[str] = []
        self.count = 0  # spans written so far; the next one's row number

    def __enter__(self) -> SpanFiles:
        ensure_private_dir(self.tmp_dir)
        return self

    def __exit__(self, *exc) -> None:
        for name in self.files:
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass

    def add(self, spans: list[tuple]) -> None:
        """Write SPANS ((start_epoch_s, end_epoch_s, app, title, state), in order) as the next file."""
        fd, name = tempfile.mkstemp(prefix="demo-activity-", suffix=".tsv", dir=self.tmp_dir)  # mode 0600
        self.files.append(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # Tab-separated without quoting: 4x faster than csv.writer; demo titles never hold a tab.
                fh.write(
                    "".join(
                        f"{n}\t{s}\t{e}\t{app}\t{title or ''}\t{state}\n"
                        for n, (s, e, app, title, state) in enumerate(spans, self.count)
                    )
                )
        except OSError as e:  # a full disk: the temp file's error names no file
            raise RuntimeFailure(
                f"cannot write the demo's spans to {self.tmp_dir}: {e.strerror or e}; free some space and try again"
            ) from None
        self.count += len(spans)


# While the demo writes, DuckDB may keep this much in memory (it spills the rest to a temp directory
# beside the database, private like the file): without a limit it keeps every block it wrote.
_MEMORY_LIMIT = "160MB"


def _insert_spans(con, name: str) -> None:
    # Epoch seconds -> naive UTC TIMESTAMP without any session-timezone dependence.
    con.execute(
        """INSERT INTO activity (span_id, start_utc, end_utc, app, title, state, exe, source)
           SELECT 'demo-' || n, make_timestamp(s * 1000000), make_timestamp(e * 1000000),
                  nullif(app, ''), title, state, NULL, 'demo'
           FROM read_csv(?, header = false, delim = '\t', quote = '', escape = '',
                         columns = {'n': 'BIGINT', 's': 'BIGINT', 'e': 'BIGINT', 'app': 'VARCHAR',
                                    'title': 'VARCHAR', 'state': 'VARCHAR'})""",
        [name],
    )


# Spans per file when replace_demo() is handed them in a list (DemoData.spans, generate()).
_FILE_ROWS = 150_000


def replace_demo(con, data, spans: SpanFiles | Path) -> dict:
    """Delete earlier demo rows and insert DATA (a tracker.usecases.demo.DemoData) with the activity
    SPANS (files stream() wrote, or a directory for files of DATA.spans): everything but later span
    files in one transaction, each later file in its own."""
    if not isinstance(spans, SpanFiles):
        with SpanFiles(spans) as files:
            for i in range(0, len(data.spans), _FILE_ROWS):
                files.add(data.spans[i : i + _FILE_ROWS])
            return replace_demo(con, data, files)
    now = data.generated_at
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.execute(f"SET memory_limit = '{_MEMORY_LIMIT}'")
    try:
        _replace(con, data, spans, now)
        for name in spans.files[1:]:
            con.execute("CHECKPOINT")  # written blocks and index pages become evictable
            try:
                with transaction(con):
                    _insert_spans(con, name)
            except BaseException:
                # Not half a history: the demo goes as a whole (a rerun writes it again). The
                # error that stopped it is the one to report, whatever this cleanup meets.
                with contextlib.suppress(Exception), transaction(con):
                    _delete_demo(con)
                raise
        con.execute("CHECKPOINT")
        rollups.rebuild(con)  # the demo's spans, rolled up (tracker/store/rollups.py), in one transaction
    finally:
        con.execute(f"SET memory_limit = '{limit}'")
    return {
        "people": len(data.people),
        "interactions": len(data.interactions),
        "spans": spans.count,
        "routines": len(data.routines),
        "checkins": len(data.checkins),
        "unplug": len(data.unplug),
        "invitations": len(data.invitations),
        "phone_days": len(data.phone),
    }


def _replace(con, data, spans: SpanFiles, now) -> None:
    with transaction(con):
        _adopt_used(con)
        _delete_demo(con)
        pids = _reserve(con, "people_id_seq", len(data.people))
        pid = {p.key: i for p, i in zip(data.people, pids)}
        # Every key a person lookup may match (people.find), merged-away names included.
        taken = {
            r[0] for r in con.execute("SELECT name_key FROM people UNION SELECT alias_key FROM aliases").fetchall()
        }
        names = {p.key: _distinct(p.name, taken) for p in data.people}
        _values(
            con,
            "people",
            [
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
            ],
            [
                (
                    pid[p.key],
                    names[p.key],
                    name_key(names[p.key]),
                    p.tier,
                    p.kin,
                    p.every_days,
                    p.max_days,
                    p.cadence_modes,
                    p.note,
                    "demo",
                    now,
                )
                for p in data.people
            ],
        )
        iids = _reserve(con, "interactions_id_seq", len(data.interactions))
        _values(
            con,
            "interactions",
            [
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
                "logged_at",
                "source",
            ],
            [
                (
                    iid,
                    i.summary,
                    i.happened_at,
                    i.duration_min,
                    i.mode,
                    i.closeness,
                    i.fun,
                    i.place,
                    i.initiated,
                    i.phones_away,
                    i.work,
                    list(i.tags),
                    i.note,
                    i.happened_at,
                    "demo",
                )
                for iid, i in zip(iids, data.interactions)
            ],
            chunk=300,
        )
        _values(
            con,
            "interaction_people",
            ["interaction_id", "person_id"],
            [(iid, pid[k]) for iid, i in zip(iids, data.interactions) for k in i.people],
            chunk=1000,
        )
        if spans.files:
            _insert_spans(con, spans.files[0])
        _insert_practice(con, data, pid, iids, now)
        _insert_invitations(con, data, pid, iids, now)


def _insert_invitations(con, data, pid: dict[str, int], iids: list[int], now) -> None:
    """The generated invitations, with their people and the interactions they became."""
    for v in data.invitations:
        vid = con.execute(
            """INSERT INTO invitations (direction, what, planned_for, made_at, answer, answered_at, interaction_id,
                   source, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'demo', ?) RETURNING id""",
            [
                v.direction,
                v.what,
                v.planned_for,
                v.made_at,
                v.answer,
                v.answered_at,
                None if v.interaction is None else iids[v.interaction],
                now,
            ],
        ).fetchone()[0]
        _values(con, "invitation_people", ["invitation_id", "person_id"], [(vid, pid[k]) for k in v.people])


def _insert_practice(con, data, pid: dict[str, int], iids: list[int], now) -> None:
    """The generated routines (linked to their interactions), check-ins and unplug sessions."""
    taken = {r[0] for r in con.execute("SELECT name_key FROM routines").fetchall()}
    for r in data.routines:
        name = _distinct(r.name, taken)
        rid = con.execute(
            """INSERT INTO routines (name, name_key, unit, every_n, on_weekday, starts_on, created_at, source)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'demo') RETURNING id""",
            [name, name_key(name), r.unit, r.every_n, r.on_weekday, r.starts_on, now],
        ).fetchone()[0]
        _values(con, "routine_people", ["routine_id", "person_id"], [(rid, pid[k]) for k in r.people])
        _values(
            con,
            "routine_skips",
            ["routine_id", "period_start", "reason", "created_at"],
            [(rid, day, reason, now) for day, reason in r.skips],
        )
        linked = [iid for iid, i in zip(iids, data.interactions) if i.routine == r.name]
        if linked:
            con.execute(
                f"UPDATE interactions SET routine_id = ? WHERE id IN ({', '.join('?' for _ in linked)})",
                [rid, *linked],
            )
    _values(
        con,
        "checkins",
        ["at_utc", "mood", "connected", "lack_companionship", "left_out", "isolated", "lonely", "source"],
        [(c.at, c.mood, c.connected, *(c.ucla or (None, None, None)), c.lonely, "demo") for c in data.checkins],
    )
    _values(
        con,
        "unplug_sessions",
        ["start_utc", "planned_end_utc", "end_utc", "note", "created_at", "source"],
        [(u.start, u.planned_end, u.end, None, u.start, "demo") for u in data.unplug],
    )
    _values(
        con,
        "phone_time",
        ["day", "source", "minutes", "social_minutes", "recorded_at"],
        [(p.day, "demo", p.minutes, p.social_minutes, now) for p in data.phone],
    )
