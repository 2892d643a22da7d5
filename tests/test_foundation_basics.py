"""Paths, config and the store's connection contract, against real files."""

from __future__ import annotations

import json
import stat

import pytest

from tracker import config as config_mod
from tracker import paths, store
from tracker.errors import ConfigError


def test_offscreen_home_moves_everything(tmp_path):
    p = paths.resolve(env={"OFFSCREEN_HOME": str(tmp_path / "h"), "HOME": "/nonexistent"})
    assert p.config_file == tmp_path / "h" / "config" / "config.toml"
    assert p.db == tmp_path / "h" / "data" / "offscreen.duckdb"
    assert p.state_dir == tmp_path / "h" / "state"


def test_xdg_dirs_and_db_override(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_DATA_HOME": "relative/ignored"}
    p = paths.resolve(env=env)
    assert p.config_dir == tmp_path / "c" / "offscreen"
    assert p.data_dir == tmp_path / ".local" / "share" / "offscreen"
    assert paths.resolve(db=str(tmp_path / "x.duckdb"), env=env).db == tmp_path / "x.duckdb"
    assert paths.resolve(env={**env, "OFFSCREEN_DB": str(tmp_path / "y.duckdb")}).db == tmp_path / "y.duckdb"


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


@pytest.mark.parametrize(
    "toml, needle",
    [
        ("[general]\nday_start_hour = 30\n", "general.day_start_hour"),
        ("[general]\nbogus = 1\n", "general.bogus"),
        ("[nonsense]\n", "nonsense"),
        ('[privacy]\ntitles = "maybe"\n', "privacy.titles"),
        ('[privacy]\nexclude = [{ app = "(" }]\n', "privacy.exclude[0].app"),
        ('[categories]\nrules = [{ app = "x" }]\n', "categories.rules[0].category"),
        ("[cadence]\ninner = [14, 7]\n", "cadence.inner"),
        ('[nudges]\nquiet_start = "25:00"\n', "nudges.quiet_start"),
        ("not toml =", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, toml, needle):
    f = tmp_path / "config.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError) as e:
        config_mod.load(f)
    assert str(f) in str(e.value) and needle in str(e.value)


def test_sample_config_is_valid_and_reading_writes_nothing(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text(config_mod.sample())
    assert config_mod.load(f) == config_mod.Config(source=f)
    missing = tmp_path / "nope" / "config.toml"
    assert config_mod.load(missing) == config_mod.Config()
    assert not missing.parent.exists()


def test_config_cli(run, tmp_path):
    r = run("config", "path", check=0)
    cfg = tmp_path / "offscreen" / "config" / "config.toml"
    assert r.stdout.strip() == str(cfg)
    run("config", "init", check=0)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE(cfg.parent.stat().st_mode) == 0o700
    r = run("config", "init", check=2)
    assert r.stderr.startswith("Error: ") and "--force" in r.stderr and r.stderr.count("\n") == 1
    cfg.write_text("[daemon]\ninterval = -1\n")
    r = run("config", "show", check=2)
    assert r.stderr.startswith(f"Error: {cfg}: daemon.interval") and "Traceback" not in r.stderr


def test_unknown_command_is_one_line_exit_2(run):
    r = run("frobnicate", check=2)
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1


def test_private_dirs_never_change_existing_parents(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o1777)
    paths.atomic_write(shared / "out.html", "x")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "out.html").stat().st_mode) == 0o600
    paths.ensure_private_dir(shared / "a" / "b")
    assert stat.S_IMODE((shared / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((shared / "a" / "b").stat().st_mode) == 0o700
    with store.connect(shared / "db.duckdb"):
        pass
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_real_process_uses_xdg_dirs_and_db_flag_beats_env(run, tmp_path):
    """End to end (issue 2 section 2): without OFFSCREEN_HOME the console script keeps config, data
    and state in the XDG dirs and writes nothing else into HOME; --db beats $OFFSCREEN_DB."""
    home = tmp_path / "xhome"
    home.mkdir()
    env = {
        "HOME": str(home),
        "OFFSCREEN_HOME": "",
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    run("config", "init", check=0, env=env)
    run("log", "--with", "Sam", "--for", "1h", "--at", "2025-11-20 10:00", check=0, env=env)
    assert (tmp_path / "cfg" / "offscreen" / "config.toml").is_file()
    assert (tmp_path / "data" / "offscreen" / "offscreen.duckdb").is_file()
    assert list(home.iterdir()) == []
    via_env, via_flag = tmp_path / "env.duckdb", tmp_path / "flag.duckdb"
    run(
        "--db",
        via_flag,
        "log",
        "--with",
        "Jo",
        "--for",
        "1h",
        "--at",
        "2025-11-20 12:00",
        check=0,
        env={**env, "OFFSCREEN_DB": str(via_env)},
    )
    assert via_flag.is_file() and not via_env.exists()
    listed = run("--db", via_flag, "interactions", "list", "--json", check=0, env=env).stdout
    assert [i["people"] for i in json.loads(listed)] == [["Jo"]]
    listed = run("interactions", "list", "--json", check=0, env={**env, "OFFSCREEN_DB": str(via_flag)}).stdout
    assert [i["people"] for i in json.loads(listed)] == [["Jo"]]
    listed = run("interactions", "list", "--json", check=0, env=env).stdout
    assert [i["people"] for i in json.loads(listed)] == [["Sam"]]
