"""All activity SQL: upserts from the daemon's queue, the `today` summary and the export rows."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.config import Config
from tracker.domain.spans import app_label, screen_sql
from tracker.domain.times import as_storage

_COLS = "(span_id, start_utc, end_utc, app, title, state, exe, source)"
_CHUNK = 500
_BULK = 50_000


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def _micros(epoch: float) -> int:
    """UTC epoch seconds as whole microseconds (TIMESTAMP's resolution)."""
    return round(epoch * 1_000_000)


def upsert_spans(con, rows, *, source: str = "daemon", atomic: bool = True) -> None:
    """Rows (id, start_epoch, end_epoch, app, title, state, exe): insert or replace by id, as SOURCE
    ('daemon', or 'aw' from an ActivityWatch import). ATOMIC: in a transaction of its own; else the
    caller holds one (an import writes spans and phone days all or nothing).

    Spans of zero length (idle backdating truncated them away) are deleted instead.
    """
    if atomic:
        con.execute("BEGIN TRANSACTION")
    try:
        _upsert(con, rows, source)
        if atomic:
            con.execute("COMMIT")
    except BaseException:
        if atomic:
            con.execute("ROLLBACK")
        raise


def _upsert(con, rows, source: str) -> None:
    keep = [r for r in rows if r[2] > r[1]]
    gone = [r[0] for r in rows if r[2] <= r[1]]
    # Columns as lists, unnested by DuckDB: one statement per _BULK rows, ~10x faster than rows of
    # parameters (bench/bench_aw_import.py imports a year of ActivityWatch this way).
    for i in range(0, len(keep), _BULK):
        chunk = keep[i : i + _BULK]
        cols = list(zip(*chunk, strict=True))
        con.execute(
            f"""INSERT INTO activity {_COLS}
                SELECT unnest(?::VARCHAR[]), make_timestamp(unnest(?::BIGINT[])), make_timestamp(unnest(?::BIGINT[])),
                       unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?
                ON CONFLICT (span_id) DO UPDATE SET start_utc = excluded.start_utc, end_utc = excluded.end_utc,
                   app = excluded.app, title = excluded.title, state = excluded.state, exe = excluded.exe""",
            [
                list(cols[0]),
                [_micros(t) for t in cols[1]],
                [_micros(t) for t in cols[2]],
                list(cols[3]),
                list(cols[4]),
                list(cols[5]),
                list(cols[6]),
                source,
            ],
        )
    for i in range(0, len(gone), _CHUNK):
        chunk = gone[i : i + _CHUNK]
        con.execute(f"DELETE FROM activity WHERE span_id IN ({', '.join(['?'] * len(chunk))})", chunk)


def spans_overlapping(con, lo: float, hi: float) -> list[tuple[str, int, int, str | None, str | None, str]]:
    """(span_id, start, end, app, title, state) of every span overlapping [LO, HI) (UTC epoch
    seconds), by start; start and end in UTC epoch microseconds."""
    return con.execute(
        """SELECT span_id, epoch_us(start_utc), epoch_us(end_utc), app, title, state FROM activity
           WHERE end_utc > ? AND start_utc < ? ORDER BY start_utc""",
        [_utc(lo), _utc(hi)],
    ).fetchall()


def _category_sql(config: Config) -> str:
    from tracker.domain.categories import rules_for, sql_case

    return sql_case(rules_for(config))


def _clipped(since: datetime, until: datetime) -> tuple[str, list]:
    """SQL for the seconds of each span inside [since, until), and its parameters."""
    expr = "greatest(0, epoch(least(end_utc, ?::TIMESTAMP)) - epoch(greatest(start_utc, ?::TIMESTAMP)))"
    return expr, [until, since]


def summary(con, since_utc: datetime, until_utc: datetime, config: Config) -> dict:
    """Seconds by state, screen seconds (active and watching) by app and by category, within [since, until)."""
    since, until = as_storage(since_utc), as_storage(until_utc)
    secs, p = _clipped(since, until)
    where = "WHERE end_utc > ? AND start_utc < ?"
    states = dict(
        con.execute(f"SELECT state, sum({secs}) FROM activity {where} GROUP BY state", p + [since, until]).fetchall()
    )
    cat = _category_sql(config)
    apps = con.execute(
        f"""SELECT app, {cat} AS category, sum({secs}) AS s FROM activity {where} AND {screen_sql()}
            GROUP BY app, category ORDER BY s DESC, app""",
        p + [since, until],
    ).fetchall()
    by_app: dict[str, dict] = {}
    by_cat: dict[str, float] = {}
    for app, category, s in apps:
        name = app_label(app)
        entry = by_app.setdefault(name, {"app": name, "seconds": 0.0, "category": category})
        entry["seconds"] += s
        by_cat[category] = by_cat.get(category, 0.0) + s
    return {
        # Screen time is active use and watching (a video playing in front, no input), shown apart.
        "screen_seconds": float(states.get("active", 0.0) + states.get("watching", 0.0)),
        "active_seconds": float(states.get("active", 0.0)),
        "watching_seconds": float(states.get("watching", 0.0)),
        "idle_seconds": float(states.get("idle", 0.0)),
        "locked_seconds": float(states.get("locked", 0.0)),
        "asleep_seconds": float(states.get("asleep", 0.0)),
        "by_app": sorted(by_app.values(), key=lambda e: (-e["seconds"], e["app"])),
        "by_category": [
            {"category": c, "seconds": s} for c, s in sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def face_to_face_minutes(con, since_utc: datetime, until_utc: datetime) -> float:
    """In-person minutes in [since, until): the interaction log's own definition (one place)."""
    from tracker.store.interactions import face_to_face_minutes as shared

    return shared(con, since_utc, until_utc)


def export_rows(con, since_utc: datetime | None, until_utc: datetime | None, config: Config) -> list[dict]:
    """Spans overlapping [since, until) (not clipped), oldest first, as JSON-ready dicts.

    start/end are ISO 8601 in local time with the offset; title is None when not recorded;
    category is None for locked/asleep spans (no app in front).
    """
    conds, params = [], []
    if since_utc is not None:
        conds.append("end_utc > ?")
        params.append(as_storage(since_utc))
    if until_utc is not None:
        conds.append("start_utc < ?")
        params.append(as_storage(until_utc))
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    rows = con.execute(
        f"""SELECT start_utc, end_utc, app, title, state,
                   CASE WHEN state IN ('locked', 'asleep') THEN NULL ELSE {_category_sql(config)} END
            FROM activity {where} ORDER BY start_utc, end_utc, span_id""",
        params,
    ).fetchall()
    out = []
    for start, end, app, title, state, category in rows:
        s = start.replace(tzinfo=UTC).astimezone()
        e = end.replace(tzinfo=UTC).astimezone()
        out.append(
            {
                "start": s.isoformat(timespec="seconds"),
                "end": e.isoformat(timespec="seconds"),
                "app": app,
                "title": title,
                "state": state,
                "category": category,
                "seconds": round((end - start).total_seconds(), 3),
            }
        )
    return out
