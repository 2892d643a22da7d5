"""Where offscreen keeps its files: the only module that knows.

Resolution order (first wins):
  database: --db PATH  >  $OFFSCREEN_DB  >  data dir / offscreen.duckdb
  dirs:     $OFFSCREEN_HOME/{config,data,state}  >  $XDG_*_HOME/offscreen  >  ~/.config etc.

Directories are created 0700 and files 0600 (window titles can hold secrets).
Nothing here creates anything at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP = "offscreen"
DB_NAME = "offscreen.duckdb"


@dataclass(frozen=True)
class Paths:
    """Resolved locations; pure data, no side effects."""

    config_dir: Path
    data_dir: Path
    state_dir: Path
    db: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def queue_file(self) -> Path:
        """Durable SQLite queue between the daemon and DuckDB."""
        return self.state_dir / "queue.sqlite3"

    @property
    def daemon_lock(self) -> Path:
        """Held (flock) by the running daemon; contains its PID."""
        return self.state_dir / "daemon.lock"

    @property
    def daemon_status(self) -> Path:
        """JSON written atomically by the daemon: pid, started_at, backend, last_sample_at."""
        return self.state_dir / "daemon.json"


def _xdg(env: dict[str, str], var: str, fallback: str) -> Path:
    value = env.get(var, "")
    # The XDG spec says relative paths are invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    return Path(env.get("HOME") or os.path.expanduser("~")) / fallback


def resolve(db: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Paths:
    """Resolve every path from flags and the environment (defaults < env < flags)."""
    env = dict(os.environ if env is None else env)
    home = env.get("OFFSCREEN_HOME")
    if home:
        base = Path(home).expanduser().absolute()
        config_dir, data_dir, state_dir = base / "config", base / "data", base / "state"
    else:
        config_dir = _xdg(env, "XDG_CONFIG_HOME", ".config") / APP
        data_dir = _xdg(env, "XDG_DATA_HOME", ".local/share") / APP
        state_dir = _xdg(env, "XDG_STATE_HOME", ".local/state") / APP
    chosen = db or env.get("OFFSCREEN_DB")
    db_path = Path(chosen).expanduser().absolute() if chosen else data_dir / DB_NAME
    return Paths(config_dir=config_dir, data_dir=data_dir, state_dir=state_dir, db=db_path)


def ensure_private_dir(path: Path) -> Path:
    """Create PATH and any missing parents with mode 0700.

    Directories that already exist are left exactly as they are: an output file in /tmp or in
    the home directory must never change the mode of /tmp or of the home directory.
    """
    missing = []
    p = Path(path)
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it meanwhile: theirs, leave it
        d.chmod(0o700)  # mkdir's mode is filtered by the umask
    return Path(path)


def private_file(path: Path) -> Path:
    """Make sure PATH exists with mode 0600 (creating its directory 0700)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def atomic_write(path: Path, data: bytes | str, mode: int = 0o600) -> None:
    """Write DATA to PATH via a temp file and rename, so readers never see half a file.

    Every file offscreen keeps is written through here. A failure raises OSError whose filename
    is PATH, never the temp file: that is the name a person can act on.
    """
    ensure_private_dir(path.parent)
    if isinstance(data, str):
        data = data.encode("utf-8")
    # A fresh, unguessable name opened with O_EXCL (tempfile.mkstemp, mode 0600): in a shared
    # directory such as /tmp a predictable name could be a symlink or a file planted by someone
    # else, and the page or export would be written through it.
    import tempfile  # here, not at the top: `offscreen log` never writes through this

    tmp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(path)) from e  # the subclass follows errno
        raise


def output_file(path: str | os.PathLike, example: str = "offscreen.out") -> Path:
    """A file the user asked us to write (-o): absolute, not a directory, in a directory that exists.

    A typo in the directory must not leave a tree of new directories behind, so unlike the files
    offscreen keeps for itself, nothing is created here.
    """
    from tracker.errors import UserError

    out = Path(path).expanduser().absolute()
    if out.is_dir():
        raise UserError(f"{out} is a directory; give a file name like {out / example}")
    if not out.parent.is_dir():
        what = "is not a directory" if out.parent.exists() else "does not exist"
        raise UserError(f"directory {out.parent} {what}; create it first or write elsewhere")
    return out
