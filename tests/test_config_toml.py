"""`config show` and `config init` write TOML (tomli_w) that `config.load` reads back."""

from __future__ import annotations

import re
from pathlib import Path

from inproc import cli  # noqa: F401 (fixture)
from tracker import config as config_mod

# Every kind of value the schema has, with strings TOML must escape: quotes, backslashes,
# non-ASCII, and a rule long enough that it cannot be an inline table on one line.
CUSTOM = r"""
[general]
day_start_hour = 6

[daemon]
interval = 2.5
idle_after = 300

[privacy]
titles = "hash"
exclude = [
  { app = "(?i)keepassxc" },
  { title = 'say "hi" \d+ Straße ☕' },
  { app = "^signal$", title = "(?i)^chat \\d" },
]

[categories]
use_defaults = false
rules = [
  { category = "work", app = "(?i)libreoffice" },
  { category = "long", title = "(?i)(alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|omicron)" },
]

[cadence]
inner = [3, 10]

[nudges]
desktop = false
quiet_start = "21:30"
"""


def _config_file(cli) -> Path:
    path = Path(cli("config", "path", check=0).stdout.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_config_show_reads_back_as_the_same_configuration(cli):
    path = _config_file(cli)
    path.write_text(CUSTOM, encoding="utf-8")
    original = config_mod.load(path)
    shown = cli("config", "show", check=0).stdout
    assert shown.startswith(f"# source: {path}\n")
    path.write_text(shown, encoding="utf-8")  # pasted back as the whole file
    assert config_mod.load(path) == original
    assert original.privacy.exclude[1].title == 'say "hi" \\d+ Straße ☕'
    assert cli("config", "show", check=0).stdout == shown


def test_config_show_of_the_defaults_is_the_default_configuration(cli, tmp_path):
    shown = cli("config", "show", check=0).stdout
    assert shown.startswith("# source: defaults (no file)\n")
    f = tmp_path / "pasted.toml"
    f.write_text(shown, encoding="utf-8")
    assert config_mod.load(f) == config_mod.Config(source=f)


def test_config_init_writes_the_defaults_and_examples_that_validate(cli):
    cli("config", "init", check=0)
    path = _config_file(cli)
    text = path.read_text(encoding="utf-8")
    assert config_mod.load(path) == config_mod.Config(source=path)
    assert "# exclude = [" in text and "# rules = [" in text
    # Uncommented, the examples are valid rules (the category ones are also RE2-safe).
    examples = re.sub(r"(?m)^# ((?:exclude|rules) = \[|    \{ .*\},|\])$", r"\1", text)
    cfg = config_mod.load(_write(path, examples))
    assert [r.app for r in cfg.privacy.exclude] == ["(?i)keepassxc", None]
    assert [r.category for r in cfg.categories.rules] == ["work", "social media"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
