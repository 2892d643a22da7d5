"""All activity SQL: upserts from the daemon's queue, the `today` summary and the export rows."""

from __future__ import annotations

import os
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from tracker.config import Config
from tracker.domain.spans import app_label, screen_sql
from tracker.domain.times import as_storage
from tracker.paths import ensure_private_dir
from tracker.store import rollups, sync_marks, transaction

_COLS = "(span_id, start_utc, end_utc, app, title, state, exe, source)"
_CHUNK = 500
_BULK = 50_000
# From this many spans a drain moves them through a private TSV file read by read_csv: 0.2 s for
# a day of per-second spans where Python lists bound as parameters take 0.5 s (bench/bench_drain.py);
# below it the lists are cheaper (no file, no CSV scan).
TSV_FROM = 2000
TSV_PREFIX = ".drain-"


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def _micros(epoch: float) -> int:
    """UTC epoch seconds as whole microseconds (TIMESTAMP's resolution)."""
    return round(epoch * 1_000_000)


def upsert_spans(con, rows, *, source: str = "daemon", atomic: bool = True, tmp_dir: Path | None = None) -> None:
    """Rows (id, start_epoch, end_epoch, app, title, state, exe): insert or replace by id, as SOURCE
    ('daemon', or 'aw' from an ActivityWatch import), and the rollups of the quarters they touch
    (before and after) recomputed. ATOMIC: in a transaction of its own; else the caller holds one
    (an import writes spans and phone days all or nothing). TMP_DIR (private, the state dir): where
    a large batch may stage a temp file for the bulk path.

    Spans of zero length (idle backdating truncated them away) are deleted instead.
    """
    if not rows:
        return
    with transaction(con) if atomic else nullcontext(con):
        _upsert(con, rows, source, tmp_dir)


_STAGE = "span_id VARCHAR, s BIGINT, e BIGINT, app VARCHAR, title VARCHAR, state VARCHAR, exe VARCHAR"


def _upsert(con, rows, source: str, tmp_dir: Path | None) -> None:
    if tmp_dir is not None and len(rows) >= TSV_FROM:
        _stage_tsv(con, rows, tmp_dir)
    else:
        _stage_lists(con, rows)
    before = rollups.activity_key(con)
    # The quarters the spans covered before (as stored) and cover now: their rollups are redone.
    if len(rows) <= _CHUNK:
        # A drain's usual handful: the stored versions found through the primary key's index
        # (a join with up_rows would read every span id of the history).
        ids = [r[0] for r in rows]
        old = f"""SELECT epoch_us(start_utc) AS s, epoch_us(end_utc) AS e FROM activity
                  WHERE span_id IN ({", ".join(["?"] * len(ids))})"""
    else:
        ids = []
        old = (
            "SELECT epoch_us(a.start_utc) AS s, epoch_us(a.end_utc) AS e FROM activity a JOIN up_rows u USING (span_id)"
        )
    runs = rollups.runs(
        con,
        f"""SELECT {rollups.q_sql("s")}, {rollups.q_sql("e - 1")} + 1 FROM ({old}) WHERE e > s
            UNION ALL
            SELECT {rollups.q_sql("s")}, {rollups.q_sql("e - 1")} + 1 FROM up_rows WHERE e > s""",
        ids,
    )
    con.execute(
        f"""INSERT INTO activity {_COLS}
            SELECT span_id, make_timestamp(s), make_timestamp(e), app, title, state, exe, ? FROM up_rows WHERE e > s
            ON CONFLICT (span_id) DO UPDATE SET start_utc = excluded.start_utc, end_utc = excluded.end_utc,
               app = excluded.app, title = excluded.title, state = excluded.state, exe = excluded.exe""",
        [source],
    )
    gone = [r[0] for r in rows if r[2] <= r[1]]
    for i in range(0, len(gone), _CHUNK):
        chunk = gone[i : i + _CHUNK]
        con.execute(f"DELETE FROM activity WHERE span_id IN ({', '.join(['?'] * len(chunk))})", chunk)
    rollups.refresh(con, runs, before)
    sync_marks.note_spans(con, runs, before)  # the days the next sync rewrites (issue 16)
    con.execute("DROP TABLE up_rows")


def _stage_lists(con, rows) -> None:
    """Temp table up_rows from ROWS: columns as lists, unnested by DuckDB (~10x faster than rows
    of parameters; bench/bench_aw_import.py imports a year of ActivityWatch this way)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE up_rows ({_STAGE})")
    for i in range(0, len(rows), _BULK):
        cols = list(zip(*rows[i : i + _BULK], strict=True))
        con.execute(
            """INSERT INTO up_rows SELECT unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]),
                      unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])""",
            [
                list(cols[0]),
                [_micros(t) for t in cols[1]],
                [_micros(t) for t in cols[2]],
                list(cols[3]),
                list(cols[4]),
                list(cols[5]),
                list(cols[6]),
            ],
        )


def _field(text: str | None) -> str:
    """TEXT as a TSV field that no title can break: 'p' + TEXT when it is printable (no tab,
    newline, NUL or other control or separator character), else 'x' + its UTF-8 bytes in hex;
    '' for None. read_csv runs without quoting or escapes, so nothing else is interpreted. A lone
    surrogate (not encodable) becomes '?', as nothing could store it."""
    if text is None:
        return ""
    return "p" + text if text.isprintable() else "x" + text.encode("utf-8", "replace").hex()


def _text_sql(col: str) -> str:
    return f"CASE WHEN {col}[1] = 'x' THEN decode(from_hex({col}[2:])) ELSE {col}[2:] END"


def _stage_tsv(con, rows, tmp_dir: Path) -> None:
    """Temp table up_rows from ROWS through a private (0600, O_EXCL) TSV file in TMP_DIR, read by
    read_csv with explicit column types (no sniffing), then removed."""
    cols = list(zip(*rows, strict=True))
    # _field inlined (a call per field is a third of the cost at 86,400 spans).
    fields = [
        [str(round(t * 1_000_000)) for t in cols[k]]
        if k in (1, 2)
        else ["" if t is None else "p" + t if t.isprintable() else _field(t) for t in cols[k]]
        for k in range(7)
    ]
    path = _tsv_path(tmp_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(map("\t".join, zip(*fields))))
            fh.write("\n")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE up_rows AS
                SELECT {_text_sql("i")} AS span_id, s, e, {_text_sql("a")} AS app, {_text_sql("t")} AS title,
                       {_text_sql("st")} AS state, {_text_sql("x")} AS exe
                FROM read_csv(?, header = false, delim = '\t', quote = '', escape = '', nullstr = '',
                              auto_detect = false, columns = {{'i': 'VARCHAR', 's': 'BIGINT', 'e': 'BIGINT',
                              'a': 'VARCHAR', 't': 'VARCHAR', 'st': 'VARCHAR', 'x': 'VARCHAR'}})""",
            [str(path)],
        )
    finally:
        path.unlink(missing_ok=True)


def _tsv_path(tmp_dir: Path) -> Path:
    """This process's staging file in TMP_DIR; files left by drains that died (SIGKILL between
    write and unlink) are removed first: they hold titles."""
    ensure_private_dir(tmp_dir)
    for old in tmp_dir.glob(f"{TSV_PREFIX}*.tsv"):
        pid = old.name[len(TSV_PREFIX) : -len(".tsv")]
        if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
            old.unlink(missing_ok=True)
    return tmp_dir / f"{TSV_PREFIX}{os.getpid()}.tsv"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def summary(con, since_utc: datetime, until_utc: datetime, config: Config) -> dict:
    """Seconds by state, screen seconds (active and watching) by app and by category, within
    [since, until): from the quarter-hour rollups (tracker/store/rollups.py), edges off a quarter
    from the spans."""
    from tracker.domain.categories import rules_for, sql_case

    since, until = as_storage(since_utc), as_storage(until_utc)
    rules = rules_for(config)
    rollups.ensure(con, rules)
    rollups.bucket_sums(con, "summary_sums", [(since, until)], "", sql_case(rules, "app_k", "title_k"))
    states = {
        state: micros / 1e6
        for state, micros in con.execute("SELECT state, sum(micros) FROM summary_sums GROUP BY state").fetchall()
    }
    apps = con.execute(
        f"""SELECT app, category, sum(micros) / 1e6 AS s FROM summary_sums WHERE {screen_sql()}
            GROUP BY app, category ORDER BY s DESC, app"""
    ).fetchall()
    con.execute("DROP TABLE summary_sums")
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
