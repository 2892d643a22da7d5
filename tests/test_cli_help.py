"""Every command and subcommand has --help (exit 0) with an example."""

from __future__ import annotations

import click
import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import cli as cli_mod


def _command_paths() -> list[list[str]]:
    """Every loadable command path, from cli.COMMANDS (lazily, like `offscreen --help`)."""
    group = cli_mod.cli
    paths = [[]]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        paths.append([name])
        if isinstance(cmd, click.Group):
            paths.extend([name, sub] for sub in cmd.list_commands(ctx))
    return paths


PATHS = _command_paths()


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "offscreen" for p in PATHS])
def test_help_has_an_example(cli, path):
    r = cli(*path, "--help", check=0)
    assert "Usage: offscreen" in r.stdout and "Example" in r.stdout, r.stdout
    assert r.stderr == ""


def test_my_commands_are_all_there():
    names = {" ".join(p) for p in PATHS}
    for expected in (
        "log",
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
        "config init",
    ):
        assert expected in names


def test_every_registered_command_loads():
    """All issues are merged: a command module that went missing must fail here, not silently drop
    out of --help and out of the parametrised help and README tests above."""
    ctx = click.Context(cli_mod.cli)
    assert cli_mod.cli.list_commands(ctx) == list(cli_mod.COMMANDS)
