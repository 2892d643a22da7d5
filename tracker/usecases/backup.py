"""What `offscreen backup` and `offscreen restore` ask for: the whole database into one file
(format: tracker.domain.backup) and such a file back, all or nothing (SQL: tracker.store.backup).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from tracker.domain import backup as fmt
from tracker.errors import RuntimeFailure, UserError

# Read in this order by people: the tables that matter to them first.
_NOUNS = {
    "people": ("person", "people"),
    "aliases": ("alias", "aliases"),
    "routines": ("routine", "routines"),
    "routine_skips": ("skipped period", "skipped periods"),
    "interactions": ("interaction", "interactions"),
    "checkins": ("check-in", "check-ins"),
    "unplug_sessions": ("unplug session", "unplug sessions"),
    "nudges_sent": ("nudge", "nudges"),
    "phone_time": ("day of phone time", "days of phone time"),
    "activity": ("activity span", "activity spans"),
    "settings": ("setting", "settings"),
}


def counted(counts: dict[str, int]) -> str:
    """ "18 people, 1684 interactions, ..." for the tables people know (link tables left out)."""
    parts = [f"{counts[t]} {_NOUNS[t][0 if counts[t] == 1 else 1]}" for t in _NOUNS if counts.get(t)]
    return ", ".join(parts) or "nothing"


@dataclass(frozen=True)
class Written:
    path: Path
    counts: dict[str, int]
    size: int  # bytes
    seconds: float


def backup(app, output: str) -> Written:
    """Every table into OUTPUT (gzip when it ends in .gz), written atomically, mode 0600."""
    from tracker import __version__
    from tracker.paths import atomic_write, output_file
    from tracker.store import backup as store_b
    from tracker.store import transaction

    t0 = time.monotonic()
    path = output_file(output, "offscreen-backup.json.gz")
    gz = path.name.lower().endswith(".gz")
    packer = zlib.compressobj(6, zlib.DEFLATED, 31) if gz else None  # wbits 31: a gzip stream
    parts: list[bytes] = []

    def put(text: str) -> None:
        data = text.encode("utf-8")
        parts.append(packer.compress(data) if packer else data)

    counts: dict[str, int] = {}
    # One transaction: a drain writing meanwhile cannot leave an interaction without its people.
    with app.store(drain=True) as con, transaction(con):
        put(
            fmt.header_text(
                {
                    "created_at": app.now().isoformat(timespec="seconds"),
                    "offscreen": __version__,
                    "schema": store_b.migrations(con),
                    "sequences": store_b.sequences(con),
                }
            )
        )
        for n, (table, cols) in enumerate(store_b.TABLES.items()):
            counts[table] = store_b.count(con, table)
            put(fmt.table_text(table, cols, counts[table], first=n == 0))
            for k, chunk in enumerate(store_b.dump(con, table)):
                put(fmt.rows_text(chunk, first=k == 0))
            put(fmt.TABLE_END)
    put(fmt.DOCUMENT_END)
    if packer:
        parts.append(packer.flush())
    data = b"".join(parts)
    try:
        atomic_write(path, data)
    except OSError as e:
        raise RuntimeFailure(
            f"cannot write {output}: {e.strerror or e}; choose a file in a directory you can write to"
        ) from None
    return Written(path, counts, len(data), time.monotonic() - t0)


@dataclass(frozen=True)
class Restored:
    mode: str  # "empty", "replace" or "merge"
    added: dict[str, int]
    skipped: dict[str, int]
    seconds: float


def _gunzip(raw: bytes, file: Path, limit: int) -> bytes:
    """A gzip stream's content, at most LIMIT bytes (a small file can unpack to any size)."""
    from tracker.paths import RESTORE_LIMIT

    unpack = zlib.decompressobj(31)  # wbits 31: a gzip stream
    try:
        out = unpack.decompress(raw, limit + 1)
        complete = unpack.eof
    except zlib.error:
        raise fmt.BadBackup(f"{file} is a cut-off or damaged gzip file; nothing was restored") from None
    if len(out) > limit:
        raise UserError(f"{file} unpacks to over {RESTORE_LIMIT // 2**20} MB; offscreen restore reads at most that")
    if not complete:
        raise fmt.BadBackup(f"{file} is a cut-off or damaged gzip file; nothing was restored")
    return out


def _read(file: Path) -> dict:
    from tracker.paths import RESTORE_LIMIT, read_input

    if file.is_dir():
        raise UserError(f"{file} is a directory; give the backup file")
    # A regular file of at most RESTORE_LIMIT bytes: a FIFO or a device is refused at once.
    raw = read_input(file, RESTORE_LIMIT, "offscreen restore")
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, file, RESTORE_LIMIT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise fmt.BadBackup(f"{file} is not an offscreen backup (not UTF-8 text); nothing was restored") from None
    return fmt.parse(text, str(file))


def restore(app, file: Path, *, merge: bool = False, replace: bool = False) -> Restored:
    """FILE into the database in one transaction: into an empty one as it was; into one holding
    data only with MERGE (rows already there skipped) or REPLACE (everything replaced)."""
    if merge and replace:
        raise UserError("--merge and --replace exclude each other; pick one")
    t0 = time.monotonic()
    from tracker.store import backup as store_b
    from tracker.store import transaction

    doc = _read(file)
    store_b.check(doc, str(file))  # before opening the database: a file of the wrong shape creates nothing

    app.progress(f"Restoring {file} into {app.paths.db}...")
    # No drain: queued spans are written after the restore, as new rows, by the next drain.
    with app.store() as con, transaction(con):
        held = store_b.total_rows(con)
        mode = "merge" if merge else "replace" if replace else "empty"
        if held and mode == "empty":
            raise UserError(
                f"{app.paths.db} already holds data ({held} rows); restore into an empty database, or add "
                "--merge (keep it, add what is missing) or --replace (delete it all first)"
            )
        done = store_b.restore(con, doc, str(file), mode=mode)
    return Restored(
        mode,
        {t: a for t, (a, _) in done.items()},
        {t: s for t, (_, s) in done.items()},
        time.monotonic() - t0,
    )
