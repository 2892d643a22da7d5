"""The store: the only package that imports duckdb.

Connections are short-lived: open, do one operation, close, so that another process (the CLI, the
drain child, the dashboard) can open the file between any two operations. DuckDB allows one
read-write process per file and has no built-in wait, so `connect()` retries the lock error with
jittered exponential backoff for a bounded time, then raises DatabaseBusy naming the holder's PID.

All timestamps are stored as naive UTC TIMESTAMPs (columns named *_utc or happened_at/logged_at);
local time is for display and day boundaries only.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# The C extension alone: the same connect/execute/exception classes (the `duckdb` package
# re-exports them) at ~25 ms of import instead of ~150 ms for the package wrapper, which is
# half of `offscreen log`'s 300 ms latency budget (numbers in bench/README.md, "offscreen log").
import _duckdb as duckdb

from tracker.domain.times import to_storage, utc_now
from tracker.errors import DatabaseBusy, RuntimeFailure, UserError
from tracker.paths import check_private, ensure_private_dir
from tracker.store.schema import MIGRATIONS

DEFAULT_WAIT = float(os.environ.get("OFFSCREEN_DB_WAIT", "10"))
_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def duckdb_version() -> str:
    return duckdb.__version__


def _is_lock_error(e: Exception) -> bool:
    msg = str(e)
    return "Could not set lock" in msg or "Conflicting lock" in msg


_OPEN_REMEDY = (
    "check the path (--db, OFFSCREEN_DB, OFFSCREEN_HOME), or move that file away to start a new database "
    "and bring your latest backup back into it: offscreen restore BACKUP-FILE"
)


def _reason(e: Exception) -> str:
    """DuckDB's message without its class prefix, cut to its first line and clause."""
    text = re.sub(r'(?i)(the )?file "[^"]*"', "the file", str(e).split("\n")[0])
    for prefix in ("IO Error: ", "FATAL Error: ", "INTERNAL Error: "):
        text = text.removeprefix(prefix)
    return text.rstrip("!. ")


def storage_failure(path: Path, e: Exception) -> RuntimeFailure | None:
    """What a DuckDB error on the file itself means for a person, or None when it is not about the
    file (a bug in a query stays a bug). Disk full and a read-only directory name the path and the
    fix; a file DuckDB cannot read back (cut short, overwritten, failing checksums) is damaged, and
    the way out is a backup (`offscreen backup` writes them, `offscreen restore` reads them)."""
    if not isinstance(e, duckdb.Error) or _is_lock_error(e):
        return None
    msg = str(e)
    low = msg.lower()
    if "no space left" in low or "disk is full" in low:
        return RuntimeFailure(f"cannot write the database {path}: the disk is full; free some space and try again")
    if "read-only file system" in low or "permission denied" in low:
        why = "the file system is read-only" if "read-only" in low else "permission denied"
        return RuntimeFailure(f"cannot write the database {path}: {why}; make {path.parent} writable, or use --db")
    # A file that is not a DuckDB database at all may as well be a wrong path: _OPEN_REMEDY.
    damaged = (
        "corrupt" in low
        or "checksum" in low
        or "could not read enough bytes" in low
        or "invalidated" in low
        or isinstance(e, duckdb.SerializationException)
    )
    if not damaged:
        return None
    return RuntimeFailure(
        f"the database {path} is damaged ({_reason(e)}); move it away (mv {path} {path}.damaged) and restore "
        "your latest backup into a new one: offscreen restore BACKUP-FILE (written by offscreen backup)"
    )


# A DuckDB file is three 4 KiB headers, then its blocks (DuckDB's storage format): one shorter than
# the headers plus the blocks its header says are in use was cut short (free blocks may lie past
# the end, used ones cannot). DuckDB finds a missing block only when a query reads it, so a truncated file
# could answer `today` from the blocks that survived and show a number that is not true.
_HEADERS = 3 * 4096


def _check_length(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise the "damaged" failure for a file shorter than the blocks its header says are in use."""
    row = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
    if row is None:
        return
    block_size, blocks = row
    size = path.stat().st_size
    if size and size < _HEADERS + blocks * block_size:
        con.close()
        raise duckdb.IOException(
            f"Corrupt database file: {size} bytes where its {blocks} used blocks need {_HEADERS + blocks * block_size}"
        )


# After this long waiting for the lock, ON_WAIT is told (once): a silent ten-second wait looks hung.
WAIT_NOTICE_S = 1.0


def _open(path: Path, wait: float, on_wait: Callable[[str | None], None] | None = None) -> duckdb.DuckDBPyConnection:
    start = time.monotonic()
    deadline = start + wait
    delay = 0.005
    told = on_wait is None
    while True:
        try:
            con = duckdb.connect(str(path))
        except duckdb.IOException as e:
            if not _is_lock_error(e):
                raise storage_failure(path, e) or RuntimeFailure(
                    f"cannot open database {path}: {_reason(e)}; {_OPEN_REMEDY}"
                ) from None
            now = time.monotonic()
            m = _LOCK_PID.search(str(e))
            if not told and now - start >= WAIT_NOTICE_S and now < deadline:
                told = True
                assert on_wait is not None
                on_wait(m.group(1) if m else None)
            if now >= deadline:
                holder = f" (held by PID {m.group(1)})" if m else ""
                raise DatabaseBusy(
                    f"database busy{holder}: {path} stayed locked for {wait:.0f} s; "
                    "try again, or stop the process holding it"
                ) from None
            import random  # here: only a wait needs it

            # Full jitter: two waiting writers do not retry in lock-step.
            time.sleep(min(random.uniform(0, delay), deadline - now))
            delay = min(delay * 2, 0.25)
        except duckdb.Error as e:
            raise storage_failure(path, e) or RuntimeFailure(
                f"cannot open database {path}: {_reason(e)}; {_OPEN_REMEDY}"
            ) from None
        else:
            # DuckDB opens an existing file that is not a database but whose name it reads as data
            # (x.json, x.csv) as an empty in-memory database: everything written would vanish.
            row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
            if row is None or row[0] is None:
                con.close()
                raise UserError(f"{path} is not an offscreen database (a data file?); give a .duckdb file with --db")
            return con


_COMPLETION_SQL = {
    "people": """SELECT name FROM people WHERE merged_into IS NULL
                 UNION SELECT a.alias FROM aliases a JOIN people p ON p.id = a.person_id
                 WHERE p.merged_into IS NULL""",
    "routines": "SELECT name FROM routines WHERE removed_at IS NULL",
}


def completion_names(path: Path, what: str) -> list[str]:
    """People's names and aliases, or routine names, for shell completion: read-only, no wait, no
    migration, nothing created; [] on any trouble (a missing or busy file, an old schema), because
    a completion that fails must fail quietly."""
    if not Path(path).is_file():
        return []
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception:
        return []
    try:
        return sorted(r[0] for r in con.execute(_COMPLETION_SQL[what]).fetchall())
    except Exception:
        return []
    finally:
        con.close()


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the named migrations not yet recorded in the database, in order. Returns their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if callable(step):  # what SQL cannot compute (see tracker/store/schema.py)
                step(con)
            else:
                for stmt in [s for s in step.split(";\n") if s.strip()]:
                    con.execute(stmt)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [name, to_storage(utc_now())])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


@contextmanager
def connect(
    path: Path, *, wait: float | None = None, on_wait: Callable[[str | None], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open PATH (creating it 0600 in a 0700 dir), migrate, yield, and always close. ON_WAIT(pid)
    is called once if another process has held the file for WAIT_NOTICE_S (pid None: unknown)."""
    path = Path(path).absolute()
    check_private(path, files=False)  # before anything is made in a directory others own or can write
    ensure_private_dir(path.parent)
    # DuckDB creates the file at open, but its WAL (`.wal`, holding the newest rows, titles
    # included) and any spill directory only at the first write: keep the umask private for the
    # whole life of the connection, not just the open.
    old_umask = os.umask(0o077)
    try:
        con = _open(path, DEFAULT_WAIT if wait is None else wait, on_wait)
        try:
            _check_length(con, path)
            # The file's owner and mode once it is known to be a database: a data file given by
            # mistake is named as that, not as a file to chmod.
            check_private(path, path.with_name(path.name + ".wal"))
            migrate(con)
            yield con
        finally:
            con.close()  # a checkpoint: a full disk can fail here too
    except duckdb.Error as e:
        # Once, here: a damaged file or a full disk shows only when a query reaches the bad
        # block or the first write, anywhere in the code that uses the connection.
        failure = storage_failure(path, e)
        if failure is None:
            raise
        raise failure from None
    finally:
        os.umask(old_umask)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def has_real_data(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database holds anything not made by `offscreen demo`."""
    row = con.execute(
        """SELECT
             (SELECT count(*) FROM interactions WHERE source <> 'demo')
           + (SELECT count(*) FROM activity WHERE source <> 'demo')
           + (SELECT count(*) FROM invitations WHERE source <> 'demo')"""
    ).fetchone()
    assert row is not None  # an aggregate without GROUP BY always yields one row
    return bool(row[0])
