"""`offscreen gnome-extension install|uninstall|status`: the GNOME Shell extension the GNOME source needs.

GNOME gives ordinary programs no way to learn the focused window, so offscreen ships a small
extension (tracker/sampling/gnome_extension/, two variants: GNOME 43-44 load only the legacy
format, 45 and later only ES modules). Install copies the variant for the running GNOME into
$XDG_DATA_HOME/gnome-shell/extensions/UUID and enables it: with `gnome-extensions enable` when that
tool is there, else through `gsettings` (the `enabled-extensions` key, which the keyfile backend
keeps in ~/.config/glib-2.0/settings/keyfile). GNOME Shell on Wayland loads a new extension only at
login, so install says that a log-out and log-in is needed.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import RuntimeFailure, UserError
from tracker.sampling import gnome

UUID = gnome.UUID
SHIPPED = Path(gnome.__file__).with_name("gnome_extension")
FILES = ("extension.js", "metadata.json")
OLDEST, NEWEST_TESTED = 43, 49
LOGIN_NOTE = (
    "Log out and log in to load it: GNOME Shell on Wayland loads new extensions only at login "
    "(on X11, Alt+F2 then `r` restarts the shell instead)."
)
TOOL_TIMEOUT = 10.0  # s for gnome-shell --version, gnome-extensions and gsettings


@dataclass(frozen=True)
class Installed:
    path: Path
    variant: str | None  # "legacy", "esm", or None when not installed (or not ours)
    version: int | None  # metadata "version"
    shell_versions: tuple[str, ...]
    current: bool  # the files are those this offscreen ships for that variant


def extensions_dir(env: Mapping[str, str]) -> Path:
    """Where GNOME Shell looks for a user's extensions (GLib's user data dir)."""
    base = env.get("XDG_DATA_HOME", "")
    if not (base and os.path.isabs(base)):
        base = str(Path(env.get("HOME") or os.path.expanduser("~")) / ".local" / "share")
    return Path(base) / "gnome-shell" / "extensions"


def target(env: Mapping[str, str]) -> Path:
    return extensions_dir(env) / UUID


def parse_major(text: str) -> int:
    """43 from "43", "43.9", "GNOME Shell 43.9" or "45.beta"; UserError otherwise."""
    m = re.search(r"(\d+)(?:\.\w+)*\s*$", text.strip())
    if not m:
        raise UserError(f"not a GNOME Shell version: {text!r} (expected a number such as 43 or 46.2)")
    return int(m.group(1))


def detect_version(env: Mapping[str, str]) -> str:
    """The running GNOME Shell's version ("43.9"): asked on the session bus, else `gnome-shell --version`."""
    state = gnome.shell_state(env)
    if state.version:
        return state.version
    exe = shutil.which("gnome-shell", path=env.get("PATH"))
    if exe is None:
        raise RuntimeFailure(
            f"cannot tell the GNOME Shell version: {state.reason or 'no shell on the session bus'}, and "
            "gnome-shell is not on PATH; pass --shell-version (e.g. --shell-version 46)"
        )
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=TOOL_TIMEOUT, env=dict(env))
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeFailure(f"`gnome-shell --version` failed ({e}); pass --shell-version") from None
    text = out.stdout.strip()
    if out.returncode != 0 or not re.search(r"\d", text):
        raise RuntimeFailure(f"`gnome-shell --version` said {text or out.stderr.strip()!r}; pass --shell-version")
    return text.rsplit(" ", 1)[-1]


def variant_for(major: int) -> str:
    """ "legacy" for GNOME 43-44, "esm" for 45 and later; UserError for older shells."""
    if major < OLDEST:
        raise UserError(
            f"GNOME Shell {major} is older than the extension supports ({OLDEST} to {NEWEST_TESTED}); "
            "offscreen can only count idle time there"
        )
    return "legacy" if major < 45 else "esm"


def _metadata(variant: str, major: int) -> dict:
    meta = json.loads((SHIPPED / variant / "metadata.json").read_text())
    if str(major) not in meta["shell-version"]:
        # Newer than tested: the shell refuses an extension whose metadata does not list its major
        # version. The calls the extension makes have not changed in years, so list it.
        meta["shell-version"].append(str(major))
    return meta


def installed(env: Mapping[str, str]) -> Installed:
    """What is in the extension directory now."""
    path = target(env)
    try:
        meta = json.loads((path / "metadata.json").read_text())
        js = (path / "extension.js").read_text()
    except (OSError, ValueError):
        return Installed(path, None, None, (), False)
    if not isinstance(meta, dict) or meta.get("uuid") != UUID:
        return Installed(path, None, None, (), False)
    variant = "esm" if "export default" in js else "legacy"
    shipped = (SHIPPED / variant / "extension.js").read_text()
    versions = tuple(str(v) for v in meta.get("shell-version") or ())
    version = meta.get("version") if isinstance(meta.get("version"), int) else None
    return Installed(path, variant, version, versions, js == shipped)


def copy_files(env: Mapping[str, str], major: int) -> Path:
    """Write the variant for MAJOR into the extension directory, replacing what was there at once."""
    variant = variant_for(major)
    path = target(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{UUID}.", dir=path.parent))
    try:
        shutil.copyfile(SHIPPED / variant / "extension.js", fresh / "extension.js")
        (fresh / "metadata.json").write_text(json.dumps(_metadata(variant, major), indent=2) + "\n")
        for f in FILES:
            (fresh / f).chmod(0o644)
        fresh.chmod(0o755)
        old = None
        if path.exists() or path.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{UUID}.old.", dir=path.parent))
            os.replace(path, old / UUID)
        os.replace(fresh, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return path


# -- the enabled-extensions list ---------------------------------------------------------------


def _run(argv: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT, env=dict(env))
    except subprocess.TimeoutExpired:
        raise RuntimeFailure(f"`{' '.join(argv)}` did not finish within {TOOL_TIMEOUT:g} s") from None


def _gsettings(env: Mapping[str, str]) -> str:
    exe = shutil.which("gsettings", path=env.get("PATH"))
    if exe is None:
        raise RuntimeFailure(
            "neither gnome-extensions nor gsettings is installed: enable the extension in the Extensions "
            f"app, or install libglib2.0-bin and run `gsettings set org.gnome.shell enabled-extensions \"['{UUID}']\"`"
        )
    return exe


def _get_list(env: Mapping[str, str], key: str) -> list[str]:
    r = _run([_gsettings(env), "get", "org.gnome.shell", key], env)
    if r.returncode != 0:
        raise RuntimeFailure(f"`gsettings get org.gnome.shell {key}` failed: {r.stderr.strip() or r.returncode}")
    text = r.stdout.strip().removeprefix("@as").strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise RuntimeFailure(f"cannot read org.gnome.shell {key}: {text!r}") from None
    return [str(v) for v in value]


def _set_list(env: Mapping[str, str], key: str, items: list[str]) -> None:
    value = "[" + ", ".join(repr(i) for i in items) + "]"
    r = _run([_gsettings(env), "set", "org.gnome.shell", key, value], env)
    if r.returncode != 0:
        raise RuntimeFailure(f"`gsettings set org.gnome.shell {key}` failed: {r.stderr.strip() or r.returncode}")


def is_enabled(env: Mapping[str, str]) -> bool | None:
    """The uuid is in enabled-extensions (and not in disabled-extensions); None when unreadable."""
    try:
        return UUID in _get_list(env, "enabled-extensions") and UUID not in _get_list(env, "disabled-extensions")
    except RuntimeFailure:
        return None


def _tool(env: Mapping[str, str]) -> str | None:
    return shutil.which("gnome-extensions", path=env.get("PATH"))


def set_enabled(env: Mapping[str, str], on: bool) -> str:
    """Enable or disable the extension in the user's settings; returns how ("gnome-extensions", "gsettings")."""
    tool = _tool(env)
    if tool is not None:
        r = _run([tool, "enable" if on else "disable", UUID], env)
        if r.returncode == 0:
            return "gnome-extensions"
        # gnome-extensions asks a running shell, which refuses an extension it did not load at
        # login (the usual case right after copying it in): the settings are what counts then.
    enabled = _get_list(env, "enabled-extensions")
    disabled = _get_list(env, "disabled-extensions")
    if on:
        if UUID not in enabled:
            _set_list(env, "enabled-extensions", [*enabled, UUID])
        if UUID in disabled:
            _set_list(env, "disabled-extensions", [u for u in disabled if u != UUID])
    elif UUID in enabled:
        _set_list(env, "enabled-extensions", [u for u in enabled if u != UUID])
    return "gsettings"


# -- the three commands --------------------------------------------------------------------------


def install(env: Mapping[str, str], shell_version: str | None = None) -> list[str]:
    """Copy the right variant and enable it; the lines to print."""
    version = shell_version if shell_version is not None else detect_version(env)
    major = parse_major(version)
    variant = variant_for(major)
    path = copy_files(env, major)
    how = set_enabled(env, True)
    lines = [f"Installed the offscreen GNOME Shell extension for GNOME {major} ({variant} variant) in {path}."]
    # Read back: a tool can exit 0 and still not have stored it (no session bus for dconf).
    if UUID in _get_list(env, "enabled-extensions"):
        lines.append(f"Enabled it ({how}).")
    else:
        lines.append(
            f"Could not enable it: {how} reported success but org.gnome.shell enabled-extensions does not list "
            f"{UUID}; run `gnome-extensions enable {UUID}` in your desktop session."
        )
    if major > NEWEST_TESTED:
        lines.append(
            f"Note: GNOME {major} is newer than the versions it was tested with ({OLDEST} to {NEWEST_TESTED})."
        )
    if _user_extensions_off(env):
        lines.append(
            "Note: user extensions are switched off (org.gnome.shell disable-user-extensions): switch them on."
        )
    lines.append(LOGIN_NOTE)
    return lines


def uninstall(env: Mapping[str, str]) -> list[str]:
    """Disable the extension and remove its directory; the lines to print."""
    path = target(env)
    present = path.exists() or path.is_symlink()
    enabled = is_enabled(env)
    if not present and not enabled:
        return [f"The offscreen GNOME Shell extension is not installed ({path}); nothing to do."]
    lines = []
    if enabled:
        set_enabled(env, False)
        lines.append("Disabled it.")
    if present:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        lines.append(f"Removed {path}.")
    lines.append("GNOME Shell stops running it at the next login; offscreen then counts idle time only.")
    return ["Uninstalled the offscreen GNOME Shell extension.", *lines]


def _user_extensions_off(env: Mapping[str, str]) -> bool:
    try:
        r = _run([_gsettings(env), "get", "org.gnome.shell", "disable-user-extensions"], env)
    except RuntimeFailure:
        return False
    return r.returncode == 0 and r.stdout.strip() == "true"


def status(env: Mapping[str, str]) -> dict:
    """Installed (which variant, current?), enabled in the settings, active in the running shell."""
    files = installed(env)
    shell = gnome.shell_state(env)
    info = {
        "uuid": UUID,
        "path": str(files.path),
        "installed": files.variant is not None,
        "variant": files.variant,
        "current": files.current,
        "shell_versions": list(files.shell_versions),
        "enabled": is_enabled(env),
        "shell_version": shell.version,
        "state": shell.extension,
        "active": shell.reporting,
        "reason": "",
        "fix": "",
    }
    if not shell.reporting:
        info["reason"], info["fix"] = gnome.explain(shell)
        if files.variant is not None and shell.version is not None and shell.extension is None:
            info["fix"] = "log out and log in: the shell has not loaded it since it was installed"
    if files.variant is not None and not files.current:
        info["fix"] = "run `offscreen gnome-extension install` again: the installed files are not this offscreen's"
    return info


def render(info: dict) -> list[str]:
    """The status as plain lines."""
    yes = {True: "yes", False: "no", None: "unknown"}
    if info["installed"]:
        where = f"yes, {info['variant']} variant for GNOME {', '.join(info['shell_versions'])}, in {info['path']}"
        if not info["current"]:
            where += " (not the files this offscreen ships)"
    else:
        where = f"no ({info['path']})"
    shell = f"GNOME Shell {info['shell_version']}" if info["shell_version"] else "no GNOME Shell answers"
    active = "yes, reporting the focused window" if info["active"] else f"no: {info['reason']}"
    lines = [
        f"installed: {where}",
        f"enabled:   {yes[info['enabled']]}",
        f"running:   {shell}" + (f", extension {info['state']}" if info["state"] else ""),
        f"active:    {active}",
    ]
    if info["fix"] and not (info["active"] and info["current"]):
        lines.append(f"fix:       {info['fix']}")
    return lines
