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
from tracker.errors import DomainError, RuntimeFailure, UserError
from tracker.usecases.phrasing import message


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
        one, many = {"interactions": ("interaction", "interactions"), "activity": ("activity span", "activity spans")}[
            self.what
        ]
        return many if self.count != 1 else one


def export(
    app, *, what: str, fmt: str | None, since: str | None, until: str | None, output: str | None = None
) -> Exported:
    """Interactions (not deleted) or activity spans in the range as JSON or CSV text, written
    atomically to OUTPUT when given. The format defaults to OUTPUT's extension, else JSON."""
    fmt = files.format_for(output, fmt) or "json"
    lo, hi = parse_range(since, until, app.now(), cal=app.calendar)
    header: tuple[str, ...]
    if what == "interactions":
        from tracker.store import interactions as store_i

        with app.store() as con:
            records = [core.to_record(r, app.zone) for r in store_i.query(con, since=lo, until=hi)]
        header, cells = core.FIELDS, [core.to_csv_cells(r) for r in records]
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
            atomic_write(Path(output).expanduser().absolute(), text)
        except OSError as e:
            raise RuntimeFailure(
                f"cannot write {output}: {e.strerror or e}; choose a file in a directory you can write to"
            ) from None
    return Exported(what, len(records), text, output)


def _read(file: Path, fmt: str) -> str:
    try:
        return file.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except UnicodeDecodeError:
        raise UserError(f"{file} is not UTF-8 text; expected {fmt.upper()} as written by 'offscreen export'") from None
    except OSError as e:
        raise UserError(f"cannot read {file}: {e.strerror}") from None


def import_file(app, file: Path, fmt: str | None = None) -> tuple[int, int]:
    """Import every row of FILE or none; returns (added, duplicates skipped)."""
    if not file.exists():  # before the format: "missing.txt" is a missing file first
        raise UserError(f"{file}: no such file")
    fmt = files.format_for(str(file), fmt)
    if fmt is None:
        raise UserError(f"cannot tell the format of {file} from its name; add --format json or --format csv")
    now = app.now()
    items = files.parse_file(_read(file, fmt), fmt, str(file), now, app.zone)

    from tracker.store import interactions as store_i
    from tracker.store import transaction

    with app.store() as con, transaction(con):
        rids = []
        for n, it in enumerate(items, 1):
            try:
                rids.append(store_i.routine_id(con, it.routine) if it.routine else None)
            except DomainError as e:
                raise files.row_error(n, "routine", message(e)) from None
        return store_i.insert_many(con, items, source="import", routine_ids=rids, now=to_storage(now))
