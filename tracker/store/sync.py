"""All SQL and files of the synced folder (issue 16; the layout: tracker/domain/sync.py).

A sync is: export what changed here (rows whose content hash moved since the last sync, hard
deletes as tombstones, the UTC days whose screen-time spans changed), then read the other hosts'
files not read yet and apply every row whose version beats the one known here. Local rows are
never identified by the sync files: `sync_rows` maps each local row to its uid, so the ids the
CLI shows stay this machine's own integers. No write path of the store needs to know about sync
but the spans': a row's change is found by comparing its hash at the next sync (only when the
synced tables' fingerprint moved), a span's by the days upsert_spans marks (tracker/store/sync_marks.py).
This host's export is committed before the others' files are applied, and a file this database
refuses is recorded (sync_files.fp "refused: why") and left out, never the others with it. The
rows as they travel, how they are applied and the text rules for them: tracker/store/sync_rows.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from tracker.domain import sync as layout
from tracker.domain.spans import screen_sql
from tracker.domain.times import as_storage
from tracker.store import sync_marks, transaction
from tracker.store.sync_rows import VIEWS, apply_table, check_text, hashed

# A temp file of ours left by a crash is removed from our own folder once this old (seconds).
_STALE_TMP = 3600
_TMP_PREFIX = ".offscreen-tmp-"


@dataclass(frozen=True)
class Host:
    """This machine in the synced folder: HOST (folder name) and its readable name."""

    host: str
    name: str


@dataclass
class Problem:
    """Something in the synced folder that was not read: a clear line for status and doctor."""

    path: str
    what: str  # "newer" (a newer offscreen wrote it), "unreadable", "foreign" (not a host folder), "clash"
    detail: str = ""


@dataclass
class Result:
    exported: dict[str, int] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)
    deferred: int = 0  # rows naming a person or routine whose file has not arrived yet
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------- this host


def _machine() -> str:
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            return hashlib.sha256(Path(p).read_bytes().strip()).hexdigest()[:16]
        except OSError:
            continue
    return ""


def host_identity(state_dir: Path) -> Host:
    """This home's host id, made once and kept in the state dir (sync-host.json).

    Random rather than /etc/machine-id: two homes on one machine (OFFSCREEN_HOME, a second user)
    are two hosts. The machine id's hash is kept beside it: a home copied to another computer
    (restored, rsynced) gets a new host id there instead of writing into the first one's folder.
    """
    from tracker.paths import atomic_write

    path = state_dir / "sync-host.json"
    machine = _machine()
    try:
        data = json.loads(path.read_text("utf-8"))
        host, name = data["host"], data["name"]
        if layout.HOST_RE.match(host) and data.get("machine", "") == machine:
            return Host(host, name)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    name = layout.host_name(socket.gethostname())
    host = f"{name}-{os.urandom(6).hex()}"
    atomic_write(path, json.dumps({"host": host, "name": name, "machine": machine}) + "\n")
    return Host(host, name)


def _write_host_file(root: Path, me: Host) -> None:
    from tracker.paths import atomic_write

    path = root / me.host / layout.HOST_FILE
    body = json.dumps({"format": layout.FORMAT, "host": me.host, "name": me.name, "machine": _machine()}) + "\n"
    try:
        if path.read_text("utf-8") == body:
            return
    except OSError:
        pass
    atomic_write(path, body)  # 0600 in a 0700 folder: the folder holds interactions and notes


def _clock(con) -> int:
    row = con.execute("SELECT value FROM settings WHERE key = 'sync.clock'").fetchone()
    return int(row[0]) if row else 0


def _set_clock(con, value: int) -> None:
    con.execute(
        "INSERT INTO settings VALUES ('sync.clock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [str(value)],
    )


# ---------------------------------------------------------------- rows as they travel


def _new_tmp(folder: Path) -> Path:
    from tracker.paths import ensure_private_dir

    ensure_private_dir(folder)
    return folder / f"{_TMP_PREFIX}{os.urandom(8).hex()}.parquet"


def _publish(con, select: str, params: list, path: Path) -> None:
    """COPY SELECT to PATH as Parquet through a temp name, fsynced, then renamed: never half a file."""
    tmp = _new_tmp(path.parent)
    try:
        con.execute(f"COPY ({select}) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)", params)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)  # interactions and notes: only this user (the sync tool runs as them)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _sql_path(p: Path | str) -> str:
    return str(p).replace("'", "''")


def _clean_tmp(folder: Path) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        if e.name.startswith(_TMP_PREFIX):
            try:
                if time.time() - e.stat().st_mtime > _STALE_TMP:
                    os.unlink(e.path)
            except OSError:
                pass


def _assign_uids(con, me: Host) -> None:
    """Give every local row not yet synced its uid, committed at once: a sync that fails after
    publishing a file must write the same uids again next time, never new ones (duplicates)."""
    for tbl in layout.TABLES:
        con.execute(
            f"""INSERT INTO sync_rows (tbl, uid, local_id, own, version, host)
                SELECT '{tbl}', replace(CAST(gen_random_uuid() AS VARCHAR), '-', ''), x.id, true, 0, ?
                FROM {tbl} x WHERE x.source <> 'demo' AND NOT EXISTS
                  (SELECT 1 FROM sync_rows r WHERE r.tbl = '{tbl}' AND r.own AND r.local_id = x.id)""",
            [me.host],
        )


def _export_rows(con, root: Path, me: Host, now: datetime) -> dict[str, int]:
    changed: dict[str, int] = {}
    clock = _clock(con)
    for tbl in layout.TABLES:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE sync_out AS
                SELECT c.* FROM ({hashed(tbl)}) c JOIN sync_rows r ON r.tbl = '{tbl}' AND r.uid = c.uid
                WHERE r.hash IS DISTINCT FROM c.h"""
        )
        gone = [
            u
            for (u,) in con.execute(
                f"""SELECT uid FROM sync_rows WHERE tbl = '{tbl}' AND own AND local_id IS NOT NULL
                    AND local_id NOT IN (SELECT id FROM {tbl})"""
            ).fetchall()
        ]
        (n,) = con.execute("SELECT count(*) FROM sync_out").fetchone()
        if not n and not gone:
            continue
        clock += 1
        if gone:
            con.execute("INSERT INTO sync_out BY NAME SELECT unnest(?::VARCHAR[]) AS uid", [gone])
        name = layout.change_name(clock, os.urandom(4).hex())
        _publish(
            con,
            f"""SELECT uid, {clock}::BIGINT AS version, ?::VARCHAR AS host, ?::TIMESTAMP AS changed_at,
                       h IS NULL AS deleted, * EXCLUDE (uid, h) FROM sync_out""",
            [me.host, as_storage(now)],
            root / me.host / tbl / name,
        )
        con.execute(
            f"""UPDATE sync_rows SET version = {clock}, host = ?, changed_at = ?, hash = o.h,
                   local_id = CASE WHEN o.h IS NULL THEN NULL ELSE sync_rows.local_id END
                FROM sync_out o WHERE sync_rows.tbl = '{tbl}' AND sync_rows.uid = o.uid""",
            [me.host, as_storage(now)],
        )
        _record_file(con, f"{me.host}/{tbl}/{name}", root / me.host / tbl / name, n + len(gone), now, own=True)
        changed[tbl] = n + len(gone)
    _set_clock(con, clock)
    return changed


def _record_file(
    con, rel: str, path: Path | os.DirEntry, rows: int, now: datetime, *, own: bool, fp: str | None = None
) -> None:
    """Note a file written or read, by size and mtime (an entry's stat is the one taken when listed:
    a file the sync tool replaced since is read again next time)."""
    st = path.stat()
    con.execute(
        """INSERT INTO sync_files VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
              rows = excluded.rows, read_at = excluded.read_at, fp = excluded.fp""",
        [rel, st.st_size, st.st_mtime_ns, rows, as_storage(now), own, fp],
    )


# ---------------------------------------------------------------- activity days


def _pieces(where: str = "") -> str:
    """SQL: this machine's screen-time spans (not the demo's) cut at UTC midnight, as they travel:
    (day, span_id, start_utc, end_utc, state, app), each piece inside its UTC day. WHERE: more
    conditions on the spans (AND ...)."""
    return f"""SELECT CAST(d AS DATE) AS day, span_id, greatest(start_utc, d) AS start_utc,
                      least(end_utc, d + INTERVAL 1 DAY) AS end_utc, state, app
               FROM (SELECT *, unnest(range(date_trunc('day', start_utc), end_utc, INTERVAL 1 DAY)) AS d
                     FROM activity WHERE {screen_sql()} AND source <> 'demo' AND end_utc > start_utc {where})"""


def _epoch_day(n: int) -> date:
    return date(1970, 1, 1) + timedelta(days=n)


def _export_activity(con, root: Path, me: Host, now: datetime) -> int:
    """Rewrite the UTC days whose screen-time spans changed (titles never leave the machine); a
    span across midnight goes in each day's file with its part of that day. Only the days marked
    changed since the last sync are compared (tracker/store/sync_marks.py), or every day when
    that is not known (the first sync, after a restore)."""
    ranges = sync_marks.changed_days(con)
    prefix = f"{me.host}/{layout.ACTIVITY}/"
    if ranges is None:
        spans, params, names = "", [], None
    elif not ranges:
        return 0
    else:
        spans = "AND (" + " OR ".join(["(end_utc > ?::DATE AND start_utc < ?::DATE + 1)"] * len(ranges)) + ")"
        params = [d for lo, hi in ranges for d in (_epoch_day(lo), _epoch_day(hi))]
        names = [prefix + layout.day_name(_epoch_day(n)) for lo, hi in ranges for n in range(lo, hi + 1)]
    current = {
        d: fp
        for d, fp in con.execute(
            f"""SELECT day, count(*) || ':' || bit_xor(hash(span_id, start_utc, end_utc, app, state))
                FROM ({_pieces(spans)}) GROUP BY day""",
            params,
        ).fetchall()
        if ranges is None or any(_epoch_day(lo) <= d <= _epoch_day(hi) for lo, hi in ranges)
    }
    written = {}
    listed = "" if names is None else "AND list_contains(?::VARCHAR[], path)"
    for rel, fp in con.execute(
        f"SELECT path, fp FROM sync_files WHERE own AND starts_with(path, ?) {listed}",
        [prefix] + ([] if names is None else [names]),
    ).fetchall():
        parsed = layout.parse_day(rel[len(prefix) :])
        if parsed:
            written[parsed[1]] = fp
    days = sorted(d for d in set(current) | set(written) if current.get(d) != written.get(d))
    folder = root / me.host / layout.ACTIVITY
    for day in days:
        name = layout.day_name(day)
        _publish(
            con,
            f"""SELECT start_utc, end_utc, state, app
                FROM ({_pieces("AND end_utc > ?::DATE AND start_utc < ?::DATE + 1")})
                WHERE day = ?::DATE ORDER BY start_utc""",
            [day, day, day],
            folder / name,
        )
        _record_file(con, prefix + name, folder / name, 0, now, own=True, fp=current.get(day))
    sync_marks.activity_synced(con)
    return len(days)


# ---------------------------------------------------------------- reading the others


def _host_dirs(root: Path, me: Host, problems: list[Problem]) -> list[tuple[str, str]]:
    """(host, name) of every other host folder with a host.json this version can read."""
    out = []
    for e in sorted(os.scandir(root), key=lambda e: e.name):
        if e.name == me.host or e.name.startswith(".") or not e.is_dir(follow_symlinks=False):
            continue
        if not layout.HOST_RE.match(e.name):
            problems.append(Problem(e.name, "foreign"))
            continue
        try:
            data = json.loads(Path(e.path, layout.HOST_FILE).read_text("utf-8"))
            fmt, host, name = int(data["format"]), str(data["host"]), str(data["name"])
        except FileNotFoundError:
            continue  # its host.json has not arrived yet: the folder is read once it has
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(Problem(f"{e.name}/{layout.HOST_FILE}", "unreadable", type(exc).__name__))
            continue
        if fmt > layout.FORMAT:
            problems.append(Problem(e.name, "newer", f"format {fmt}; this offscreen reads {layout.FORMAT}"))
            continue
        if host != e.name:
            problems.append(Problem(e.name, "foreign", f"its host.json says {host!r}"))
            continue
        out.append((host, name))
    return out


def _listing(root: Path, host: str, kind: str) -> list[os.DirEntry]:
    try:
        return sorted(os.scandir(root / host / kind), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _known(con) -> dict[str, tuple[int, int]]:
    """The other hosts' files read (or refused) so far: path -> (size, mtime)."""
    rows = con.execute("SELECT path, size, mtime_ns FROM sync_files WHERE NOT own").fetchall()
    return {p: (s, m) for p, s, m in rows}


def _reason(e: Exception) -> str:
    return re.sub(r"'[^']*'", "the file", str(e).split("\n")[0])[:200]


def _read_ok(con, path: str) -> str | None:
    """None when PATH reads as Parquet, else the reason (a half-synced or damaged file)."""
    try:
        con.execute(f"SELECT count(*) FROM read_parquet('{_sql_path(path)}')").fetchone()
        return None
    except Exception as e:  # duckdb's error classes are many; any failure means "not readable now"
        return _reason(e)


def _load(con, table: str, select: str, paths: list[str], problems: list[Problem], root: Path) -> list[str]:
    """INSERT INTO TABLE the SELECT over read_parquet(PATHS) ({files} in SELECT); a file that does
    not read (half synced, damaged, columns that do not fit) is reported and left out, to be read
    again next time. All files in one statement; one by one only when that fails. Returns the
    paths loaded."""

    def insert(batch: list[str]) -> None:
        files = "[" + ", ".join(f"'{_sql_path(p)}'" for p in batch) + "]"
        con.execute(f"INSERT INTO {table} BY NAME {select.format(files=files)}")

    if not paths:
        return []
    try:
        insert(paths)
        return paths
    except Exception:  # duckdb's error classes are many: find the file(s) at fault
        pass
    good = []
    for p in paths:
        try:
            insert([p])
            good.append(p)
        except Exception as e:
            problems.append(Problem(os.path.relpath(p, root), "unreadable", _reason(e)))
    return good


def _stage_activity(con, root: Path, hosts: list[tuple[str, str]], problems: list[Problem]) -> dict:
    """Read the other hosts' new or changed activity days into the temp table sync_in_act.
    Outside any transaction: a file that fails to read (half synced) must not abort the sync."""
    known = _known(con)
    todo: dict[str, tuple[str, str, date, os.DirEntry]] = {}
    for host, _ in hosts:
        for e in _listing(root, host, layout.ACTIVITY):
            parsed = layout.parse_day(e.name)
            if parsed is None:
                continue  # a temp or conflict file, never read
            fmt, day = parsed
            rel = f"{host}/{layout.ACTIVITY}/{e.name}"
            if fmt > layout.FORMAT:
                problems.append(Problem(rel, "newer", f"format {fmt}; this offscreen reads {layout.FORMAT}"))
                continue
            try:
                st = e.stat()
            except OSError:
                continue  # gone between the listing and now (the sync tool replaced it)
            if known.get(rel) != (st.st_size, st.st_mtime_ns):
                todo[e.path] = (rel, host, day, e)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sync_in_act (start_utc TIMESTAMP, end_utc TIMESTAMP, state VARCHAR,"
        " app VARCHAR, filename VARCHAR)"
    )
    loaded = _load(
        con,
        "sync_in_act",
        "SELECT start_utc, end_utc, state, app, filename FROM read_parquet({files}, filename = true)",
        list(todo),
        problems,
        root,
    )
    return {p: todo[p] for p in loaded}


def _apply_activity(con, staged: dict, now: datetime) -> int:
    if not staged:
        return 0
    paths = list(staged)
    con.execute("CREATE OR REPLACE TEMP TABLE sync_in_map (filename VARCHAR, host VARCHAR, day DATE)")
    con.execute(
        "INSERT INTO sync_in_map SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DATE[])",
        [paths, [staged[p][1] for p in paths], [staged[p][2] for p in paths]],
    )
    con.execute(
        """DELETE FROM sync_activity USING sync_in_map m
           WHERE sync_activity.host = m.host AND sync_activity.day = m.day"""
    )
    # Cut to the day the file is named for: a hand-made file must not put time on any other day.
    con.execute(
        f"""INSERT INTO sync_activity
            SELECT host, day, s, e, state, app FROM (
                SELECT m.host, m.day, greatest(i.start_utc, m.day::TIMESTAMP) AS s,
                       least(i.end_utc, m.day + INTERVAL 1 DAY) AS e, i.state, i.app
                FROM sync_in_act i JOIN sync_in_map m USING (filename) WHERE {screen_sql("i.state")})
            WHERE e > s"""
    )
    for p in paths:
        rel, _, _, e = staged[p]
        _record_file(con, rel, e, 0, now, own=False)
    return len(paths)


def _stage_rows(con, root: Path, hosts: list[tuple[str, str]], problems: list[Problem]) -> dict:
    """Read the other hosts' row files not read yet into temp tables sync_in_<table> (outside any
    transaction, as for activity). Returns {table: {path: (relative path, entry)}} of the files read."""
    known = _known(con)
    refused_ = {
        p for (p,) in con.execute("SELECT path FROM sync_files WHERE starts_with(fp, ?)", [_REFUSED]).fetchall()
    }
    staged: dict[str, dict[str, tuple[str, os.DirEntry]]] = {}
    entries: dict[str, os.DirEntry] = {}
    for tbl in layout.TABLES:
        paths: dict[str, str] = {}
        for host, _ in hosts:
            for e in _listing(root, host, tbl):
                fmt = layout.parse_change(e.name)
                if fmt is None:
                    continue
                rel = f"{host}/{tbl}/{e.name}"
                if fmt > layout.FORMAT:
                    problems.append(Problem(rel, "newer", f"format {fmt}; this offscreen reads {layout.FORMAT}"))
                elif rel not in known or rel in refused_:
                    try:
                        st = e.stat()  # cached on the entry: what _record_file notes
                    except OSError:
                        continue
                    if known.get(rel) != (st.st_size, st.st_mtime_ns):  # a refused file: once it changed
                        paths[e.path] = rel
                    entries[e.path] = e
        if not paths:
            continue
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE sync_in_{tbl} AS
                SELECT *, ''::VARCHAR AS filename, 0::BIGINT AS version, ''::VARCHAR AS host,
                       NULL::TIMESTAMP AS changed_at, false AS deleted
                FROM ({VIEWS[tbl]}) v LIMIT 0"""
        )
        loaded = _load(
            con,
            f"sync_in_{tbl}",
            "SELECT * FROM read_parquet({files}, filename = true, union_by_name = true)",
            list(paths),
            problems,
            root,
        )
        # A row without its identity cannot be ordered against any other: never applied.
        con.execute(f"DELETE FROM sync_in_{tbl} WHERE uid IS NULL OR version IS NULL OR host IS NULL")
        if loaded:
            staged[tbl] = {p: (paths[p], entries[p]) for p in loaded}
    return staged


def _apply_rows(con, staged: dict, result: Result, now: datetime) -> None:
    clock = _clock(con)
    for tbl in layout.TABLES:
        if tbl not in staged:
            continue
        (top,) = con.execute(f"SELECT max(version) FROM sync_in_{tbl}").fetchone()
        clock = max(clock, top or 0)
        applied, deferred_files = apply_table(con, tbl)
        result.imported[tbl] = result.imported.get(tbl, 0) + applied
        result.deferred += len(deferred_files)
        for p, (rel, entry) in staged[tbl].items():
            if p not in deferred_files:
                _record_file(con, rel, entry, 0, now, own=False)
    _set_clock(con, clock)


def _remember_hosts(con, hosts: list[tuple[str, str]], now: datetime) -> None:
    for host, name in hosts:
        con.execute(
            """INSERT INTO sync_hosts VALUES (?, ?, ?)
               ON CONFLICT (host) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at""",
            [host, name, as_storage(now)],
        )


def _resend_if_lost(con, root: Path, me: Host) -> bool:
    """Our own folder lost files we wrote (deleted, a sync tool's mishap): send every row again
    and the days lost, so a computer joining later still gets everything. True when rows must be
    sent again."""
    present: set[str] = set()
    for kind in (*layout.TABLES, layout.ACTIVITY):  # one listing per folder, not a stat per file
        try:
            present.update(f"{me.host}/{kind}/{n}" for n in os.listdir(root / me.host / kind))
        except OSError:
            continue
    ours = con.execute("SELECT path FROM sync_files WHERE own").fetchall()
    lost = [p for (p,) in ours if p not in present]
    if not lost:
        return False
    rows = any(not p.startswith(f"{me.host}/{layout.ACTIVITY}/") for p in lost)
    if rows:
        con.execute("UPDATE sync_rows SET hash = NULL WHERE own AND local_id IS NOT NULL")
    con.execute("DELETE FROM sync_files WHERE own AND list_contains(?::VARCHAR[], path)", [lost])
    sync_marks.forget(con)  # the days lost are compared again (all: the marks say only what changed)
    return rows


# ---------------------------------------------------------------- the one entry point


def sync(con, root: Path, me: Host, now: datetime) -> Result:
    """Write this host's changes into ROOT/<host>/ and apply the other hosts' new files. Two steps,
    each all or nothing: this host's export (files, their rows' hashes, the Lamport clock) is
    committed first, whatever the others' files hold; then the others' files are applied, and a
    file this database refuses (a value out of range, text it does not take) is recorded as
    refused, not read again until it changes, while every other file is applied. ROOT must exist:
    a missing folder is the caller's to report."""
    result = Result()
    _write_host_file(root, me)
    _clean_tmp(root / me.host)
    # The synced tables as after the last sync: no row to give a uid, none to compare.
    key = sync_marks.rows_key(con)
    lost = _resend_if_lost(con, root, me)
    same = not lost and sync_marks.rows_unchanged(con, key)
    if not same:
        _assign_uids(con, me)
    hosts_ = _host_dirs(root, me, result.problems)
    with transaction(con):  # writing our own folder failed (OSError): rolled back, the caller says so
        result.exported = {} if same else _export_rows(con, root, me, now)
        days = _export_activity(con, root, me, now)
        if days:
            result.exported[layout.ACTIVITY] = days
        _remember_hosts(con, hosts_, now)
    staged_rows = _stage_rows(con, root, hosts_, result.problems)
    staged_days = _stage_activity(con, root, hosts_, result.problems)
    _refuse_text(con, staged_rows, now)
    _apply_all(con, staged_rows, staged_days, result, now)
    if not same or staged_rows:
        sync_marks.rows_synced(con, sync_marks.rows_key(con))
    result.problems.extend(refused(con, root))
    return result


_REFUSED = "refused: "  # sync_files.fp of another host's file this database refused, and why
# Failures that say nothing about the file (the disk, memory, an interrupt): never a refusal.
_NOT_THE_FILE = (
    duckdb.IOException,
    duckdb.OutOfMemoryException,
    duckdb.InterruptException,
    duckdb.TransactionException,
    duckdb.FatalException,
)


def _refuse_text(con, staged_rows: dict, now: datetime) -> None:
    """Files whose rows break the text rules (tracker/store/sync_rows.py check_text) are refused
    whole, before anything is applied; free text in the others is cleaned."""
    for tbl, files in staged_rows.items():
        for p, why in check_text(con, tbl).items():
            if p in files:
                rel, entry = files.pop(p)
                _record_refused(con, rel, entry, now, why)
                con.execute(f"DELETE FROM sync_in_{tbl} WHERE filename = ?", [p])


def _record_refused(con, rel: str, entry: os.DirEntry, now: datetime, why: str) -> None:
    """Note a file refused (by size and mtime, as a file read): not read again until it changes."""
    _record_file(con, rel, entry, 0, now, own=False, fp=_REFUSED + why)


def refused(con, root: Path) -> list[Problem]:
    """The other hosts' files this database refused, still in the folder, and why."""
    rows = con.execute(
        "SELECT path, fp FROM sync_files WHERE NOT own AND starts_with(fp, ?) ORDER BY path", [_REFUSED]
    ).fetchall()
    return [Problem(p, "refused", fp[len(_REFUSED) :]) for p, fp in rows if (root / p).exists()]


def _apply_once(con, rows: dict, days: dict, result: Result, now: datetime) -> None:
    with transaction(con):
        _apply_rows(con, rows, result, now)
        n = _apply_activity(con, days, now)
        if n:
            result.imported[layout.ACTIVITY] = result.imported.get(layout.ACTIVITY, 0) + n


def _apply_all(con, staged_rows: dict, staged_days: dict, result: Result, now: datetime) -> None:
    """Apply every staged file in one transaction; when the database refuses a row, file by file
    (in Lamport order, people before what names them) so only the file at fault is left out."""
    if not staged_rows and not staged_days:
        return  # nothing new: no write transaction on every read
    before = (dict(result.imported), result.deferred)
    try:
        _apply_once(con, staged_rows, staged_days, result, now)
        return
    except _NOT_THE_FILE:
        raise
    except Exception:  # duckdb's constraint errors are many: find the file(s) at fault
        result.imported, result.deferred = dict(before[0]), before[1]
    for tbl in layout.TABLES:
        files = staged_rows.get(tbl, {})
        if not files:
            continue
        con.execute(f"ALTER TABLE sync_in_{tbl} RENAME TO sync_all_{tbl}")
        try:
            for p in sorted(files, key=lambda p: (os.path.basename(p), p)):
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE sync_in_{tbl} AS SELECT * FROM sync_all_{tbl} WHERE filename = ?",
                    [p],
                )
                kept = (dict(result.imported), result.deferred)
                try:
                    _apply_once(con, {tbl: {p: files[p]}}, {}, result, now)
                except _NOT_THE_FILE:
                    raise
                except Exception as e:
                    result.imported, result.deferred = kept
                    rel, entry = files[p]
                    _record_refused(con, rel, entry, now, _reason(e))
        finally:
            con.execute(f"DROP TABLE IF EXISTS sync_in_{tbl}")
            con.execute(f"ALTER TABLE sync_all_{tbl} RENAME TO sync_in_{tbl}")
    for p, staged in staged_days.items():
        try:
            _apply_once(con, {}, {p: staged}, result, now)
        except _NOT_THE_FILE:
            raise
        except Exception as e:
            rel, _, _, entry = staged
            _record_refused(con, rel, entry, now, _reason(e))


# ---------------------------------------------------------------- reads


def hosts(con) -> list[tuple[str, str, datetime]]:
    """(host, name, last seen) of every other host read so far."""
    return con.execute("SELECT host, name, seen_at FROM sync_hosts ORDER BY name, host").fetchall()


def has_others(con) -> bool:
    """Whether any other host's activity has been read (today shows the per-machine lines then)."""
    return con.execute("SELECT EXISTS (SELECT 1 FROM sync_hosts)").fetchone()[0]


def _screen_micros(
    con, buckets: list[tuple[datetime, datetime]], me: str, hosts: list[str] | None = None
) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """Screen microseconds of every host (ME: this machine's local spans) in each bucket [since,
    until) of BUCKETS (by index; in order, not overlapping), and their union per bucket: time two
    machines were both in use counts once. One pass over the spans of the whole stretch, however
    many buckets (a local day each for the dashboard): a year of three hosts is one query, not 365.
    HOSTS: only these."""
    if not buckets:
        return {}, {}
    bounds = [(as_storage(s), as_storage(e)) for s, e in buckets]
    lo, hi = min(s for s, _ in bounds), max(e for _, e in bounds)
    spans = f"""SELECT ?::VARCHAR AS host, start_utc, end_utc FROM activity
                WHERE {screen_sql()} AND end_utc > ? AND start_utc < ?
                UNION ALL
                SELECT host, start_utc, end_utc FROM sync_activity WHERE end_utc > ? AND start_utc < ?"""
    params: list = [me, lo, hi, lo, hi]
    pick = ""
    if hosts is not None:
        pick = "WHERE list_contains(?::VARCHAR[], x.host)"
        params.append(list(hosts))
    if len(bounds) == 1:  # a period (today, a report): every span is cut to it
        pieces = f"""SELECT 0 AS idx, host, greatest(start_utc, ?::TIMESTAMP) AS s, least(end_utc, ?::TIMESTAMP) AS e
                     FROM ({spans}) x {pick}"""
        params = [lo, hi, *params]
    else:
        # Each span's first and last bucket by two as-of joins (sorted merges; a range join of a
        # year's spans against its days costs three times as much), then cut at the buckets'
        # edges: each bucket counts its own part.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE sync_buckets AS
               SELECT unnest(?::INTEGER[]) AS idx, unnest(?::TIMESTAMP[]) AS bs, unnest(?::TIMESTAMP[]) AS be""",
            [list(range(len(bounds))), [s for s, _ in bounds], [e for _, e in bounds]],
        )
        pieces = f"""WITH x AS (SELECT * FROM ({spans}) x {pick}),
                 k AS (SELECT x.*, coalesce(b.idx, 0) AS k FROM x ASOF LEFT JOIN sync_buckets b ON x.start_utc >= b.bs),
                 m AS (SELECT k.*, coalesce(b.idx, 0) AS m FROM k ASOF LEFT JOIN sync_buckets b ON k.end_utc > b.bs),
                 p AS (SELECT host, start_utc, end_utc, k AS idx FROM m WHERE k = m
                       UNION ALL
                       SELECT host, start_utc, end_utc, unnest(range(k, m + 1)) AS idx FROM m WHERE k < m)
            SELECT p.idx, p.host, greatest(p.start_utc, b.bs) AS s, least(p.end_utc, b.be) AS e
            FROM p JOIN sync_buckets b USING (idx)"""
    # The union: taken by start within each bucket, a span adds only what reaches past the
    # furthest end before it (everything from its start to that end is covered already: the span
    # that reached it started no later). Spans starting together (two hosts) add the same
    # whichever the sort puts first, so the sum never depends on the order of ties. Summed per
    # host too, the additions add up to each bucket's union.
    rows = con.execute(
        f"""SELECT idx, host, sum(epoch_us(e) - epoch_us(s)),
                   sum(greatest(epoch_us(e) - epoch_us(greatest(s, coalesce(reach, s))), 0))
            FROM (SELECT idx, host, s, e, max(e) OVER (PARTITION BY idx ORDER BY s
                                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                  FROM ({pieces}) WHERE e > s)
            GROUP BY idx, host""",
        params,
    ).fetchall()
    per = {(idx, host): int(us) for idx, host, us, _ in rows}
    union: dict[int, int] = {}
    for idx, _, _, added in rows:
        union[idx] = union.get(idx, 0) + int(added)
    return per, union


def _label(host: str, me: str) -> str:
    return "this computer" if host == me else host


def screen_minutes(con, since_utc: datetime, until_utc: datetime, me: str, hosts: list[str] | None = None) -> dict:
    """Screen minutes in [since, until) per host that has some (ME: this machine's local spans,
    first) and their union: time two machines were both in use counts once. HOSTS: only these (None: all)."""
    per, union = _screen_micros(con, [(since_utc, until_utc)], me, hosts)
    names = dict(con.execute("SELECT host, name FROM sync_hosts").fetchall())
    return {
        "hosts": [
            {"host": h, "name": names.get(h, h), "label": _label(h, me), "minutes": us / 60e6}
            for (_, h), us in sorted(per.items(), key=lambda kv: (kv[0][1] != me, kv[0][1]))
        ],
        "union_minutes": union.get(0, 0) / 60e6,
    }


def screen_per_bucket(con, buckets: list[tuple[datetime, datetime]], me: str) -> dict:
    """Screen minutes in each bucket [since, until) of BUCKETS (in order, not overlapping: a
    report's period, the dashboard's local days) of this machine (ME, first), of every other host
    read so far (with time in them or not) and their union per bucket (time on two at once
    counted once)."""
    per, union = _screen_micros(con, buckets, me)
    others = con.execute("SELECT host, name FROM sync_hosts WHERE host <> ? ORDER BY host", [me]).fetchall()
    n = len(buckets)
    return {
        "hosts": [
            {"host": h, "name": name, "label": _label(h, me), "minutes": [per.get((i, h), 0) / 60e6 for i in range(n)]}
            for h, name in [(me, me), *others]
        ],
        "union_minutes": [union.get(i, 0) / 60e6 for i in range(n)],
    }


def status_counts(con) -> dict:
    """What has been written and read: files and rows per host, the Lamport clock."""
    files = con.execute(
        "SELECT split_part(path, '/', 1) AS host, own, count(*) FROM sync_files GROUP BY host, own ORDER BY host"
    ).fetchall()
    rows = dict(con.execute("SELECT tbl, count(*) FROM sync_rows WHERE local_id IS NOT NULL GROUP BY tbl").fetchall())
    return {"files": [{"host": h, "own": o, "files": n} for h, o, n in files], "rows": rows, "clock": _clock(con)}


def clash(root: Path, me: Host) -> str | None:
    """Why our own folder looks written by another computer (its host.json names another machine:
    a home copied with its state dir onto a cloned system), or None."""
    try:
        data = json.loads((root / me.host / layout.HOST_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("machine", _machine()) != _machine():
        return f"its host.json names machine {str(data.get('machine'))[:16]!r}, this is {_machine()!r}"
    return None


def scan(con, root: Path, me: Host) -> list[Problem]:
    """What a sync would skip and why, without writing anything (doctor)."""
    problems: list[Problem] = []
    hosts_ = _host_dirs(root, me, problems)
    known = _known(con)
    for host, _ in hosts_:
        for kind in (*layout.TABLES, layout.ACTIVITY):
            for e in _listing(root, host, kind):
                parsed = layout.parse_day(e.name) if kind == layout.ACTIVITY else layout.parse_change(e.name)
                if parsed is None:
                    continue
                fmt = parsed[0] if isinstance(parsed, tuple) else parsed
                rel = f"{host}/{kind}/{e.name}"
                if fmt > layout.FORMAT:
                    problems.append(Problem(rel, "newer", f"format {fmt}; this offscreen reads {layout.FORMAT}"))
                elif rel not in known:
                    reason = _read_ok(con, e.path)
                    if reason is not None:
                        problems.append(Problem(rel, "unreadable", reason))
    problems.extend(refused(con, root))
    why = clash(root, me)
    if why:
        problems.append(Problem(me.host, "clash", why))
    return problems


def export_layout(con, out: Path, me: Host, now: datetime) -> dict[str, int]:
    """Everything in this database, in the synced folder's layout, under OUT (a new directory):
    OUT/<host>/<table>/ one file each, OUT/<host>/activity/ one file per UTC day, and the other
    computers' screen time read so far under their own host folders (`offscreen export --format parquet`)."""
    _assign_uids(con, me)
    counts: dict[str, int] = {}
    hosts_ = [(me.host, me.name)] + [(h, n) for h, n, _ in hosts(con)]
    for host, name in hosts_:
        from tracker.paths import atomic_write

        body = json.dumps({"format": layout.FORMAT, "host": host, "name": name}) + "\n"
        atomic_write(out / host / layout.HOST_FILE, body)  # 0600, its folders 0700
    for tbl in layout.TABLES:
        (n,) = con.execute(f"SELECT count(*) FROM ({VIEWS[tbl]})").fetchone()
        _publish(
            con,
            f"""SELECT v.uid, r.version, r.host, r.changed_at, false AS deleted, v.* EXCLUDE (uid)
                FROM ({VIEWS[tbl]}) v JOIN sync_rows r ON r.tbl = '{tbl}' AND r.uid = v.uid ORDER BY v.uid""",
            [],
            out / me.host / tbl / layout.change_name(_clock(con), "00000000"),
        )
        counts[tbl] = n
    counts[layout.ACTIVITY] = 0
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE sync_export AS
            SELECT ?::VARCHAR AS host, day, start_utc, end_utc, state, app FROM ({_pieces()})
            UNION ALL SELECT host, day, start_utc, end_utc, state, app FROM sync_activity""",
        [me.host],
    )
    for host, day in con.execute("SELECT DISTINCT host, day FROM sync_export ORDER BY host, day").fetchall():
        _publish(
            con,
            "SELECT start_utc, end_utc, state, app FROM sync_export WHERE host = ? AND day = ? ORDER BY start_utc",
            [host, day],
            out / host / layout.ACTIVITY / layout.day_name(day),
        )
        counts[layout.ACTIVITY] += 1
    return counts
