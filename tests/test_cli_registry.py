"""tracker/cli.py's registry: every command module imports, every name resolves to its command,
and a module that does not import fails loudly instead of dropping the command."""

from __future__ import annotations

import importlib

import click
import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker import cli as cli_mod


@pytest.mark.parametrize("name", list(cli_mod.COMMANDS))
def test_every_registered_command_resolves(name):
    module, attr = cli_mod.COMMANDS[name]
    assert isinstance(getattr(importlib.import_module(module), attr), click.Command)
    cmd = cli_mod.cli.get_command(click.Context(cli_mod.cli), name)
    assert isinstance(cmd, click.Command) and cmd.name == name


def test_help_lists_every_registered_command_in_order(cli):
    out = cli("--help", check=0).stdout
    listed = [line.split()[0] for line in out.split("Commands:\n", 1)[1].splitlines() if line.startswith("  ")]
    ctx = click.Context(cli_mod.cli)
    assert listed == [n for n in cli_mod.COMMANDS if not cli_mod.cli.get_command(ctx, n).hidden]
    assert "drain" not in listed  # the daemon's child: hidden, yet registered and resolvable


@pytest.mark.parametrize(
    "spec, error",
    [
        (("tracker.commands.not_written_yet", "x_cmd"), ModuleNotFoundError),
        (("tracker.commands.config", "no_such_cmd"), AttributeError),
    ],
)
def test_a_broken_registry_entry_fails_loudly(monkeypatch, spec, error):
    monkeypatch.setitem(cli_mod.COMMANDS, "broken", spec)
    with pytest.raises(error):
        cli_mod.cli.get_command(click.Context(cli_mod.cli), "broken")


@pytest.mark.parametrize("argv", [["broken"], ["--help"]])
def test_a_missing_command_module_is_an_internal_error_not_a_missing_command(cli, monkeypatch, argv):
    monkeypatch.setitem(cli_mod.COMMANDS, "broken", ("tracker.commands.not_written_yet", "x_cmd"))
    r = cli(*argv)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(
        "Error: internal error: ModuleNotFoundError: No module named 'tracker.commands.not_written_yet'"
    )
