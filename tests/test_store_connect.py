"""store.connect: a new database is a private file in a private directory, migrated exactly once."""

from __future__ import annotations

import stat

from inproc import cli  # noqa: F401 (fixture)
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


def test_a_data_file_given_as_the_database_is_refused_not_written_to_memory(cli, tmp_path):
    """DuckDB would open an existing x.json that is no database as an empty in-memory one, so a
    `log` would print 'Logged' and keep nothing."""
    f = tmp_path / "backup.json"
    f.write_text('{"not": "a database"}')
    r = cli("--db", f, "log", "--with", "Sam", "--for", "1h", check=2)
    assert r.stderr == f"Error: {f} is not an offscreen database (a data file?); give a .duckdb file with --db\n"
    assert f.read_text() == '{"not": "a database"}'
