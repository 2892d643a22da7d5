"""The drain's bulk path (a private TSV file read by read_csv) and the drain child's one connection."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.app import drain_queue
from tracker.daemon import queue
from tracker.domain.spans import Span
from tracker.store import activity, connect, rollups

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp()

# Titles (and app names, exe paths) that would break a naive TSV or CSV: the delimiter, line ends,
# quotes, the escape character, NUL, separators Unicode treats as line breaks, bidi controls, an
# empty string (not NULL) and NULL, a leading 'x' and 'p' (the field markers), and a lone
# surrogate (not UTF-8 at all: stored as '?').
HOSTILE = [
    "tab\there",
    "new\nline",
    "carriage\r\nreturn",
    "say \"hi\", 'bye'",
    "back\\slash\\t not a tab",
    "nul\x00inside",
    "line\u2028sep\u2029para\x85nel",
    "\u202eevil rtl\u202c and 🎉 emoji, ünïcödé, 中文",
    "",
    None,
    "x41",
    "p",
    "\\N",
    "NULL",
    " leading and trailing ",
    "\x1b[31mred\x1b[0m",
]


def _spans(n: int, offset: int = 0) -> list[Span]:
    return [
        Span(
            f"id{offset + i}",
            T0 + offset + i,
            T0 + offset + i + 0.75,
            HOSTILE[(i + 3) % len(HOSTILE)],
            HOSTILE[i % len(HOSTILE)],
            "active" if i % 5 else "idle",
            HOSTILE[(i + 7) % len(HOSTILE)],
        )
        for i in range(n)
    ]


def _stored(db: Path) -> list[tuple]:
    with connect(db) as con:
        return con.execute(
            "SELECT span_id, epoch_us(start_utc), epoch_us(end_utc), app, title, state, exe FROM activity ORDER BY 2"
        ).fetchall()


def _expected(spans: list[Span]) -> list[tuple]:
    def fix(t):  # what any store can keep of a lone surrogate
        return None if t is None else t.encode("utf-8", "replace").decode("utf-8")

    return [
        (s.id, round(s.start * 1e6), round(s.end * 1e6), fix(s.app), fix(s.title), s.state, fix(s.exe)) for s in spans
    ]


@pytest.fixture
def files(tmp_path):
    return tmp_path / "state" / "queue.sqlite3", tmp_path / "data" / "offscreen.duckdb"


@pytest.mark.parametrize("bulk", [True, False])
def test_hostile_titles_arrive_exactly_by_either_path(files, monkeypatch, bulk):
    qf, db = files
    monkeypatch.setattr(activity, "TSV_FROM", 10 if bulk else 10**9)
    staged = []
    real = activity._stage_tsv

    def spy(con, rows, tmp_dir):
        staged.append(len(rows))
        real(con, rows, tmp_dir)

    monkeypatch.setattr(activity, "_stage_tsv", spy)
    spans = _spans(3 * len(HOSTILE))
    q = queue.Queue(qf)
    q.put(spans, closed=True)
    q.close()
    assert drain_queue(qf, db) == len(spans)
    assert staged == ([len(spans)] if bulk else [])
    assert _stored(db) == _expected(spans)
    assert queue.depth(qf) == 0
    assert not list(qf.parent.glob(".drain-*")), "the staging file is removed"


def test_the_staging_file_is_private_and_exclusive(files, monkeypatch):
    qf, db = files
    monkeypatch.setattr(activity, "TSV_FROM", 1)
    seen = {}
    real = os.open

    def spy(path, flags, mode=0o777, **kw):
        if Path(path).name.startswith(".drain-"):
            seen.update(flags=flags, mode=mode)
        return real(path, flags, mode, **kw)

    monkeypatch.setattr(os, "open", spy)
    q = queue.Queue(qf)
    q.put(_spans(3), closed=True)
    q.close()
    drain_queue(qf, db)
    assert seen["mode"] == 0o600 and seen["flags"] & os.O_EXCL and seen["flags"] & os.O_CREAT
    assert stat.S_IMODE(qf.parent.stat().st_mode) == 0o700


def test_a_staging_file_left_by_a_killed_drain_is_removed(files, monkeypatch):
    qf, db = files
    monkeypatch.setattr(activity, "TSV_FROM", 1)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    qf.parent.mkdir(mode=0o700, parents=True)
    left = qf.parent / f".drain-{int(dead.stdout)}.tsv"
    left.write_text("secret title\n")
    q = queue.Queue(qf)
    q.put(_spans(2), closed=True)
    q.close()
    drain_queue(qf, db)
    assert not left.exists()


def test_a_redrained_span_is_replaced_not_duplicated_and_rollups_follow(files, monkeypatch):
    """Upsert by id through the bulk path; the rollups of the quarters it left are redone."""
    qf, db = files
    monkeypatch.setattr(activity, "TSV_FROM", 1)
    with connect(db) as con:
        rollups.rebuild(con)  # current (empty): drains keep them so from here on
    q = queue.Queue(qf)
    q.put([Span("a", T0, T0 + 3600, "firefox", "t", "active")], closed=False)
    drain_queue(qf, db)
    q.put([Span("a", T0 + 1800, T0 + 1900, "code", "t", "active")], closed=True)  # moved and shrunk
    drain_queue(qf, db)
    q.close()
    with connect(db) as con:
        got = con.execute("SELECT q, state, app, category, micros FROM activity_quarters ORDER BY ALL").fetchall()
        rollups.rebuild(con)
        assert (
            got == con.execute("SELECT q, state, app, category, micros FROM activity_quarters ORDER BY ALL").fetchall()
        )
    assert got == [(int(T0 + 1800) // 900, "active", "code", "programming", 100_000_000)]


def test_the_drain_child_drains_and_checks_the_nudge_with_one_connection(tmp_path):
    """`python -m tracker.usecases.drain --nudge` opens DuckDB once (the nudge shares it)."""
    home = tmp_path / "home"
    env = {**os.environ, "OFFSCREEN_HOME": str(home), "OFFSCREEN_NOW": "2026-11-26T12:00+01:00"}
    (home / "config").mkdir(parents=True, mode=0o700)
    (home / "config" / "config.toml").write_text("[nudges]\ndesktop = false\n")
    q = queue.Queue(home / "state" / "queue.sqlite3")
    q.put(_spans(5), closed=True)
    q.close()
    code = (
        "import sys, _duckdb; n = []; real = _duckdb.connect\n"
        "def counted(*a, **k):\n    n.append(1); return real(*a, **k)\n"
        "_duckdb.connect = counted\n"
        "from tracker.usecases import drain\n"
        "rc = drain.main(['--nudge']); print(len(n)); sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert len(_stored(home / "data" / "offscreen.duckdb")) == 5
