"""store.connect: a new database is a private file in a private directory, migrated exactly once."""

from __future__ import annotations

import stat

from tracker import store


def test_database_is_private_and_migrated(tmp_path):
    db = tmp_path / "new" / "dir" / "o.duckdb"
    with store.connect(db) as con:
        names = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert names == [n for n, _ in store.schema.MIGRATIONS]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    # Reopening applies nothing twice.
    with store.connect(db) as con:
        assert store.migrate(con) == []
