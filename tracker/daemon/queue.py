"""The durable queue between the daemon and DuckDB: SQLite in WAL mode.

The daemon never opens DuckDB: loading it would break the daemon's memory goal (bench/README.md,
"Daemon CPU and memory"), and a process holding a DuckDB file open locks every other process
out of it, the CLI included. It upserts spans here -- closed ones at once, the open one when it
opens or changes and about every 60 s while it counts (what a power loss may cost). The open span's
end between those writes is a heartbeat: a small fixed-size record (span id, end, checksum) the
daemon rewrites in place with one pwrite every 2 s while the span is screen time, in
$XDG_RUNTIME_DIR/offscreen/ (tmpfs: no disk pages dirtied; beside the queue when that is unset),
its path recorded in the queue's `meta` table so a reader in another environment finds it. Every
reader here (pending, snapshot, spans, adopt_orphans) merges the heartbeat's end into the open span
it names, so the drain, `offscreen status` and the next daemon's recovery see it: a SIGKILL still
loses at most ~2 s of screen time (issue 14). A torn or foreign heartbeat fails its checksum and
is ignored. A drain (tracker/app.py drain_queue, run by a short-lived
`offscreen drain` child and by every CLI command before it reads) copies every queued span into
DuckDB, upserting by span id, then deletes the closed ones it copied unless the daemon changed
them meanwhile (a revision counter). A crash anywhere in between duplicates nothing: the next
drain upserts the same ids again. A busy database leaves the queue as it is (DatabaseBusy
propagates) for a later drain.

A queue SQLite cannot read (overwritten, cut short) or one of 0 bytes (offscreen never makes an
empty one: a new queue is built aside and linked into place whole) is moved aside, renamed
`queue.sqlite3.damaged-<time>` with its WAL, kept private for inspection, said once in the log,
listed by `offscreen status` while it is there, and a new queue is started: the daemon and every
command go on instead of failing on it forever (issue 17).
"""

from __future__ import annotations

import math
import os
import sqlite3
import stat
import struct
import sys
import time
from binascii import crc32
from collections.abc import Callable, Mapping
from pathlib import Path

from tracker.errors import RuntimeFailure
from tracker.paths import check_private, ensure_private_dir, exclusive_temp

# log(level, message), as tracker.daemon.loop.Log; the default writes one line to stderr.
LogFn = Callable[[str, str], None]
DAMAGED_INFIX = ".damaged-"
# SQLite's primary result codes for a file that is not, or no longer, a database.
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 11, 13, 26
_SIDE_FILES = ("-wal", "-shm")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    id TEXT PRIMARY KEY,
    start REAL NOT NULL,        -- UTC epoch seconds
    "end" REAL NOT NULL,
    app TEXT,
    title TEXT,
    state TEXT NOT NULL,
    exe TEXT,
    closed INTEGER NOT NULL DEFAULT 0,
    rev INTEGER NOT NULL DEFAULT 0
)
"""
_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
# The heartbeat record: magic+version, the open span's id (ASCII, NUL-padded), its end (UTC epoch
# s), then a CRC-32 of the bytes before it. 48 bytes, rewritten in place, never grown.
_BEAT = struct.Struct("<4s32sdI")
_MAGIC = b"OSH1"
# A span's end as the readers see it: the heartbeat's, for the open span it names, when later.
_END = 'CASE WHEN closed = 0 AND id = :hid AND :hend > "end" THEN :hend ELSE "end" END'
_UPSERT = """
INSERT INTO spans (id, start, "end", app, title, state, exe, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET start = excluded.start, "end" = excluded."end", app = excluded.app,
    title = excluded.title, state = excluded.state, exe = excluded.exe,
    closed = max(closed, excluded.closed), rev = rev + 1
"""


def _stderr_log(level: str, message: str) -> None:
    try:
        sys.stderr.write(f"{level.capitalize()}: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _damaged(e: Exception) -> bool:
    code = getattr(e, "sqlite_errorcode", 0) & 0xFF
    return isinstance(e, sqlite3.DatabaseError) and code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _failure(path: Path, e: Exception) -> RuntimeFailure:
    """A queue that cannot be opened or written (read-only, full disk, locked) as one line."""
    if getattr(e, "sqlite_errorcode", 0) & 0xFF == _SQLITE_FULL or getattr(e, "errno", None) == 28:
        return RuntimeFailure(f"cannot write the queue {path}: the disk is full; free some space and try again")
    try:
        read_only = bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    if read_only:  # SQLite says "unable to open database file" or "attempt to write a readonly database"
        return RuntimeFailure(
            f"cannot write the queue {path}: the file system is read-only; make {path.parent} writable"
        )
    why = getattr(e, "strerror", None) or str(e)
    low = why.lower()
    if "locked" in low:
        fix = "another offscreen process holds it; try again"
    elif any(w in low for w in ("readonly", "read-only", "permission", "unable to open")):
        fix = f"make {path.parent} writable"
    else:
        fix = f"move {path} away to start a new queue"
    return RuntimeFailure(f"cannot write the queue {path}: {why}; {fix}")


def _inode(path: Path) -> int | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino


def damaged_copies(queue_file: Path) -> list[Path]:
    """Queues moved aside as damaged and still there (their WAL files not listed), oldest first."""
    q = Path(queue_file)
    try:
        found = [p for p in q.parent.glob(q.name + DAMAGED_INFIX + "*") if not p.name.endswith(_SIDE_FILES)]
    except OSError:
        return []
    return sorted(found)


def _move_aside(path: Path, inode: int | None, why: str, log: LogFn, empty: bool = False) -> None:
    """Rename the queue at PATH (only if it is still INODE: another process may have replaced it
    already) and its WAL to queue.sqlite3.damaged-<time>, private, and say so once."""
    if _inode(path) != inode:
        return
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside, n = path.with_name(f"{path.name}{DAMAGED_INFIX}{stamp}"), 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}{DAMAGED_INFIX}{stamp}-{n}")
    try:
        # The WAL first: a queue renamed without it would lose what the WAL holds.
        for side in _SIDE_FILES:
            if os.path.exists(f"{path}{side}"):
                os.replace(f"{path}{side}", f"{aside}{side}")
        os.replace(path, aside)
        os.chmod(aside, 0o600)
    except OSError as e:
        raise _failure(path, e) from None
    kept = "" if empty else " (kept for inspection: spans queued in it and not stored yet are there)"
    log("warning", f"the queue {path} {why}; moved it to {aside}{kept} and started a new queue")


def _create(path: Path) -> None:
    """A new, empty queue at PATH, built aside and linked into place whole: an empty (0-byte)
    queue file is then always one that was cut short, never one of ours."""
    fd, tmp = exclusive_temp(path)  # 0600, O_EXCL
    os.close(fd)
    try:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")  # kept in the file's header
            con.execute(_SCHEMA)
            con.execute(_META)
        finally:
            con.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made one meanwhile: that one is used
    finally:
        os.unlink(tmp)


def _open(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a killed process; only an OS crash may lose the
        # last commits. That matches "after SIGKILL at most the last 2 s are missing".
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(_SCHEMA)
        con.execute(_META)
        con.execute("SELECT count(*) FROM spans").fetchone()  # reads every page of the table's tree
    except BaseException:
        con.close()
        raise
    return con


def _connect(path: Path, log: LogFn | None = None) -> sqlite3.Connection:
    """Open the queue at PATH, creating it, or replacing a damaged or empty one (moved aside)."""
    log = log or _stderr_log
    path = Path(path).absolute()
    check_private(path, *(Path(f"{path}{side}") for side in _SIDE_FILES))
    for attempt in range(4):
        try:
            ensure_private_dir(path.parent)
            inode = _inode(path)
            if inode is not None and os.stat(path).st_size == 0:
                _move_aside(path, inode, "was empty (0 bytes, cut short): what it held is lost", log, empty=True)
                continue
            if inode is None:
                _create(path)
                continue
            return _open(path)
        except sqlite3.Error as e:
            if not _damaged(e) or attempt == 3:
                raise _failure(path, e) from None
            _move_aside(path, inode, f"cannot be read ({e})", log)
        except OSError as e:
            raise _failure(path, e) from None
    raise RuntimeFailure(f"cannot open the queue {path}: it kept changing while being opened; try again")


def heartbeat_path(queue_file: Path, env: Mapping[str, str] | None = None) -> Path:
    """Where the daemon of QUEUE_FILE keeps its heartbeat: $XDG_RUNTIME_DIR/offscreen/ (tmpfs),
    one file per queue (a CRC of its path: several OFFSCREEN_HOMEs share the runtime dir), or
    beside the queue when $XDG_RUNTIME_DIR is unset, relative, or not a directory of this user's
    (the XDG spec wants it owned by the user; a daemon run for another user's session, as root in
    tests, must not write into that user's runtime dir)."""
    env = os.environ if env is None else env
    queue_file = Path(queue_file).absolute()
    run = env.get("XDG_RUNTIME_DIR", "")
    if run and os.path.isabs(run) and _own_dir(run):
        return Path(run) / "offscreen" / f"heartbeat-{crc32(os.fsencode(queue_file)):08x}"
    return beside_queue(queue_file)


def beside_queue(queue_file: Path) -> Path:
    """The heartbeat's place when the runtime dir cannot hold it: next to the queue."""
    queue_file = Path(queue_file).absolute()
    return queue_file.with_name(queue_file.name + ".heartbeat")


def _own_dir(path: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()


def encode_beat(span_id: str, end: float) -> bytes:
    """The heartbeat record for the open span SPAN_ID ending at END."""
    head = _BEAT.pack(_MAGIC, span_id.encode("ascii"), end, 0)[:-4]
    return head + struct.pack("<I", crc32(head))


def decode_beat(data: bytes) -> tuple[str, float] | None:
    """(span id, end) from a heartbeat record; None for a torn, foreign or empty one."""
    if len(data) != _BEAT.size:
        return None
    magic, raw_id, end, crc = _BEAT.unpack(data)
    if magic != _MAGIC or crc != crc32(data[:-4]) or not math.isfinite(end):
        return None
    try:
        return raw_id.rstrip(b"\0").decode("ascii"), end
    except UnicodeDecodeError:
        return None


def read_beat(path: str | os.PathLike | None) -> tuple[str, float, float] | None:
    """(span id, end, written at) of the heartbeat at PATH; None when missing, not ours, or torn."""
    if not path:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        # Only a regular file of our own: a heartbeat planted by someone else must not stretch a span.
        if not (st.st_mode & 0o170000 == 0o100000 and st.st_uid == os.geteuid()):
            return None
        beat = decode_beat(os.pread(fd, _BEAT.size, 0))
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if beat is None else (beat[0], beat[1], st.st_mtime)


def _meta_beat(con: sqlite3.Connection) -> str | None:
    """The heartbeat path recorded in the queue (None in a queue from before heartbeats)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'heartbeat'").fetchone()
    except sqlite3.OperationalError:  # no meta table: an older queue opened read-only
        return None
    return row[0] if row else None


def _beat_params(con: sqlite3.Connection, path: str | None = None) -> dict:
    """The named parameters of _END: the heartbeat's span id and end (none: matches nothing)."""
    beat = read_beat(path if path is not None else _meta_beat(con))
    return {"hid": beat[0], "hend": beat[1]} if beat else {"hid": None, "hend": None}


class Queue:
    """The daemon's side: cheap upserts (~15 us each) and the heartbeat (a pwrite, ~2 us). LOG(level,
    message) hears of a queue moved aside (tracker.daemon.loop.Log; stderr without one). HEARTBEAT:
    the heartbeat file this daemon writes (heartbeat_path); None keeps the open span's end in SQLite
    only (tests, tools). A heartbeat file or directory others could read or write is refused
    (UserError), like the queue."""

    def __init__(self, path: Path, log: LogFn | None = None, heartbeat: Path | None = None):
        self.path = Path(path)
        self.log = log
        self.heartbeat = None if heartbeat is None else Path(heartbeat).absolute()
        self.beat_fd: int | None = None
        if self.heartbeat is not None:
            check_private(self.heartbeat)
        self.con = _connect(self.path, log)
        self.inode = _inode(self.path)
        # The heartbeat an earlier daemon left (adopt_orphans merges it), before this one's replaces it.
        self.inherited = _meta_beat(self.con)
        if self.heartbeat is not None:
            try:
                ensure_private_dir(self.heartbeat.parent)
            except OSError as e:  # a read-only runtime dir (a unit without RuntimeDirectory=): beside the queue
                beside = beside_queue(self.path)
                (log or _stderr_log)(
                    "warning",
                    f"cannot use {self.heartbeat.parent} for the heartbeat ({e.strerror or e}); using {beside}",
                )
                self.heartbeat = beside
            check_private(self.heartbeat)  # the directory as made, too
            self._record_heartbeat(self.con)

    def _record_heartbeat(self, con: sqlite3.Connection) -> None:
        if self.heartbeat is None:
            return
        with con:
            con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('heartbeat', ?)", (str(self.heartbeat),))

    def _current(self) -> sqlite3.Connection:
        """The connection, reopened when the queue was moved aside (by a drain) or removed."""
        if _inode(self.path) != self.inode:
            self.reopen()
        return self.con

    def reopen(self) -> None:
        self.con.close()
        self.con = _connect(self.path, self.log)
        self.inode = _inode(self.path)
        self._record_heartbeat(self.con)

    def _retry(self, what: Callable[[sqlite3.Connection], object]):
        """WHAT(connection), once more on a new queue when this one turns out damaged."""
        try:
            return what(self._current())
        except sqlite3.Error as e:
            if not _damaged(e):
                raise
            _move_aside(self.path, self.inode, f"cannot be read ({e})", self.log or _stderr_log)
            self.reopen()
            return what(self.con)

    def adopt_orphans(self) -> int:
        """Mark open spans left by a killed daemon as closed, ending at its last heartbeat (we hold
        the daemon lock)."""

        def adopt(con: sqlite3.Connection) -> int:
            params = _beat_params(con, self.inherited or "")
            with con:
                return con.execute(
                    f'UPDATE spans SET "end" = {_END}, closed = 1, rev = rev + 1 WHERE closed = 0', params
                ).rowcount

        return self._retry(adopt)

    def put(self, spans, closed: bool) -> None:
        rows = [(s.id, s.start, s.end, s.app, s.title, s.state, s.exe, int(closed)) for s in spans]
        if not rows:
            return

        def upsert(con: sqlite3.Connection) -> None:
            with con:  # one transaction
                con.executemany(_UPSERT, rows)

        self._retry(upsert)

    def beat(self, span) -> None:
        """Rewrite the heartbeat with SPAN's id and end (one pwrite; OSError when it cannot)."""
        if self.heartbeat is None:
            return
        if self.beat_fd is not None and os.fstat(self.beat_fd).st_nlink == 0:
            os.close(self.beat_fd)  # removed under us (the runtime dir cleaned): readers would not find it
            self.beat_fd = None
        if self.beat_fd is None:
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            self.beat_fd = os.open(self.heartbeat, flags, 0o600)
            os.fchmod(self.beat_fd, 0o600)
        os.pwrite(self.beat_fd, encode_beat(span.id, span.end), 0)

    def has_closed(self) -> bool:
        """True when closed spans wait for a drain (the open span alone is not worth one)."""
        return bool(self._retry(lambda con: con.execute("SELECT 1 FROM spans WHERE closed = 1 LIMIT 1").fetchone()))

    def sync(self) -> None:
        """Make everything committed so far durable against power loss too (shutdown)."""
        self.con.execute("PRAGMA wal_checkpoint(FULL)")

    def close(self) -> None:
        self.con.close()
        if self.beat_fd is not None:
            os.close(self.beat_fd)
            self.beat_fd = None


def depth(queue_file: Path) -> int:
    """Spans waiting in the queue (0 when there is no queue); for `offscreen status`."""
    if not Path(queue_file).exists():
        return 0
    con = sqlite3.connect(f"file:{queue_file}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM spans").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def snapshot(queue_file: Path, since: float | None = None, until: float | None = None) -> dict | None:
    """What the queue holds, read-only (never creates or changes it), for `offscreen status`.

    `spans` and `closed` counts; `newest_end`, the latest span end (UTC epoch s), the heartbeat's
    included: the daemon rewrites it every 2 s while time counts, so this is when it last sampled;
    `beat_at`, when the heartbeat was last written (a sign of life; None without one); and
    `seconds` by state of the queued time within [SINCE, UNTIL) when both are given. None when
    there is no queue yet or it cannot be read (locked, corrupt).
    """
    if not Path(queue_file).exists():
        return None
    try:
        con = sqlite3.connect(f"file:{queue_file}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        beat = read_beat(_meta_beat(con))
        params = {"hid": beat[0], "hend": beat[1]} if beat else {"hid": None, "hend": None}
        row = con.execute(f"SELECT count(*), coalesce(sum(closed), 0), max({_END}) FROM spans", params).fetchone()
        spans, closed, newest = row
        seconds: dict[str, float] = {}
        if since is not None and until is not None:
            rows = con.execute(
                f"SELECT state, sum(min({_END}, :until) - max(start, :since)) FROM spans"
                f" WHERE {_END} > :since AND start < :until GROUP BY state",
                {**params, "since": since, "until": until},
            ).fetchall()
            seconds = {state: float(s) for state, s in rows if s and s > 0}
        return {
            "spans": spans,
            "closed": closed,
            "newest_end": newest,
            "beat_at": beat[2] if beat else None,
            "seconds": seconds,
        }
    except sqlite3.Error:
        return None
    finally:
        con.close()


def spans(queue_file: Path) -> list[tuple]:
    """Every queued span as (id, app, title, state, start, end, closed), oldest first, the heartbeat
    merged, read-only (for tests and tools watching a running daemon); [] without a readable queue."""
    try:
        con = sqlite3.connect(f"file:{queue_file}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return []
    try:
        return con.execute(
            f"SELECT id, app, title, state, start, {_END}, closed FROM spans ORDER BY start", _beat_params(con)
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        con.close()


def pending(queue_file: Path) -> list[tuple]:
    """Every queued span as (id, start, end, app, title, state, exe, closed, rev), for a drain; the
    open span ends at the heartbeat when that is later."""
    if not Path(queue_file).exists():
        return []
    path = Path(queue_file).absolute()
    con = _connect(path)
    inode = _inode(path)
    try:
        return con.execute(
            f"SELECT id, start, {_END}, app, title, state, exe, closed, rev FROM spans", _beat_params(con)
        ).fetchall()
    except sqlite3.Error as e:
        if not _damaged(e):
            raise _failure(path, e) from None
        _move_aside(path, inode, f"cannot be read ({e})", _stderr_log)
        return []
    finally:
        con.close()


def forget(queue_file: Path, drained: list[tuple]) -> None:
    """Delete the closed spans a drain stored, unless the daemon changed them since (their rev)."""
    con = _connect(Path(queue_file))
    try:
        with con:
            con.executemany(
                "DELETE FROM spans WHERE id = ? AND rev = ? AND closed = 1",
                [(r[0], r[8]) for r in drained if r[7]],
            )
    except sqlite3.Error as e:
        raise _failure(Path(queue_file), e) from None
    finally:
        con.close()
