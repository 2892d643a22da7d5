"""The `offscreen` command: a lazy click group and the one place errors become exit codes.

Commands live in tracker/commands/*.py and are imported only when used, so `offscreen --help`
and `offscreen log` never import plotly (and --help not even duckdb).
Exit codes: 0 ok, 2 bad usage or input ("Error: ..." on one line, nothing written), 1 runtime failure.
Everything printed, to stdout and stderr, passes tracker.domain.text.terminal_safe: whatever a
database or a file holds, no escape sequence reaches the terminal (JSON stays exact: its strings
read the same with a control character written as \\uXXXX).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from tracker import __version__
from tracker.app import App
from tracker.domain.text import terminal_safe
from tracker.errors import OffscreenError

# name -> (module, attribute). Order here is the order in `offscreen --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "log": ("tracker.commands.interactions", "log_cmd"),
    "interactions": ("tracker.commands.interactions", "interactions_group"),
    "people": ("tracker.commands.people", "people_group"),
    "invite": ("tracker.commands.invite", "invite_group"),
    "export": ("tracker.commands.transfer", "export_cmd"),
    "import": ("tracker.commands.transfer", "import_cmd"),
    "import-aw": ("tracker.commands.aw_import", "import_aw_cmd"),
    "backup": ("tracker.commands.backup", "backup_cmd"),
    "restore": ("tracker.commands.backup", "restore_cmd"),
    "today": ("tracker.commands.activity", "today_cmd"),
    "daemon": ("tracker.commands.activity", "daemon_cmd"),
    "drain": ("tracker.commands.activity", "drain_cmd"),
    "dashboard": ("tracker.commands.dashboard", "dashboard_cmd"),
    "report": ("tracker.commands.dashboard", "report_cmd"),
    "demo": ("tracker.commands.demo", "demo_cmd"),
    "status": ("tracker.commands.service", "status_cmd"),
    "doctor": ("tracker.commands.service", "doctor_cmd"),
    "service": ("tracker.commands.service", "service_group"),
    "gnome-extension": ("tracker.commands.gnome_extension", "gnome_extension_group"),
    "routine": ("tracker.commands.practice", "routine_group"),
    "checkin": ("tracker.commands.practice", "checkin_cmd"),
    "unplug": ("tracker.commands.practice", "unplug_group"),
    "nudge": ("tracker.commands.practice", "nudge_cmd"),
    "config": ("tracker.commands.config", "config_group"),
    "sync": ("tracker.commands.sync", "sync_group"),
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command is listed or run.

    A registered module that does not import, or lacks its command, raises: a command must never
    silently disappear from the CLI.
    """

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        spec = COMMANDS.get(name)
        if spec is None:
            return None  # click reports "No such command"
        module, attr = spec
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    "db",
    metavar="PATH",
    envvar="OFFSCREEN_DB",
    help="Database file (default: $XDG_DATA_HOME/offscreen/offscreen.duckdb; env OFFSCREEN_DB).",
)
@click.version_option(__version__, "--version", prog_name="offscreen")
@click.pass_context
def cli(ctx, db):
    """Set your screen time against your face-to-face connection.

    \b
    Examples:
      offscreen log "lunch" --with Sam --for 1h --closeness 5
      offscreen interactions list --since 7d
      offscreen today
      offscreen dashboard -o ~/offscreen.html --open

    All files live under $XDG_CONFIG_HOME, $XDG_DATA_HOME and $XDG_STATE_HOME (offscreen/), or
    under $OFFSCREEN_HOME when set.
    """
    ctx.obj = App.create(db=db, notify=_terminal_notes())


def _terminal_notes():
    """Status notes go to stderr only when it is a terminal: never into a script's logs or pipes."""
    try:
        if not sys.stderr.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return lambda line: click.echo(line, err=True)


# click >= 8.2 raises this for a group called without a subcommand.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _fail(message: str, code: int) -> None:
    # One line, always: a multi-line message is folded so scripts can rely on it.
    click.echo("Error: " + " ".join(str(message).split()), err=True)
    sys.exit(code)


def _internal(e: Exception) -> None:
    """A bug, not a user mistake: a short message, the traceback on request."""
    if os.environ.get("OFFSCREEN_DEBUG"):
        raise e
    _fail(f"internal error: {type(e).__name__}: {e} (rerun with OFFSCREEN_DEBUG=1 for details)", 1)


class _TerminalSafe:
    """A text stream whose writes show control characters as \\uXXXX (see the module docstring)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_safe(text))  # bytes raise TypeError, as a text stream's do

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


# What offscreen reads from the environment as text (paths, the pinned clock).
_ENV_TEXT = ("OFFSCREEN_HOME", "OFFSCREEN_DB", "OFFSCREEN_NOW", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


def _not_utf8(argv: list[str]) -> str | None:
    """What is not UTF-8 among the arguments and the variables offscreen reads, said in one line.

    Python hands undecodable bytes over as lone surrogates ("surrogateescape"); DuckDB, the
    terminal and every file offscreen writes need UTF-8, so such text is refused at the door.
    """
    for n, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return f"argument {n} ({os.fsencode(arg)!r}) is not valid UTF-8 text; offscreen reads arguments as UTF-8"
    for var in _ENV_TEXT:
        value = os.environ.get(var, "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"${var} ({os.fsencode(value)!r}) is not valid UTF-8; offscreen needs its paths in UTF-8"
    return None


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the group and translate every error exactly once."""
    os.umask(0o077)  # anything we create is private: titles and notes can hold secrets
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalSafe(sys.stdout), _TerminalSafe(sys.stderr)
    try:
        _main(argv)
    except SystemExit as e:
        if argv is None:  # the console script's own process, not a caller's (tests pass ARGV)
            _exit_now(e, streams)
        raise
    finally:
        sys.stdout, sys.stderr = streams


def _exit_now(e: SystemExit, streams) -> None:
    """End the process with E's code after the atexit callbacks (coverage's, DuckDB's cleanup),
    skipping the rest of the interpreter's teardown, which only frees memory: tearing down the
    modules click and the store load is ~10 ms of the ~110 ms CPU of `offscreen log`
    (bench/bench_log.py; issue 14). By now every database connection and file is closed
    (store.connect and paths.atomic_write close theirs; DuckDB checkpoints at close). Returns, for
    the normal exit, when another thread runs, a stream cannot be flushed, or E carries a message."""
    import atexit

    code = e.code
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    threading = sys.modules.get("threading")
    if code is not None and not isinstance(code, int):
        return  # a message for Python to print
    if run_exitfuncs is None or (threading is not None and threading.active_count() > 1):
        return
    try:
        for stream in streams:
            stream.flush()
    except (OSError, ValueError):
        return  # a closed pipe: the normal exit reports it as before
    run_exitfuncs()
    _end(code or 0, streams)


def _end(code: int, streams) -> None:  # pragma: no cover (coverage saved its data in an atexit callback)
    try:
        for stream in streams:  # what an atexit callback printed
            stream.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


def _main(argv: list[str] | None) -> None:
    if (bad := _not_utf8(sys.argv[1:] if argv is None else argv)) is not None:
        _fail(bad, 2)
    try:
        rv = cli.main(args=argv, prog_name="offscreen", standalone_mode=False)
    except OffscreenError as e:
        _fail(str(e), e.exit_code)
    except click.UsageError as e:
        if isinstance(e, _NO_ARGS_IS_HELP) and e.ctx is not None:
            # `offscreen` or `offscreen people` alone: show the help, as a group should.
            click.echo(e.ctx.get_help())
            sys.exit(0)
        hint = f" (see '{e.ctx.command_path} --help')" if e.ctx else ""
        _fail(e.format_message() + hint, 2)
    except click.ClickException as e:
        _fail(e.format_message(), e.exit_code if e.exit_code else 1)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # `offscreen interactions list | head`: the reader went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except OSError as e:
        if os.environ.get("OFFSCREEN_DEBUG") or e.filename is None:
            _internal(e)
        # `-o /no/such/dir/x.html`, OFFSCREEN_HOME under a file, a full disk: name the path, not a bug.
        # (paths.atomic_write reports the file it was asked to write, never its temp file.)
        _fail(f"{e.filename}: {e.strerror or e}; check the path and its permissions", 1)
    except Exception as e:  # a bug, not a user mistake: short message, traceback on request
        _internal(e)
    else:
        # With standalone_mode=False click returns ctx.exit(N)'s N (e.g. `status` exits 1).
        sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
