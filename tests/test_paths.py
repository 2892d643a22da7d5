"""Where offscreen keeps its files: OFFSCREEN_HOME, the XDG dirs, --db and OFFSCREEN_DB."""

from __future__ import annotations

import json

from tracker import paths


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


def test_real_process_uses_xdg_dirs_and_db_flag_beats_env(run, tmp_path):
    """End to end, through the console script and the environment it starts with: without
    OFFSCREEN_HOME, config, data and state live in the XDG dirs and nothing else is written into
    HOME; --db beats $OFFSCREEN_DB."""
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
