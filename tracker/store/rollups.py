"""Activity rolled up by UTC quarter-hour, so reads cost what the range shown costs, not the history.

activity_quarters holds, per UTC quarter-hour (q = epoch seconds // 900), state, app and category,
the microseconds of spans inside it. Why quarters of UTC and not local days and hours: every
local hour and day boundary of a real zone falls on a UTC quarter-hour (offsets are whole
quarter-hours: +5:30 Kolkata, +5:45 Kathmandu, +12:45 Chatham; DST moves by 30 or 60 minutes), so
one table answers days and hours of ANY calendar exactly -- another zone, another
general.day_start_hour, the daemon's drain child and a shell with its own TZ -- and nothing needs
rebuilding when the calendar changes. A bucket edge that is not on a quarter (the range ending at
"now", or a historical local-mean-time offset) is summed from the spans themselves
(bucket_sums), so answers are those of the span queries, exactly: microseconds in integers.

Categories depend on the rules (tracker/domain/categories.py), which the config may change: the
CASE expression the rows were computed with is stored beside them (rollup_rules, one row), the
write paths keep the rows current with that stored CASE (no config needed: the drain child does
not read it), and readers call ensure(con, rules), which rebuilds everything when the rules
differ, or when activity's row count is not the one they were computed from (a write that
bypassed the hooks). No row in rollup_rules means "stale" (after a restore, or a new schema):
the next read rebuilds (five years of spans: ~1.3 s CPU, ~145 MB, once). Every write into
activity goes through refresh() (tracker/store/activity.py upsert_spans: the drain and
import-aw), rebuild() (the demo) or invalidate() (a restore).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable
from contextlib import nullcontext

from tracker.store import transaction

Q_S = 900  # a quarter-hour, in seconds
Q_US = Q_S * 1_000_000
WINDOW_Q = 30 * 96  # a rebuild recomputes 30 days at a time: memory stays bounded by a month of spans


def q_sql(expr: str) -> str:
    """SQL: the UTC quarter-hour (a floor, right for times before 1970 too) of epoch microseconds EXPR."""
    return f"CAST(fdiv({expr}, {Q_US}) AS BIGINT)"


def activity_key(con) -> str:
    """What the rollups must have been computed from: activity's row count (from DuckDB's
    metadata: no scan, flat in history). A write into activity that bypassed refresh() and
    added or removed rows (a bug, or a test laying out rows) changes it, and the next ensure()
    rebuilds; every write path of the product keeps the rollups itself (see the module doc)."""
    return repr(con.execute("SELECT count(*) FROM activity").fetchone())


# Per open connection: the (case, row count, stored row) ensure() last verified against a full
# activity_key(). A write through refresh() changes the stored row; rows added or removed by any
# write change the count; either makes the next ensure() check in full again.
_checked: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EMPTY = repr((0,))  # activity_key() of an empty activity table


def stored(con) -> tuple[str, str, int] | None:
    """(case_sql, activity_key, version) the rollups were computed with, or None when they are stale."""
    row = con.execute("SELECT case_sql, activity_key, version FROM rollup_rules LIMIT 1").fetchone()
    return None if row is None else (row[0], row[1], row[2])


def stored_case(con) -> str | None:
    """The CASE SQL the rollups were computed with, or None when they are stale."""
    row = stored(con)
    return None if row is None else row[0]


def _mark(con, case: str) -> None:
    """Record the rollups as computed with CASE from activity as it is now (a new version)."""
    # Random, not a counter: a counter would start again after invalidate() and a reader's cache
    # could take new rows for old ones.
    version = int.from_bytes(os.urandom(7), "big")
    con.execute("DELETE FROM rollup_rules")
    con.execute("INSERT INTO rollup_rules VALUES (?, ?, ?)", [case, activity_key(con), version])


def invalidate(con) -> None:
    """Mark the rollups stale: the next ensure() rebuilds them (a restore replaced activity wholesale)."""
    con.execute("DELETE FROM rollup_rules")


def ensure(con, rules) -> tuple:
    """Rebuild the rollups when they are stale, were computed with other category RULES, or do
    not match activity any more. Returns what they now stand for (a key for readers' caches)."""
    from tracker.domain.categories import sql_case

    case = sql_case(rules, "app_k", "title_k")
    count = con.execute("SELECT count(*) FROM activity").fetchone()[0]  # from metadata, no scan
    row = stored(con)
    if _checked.get(con) == (case, count, row) and row is not None:
        return row  # verified through this connection since, and no row came or went (a page asks 10 times)
    key = activity_key(con)
    if row is not None and row[:2] == (case, key):
        _checked[con] = (case, count, row)
        return row
    if key == _EMPTY and con.execute("SELECT 1 FROM activity_quarters LIMIT 1").fetchone() is None:
        return (case, key, None)  # nothing to roll up: a read of a new database writes nothing
    rebuild(con, case=case)
    return stored(con) or (case, key, None)


def rebuild(con, rules=None, *, case: str | None = None, atomic: bool = True) -> None:
    """Recompute every rollup from the spans, with category RULES (default: the CASE they were
    built with, else the default rules). ATOMIC: in a transaction of its own; else the caller's."""
    from tracker.domain.categories import DEFAULT_RULES, sql_case

    if case is None:
        case = sql_case(rules, "app_k", "title_k") if rules is not None else stored_case(con)
        case = case or sql_case(DEFAULT_RULES, "app_k", "title_k")
    with transaction(con) if atomic else nullcontext(con):
        con.execute("DELETE FROM activity_quarters")
        lo, hi = con.execute(
            f"SELECT {q_sql('min(epoch_us(start_utc))')}, {q_sql('max(epoch_us(end_utc)) - 1')} + 1 FROM activity"
        ).fetchone()
        if lo is not None:
            for a in range(lo, hi, WINDOW_Q):
                _insert(con, case, a, min(a + WINDOW_Q, hi))
        _mark(con, case)


def _insert(con, case: str, qa: int, qb: int) -> None:
    """Insert the rollups of quarters [QA, QB) from the spans (none may be there yet)."""
    lo, hi = qa * Q_US, qb * Q_US
    con.execute(
        f"""INSERT INTO activity_quarters
        WITH a0 AS (
          SELECT state, app, coalesce(app, '') AS app_k, coalesce(title, '') AS title_k,
                 greatest(epoch_us(start_utc), $lo) AS s, least(epoch_us(end_utc), $hi) AS e
          FROM activity
          WHERE end_utc > make_timestamp($lo) AND start_utc < make_timestamp($hi) AND end_utc > start_utc),
        pairs AS (SELECT app_k, title_k, {case} AS category FROM (SELECT DISTINCT app_k, title_k FROM a0)),
        p AS (SELECT a0.state, a0.app, pairs.category, a0.s, a0.e,
                     unnest(range({q_sql("a0.s")}, {q_sql("a0.e - 1")} + 1)) AS q
              FROM a0 JOIN pairs USING (app_k, title_k))
        SELECT q, state, app, category, sum(least(e, (q + 1) * {Q_US}) - greatest(s, q * {Q_US}))
        FROM p GROUP BY ALL""",
        {"lo": lo, "hi": hi},
    )


# Dirty stretches closer than this (a day) are recomputed as one: fewer, larger statements for
# an import that touches every day, at the cost of redoing the quarters between.
MERGE_GAP_Q = 96


def runs(con, intervals_sql: str, params: list | None = None) -> list[tuple[int, int]]:
    """The quarter intervals [a, b) that INTERVALS_SQL (a query of (a, b) rows) yields, merged
    where they overlap or lie within MERGE_GAP_Q of each other, in order (gaps and islands in SQL:
    a drain of 86,400 spans ships one or two rows to Python, not 86,400)."""
    return con.execute(
        f"""WITH iv(a, b) AS ({intervals_sql}),
            o AS (SELECT * , max(b) OVER (ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
                  FROM iv),
            g AS (SELECT a, b, sum(CASE WHEN prev + {MERGE_GAP_Q} >= a THEN 0 ELSE 1 END)
                               OVER (ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS grp FROM o)
            SELECT min(a), max(b) FROM g GROUP BY grp ORDER BY 1""",
        params or [],
    ).fetchall()


def refresh(con, stretches: Iterable[tuple[int, int]], before: str | None) -> None:
    """Recompute the rollups of the quarter intervals STRETCHES (runs()) from the spans, with the
    stored CASE, after a write into activity; BEFORE: activity_key() before that write. Nothing
    when the rollups are stale or did not match activity before (the next read rebuilds).
    Call inside the transaction of the write."""
    row = stored(con)
    if row is None or row[1] != before:
        return
    for a, b in stretches:
        for x in range(a, b, WINDOW_Q):
            y = min(x + WINDOW_Q, b)
            con.execute("DELETE FROM activity_quarters WHERE q >= ? AND q < ?", [x, y])
            _insert(con, row[0], x, y)
    _mark(con, row[0])


# --- reads -------------------------------------------------------------------------------------


def bucket_sums(con, name: str, buckets: list[tuple], keys: str, case: str, states: tuple[str, ...] = ()) -> None:
    """Temp table NAME(KEYS..., state, app, category, micros): the microseconds of spans (of STATES;
    all when empty) inside each bucket of BUCKETS, rows (s, e, *keys) with naive-UTC bounds that
    do not overlap. Whole quarters come from the rollups; a bucket's edges off a quarter (the
    range ending now) from the spans, clipped, with category CASE (on app_k, title_k)."""
    cols = [c.strip().split() for c in keys.split(",")] if keys.strip() else []
    names = [c for c, _ in cols]
    _temp(
        con,
        "rb_b",
        "s TIMESTAMP, e TIMESTAMP" + "".join(f", {c} {t}" for c, t in cols),
        buckets,
    )

    def only(col: str) -> str:
        return f"{col} IN ({', '.join(repr(x) for x in states)})" if states else "true"

    # Per bucket: the whole quarters [qa, qb) inside it, and the edges before qa and after qb
    # (or the whole bucket, when no quarter fits in it).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE rb AS
            SELECT row_number() OVER () AS idx, *, -CAST(fdiv(-su, {Q_US}) AS BIGINT) AS qa,
                   CAST(fdiv(eu, {Q_US}) AS BIGINT) AS qb
            FROM (SELECT *, epoch_us(s) AS su, epoch_us(e) AS eu FROM rb_b WHERE e > s)"""
    )
    k = "".join(f"k.{c}, " for c in names)
    lo, hi = con.execute("SELECT coalesce(min(qa), 0), coalesce(max(qb), 0) FROM rb WHERE qa < qb").fetchone()
    edges = con.execute(
        f"""SELECT idx, su, qa * {Q_US} FROM rb WHERE qa < qb AND su < qa * {Q_US}
            UNION ALL SELECT idx, qb * {Q_US}, eu FROM rb WHERE qa < qb AND qb * {Q_US} < eu
            UNION ALL SELECT idx, su, eu FROM rb WHERE qa >= qb"""
    ).fetchall()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
        WITH whole AS (SELECT idx, qa, qb FROM rb WHERE qa < qb),
        r AS (SELECT * FROM activity_quarters WHERE q >= {int(lo)} AND q < {int(hi)} AND {only("state")}),
        w AS (SELECT b.idx, r.state, r.app, r.category, r.micros FROM r ASOF JOIN whole b ON r.q >= b.qa
              WHERE r.q < b.qb),
        x0 AS ({_edge_spans(edges, only("a.state"))}),
        x AS (SELECT idx, state, app, {case} AS category, micros FROM x0),
        u AS (SELECT * FROM w UNION ALL SELECT * FROM x)
        SELECT {k}u.state, u.app, u.category, sum(u.micros)::BIGINT AS micros
        FROM u JOIN rb k USING (idx) GROUP BY ALL"""
    )


# Up to this many edges are read one constant range each (DuckDB skips the row groups outside
# it: a read of today costs what today holds); more (a zone off whole quarters) by one range join.
_EDGE_QUERIES = 32


def _edge_spans(edges: list[tuple[int, int, int]], cond: str) -> str:
    """SQL: (idx, state, app, app_k, title_k, micros) of the spans inside each edge (idx, s, e) of EDGES."""
    cols = """a.state, a.app, coalesce(a.app, '') AS app_k, coalesce(a.title, '') AS title_k,
              least(epoch_us(a.end_utc), {e}) - greatest(epoch_us(a.start_utc), {s}) AS micros"""
    if not edges:
        return (
            "SELECT 0::BIGINT AS idx, NULL AS state, NULL AS app, NULL AS app_k, NULL AS title_k, 0 AS micros LIMIT 0"
        )
    if len(edges) <= _EDGE_QUERIES:
        return " UNION ALL ".join(
            f"""SELECT {int(i)}::BIGINT AS idx, {cols.format(s=int(s), e=int(e))} FROM activity a
                WHERE a.end_utc > make_timestamp({int(s)}) AND a.start_utc < make_timestamp({int(e)})
                  AND a.end_utc > a.start_utc AND {cond}"""
            for i, s, e in edges
        )
    rows = ", ".join(f"({int(i)}, {int(s)}, {int(e)})" for i, s, e in edges)
    return f"""SELECT x.idx, {cols.format(s="x.s", e="x.e")}
               FROM (VALUES {rows}) x(idx, s, e) JOIN activity a
                 ON a.end_utc > make_timestamp(x.s) AND a.start_utc < make_timestamp(x.e)
               WHERE a.end_utc > a.start_utc AND {cond}"""


def _temp(con, name: str, columns: str, rows: list[tuple]) -> None:
    """Temp table NAME(COLUMNS) from Python rows, one list parameter per column unnested together."""
    cols = [c.strip().split() for c in columns.split(",")]
    if not rows:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        return
    select = ", ".join(f"unnest(${i + 1}::{typ}[]) AS {col}" for i, (col, typ) in enumerate(cols))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}", [list(c) for c in zip(*rows)])
