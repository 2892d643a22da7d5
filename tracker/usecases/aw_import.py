"""What `offscreen import-aw FILE` asks for: an ActivityWatch export read and checked whole
(tracker.domain.aw), shown before anything is written, then its spans and phone days written in one
transaction, all or nothing.

Time offscreen recorded itself wins: an imported span is cut where the database already holds a
span of another id (the daemon's own, or another file's), so running ActivityWatch and offscreen
side by side, or importing two machines' exports, never counts a minute twice. Importing the same
file again writes the same ids over themselves: nothing is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.domain import aw
from tracker.domain.times import to_storage
from tracker.errors import UserError


@dataclass(frozen=True)
class Preview:
    file: Path
    plan: aw.Plan
    spans: list[aw.Span]  # what will be written: the plan's spans minus what the database holds
    known: int  # of them, already stored exactly so (a second import)
    left_out_seconds: float  # of the file's time, already recorded by offscreen

    def seconds(self, state: str) -> float:
        return sum(s.end - s.start for s in self.spans if s.state == state)


@dataclass(frozen=True)
class Written:
    spans: int
    new_spans: int
    phone: dict[str, int]  # added / replaced / unchanged days


def _text(file: Path) -> str:
    from tracker.paths import AW_IMPORT_LIMIT, read_input

    # A regular file of at most AW_IMPORT_LIMIT bytes: a FIFO or /dev/zero is refused at once.
    raw = read_input(file, AW_IMPORT_LIMIT, "offscreen import-aw")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{file} is not UTF-8 text; expected ActivityWatch's export JSON") from None


def _key(s: aw.Span) -> tuple:
    return (round(s.start * 1e6), round(s.end * 1e6), s.app, s.title, s.state)  # as stored: microseconds


def _against(con, plan: aw.Plan) -> tuple[list[aw.Span], list[aw.Span], float]:
    """PLAN's spans minus the time other spans in the database hold, those of them stored already
    exactly so (a second import: nothing to write), and the seconds left out."""
    from tracker.store import activity as store_a

    if not plan.spans:
        return [], [], 0.0
    rows = store_a.spans_overlapping(con, plan.spans[0].start, plan.spans[-1].end)
    ours = {s.span_id for s in plan.spans}
    stored = {r[0]: r[1:] for r in rows}
    taken = [(r[1] / 1e6, r[2] / 1e6) for r in rows if r[0] not in ours]
    spans = aw.without(plan.spans, taken)
    same = [s for s in spans if stored.get(s.span_id) == _key(s)]
    left_out = sum(s.end - s.start for s in plan.spans) - sum(s.end - s.start for s in spans)
    return spans, same, left_out


def prepare(app, file: Path) -> Preview:
    """FILE read, checked and merged, compared with the database; nothing written."""
    buckets = aw.read(_text(file), str(file), app.config.privacy)
    plan = aw.plan(buckets, app.calendar)
    with app.store(drain=True) as con:
        spans, same, left_out = _against(con, plan)
    return Preview(file, plan, spans, len(same), left_out)


def write(app, preview: Preview) -> Written:
    """PREVIEW's spans and phone days, in one transaction."""
    from tracker.store import activity as store_a
    from tracker.store import aw as store_aw
    from tracker.store import transaction

    with app.store(drain=True) as con, transaction(con):
        # Again inside the transaction: the daemon may have drained spans while the person read.
        spans, same, _ = _against(con, preview.plan)
        unchanged = {s.span_id for s in same}
        rows = [(s.span_id, s.start, s.end, s.app, s.title, s.state, None) for s in spans if s.span_id not in unchanged]
        store_a.upsert_spans(con, rows, source=store_aw.SOURCE, atomic=False)
        phone = store_aw.put_phone_days(con, preview.plan.phone, to_storage(app.now()))
    return Written(len(spans), len(spans) - len(same), phone)
