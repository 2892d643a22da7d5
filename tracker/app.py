"""The application context every command receives: paths, configuration and store access.

Built once per invocation in the CLI group callback (tests build their own); nothing here is
global, so a test can point an App at a tmp_path database without monkeypatching.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from tracker.paths import Paths, resolve

if TYPE_CHECKING:  # imported lazily below: `offscreen log` and --help never read the config (~25 ms)
    from tracker import config as config_mod


@dataclass
class App:
    paths: Paths
    _config: config_mod.Config | None = field(default=None, repr=False)

    @classmethod
    def create(cls, db: str | None = None, env: dict[str, str] | None = None) -> App:
        return cls(paths=resolve(db=db, env=env))

    @cached_property
    def config(self) -> config_mod.Config:
        """Loaded lazily so that commands that don't need it never fail on a bad file."""
        from tracker import config as config_mod

        return self._config if self._config is not None else config_mod.load(self.paths.config_file)

    def drain(self) -> None:
        """Move whatever the daemon queued into DuckDB, so reads are current.

        A no-op until the daemon's queue exists; never loses data (see tracker/queue.py).
        """
        if not self.paths.queue_file.exists():
            return
        from tracker.daemon import queue  # lazy: only commands that read activity pay for it

        queue.drain(self.paths.queue_file, self.paths.db)

    @contextmanager
    def store(self, *, drain: bool = False) -> Iterator:
        """A short-lived DuckDB connection (optionally draining the daemon's queue first)."""
        from tracker import store  # lazy: `offscreen --help` must not import duckdb

        if drain:
            self.drain()
        with store.connect(self.paths.db) as con:
            yield con
