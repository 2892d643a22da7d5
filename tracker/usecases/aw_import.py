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
    known: int  # of them, already stored under the same id (a second import)
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


def _against(con, plan: aw.Plan) -> tuple[list[aw.Span], int, float]:
    """PLAN's spans minus the time other spans in the database hold; how many are stored already."""
    from tracker.store import activity as store_a

    if not plan.spans:
        return [], 0, 0.0
    rows = store_a.spans_overlapping(con, plan.spans[0].start, plan.spans[-1].end)
    ours = {s.span_id for s in plan.spans}
    stored = {sid for sid, _, _ in rows}
    spans = aw.without(plan.spans, [(s, e) for sid, s, e in rows if sid not in ours])
    before = sum(s.end - s.start for s in plan.spans)
    after = sum(s.end - s.start for s in spans)
    return spans, sum(1 for s in spans if s.span_id in stored), before - after


def prepare(app, file: Path) -> Preview:
    """FILE read, checked and merged, compared with the database; nothing written."""
    buckets = aw.read(_text(file), str(file), app.config.privacy)
    plan = aw.plan(buckets, app.calendar)
    with app.store(drain=True) as con:
        spans, known, left_out = _against(con, plan)
    return Preview(file, plan, spans, known, left_out)


def write(app, preview: Preview) -> Written:
    """PREVIEW's spans and phone days, in one transaction."""
    from tracker.store import activity as store_a
    from tracker.store import aw as store_aw
    from tracker.store import transaction

    with app.store(drain=True) as con, transaction(con):
        # Again inside the transaction: the daemon may have drained spans while the person read.
        spans, known, _ = _against(con, preview.plan)
        rows = [(s.span_id, s.start, s.end, s.app, s.title, s.state, None) for s in spans]
        store_a.upsert_spans(con, rows, source=store_aw.SOURCE, atomic=False)
        phone = store_aw.put_phone_days(con, preview.plan.phone, to_storage(app.now()))
    return Written(len(spans), len(spans) - known, phone)
