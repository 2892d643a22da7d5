"""`offscreen gnome-extension install|uninstall|status`: the GNOME Shell extension that reports the focused window."""

from __future__ import annotations

import json
import os

import click


@click.group("gnome-extension")
def gnome_extension_group():
    """Install, remove or check the GNOME Shell extension offscreen reads the focused window from.

    GNOME lets no ordinary program see which window is in front, so on GNOME (Wayland or X11)
    offscreen needs its own small, read-only extension; without it, it counts idle time only and
    `offscreen doctor` says so. GNOME loads a new extension at the next login.

    \b
    Examples:
      offscreen gnome-extension install
      offscreen gnome-extension status
      offscreen gnome-extension uninstall
    """


@gnome_extension_group.command("install")
@click.option(
    "--shell-version",
    metavar="VERSION",
    help="Install for this GNOME Shell version (e.g. 46) instead of the running one.",
)
def install_cmd(shell_version):
    """Copy the extension variant for this GNOME Shell into ~/.local/share/gnome-shell/extensions and enable it.

    The GNOME version comes from the running shell (or `gnome-shell --version`). Running it again
    replaces the files with this offscreen's and changes nothing else. Log out and log in afterwards.

    \b
    Examples:
      offscreen gnome-extension install
      offscreen gnome-extension install --shell-version 46
    """
    from tracker.ops import gnome_extension

    for line in gnome_extension.install(dict(os.environ), shell_version):
        click.echo(line)


@gnome_extension_group.command("uninstall")
def uninstall_cmd():
    """Disable the extension and remove its files; offscreen then counts idle time only on GNOME.

    \b
    Example:
      offscreen gnome-extension uninstall
    """
    from tracker.ops import gnome_extension

    for line in gnome_extension.uninstall(dict(os.environ)):
        click.echo(line)


@gnome_extension_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status_cmd(ctx, as_json):
    """Say whether the extension is installed, enabled, and active in the running GNOME Shell.

    Exits 0 when the running shell reports the focused window through it, 1 otherwise.

    \b
    Examples:
      offscreen gnome-extension status
      offscreen gnome-extension status --json | jq .active
    """
    from tracker.ops import gnome_extension

    info = gnome_extension.status(dict(os.environ))
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        for line in gnome_extension.render(info):
            click.echo(line)
    ctx.exit(0 if info["active"] else 1)
