"""`offscreen config init|path|show`."""

from __future__ import annotations

import json

import click

from tracker import config as config_mod
from tracker.errors import UserError
from tracker.paths import atomic_write


@click.group("config")
def config_group():
    """Show, locate or create the configuration file (TOML).

    \b
    Examples:
      offscreen config path
      offscreen config init
      offscreen config show --json
    """


@config_group.command("path")
@click.pass_obj
def config_path(app):
    """Print where the configuration file is (it may not exist yet).

    \b
    Example:
      $EDITOR "$(offscreen config path)"
    """
    click.echo(str(app.paths.config_file))


@config_group.command("init")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def config_init(app, force):
    """Write a commented sample configuration with the defaults.

    \b
    Example:
      offscreen config init && $EDITOR "$(offscreen config path)"
    """
    path = app.paths.config_file
    if path.exists() and not force:
        raise UserError(f"{path} already exists; use --force to overwrite it")
    atomic_write(path, config_mod.SAMPLE)
    click.echo(f"Wrote {path}")


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def config_show(app, as_json):
    """Print the effective configuration (defaults merged with the file), after validation.

    \b
    Example:
      offscreen config show --json
    """
    data = config_mod.to_dict(app.config)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(f"# source: {data.pop('source') or 'defaults (no file)'}")
    for section, values in data.items():
        click.echo(f"[{section}]")
        for key, value in values.items():
            click.echo(f"{key} = {_toml(value)}")
        click.echo()


def _toml(value) -> str:
    """VALUE as TOML, so the output can be pasted into config.toml (unset rule keys are left out)."""
    if isinstance(value, dict):
        items = [f"{k} = {_toml(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, default=str)  # strings, numbers and booleans are spelled alike
