"""What `offscreen export` and `offscreen import` ask for: records out of the store as a file's
text (formats: tracker.domain.transfer), and a file's rows, all validated first, into the store in
one transaction (all rows or none; exact duplicates skipped and counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.domain import interactions as core
from tracker.domain import transfer as files
from tracker.domain.times import parse_range, to_storage
from tracker.errors import RuntimeFailure, UnknownRoutine, UserError


def _storage(dt):
    return None if dt is None else to_storage(dt)


@dataclass(frozen=True)
class Exported:
    what: str  # "interactions" or "activity"
    count: int
    text: str  # the file's content (written to `output` when given)
    output: str | None

    @property
    def noun(self) -> str:
        one, many = {
            "interactions": ("interaction", "interactions"),
            "activity": ("activity span", "activity spans"),
            "invitations": ("invitation", "invitations"),
            "phone": ("day of phone time", "days of phone time"),
            "parquet": ("file", "files"),
        }[self.what]
        return many if self.count != 1 else one


def export(
    app, *, what: str, fmt: str | None, since: str | None, until: str | None, output: str | None = None
) -> Exported:
    """Interactions (not deleted), activity spans or phone time (every source) in the range as
    JSON or CSV text, written atomically to OUTPUT when given. The format defaults to OUTPUT's
    extension, else JSON."""
    if fmt == "parquet":
        return _export_parquet(app, since, until, output)
    fmt = files.format_for(output, fmt) or "json"
    lo, hi = parse_range(since, until, app.now(), cal=app.calendar)
    if output:
        from tracker.paths import output_file

        output = str(output_file(output, "export.json"))
    header: tuple[str, ...]
    if what == "interactions":
        from tracker.store import interactions as store_i

        with app.store() as con:
            records = [core.to_record(r, app.zone) for r in store_i.query(con, since=lo, until=hi)]
        header, cells = core.FIELDS, [core.to_csv_cells(r) for r in records]
    elif what == "invitations":
        from tracker.domain import invitations as invites
        from tracker.store import invitations as store_v

        with app.store() as con:
            rows = [r for r in store_v.query(con) if lo is None or r["made_at"] >= to_storage(lo)]
            rows = [r for r in rows if hi is None or r["made_at"] < to_storage(hi)]
        records = [invites.to_export(invites.to_record(r, app.zone)) for r in rows]
        header, cells = invites.FIELDS, [invites.to_csv_cells(r) for r in records]
    elif what == "phone":
        records = _phone_records(app, lo, hi)
        header = files.PHONE_FIELDS
        cells = [["" if r[k] is None else str(r[k]) for k in header] for r in records]
    else:
        from tracker.store import activity as store_a

        with app.store(drain=True) as con:
            records = store_a.export_rows(con, _storage(lo), _storage(hi), app.config)
        header = files.ACTIVITY_FIELDS
        cells = [["" if r.get(k) is None else str(r.get(k)) for k in header] for r in records]
    text = files.export_text(records, header, cells, fmt)
    if output:
        from tracker.paths import atomic_write

        try:
            atomic_write(Path(output), text)
        except OSError as e:
            raise RuntimeFailure(
                f"cannot write {output}: {e.strerror or e}; choose a file in a directory you can write to"
            ) from None
    return Exported(what, len(records), text, output)


def _export_parquet(app, since: str | None, until: str | None, output: str | None) -> Exported:
    """Everything as the synced folder's Parquet layout (tracker/domain/sync.py) in the new
    directory OUTPUT: written beside it under a temp name and renamed, so it is there whole or not at all."""
    import os
    import shutil

    if since or until:
        raise UserError(
            "--format parquet exports everything; filter in DuckDB, pandas or Polars instead of --since/--until"
        )
    if not output:
        raise UserError("--format parquet writes a directory: give it with -o DIR")
    out = Path(output).expanduser()
    if out.exists():
        raise UserError(f"{out} exists: --format parquet writes a new directory; pick another name")
    from tracker.store import sync as store_s

    me = store_s.host_identity(app.paths.state_dir)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        os.makedirs(tmp, mode=0o700)
        with app.store(drain=True) as con:
            counts = store_s.export_layout(con, tmp, me, app.now())
        os.rename(tmp, out)
    except OSError as e:
        raise RuntimeFailure(f"cannot write {out}: {e.strerror or e}; choose a directory you can write to") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    from tracker.domain.sync import ACTIVITY, TABLES

    return Exported("parquet", len(TABLES) + counts[ACTIVITY], "", str(out))  # one file per table, per day


def _phone_records(app, lo, hi) -> list[dict]:
    """The stored phone-time rows of the local days from LO's to the one before HI (aware; None: open)."""
    from datetime import timedelta

    from tracker.domain.phone import PhoneDay
    from tracker.store import phone as store_p

    cal = app.calendar
    first = cal.day_of(lo) if lo else None
    last = cal.day_of(hi - timedelta(microseconds=1)) if hi else None
    with app.store() as con:
        rows = store_p.export_rows(con, first, last)
    return [
        files.phone_record(PhoneDay(r["day"], r["minutes"], r["social_minutes"], r["source"]), r["recorded_at"], cal)
        for r in rows
    ]


def _read(file: Path, fmt: str) -> str:
    from tracker.paths import IMPORT_LIMIT, read_input

    # A regular file of at most IMPORT_LIMIT bytes: a FIFO or /dev/zero is refused at once.
    raw = read_input(file, IMPORT_LIMIT, "offscreen import")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{file} is not UTF-8 text; expected {fmt.upper()} as written by 'offscreen export'") from None


# From this many rows an import takes long enough to say what it is doing (on a terminal).
LARGE_IMPORT = 1000


def _format(file: Path, fmt: str | None) -> str:
    if not file.exists():  # before the format: "missing.txt" is a missing file first
        raise UserError(f"{file}: no such file")
    found = files.format_for(str(file), fmt)
    if found is None:
        raise UserError(f"cannot tell the format of {file} from its name; add --format json or --format csv")
    return found


@dataclass(frozen=True)
class PhoneImported:
    added: int
    replaced: int  # a stored day of the same source with an earlier recorded_at
    skipped: int  # already there, or stored later than the file's row


def import_phone(app, file: Path, fmt: str | None = None) -> PhoneImported:
    """Import every phone-time row of FILE (`export --what phone`) or none: a day and source not
    stored is added, one stored earlier than the file's recorded_at is replaced, others skipped."""
    fmt = _format(file, fmt)
    rows = files.parse_phone_file(_read(file, fmt), fmt, str(file), app.now(), app.zone)
    from tracker.store import phone as store_p
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        done = store_p.import_rows(con, rows)
    return PhoneImported(done["added"], done["replaced"], done["skipped"])


def import_file(
    app, file: Path, fmt: str | None = None, *, drop_unknown_routines: bool = False, what: str = "interactions"
) -> Imported:
    """Import every row of FILE or none. A row naming a routine this database does not have stops
    the import before anything is written (every such routine named at once), unless
    DROP_UNKNOWN_ROUTINES: then those rows come in without their routine link. WHAT:
    'interactions' or 'invitations' (an `export --what invitations` file)."""
    fmt = _format(file, fmt)
    if what == "invitations":
        return _import_invitations(app, file, fmt)
    now = app.now()
    items = files.parse_file(_read(file, fmt), fmt, str(file), now, app.zone)
    if len(items) >= LARGE_IMPORT:
        app.progress(f"Importing {len(items)} interactions from {file}...")

    from tracker.store import interactions as store_i
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        # Every routine is looked up before the first row is written.
        found: dict[str, int | None] = {}
        missing: dict[str, int] = {}  # name -> first row naming it
        for n, it in enumerate(items, 1):
            if it.routine and it.routine not in found:
                try:
                    found[it.routine] = store_i.routine_id(con, it.routine)
                except UnknownRoutine:
                    found[it.routine] = None
                    missing[it.routine] = n
        if missing and not drop_unknown_routines:
            raise UserError(unknown_routines_message(file, missing))
        rids = [found[it.routine] if it.routine else None for it in items]
        added, skipped = store_i.insert_many(con, items, source="import", routine_ids=rids, now=to_storage(now))
    unlinked = sum(1 for it in items if it.routine in missing)
    return Imported(added, skipped, unlinked, tuple(missing))


@dataclass(frozen=True)
class Imported:
    added: int
    skipped: int  # exact duplicates
    unlinked: int  # rows whose routine this database does not have, imported without it
    dropped_routines: tuple[str, ...]
    what: str = "interactions"
    relinked: int = 0  # skipped invitations linked now to the interaction they became


def unknown_routines_message(file: Path, missing: dict[str, int]) -> str:
    names = ", ".join(f"{name!r} (row {row})" for name, row in missing.items())
    many = len(missing) != 1
    return (
        f"{file} names {len(missing)} routine{'s' if many else ''} this database does not have: {names}; "
        f"nothing was imported. Add {'them' if many else 'it'} first "
        "(offscreen routine add NAME --every week), or import with --drop-unknown-routines to leave "
        "those links out; to move everything to a new machine use 'offscreen backup' and 'offscreen restore'"
    )


def _import_invitations(app, file: Path, fmt: str) -> Imported:
    """Invitations from FILE, all or none: people found by name (created on first use), each
    linked to the interaction it became when one with its people starts at the file's interaction_at."""
    from tracker.store import invitations as store_v
    from tracker.store import people as store_p
    from tracker.store import transaction

    now = app.now()
    rows = files.parse_invitations(_read(file, fmt), fmt, str(file), now, app.zone)
    stamp = to_storage(now).replace(microsecond=0)
    with app.store() as con, transaction(con):
        pids = [store_p.resolve(con, inv.people, source="import", now=stamp) for inv, _ in rows]
        links = [None if at is None else store_v.interaction_starting(con, at, ids) for (_, at), ids in zip(rows, pids)]
        added, skipped, relinked = store_v.import_many(con, [inv for inv, _ in rows], pids, links, now=stamp)
    return Imported(added, skipped, 0, (), "invitations", relinked)
