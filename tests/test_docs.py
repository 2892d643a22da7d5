"""The README documents every top-level command (the idea of sqlite-utils' tests/test_docs.py)."""

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


def test_quick_start_keeps_its_home_to_itself(tmp_path):
    """The Quick start's OFFSCREEN_HOME must not outlive it: the README's later examples (log,
    people ...) are pasted into the same shell and belong in the user's own database."""
    import subprocess

    block = README.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    # A stand-in `offscreen` that records which home each call would write to.
    script = (
        f'offscreen() {{ echo "$1 ${{OFFSCREEN_HOME:-own}}" >> {tmp_path}/calls; }}\n'
        f"{block}\n"
        "offscreen log --with Sam --for 1h\n"
    )
    subprocess.run(["bash", "-c", script], check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0].startswith("demo /") and calls[-1] == "log own", calls
    assert {c.split()[1] for c in calls[:-1]} == {calls[0].split()[1]}  # the demo, dashboard, report share a home
