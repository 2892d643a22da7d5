"""The systemd user unit for THIS installation: render, install, uninstall, report.

The shipped systemd/offscreen.service assumes ~/.local/bin/offscreen and the default directories.
`render_unit` writes the same unit with the absolute command that is running now (venv, pipx,
`pip --user` or system install) and the directories this installation really uses, so the daemon
started by systemd reads and writes exactly what the CLI does.

Everything that talks to systemd goes through `Systemctl`, which runs the real `systemctl --user`;
when no user manager is reachable the caller prints the commands instead of running them.
Running install or uninstall twice changes nothing the second time and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import RuntimeFailure
from tracker.paths import DB_NAME, Paths, atomic_write, ensure_private_dir
from tracker.sampling.select import WAYLAND_VARS

UNIT_NAME = "offscreen.service"
# Inside the package (a link to systemd/offscreen.service in the source tree), so installed copies
# from pipx or a wheel have it too.
SHIPPED_UNIT = Path(__file__).with_name(UNIT_NAME)
# Variables the daemon needs to reach the display; only those set are passed on.
# The Wayland ones say which compositor channel to read (tracker/sampling/select.py); Debian's sway
# session snippet imports only DISPLAY, WAYLAND_DISPLAY and SWAYSOCK.
SESSION_VARS = ("DISPLAY", "XAUTHORITY", *WAYLAND_VARS)
# Variables that move offscreen's files; rendered into the unit when set, so the service agrees
# with the CLI that installed it.
LOCATION_VARS = ("OFFSCREEN_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


def unit_dir(env: dict[str, str] | None = None) -> Path:
    """Where the user manager looks for units the user wrote: $XDG_CONFIG_HOME/systemd/user."""
    env = dict(os.environ if env is None else env)
    base = env.get("XDG_CONFIG_HOME", "")
    if not (base and os.path.isabs(base)):
        base = str(Path(env.get("HOME") or os.path.expanduser("~")) / ".config")
    return Path(base) / "systemd" / "user"


def unit_path(env: dict[str, str] | None = None) -> Path:
    return unit_dir(env) / UNIT_NAME


def _is_exe(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_executable(argv0: str | None = None, env: dict[str, str] | None = None) -> tuple[list[str], str]:
    """The command that starts offscreen here, and what kind of install it is.

    Order: the `offscreen` script being run; the script dir of this interpreter (venv, pipx venv,
    /usr/local/bin); the user scheme (~/.local/bin); PATH. Last resort: `python -m tracker.cli`.
    """
    env = dict(os.environ if env is None else env)
    argv0 = sys.argv[0] if argv0 is None else argv0
    candidates: list[Path] = []
    if argv0 and Path(argv0).name == "offscreen":
        # Keep the path as the user runs it (pipx's ~/.local/bin symlink survives `pipx upgrade`).
        candidates.append(Path(argv0) if os.path.isabs(argv0) else Path(os.path.abspath(argv0)))
    candidates.append(Path(sysconfig.get_path("scripts")) / "offscreen")
    try:
        candidates.append(Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "offscreen")
    except KeyError:
        pass
    found = shutil.which("offscreen", path=env.get("PATH"))
    if found:
        candidates.append(Path(found))
    for c in candidates:
        if _is_exe(c):
            return [str(c)], install_kind(c)
    return [sys.executable, "-m", "tracker.cli"], install_kind(Path(sys.executable))


def install_kind(exe: Path) -> str:
    """'pipx', 'venv', 'user' (pip --user) or 'system', for messages."""
    text = str(exe)
    if "/pipx/" in text or "/pipx/venvs/" in str(exe.resolve()):
        return "pipx"
    if sys.prefix != sys.base_prefix:
        return "venv"
    if text.startswith(str(Path.home() / ".local")):
        return "user"
    return "system"


def _quote(word: str) -> str:
    """One word for a unit file: `%` escaped (specifiers), quoted when it holds spaces or quotes.
    `$` needs nothing: the only Exec words we write are the program path (never expanded) and
    fixed arguments, and Environment=/ReadWritePaths= do not expand variables."""
    word = word.replace("%", "%%")
    if word and not any(ch in word for ch in " \t\"'\\;"):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sync_dir(paths: Paths) -> Path | None:
    """The configured [sync] dir, ~ expanded (None: sync is off, or the config does not load)."""
    from tracker.config import ConfigError, load

    try:
        text = load(paths.config_file).sync.dir
    except (ConfigError, OSError):
        return None  # doctor's config check says why
    return Path(text).expanduser().absolute() if text else None


def writable_dirs(paths: Paths) -> list[Path]:
    """Directories the daemon writes: data (database), state (queue, lock, status), the db's dir,
    and the sync folder when one is set (its drain child writes this computer's files there)."""
    dirs = [paths.data_dir, paths.state_dir]
    for d in (paths.db.parent, sync_dir(paths)):
        if d is not None and d not in dirs:
            dirs.append(d)
    return dirs


def unit_writes(unit_text: str, d: Path) -> bool:
    """Whether a unit's ReadWritePaths= lists D (ProtectSystem=strict makes the rest read-only)."""
    for line in unit_text.splitlines():
        if line.startswith("ReadWritePaths="):
            return f" {_quote(str(d))} " in f" {line[len('ReadWritePaths=') :]} "
    return False


def render_unit(
    exec_start: list[str], paths: Paths, env: dict[str, str] | None = None, template: str | None = None
) -> str:
    """The shipped unit with this installation's ExecStart, directories and location variables."""
    env = dict(os.environ if env is None else env)
    text = SHIPPED_UNIT.read_text(encoding="utf-8") if template is None else template
    out = []
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            line = "ExecStart=" + " ".join(_quote(w) for w in [*exec_start, "daemon"])
        elif line.startswith("ReadWritePaths="):
            line = "ReadWritePaths=" + " ".join(_quote(str(d)) for d in writable_dirs(paths))
        elif line.startswith("Environment=LOG_LEVEL="):
            out.append(line)
            out.extend("Environment=" + _quote(f"{var}={env[var]}") for var in LOCATION_VARS if env.get(var))
            if paths.db != paths.data_dir / DB_NAME:  # --db PATH or OFFSCREEN_DB at install time
                out.append("Environment=" + _quote(f"OFFSCREEN_DB={paths.db}"))
            continue
        out.append(line)
    header = [
        "# Written by `offscreen service install`; edit the source (systemd/offscreen.service) or",
        "# run `offscreen service install` again rather than editing this copy.",
    ]
    return "\n".join(header + out) + "\n"


@dataclass
class Systemctl:
    """The real `systemctl --user`, with a timeout; `reachable()` says whether a manager answers."""

    env: dict[str, str] | None = None
    timeout: float = 30.0
    log: list[list[str]] = field(default_factory=list)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = ["systemctl", "--user", *args]
        self.log.append(cmd)
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, env=self.env, timeout=self.timeout, stdin=subprocess.DEVNULL
            )
        except FileNotFoundError:
            raise RuntimeFailure("systemctl not found; is systemd installed?") from None
        except subprocess.TimeoutExpired:
            raise RuntimeFailure(f"`{' '.join(cmd)}` did not answer within {self.timeout:.0f} s") from None
        if check and proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).strip().splitlines()
            raise RuntimeFailure(f"`{' '.join(cmd)}` failed: {msg[-1] if msg else proc.returncode}")
        return proc

    def reachable(self) -> bool:
        if shutil.which("systemctl", path=(self.env or os.environ).get("PATH")) is None:
            return False
        try:
            return self.run("show-environment", check=False).returncode == 0
        except RuntimeFailure:
            return False

    def environment(self) -> dict[str, str]:
        out = {}
        for line in self.run("show-environment").stdout.splitlines():
            key, _, value = line.partition("=")
            out[key] = value
        return out

    def query(self, verb: str) -> str:
        """`is-enabled` / `is-active` answer (e.g. 'enabled', 'active', 'not-found')."""
        proc = self.run(verb, UNIT_NAME, check=False)
        return (proc.stdout.strip().splitlines() or ["unknown"])[0]


@dataclass
class Outcome:
    """What install/uninstall did (`done`), what the user must run (`todo`), and hints."""

    changed: bool = False
    done: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _shell(cmd: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(c) for c in cmd)


def session_vars(env: dict[str, str]) -> list[str]:
    return [v for v in SESSION_VARS if env.get(v)]


def install(
    paths: Paths,
    *,
    env: dict[str, str] | None = None,
    systemctl: Systemctl | None = None,
    exec_start: list[str] | None = None,
    start: bool = True,
) -> Outcome:
    """Write the unit (if different), then reload, pass the display, enable and start it."""
    env = dict(os.environ if env is None else env)
    systemctl = systemctl or Systemctl(env=env)
    exec_start = exec_start or find_executable(env=env)[0]
    out = Outcome()
    target = unit_path(env)
    content = render_unit(exec_start, paths, env)
    for d in writable_dirs(paths):
        # ProtectSystem=strict: ReadWritePaths must exist before the daemon starts.
        if not d.is_dir():
            ensure_private_dir(d)
            out.done.append(f"created {d}")
    old = target.read_text(encoding="utf-8") if target.exists() else None
    if old != content:
        # 0644: systemd reads it, and a unit holds nothing secret.
        atomic_write(target, content, mode=0o644)
        out.changed = True
        out.done.append(f"{'updated' if old is not None else 'wrote'} {target}")
    else:
        out.done.append(f"{target} is up to date")

    have = session_vars(env)
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        out.notes.append(
            "neither DISPLAY nor WAYLAND_DISPLAY is set here: run this from a terminal in your desktop "
            "session, or make sure your session imports them into the user manager"
        )
    verb = ["enable", "--now", UNIT_NAME] if start else ["enable", UNIT_NAME]
    if not systemctl.reachable():
        cmds = [["systemctl", "--user", "daemon-reload"]]
        if have:
            cmds.append(["systemctl", "--user", "import-environment", *have])
        cmds.append(["systemctl", "--user", *verb])
        out.todo = [_shell(c) for c in cmds]
        return out

    if out.changed:
        systemctl.run("daemon-reload")
        out.done.append("reloaded the user manager")
    manager_env = systemctl.environment()
    stale = [v for v in have if manager_env.get(v) != env[v]]
    if stale:
        systemctl.run("import-environment", *stale)
        out.changed = True
        out.done.append("passed " + ", ".join(f"{v}={env[v]}" for v in stale) + " to the user manager")
    enabled = systemctl.query("is-enabled")
    if enabled != "enabled":
        try:
            systemctl.run(*verb)
        except RuntimeFailure as e:
            raise RuntimeFailure(f"{e}; see `journalctl --user -u offscreen` and `offscreen doctor`") from None
        out.changed = True
        out.done.append(f"enabled{' and started' if start else ''} {UNIT_NAME}")
    elif start and systemctl.query("is-active") != "active":
        systemctl.run("start", UNIT_NAME)
        out.changed = True
        out.done.append(f"started {UNIT_NAME}")
    elif (old is not None and old != content) or stale:
        # A running daemon keeps its old unit and environment until restarted.
        systemctl.run("try-restart", UNIT_NAME)
        out.done.append(f"restarted {UNIT_NAME} to apply the changes")
    return out


def uninstall(*, env: dict[str, str] | None = None, systemctl: Systemctl | None = None) -> Outcome:
    """Stop and disable the unit and remove the file; the data stays."""
    env = dict(os.environ if env is None else env)
    systemctl = systemctl or Systemctl(env=env)
    out = Outcome()
    target = unit_path(env)
    reachable = systemctl.reachable()
    if reachable and systemctl.query("is-enabled") not in ("not-found", "unknown", ""):
        systemctl.run("disable", "--now", UNIT_NAME)
        out.changed = True
        out.done.append(f"stopped and disabled {UNIT_NAME}")
    elif reachable and systemctl.query("is-active") in ("active", "activating", "reloading"):
        systemctl.run("stop", UNIT_NAME)
        out.changed = True
        out.done.append(f"stopped {UNIT_NAME}")
    if target.exists():
        target.unlink()
        out.changed = True
        out.done.append(f"removed {target}")
        if reachable:
            systemctl.run("daemon-reload")
            out.done.append("reloaded the user manager")
    if not reachable:
        # What `disable` would do: drop the .wants/ links left by an earlier `enable`.
        wants = target.parent.glob("*.wants") if target.parent.is_dir() else []
        for link in [w / UNIT_NAME for w in wants if os.path.lexists(w / UNIT_NAME)]:
            link.unlink()
            out.changed = True
            out.done.append(f"removed {link}")
    if not out.changed:
        out.done.append(f"{UNIT_NAME} is not installed; nothing to do")
    return out


def unit_status(*, env: dict[str, str] | None = None, systemctl: Systemctl | None = None) -> dict:
    """Installed? Up to date? Enabled and active (when a user manager answers)?"""
    env = dict(os.environ if env is None else env)
    systemctl = systemctl or Systemctl(env=env)
    target = unit_path(env)
    info: dict = {"unit_path": str(target), "installed": target.exists(), "manager": systemctl.reachable()}
    info["enabled"] = systemctl.query("is-enabled") if info["manager"] else None
    info["active"] = systemctl.query("is-active") if info["manager"] else None
    return info
