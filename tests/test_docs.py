"""The README documents every top-level command (the idea of sqlite-utils' tests/test_docs.py).

Commands whose module is not written yet are absent from the CLI (cli.LazyGroup.list_commands),
so they are not required here until they exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tracker import cli as cli_mod

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
COMMANDS = cli_mod.cli.list_commands(click.Context(cli_mod.cli))


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_readme(name):
    assert re.search(rf"offscreen {re.escape(name)}\b", README), f"README.md never shows `offscreen {name}`"


def test_interactions_section_shows_every_subcommand():
    for cmd in (
        "interactions list",
        "interactions show",
        "interactions edit",
        "interactions delete",
        "interactions restore",
        "people add",
        "people list",
        "people show",
        "people rename",
        "people merge",
        "people alias",
        "people edit",
        "export",
        "import",
    ):
        assert f"offscreen {cmd}" in README, cmd
