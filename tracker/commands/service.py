"""`offscreen status`, `offscreen doctor`, `offscreen service install|uninstall|status`."""

from __future__ import annotations

import json
import os

import click

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status_cmd(ctx, as_json):
    """Show whether the daemon runs, its last sample, the queue, the database and today's totals.

    Stores what the daemon queued first, so today's totals are those of `offscreen today`. A
    daemon that is not running is said to have stopped cleanly, or to have died, with when it was
    last seen. Exits 1 when the daemon is not running, so scripts can test it.

    \b
    Examples:
      offscreen status
      offscreen status --json | jq .daemon.running
    """
    from tracker import config as config_mod
    from tracker.domain.times import Calendar
    from tracker.ops import status

    app = ctx.obj
    try:
        cfg = app.config
    except config_mod.ConfigError as e:
        # Still answer "is it running?" (the daemon keeps its last good rules); doctor explains.
        click.echo(f"Warning: {e}; using the defaults here (see `offscreen doctor`)", err=True)
        cfg = config_mod.Config()
    now = app.now()
    info = status.gather(app.paths, Calendar(app.zone, cfg.general.day_start_hour), now, cfg, drain=app.drain)
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        for line in status.render(info, now):
            click.echo(line)
    ctx.exit(0 if info["daemon"]["running"] else 1)


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def doctor_cmd(ctx, as_json):
    """Check everything tracking needs and say how to fix what does not work.

    Checks the display and backend, the EWMH window manager, XScreenSaver, pynput, lock detection,
    the directories, the configuration file, the time zone, DuckDB, the user systemd manager and the daemon.
    Exits 0 when tracking can work (warnings allowed), 1 when a check failed.

    \b
    Examples:
      offscreen doctor
      offscreen doctor --json | jq '.checks[] | select(.status != "ok")'
    """
    from tracker.ops import doctor

    checks = doctor.run_all(ctx.obj.paths, dict(os.environ), ctx.obj.now())
    ok = doctor.can_track(checks)
    if as_json:
        click.echo(json.dumps({"can_track": ok, "checks": [c.as_dict() for c in checks]}, indent=2))
    else:
        for c in checks:
            click.echo(f"[{_MARK[c.status]}] {c.name}: {c.summary}")
            if c.fix and c.status != "ok":
                click.echo(f"       fix: {c.fix}")
        click.echo("Tracking can work." if ok else "Tracking cannot work until the FAIL lines are fixed.")
    ctx.exit(0 if ok else 1)


@click.group("service")
def service_group():
    """Install the daemon as a systemd user service that starts with your desktop session.

    \b
    Examples:
      offscreen service install --dry-run
      offscreen service install
      offscreen service status
      offscreen service uninstall
    """


def _report(outcome) -> None:
    for line in outcome.done:
        click.echo(line)
    for line in outcome.notes:
        click.echo(f"note: {line}")
    if outcome.todo:
        click.echo("No user systemd manager answers here (`systemctl --user`). Run these in your desktop session:")
        for cmd in outcome.todo:
            click.echo(f"  {cmd}")
    elif not outcome.changed:
        click.echo("Nothing changed.")


@service_group.command("install")
@click.option("--dry-run", is_flag=True, help="Show the unit and the commands; change nothing.")
@click.option("--print", "print_only", is_flag=True, help="Print the rendered unit file and exit.")
@click.option("--no-start", is_flag=True, help="Enable the unit but do not start it now.")
@click.pass_obj
def service_install(app, dry_run, print_only, no_start):
    """Write the user unit for this installation, enable it and start it.

    The unit runs the `offscreen` you are running now (venv, pipx or system install) and uses the
    same directories. DISPLAY, XAUTHORITY and WAYLAND_DISPLAY (those set) are passed to the user
    manager. Running it again changes nothing. Without a reachable user manager it prints the
    commands to run.

    \b
    Examples:
      offscreen service install
      offscreen service install --print > offscreen.service
    """
    from tracker.ops import service

    env = dict(os.environ)
    exe, kind = service.find_executable(env=env)
    unit = service.render_unit(exe, app.paths, env)
    if print_only:
        click.echo(unit, nl=False)
        return
    if dry_run:
        target = service.unit_path(env)
        click.echo(f"# would write {target} ({kind} install: {' '.join(exe)})")
        click.echo(unit, nl=False)
        have = service.session_vars(env)
        click.echo("# then run:")
        click.echo("#   systemctl --user daemon-reload")
        if have:
            click.echo("#   systemctl --user import-environment " + " ".join(have))
        click.echo(f"#   systemctl --user enable {'' if no_start else '--now '}{service.UNIT_NAME}")
        return
    _report(service.install(app.paths, env=env, exec_start=exe, start=not no_start))


@service_group.command("uninstall")
@click.pass_obj
def service_uninstall(app):
    """Stop and disable the user service and remove its unit file (your data stays).

    \b
    Example:
      offscreen service uninstall
    """
    from tracker.ops import service

    _report(service.uninstall(env=dict(os.environ)))


@service_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def service_status(app, as_json):
    """Show whether the unit is installed, current, enabled and active.

    \b
    Example:
      offscreen service status
    """
    from tracker.ops import service

    env = dict(os.environ)
    info = service.unit_status(env=env)
    exe, kind = service.find_executable(env=env)
    info["exec_start"] = exe
    info["install_kind"] = kind
    info["up_to_date"] = info["installed"] and (
        service.unit_path(env).read_text(encoding="utf-8") == service.render_unit(exe, app.paths, env)
    )
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    if not info["installed"]:
        state = "not installed"
    elif info["up_to_date"]:
        state = "installed, up to date"
    else:
        state = "installed, outdated: run offscreen service install"
    click.echo(f"unit file:   {info['unit_path']} ({state})")
    click.echo(f"command:     {' '.join(exe)} ({kind} install)")
    if info["manager"]:
        click.echo(f"systemd:     {info['enabled']}, {info['active']}")
    else:
        click.echo("systemd:     no user manager answers (`systemctl --user`)")
