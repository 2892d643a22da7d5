"""The application context every command receives: paths, configuration and store access.

Built once per invocation in the CLI group callback (tests build their own); nothing here is
global, so a test can point an App at a tmp_path database without monkeypatching.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.paths import Paths, resolve

if TYPE_CHECKING:  # imported lazily below: `offscreen log` and --help never read the config (~25 ms)
    from datetime import datetime, tzinfo

    from tracker import config as config_mod
    from tracker.domain.times import Calendar

# A testing aid, documented in the README: pins "now" for every command of one process (an ISO 8601
# time with offset), so tests, subprocess tests too, never depend on the day or hour they run at.
NOW_VAR = "OFFSCREEN_NOW"


@dataclass
class App:
    paths: Paths
    _config: config_mod.Config | None = field(default=None, repr=False)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    # Where one-line status notes go ("waiting for the database", progress of long work): set by
    # the CLI only when stderr is a terminal, so scripts and pipes never see them.
    notify: Callable[[str], None] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls, db: str | None = None, env: Mapping[str, str] | None = None, notify: Callable[[str], None] | None = None
    ) -> App:
        env = dict(os.environ if env is None else env)
        return cls(paths=resolve(db=db, env=env), env=env, notify=notify)

    def progress(self, text: str) -> None:
        """A status line for long work (a terminal's stderr only; nothing otherwise)."""
        if self.notify is not None:
            self.notify(text)

    def _waiting(self, pid: str | None) -> None:
        self.progress(f"waiting for the database{f' (held by PID {pid})' if pid else ''}...")

    @cached_property
    def zone(self) -> tzinfo:
        """The local zone, worked out once for this process."""
        from tracker.domain.times import local_zone

        return local_zone(self.env)

    @cached_property
    def calendar(self) -> Calendar:
        """THE calendar: local zone and the hour local days start at (config general.day_start_hour)."""
        from tracker.domain.times import Calendar

        return Calendar(self.zone, self.config.general.day_start_hour)

    def now(self) -> datetime:
        """Now, aware, in the local zone; pinned by $OFFSCREEN_NOW when set (a testing aid)."""
        from datetime import datetime

        from tracker.domain.times import UTC, in_zone

        pinned = self.env.get(NOW_VAR)
        if not pinned:
            return in_zone(datetime.now(UTC), self.zone)
        try:
            at = datetime.fromisoformat(pinned)
        except ValueError:
            from tracker.errors import UserError

            raise UserError(
                f"${NOW_VAR}={pinned!r}: use ISO 8601 with an offset, like 2026-11-30T12:00+01:00"
            ) from None
        if at.tzinfo is None:
            from tracker.errors import UserError

            raise UserError(f"${NOW_VAR}={pinned!r} has no UTC offset: use ISO 8601 like 2026-11-30T12:00+01:00")
        from tracker.domain.times import check_range

        return in_zone(check_range(at, f"${NOW_VAR}={pinned}"), self.zone)

    @cached_property
    def config(self) -> config_mod.Config:
        """Loaded lazily so that commands that don't need it never fail on a bad file."""
        from tracker import config as config_mod

        return self._config if self._config is not None else config_mod.load(self.paths.config_file)

    def drain(self, wait: float | None = None, con=None) -> int:
        """Move whatever the daemon queued into DuckDB, so reads are current (see drain_queue);
        through CON when the caller has the database open already."""
        return drain_queue(
            self.paths.queue_file,
            self.paths.db,
            wait=wait,
            on_wait=self._waiting if self.notify else None,
            note=self.notify,
            con=con,
        )

    @contextmanager
    def store(self, *, drain: bool = False) -> Iterator:
        """A short-lived DuckDB connection (optionally draining the daemon's queue first)."""
        from tracker import store  # lazy: `offscreen --help` must not import duckdb

        with store.connect(self.paths.db, on_wait=self._waiting if self.notify else None) as con:
            if drain:
                self.drain(con=con)  # one connection for the drain and the read: ~35 ms of CPU less
                self.sync_quietly(con)
            yield con

    def sync_quietly(self, con) -> None:
        """Reads also sync when [sync] dir is set (issue 16): cheap when nothing changed (a hash
        compare per table and a listing of the folder). A missing folder or any failure there
        never stops a read: `offscreen sync now` and `doctor` say what is wrong."""
        text = self.config.sync.dir
        if not text:
            return
        root = Path(text).expanduser()
        if not root.is_dir():
            return
        from tracker.store import sync

        try:
            sync.sync(con, root, sync.host_identity(self.paths.state_dir), self.now())
        except Exception as e:  # any failure of the synced folder; the read goes on without it
            self.progress(f"sync skipped: {type(e).__name__}: {str(e)[:200]}")


# A queue this long (about a week of the daemon away from a drain) takes seconds to move: say so.
LARGE_DRAIN = 5000


def drain_queue(
    queue_file: Path,
    db: Path,
    wait: float | None = None,
    on_wait: Callable[[str | None], None] | None = None,
    note: Callable[[str], None] | None = None,
    con=None,
) -> int:
    """Copy every span in the daemon's queue into DuckDB (upserts by span id, rollups kept
    current), then delete the closed ones copied, unless the daemon changed them meanwhile. A
    crash in between duplicates nothing; a busy database leaves the queue as it is (DatabaseBusy
    propagates after WAIT seconds, default store.DEFAULT_WAIT). CON: an open connection to DB to
    use (the drain child's, shared with its nudge check). Returns the spans written.

    Here, in the composition root, because it joins the daemon's queue and the store, which never
    import each other (tracker.daemon must not load duckdb).
    """
    from tracker.daemon import queue

    rows = queue.pending(queue_file)
    if not rows:
        return 0
    from tracker.store.activity import upsert_spans

    if note is not None and len(rows) >= LARGE_DRAIN:
        note(f"Moving {len(rows)} queued activity spans into the database...")

    # A large batch is staged in a private temp file beside the queue (the state dir).
    spans = [r[:7] for r in rows]
    if con is not None:
        upsert_spans(con, spans, tmp_dir=queue_file.parent)
    else:
        from tracker import store

        with store.connect(db, wait=wait, on_wait=on_wait) as own:
            upsert_spans(own, spans, tmp_dir=queue_file.parent)
    queue.forget(queue_file, rows)
    return len(rows)
