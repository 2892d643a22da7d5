"""One exception family for offscreen, translated to exit codes once, in cli.py.

UserError  -> exit 2: bad usage or invalid input; nothing was written.
RuntimeFailure -> exit 1: the input was fine but something outside failed
                  (database busy, display gone); the message says what to do.
"""


class OffscreenError(Exception):
    """Base class: the message is shown to the user as one line after 'Error: '."""

    exit_code = 1


class UserError(OffscreenError):
    """Bad usage or invalid input (exit 2)."""

    exit_code = 2


class RuntimeFailure(OffscreenError):
    """A runtime failure with a clear remedy (exit 1)."""

    exit_code = 1


class DatabaseBusy(RuntimeFailure):
    """Another process held the DuckDB lock for longer than we were willing to wait."""


class ConfigError(UserError):
    """The configuration file is invalid; the message names the file and key."""
