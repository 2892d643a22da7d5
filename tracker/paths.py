"""Where offscreen keeps its files: the only module that knows.

Resolution order (first wins):
  database: --db PATH  >  $OFFSCREEN_DB  >  data dir / offscreen.duckdb
  dirs:     $OFFSCREEN_HOME/{config,data,state}  >  $XDG_*_HOME/offscreen  >  ~/.config etc.

Directories are created 0700 and files 0600 (window titles can hold secrets), and the files
offscreen keeps are refused when someone else could read or replace them (`check_private`).
Nothing here creates anything at import time.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import NamedTuple

APP = "offscreen"
DB_NAME = "offscreen.duckdb"
# Set to 1 to use files and directories others can write or read anyway, with a warning (README,
# "Files and configuration"): a shared lab account, a volume whose owner the container cannot map.
ALLOW_SHARED_VAR = "OFFSCREEN_ALLOW_SHARED"
# The largest file `import` reads (README, "Import"): a file is read whole into memory and checked
# before anything is written, so the size has to be bounded; a year of interactions is ~1 MB.
IMPORT_LIMIT = 100 * 1024 * 1024
# The largest ActivityWatch export `import-aw` reads (README, "ActivityWatch history"): a year of
# events (~500,000) is some 100 MB, several years of several machines a few hundred.
AW_IMPORT_LIMIT = 512 * 1024 * 1024
# The largest backup `restore` reads, compressed or after decompression (a year with every activity
# span is some 100 MB of JSON).
RESTORE_LIMIT = 1024 * 1024 * 1024


class Paths(NamedTuple):  # not a dataclass: the daemon imports this module (issue 14)
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


def _utf8(env: dict[str, str], var: str) -> None:
    """Refuse $VAR holding bytes that are not UTF-8 (Python keeps them as lone surrogates, which
    every later use would trip over): one line naming the variable, the bytes shown escaped."""
    value = env.get(var)
    if not value:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        from tracker.errors import UserError

        shown = os.fsencode(value).decode("ascii", "backslashreplace")
        label = var if var.startswith("-") else f"${var}"
        raise UserError(f"{label} ({shown}) is not valid UTF-8; give a path made of UTF-8 characters") from None


def resolve(db: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Paths:
    """Resolve every path from flags and the environment (defaults < env < flags)."""
    env = dict(os.environ if env is None else env)
    home = env.get("OFFSCREEN_HOME")
    used = ["OFFSCREEN_HOME"] if home else ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "HOME"]
    for var in [*used, "OFFSCREEN_DB"]:
        _utf8(env, var)
    if db is not None:
        _utf8({"--db": os.fsdecode(db)}, "--db")
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


def atomic_write(path: Path, data: bytes | str, mode: int = 0o600, durable: bool = True) -> None:
    """Write DATA to PATH via a temp file and rename, so readers never see half a file.

    Every file offscreen keeps is written through here. A failure raises OSError whose filename
    is PATH, never the temp file: that is the name a person can act on. PATH being a FIFO, a
    device or a socket is refused (UserError): the rename would replace it with a regular file.
    DURABLE=False skips the fsync: for runtime state such as the daemon's status file, rewritten
    on every change, where a power loss may lose the last version (issue 14: the fsync was 11-16 %
    of the daemon's sampling CPU).
    """
    refuse_special(Path(path))
    ensure_private_dir(path.parent)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = None
    try:
        fd, tmp = exclusive_temp(path)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(path)) from e  # the subclass follows errno
        raise


def exclusive_temp(path: Path) -> tuple[int, Path]:
    """A new file beside PATH, mode 0600, under a fresh unguessable name opened with O_EXCL.

    In a shared directory such as /tmp a predictable name could be a symlink or a file planted by
    someone else, and the page or export would be written through it. The pid and random bytes do
    what tempfile.mkstemp does without importing tempfile (the lean daemon's memory, issue 14).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(17, "no unused temporary name", str(path))


def output_file(path: str | os.PathLike, example: str = "offscreen.out") -> Path:
    """A file the user asked us to write (-o): absolute, not a directory, in a directory that exists.

    Something there that is not a regular file (a FIFO, /dev/full, a socket) is refused, never
    replaced: offscreen writes through a temp file and a rename (atomic_write), and writing into
    a FIFO in place would hang until a reader came. Leave -o out to write to stdout.

    A typo in the directory must not leave a tree of new directories behind, so unlike the files
    offscreen keeps for itself, nothing is created here.
    """
    from tracker.errors import UserError

    out = Path(path).expanduser().absolute()
    if out.is_dir():
        raise UserError(f"{out} is a directory; give a file name like {out / example}")
    refuse_special(out, example)
    if not out.parent.is_dir():
        what = "is not a directory" if out.parent.exists() else "does not exist"
        raise UserError(f"directory {out.parent} {what}; create it first or write elsewhere")
    return out


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def refuse_special(path: Path, example: str | None = None) -> None:
    """Raise UserError when PATH exists and is neither a regular file nor a directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing (it will be created) or unreadable (the write says why)
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    from tracker.errors import UserError

    like = f" like ~/{example}" if example else ""
    raise UserError(
        f"{path} is {_kind(mode)}, not a regular file; offscreen would replace it, so it is left alone: "
        f"give the name of a regular file{like}"
    )


def read_input(path: Path, limit: int, what: str = "offscreen") -> bytes:
    """All of a regular file the user gave us to read, at most LIMIT bytes; UserError otherwise.

    A FIFO would block the command and /dev/zero never ends, so anything that is not a regular
    file is refused before a byte is read; O_NONBLOCK keeps even the open of a FIFO from waiting
    for a writer.
    """
    from tracker.errors import UserError

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"{path} is a directory; give a file")
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"{path} is {_kind(st.st_mode)}, not a regular file; save what it holds to a file first")
        too_big = f"{what} reads at most {limit // 2**20} MB from one file"
        if st.st_size > limit:
            raise UserError(f"{path} is {st.st_size / 2**20:.0f} MB; {too_big}")
        try:
            data = fh.read(limit + 1)
        except OSError as e:
            raise UserError(f"cannot read {path}: {e.strerror}") from None
    if len(data) > limit:  # it grew while we read
        raise UserError(f"{path} is over {limit // 2**20} MB; {too_big}")
    return data


# --- who may read or replace offscreen's files (issue 17) -------------------------------------

_warned: set[str] = set()


def _who(uid: int) -> str:
    import pwd  # here: only a refusal needs a name

    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _dir_problem(d: Path, st: os.stat_result, me: int) -> str | None:
    # Root owns /, /home and /tmp: a directory of root's is as safe as one's own.
    if st.st_uid not in (me, 0):
        return (
            f"directory {d} belongs to {_who(st.st_uid)}, not to you ({_who(me)}), who could read or replace "
            "your data; keep offscreen's files in a directory of your own (OFFSCREEN_HOME, --db)"
        )
    mode = stat.S_IMODE(st.st_mode)
    # The sticky bit (/tmp) stops others renaming or deleting what is not theirs.
    if mode & 0o022 and not mode & stat.S_ISVTX:
        return (
            f"directory {d} can be written by others (mode {mode:04o}), who could replace your data; "
            f"run chmod go-w {d}, or keep offscreen's files in a directory of your own"
        )
    return None


def _file_problem(f: Path, st: os.stat_result, me: int) -> str | None:
    if st.st_uid != me:
        return (
            f"{f} belongs to {_who(st.st_uid)}, not to you ({_who(me)}); move it away, or keep offscreen's "
            "files in a directory of your own (OFFSCREEN_HOME, --db)"
        )
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        return f"{f} can be read by others (mode {mode:04o}); run chmod 600 {f}"
    return None


def _problem(path: Path, files: bool = True) -> str | None:
    """Why someone else could read or replace PATH (a file offscreen keeps, or its directory);
    without FILES only the directories on the way to PATH are looked at."""
    me = os.geteuid()
    path = Path(path).absolute()
    try:
        st = os.stat(path)
    except OSError:
        st = None  # not there yet (created private), or the open will say why
    if files and st is not None and stat.S_ISREG(st.st_mode):
        problem = _file_problem(path, st, me)
        if problem:
            return problem
    start = path if st is not None and stat.S_ISDIR(st.st_mode) else path.parent
    # A symlink on the way is as good as its owner: whoever owns it can point it elsewhere.
    for d in (start, *start.parents):
        try:
            lst = os.lstat(d)
        except OSError:
            continue
        if stat.S_ISLNK(lst.st_mode) and lst.st_uid not in (me, 0):
            return _dir_problem(d, lst, me)
    real = Path(os.path.realpath(start))
    for d in (real, *real.parents):
        try:
            dst = os.stat(d)
        except OSError:
            continue  # a directory still to be made (0700, ours)
        problem = _dir_problem(d, dst, me)
        if problem:
            return problem
    return None


def check_private(*paths: Path, files: bool = True) -> None:
    """Refuse (UserError) a file offscreen keeps that is not the user's own or readable by others,
    or one in a directory that someone else owns or can write: the database, the queue. Without
    FILES, only the directories leading to each path (the file may not be a database yet).

    $OFFSCREEN_ALLOW_SHARED=1 lets it pass with a warning on stderr, once per path and process.
    """
    for f in paths:
        problem = _problem(f, files)
        if problem is None:
            continue
        if os.environ.get(ALLOW_SHARED_VAR) == "1":
            if problem not in _warned:
                _warned.add(problem)
                sys.stderr.write(f"Warning: {problem} (going on: {ALLOW_SHARED_VAR}=1)\n")
            continue
        from tracker.errors import UserError

        raise UserError(f"{problem}; or set {ALLOW_SHARED_VAR}=1 to use it anyway")
