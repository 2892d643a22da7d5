"""The configuration file: errors name the file and the key, reading it writes nothing, `config`
shows TOML that reads back the same, and a broken file is reported by doctor and survived by status."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import config as config_mod
from tracker.errors import ConfigError

NO_X = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}  # doctor in-process must not import pynput on a real display

PRIVACY_AND_RULES = """\
[privacy]
titles = "redact"
exclude = [
  { app = "(?i)keepassxc" },
  { title = "(?i)private browsing|incognito" },
  { app = "(?i)^signal$", title = "(?i)^chat \\\\d" },
]

[categories]
rules = [
  { category = "work", app = "(?i)libreoffice" },
]
"""


def _write_config(cli, text):
    p = Path(cli("config", "path", check=0).stdout.strip())
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


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


def test_config_cli(cli, tmp_path):
    r = cli("config", "path", check=0)
    cfg = tmp_path / "offscreen" / "config" / "config.toml"
    assert r.stdout.strip() == str(cfg)
    cli("config", "init", check=0)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert stat.S_IMODE(cfg.parent.stat().st_mode) == 0o700
    r = cli("config", "init", check=2)
    assert r.stderr.startswith("Error: ") and "--force" in r.stderr and r.stderr.count("\n") == 1
    cfg.write_text("[daemon]\ninterval = -1\n")
    r = cli("config", "show", check=2)
    assert r.stderr.startswith(f"Error: {cfg}: daemon.interval") and "Traceback" not in r.stderr


def test_config_show_prints_toml_that_reads_back_as_the_same_configuration(cli):
    cfg = _write_config(cli, PRIVACY_AND_RULES)
    shown = cli("config", "show", check=0).stdout
    data = tomllib.loads(shown)  # was JSON objects with `null`: not TOML, could not be pasted back
    assert data["privacy"]["exclude"] == [
        {"app": "(?i)keepassxc"},
        {"title": "(?i)private browsing|incognito"},
        {"app": "(?i)^signal$", "title": "(?i)^chat \\d"},
    ]
    assert data["categories"]["rules"] == [{"app": "(?i)libreoffice", "category": "work"}]
    cfg.write_text(shown)  # the effective configuration, used as the file, is the same configuration
    assert cli("config", "show", check=0).stdout == shown


def test_doctor_fails_on_a_broken_config_file_and_says_how_to_fix_it(cli):
    cfg = _write_config(cli, '[privacy]\ntitles = "sometimes"\n')
    r = cli("doctor", "--json", env=NO_X, check=1)
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["config"]["status"] == "fail"
    assert checks["config"]["summary"].startswith(f"{cfg}: privacy.titles")
    assert "offscreen config init --force" in checks["config"]["fix"]
    cfg.write_text('[privacy]\ntitles = "hash"\n')
    r = cli("doctor", "--json", env=NO_X)
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["config"] == {"name": "config", "status": "ok", "summary": f"{cfg} is valid", "fix": None}


def test_status_still_answers_with_a_broken_config_file(cli):
    cfg = _write_config(cli, "[general]\nday_start_hour = 30\n")
    r = cli("status", check=1)  # 1: not running (was 2, so `status || echo down` lied about why)
    assert r.stdout.splitlines()[0].startswith("daemon:      not running")
    assert r.stderr.startswith(f"Warning: {cfg}: general.day_start_hour") and r.stderr.count("\n") == 1
    assert r.stderr.endswith("; using the defaults here (see `offscreen doctor`)\n")
