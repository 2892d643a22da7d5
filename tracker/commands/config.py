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
    atomic_write(path, config_mod.sample())
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
    click.echo(f"# source: {data['source'] or 'defaults (no file)'}")
    click.echo(config_mod.to_toml(app.config), nl=False)
