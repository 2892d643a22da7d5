"""`offscreen doctor`: check every capability tracking needs, say what works and how to fix the rest.

Each check returns a Check with status "ok", "warn" (tracking works, less well) or "fail"
(tracking cannot work). `offscreen doctor` exits 0 when no check failed. Checks take the
environment as a parameter so tests run them against a real Xvfb without touching os.environ.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tracker.paths import Paths
from tracker.sampling import select
from tracker.sampling.select import Plan

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    summary: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_display(env: dict[str, str], x: dict[str, Any], plan: Plan | None = None) -> Check:
    """The X server the x11 backend samples (the plan says whether X11 is used at all)."""
    note = f"; {plan.note}" if plan is not None and plan.note else ""
    if x["reachable"]:
        if plan is not None and plan.session == "wayland":  # X11 forced inside a live Wayland session
            return Check("display", WARN, f"XWayland at {x['display']}: {plan.reason}", plan.fix)
        return Check("display", OK, f"X11 display {x['display']} is reachable (backend x11){note}")
    if not env.get("DISPLAY"):
        return Check(
            "display",
            FAIL,
            f"neither a live Wayland compositor nor $DISPLAY: nothing to sample{note}",
            "run offscreen from a terminal in your desktop session; for the service run "
            f"`systemctl --user import-environment DISPLAY XAUTHORITY {select.SERVICE_VARS}`",
        )
    return Check(
        "display",
        FAIL,
        f"cannot connect to X display {x['display']}: {x['error']}",
        "check that the X server runs and XAUTHORITY points at its cookie file (`xauth list`)",
    )


def check_window_manager(x: dict[str, Any]) -> Check:
    if not x["reachable"]:
        return Check("window manager", WARN, "not checked: no X display")
    if x.get("wm_alive") and x.get("active_window"):
        return Check(
            "window manager", OK, f"EWMH window manager {x.get('wm') or '(unnamed)'} publishes _NET_ACTIVE_WINDOW"
        )
    if x.get("wm_alive"):
        return Check(
            "window manager",
            WARN,
            f"window manager {x.get('wm') or '(unnamed)'} does not publish "
            "_NET_ACTIVE_WINDOW: the focused window is read by polling input focus",
            "use an EWMH window manager (openbox, xfwm4, i3, KWin, Mutter ...)",
        )
    return Check(
        "window manager",
        WARN,
        "no EWMH window manager alive (_NET_SUPPORTING_WM_CHECK): the focused window is read by polling input focus",
        "start an EWMH window manager, e.g. openbox",
    )


def check_screensaver(x: dict[str, Any]) -> Check:
    if not x["reachable"]:
        return Check("idle (XScreenSaver)", WARN, "not checked: no X display")
    if x.get("screensaver"):
        return Check("idle (XScreenSaver)", OK, f"MIT-SCREEN-SAVER answers: idle for {x['idle_ms']} ms")
    instead = "SYNC IDLETIME" if x.get("xsync_idle_ms") is not None else "pynput input listeners"
    return Check(
        "idle (XScreenSaver)",
        WARN,
        f"the X server has no MIT-SCREEN-SAVER extension: idle time comes from {instead} instead",
        "use an X server with the extension (Xorg has it)",
    )


def check_xsync(x: dict[str, Any]) -> Check:
    """The daemon's idle source on X11: one alarm on SYNC's IDLETIME counter (no polling)."""
    if not x["reachable"]:
        return Check("idle (XSync)", WARN, "not checked: no X display")
    if x.get("xsync_idle_ms") is not None:
        return Check("idle (XSync)", OK, f"SYNC IDLETIME answers: idle for {x['xsync_idle_ms']} ms")
    return Check(
        "idle (XSync)",
        WARN,
        f"{x.get('xsync_error') or 'no SYNC IDLETIME'}: idle time is polled from XScreenSaver (or pynput) instead",
        "use an X server whose SYNC extension has the IDLETIME counter (Xorg 1.6 and later)",
    )


def check_pynput(x: dict[str, Any], p: dict[str, Any]) -> Check:
    if not x["reachable"]:
        return Check("pynput", WARN, "not checked: no X display")
    if not p["importable"]:
        return Check(
            "pynput",
            WARN,
            f"pynput cannot start here: {p['error']}",
            "reinstall offscreen (`pip install --force-reinstall pynput`)",
        )
    if not x.get("record"):
        return Check(
            "pynput",
            WARN,
            "pynput imports, but the X server lacks the RECORD extension its listeners need",
            "enable the RECORD extension (Xorg: it is on by default)",
        )
    return Check("pynput", OK, f"pynput imports with the {p['backend']} backend; X RECORD is available")


def check_lock_detection(env: dict[str, str], x: dict[str, Any]) -> Check:
    """A locked screen must not count as screen time. The x11 backend sees a lock when the X
    screensaver is on (xss-lock, xsecurelock, light-locker) or a known locker window is in front
    (tracker/sampling/x11.py LOCKER_CLASSES), and the daemon also reads logind's LockedHint through
    tracker/sampling/logind.py; this check asks logind through that same module."""
    from tracker.sampling import logind as logind_mod

    hint, why = logind_mod.probe(env)
    if hint is None:
        logind = f"logind's LockedHint is not readable ({why})"
    else:
        logind = f"logind's LockedHint is read too (now: {'locked' if hint else 'unlocked'})"
    if not x["reachable"]:
        return Check("lock detection", WARN, f"not checked: no X display; {logind}")
    if x.get("screensaver"):
        return Check(
            "lock detection",
            OK,
            f"a lock is seen when the X screensaver is on (now: "
            f"{x.get('screensaver_state')}) or a known locker window is in front; {logind}",
        )
    if hint is not None:
        return Check(
            "lock detection",
            OK,
            f"no XScreenSaver: a lock is seen when a known locker window (i3lock, slock ...) is in front; {logind}",
        )
    return Check(
        "lock detection",
        WARN,
        f"no XScreenSaver: only known locker windows (i3lock, slock ...) are seen as a lock; {logind}",
        "use a locker that activates the X screensaver (xss-lock)",
    )


def _dir_problem(path: Path) -> str | None:
    if not path.exists():
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is None or not os.access(parent, os.W_OK | os.X_OK):
            return f"{path} does not exist and {parent} is not writable"
        return None
    if not path.is_dir():
        return f"{path} is not a directory"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"{path} is not writable"
    return None


def check_dirs(paths: Paths) -> list[Check]:
    """Config, data and state directories: writable, and private (0700) since titles can be secrets."""
    out = []
    for label, d in (("config dir", paths.config_dir), ("data dir", paths.data_dir), ("state dir", paths.state_dir)):
        problem = _dir_problem(d)
        if problem:
            out.append(
                Check(label, FAIL, problem, "fix the permissions, or set OFFSCREEN_HOME to a writable directory")
            )
            continue
        if not d.exists():
            out.append(Check(label, OK, f"{d} will be created (0700) on first use"))
            continue
        mode = stat.S_IMODE(d.stat().st_mode)
        if mode & 0o077:
            out.append(Check(label, WARN, f"{d} is readable by others (mode {mode:o})", f"chmod 700 {d}"))
        else:
            out.append(Check(label, OK, f"{d} is writable and private (mode {mode:o})"))
    return out


def _satisfies(version: str, spec: str) -> bool:
    """VERSION within the PEP 440 specifier SPEC; a development build of a version in the range
    (a DuckDB built from source) counts as in it."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def duckdb_pin() -> str | None:
    """The duckdb version range offscreen was installed with (from its package metadata)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    try:
        reqs = metadata.requires("offscreen") or []
    except metadata.PackageNotFoundError:
        return None
    for text in reqs:
        req = Requirement(text)
        if canonicalize_name(req.name) == "duckdb" and (req.marker is None or req.marker.evaluate()):
            return str(req.specifier) or None
    return None


def check_config(paths: Paths) -> Check:
    """A broken config.toml stops the daemon from starting (and a reload keeps the old rules)."""
    from tracker.config import ConfigError, load

    if not paths.config_file.exists():
        return Check(
            "config", OK, f"no {paths.config_file}: the defaults apply (offscreen config init writes a sample)"
        )
    try:
        load(paths.config_file)
    except ConfigError as e:
        return Check(
            "config",
            FAIL,
            str(e),
            "correct it, or start again from `offscreen config init --force`; `offscreen config show` checks it",
        )
    return Check("config", OK, f"{paths.config_file} is valid")


def check_duckdb(paths: Paths) -> list[Check]:
    """DuckDB in the pinned range (a newer one may rewrite the file so older ones can't read it),
    and the database opens."""
    from tracker import store  # duckdb lives behind the store
    from tracker.errors import OffscreenError

    version, pin = store.duckdb_version(), duckdb_pin()
    if pin is None:
        out = [
            Check(
                "duckdb",
                WARN,
                f"DuckDB {version}; cannot read offscreen's pinned range",
                "reinstall offscreen so its metadata is present",
            )
        ]
    elif _satisfies(version, pin):
        out = [Check("duckdb", OK, f"DuckDB {version} is within the pinned range {pin}")]
    else:
        out = [
            Check(
                "duckdb",
                FAIL,
                f"DuckDB {version} is outside the pinned range {pin}",
                f"pip install 'duckdb{pin}' (a database written by another minor version may not open)",
            )
        ]
    if not paths.db.exists():
        out.append(Check("database", OK, f"{paths.db} will be created on first use"))
        return out
    try:
        with store.connect(paths.db, wait=3):
            pass  # opening runs the migrations: the database is readable and current
    except OffscreenError as e:
        out.append(Check("database", FAIL, str(e), "see the message; `offscreen status` shows who holds it"))
    else:
        out.append(Check("database", OK, f"{paths.db} opens"))
    return out


def check_systemd(paths: Paths, env: dict[str, str]) -> Check:
    """The user manager answers and the unit is installed, current, enabled and active."""
    from tracker.ops import service

    ctl = service.Systemctl(env=env, timeout=10)
    target = service.unit_path(env)
    if not ctl.reachable():
        if target.exists():
            return Check(
                "systemd",
                WARN,
                f"{target} is installed but no user systemd manager answers (`systemctl --user`)",
                "log in through systemd-logind, or run `offscreen daemon` yourself",
            )
        return Check(
            "systemd",
            WARN,
            "no user systemd manager answers (`systemctl --user`): the daemon will not start by itself",
            "run `offscreen daemon` from your session's autostart instead",
        )
    if not target.exists():
        return Check("systemd", WARN, "the user unit is not installed", "offscreen service install")
    try:
        current = target.read_text(encoding="utf-8") == service.render_unit(
            service.find_executable(env=env)[0], paths, env
        )
    except OSError:
        current = False
    enabled, active = ctl.query("is-enabled"), ctl.query("is-active")
    if enabled != "enabled" or active != "active":
        return Check(
            "systemd",
            WARN,
            f"{service.UNIT_NAME} is {enabled} and {active}",
            "offscreen service install (then `journalctl --user -u offscreen` if it fails)",
        )
    if not current:
        return Check(
            "systemd",
            WARN,
            f"{service.UNIT_NAME} runs, but {target} differs from what this installation would write",
            "offscreen service install",
        )
    return Check("systemd", OK, f"{service.UNIT_NAME} is enabled and active")


def check_session_target(env: dict[str, str]) -> Check:
    """WantedBy=graphical-session.target starts the daemon at login only if the session starts
    that target (GNOME, KDE, Xfce with systemd integration do; startx + a bare WM does not)."""
    from tracker.ops import service

    ctl = service.Systemctl(env=env, timeout=10)
    if not ctl.reachable():
        return Check("session target", WARN, "not checked: no user systemd manager")
    state = ctl.run("is-active", "graphical-session.target", check=False).stdout.strip()
    if state == "active":
        return Check("session target", OK, "graphical-session.target is active: the service starts with your desktop")
    return Check(
        "session target",
        WARN,
        f"graphical-session.target is {state or 'unknown'} here: the service will not start at login by itself",
        f"add `systemctl --user import-environment {' '.join(service.SESSION_VARS)}; systemctl --user start "
        "offscreen` to your session's autostart (X11: ~/.xsessionrc; sway: an `exec` line in its config)",
    )


def check_daemon(paths: Paths, now) -> Check:
    from tracker.ops import status

    d = status.daemon_info(paths, now)
    if not d["running"]:
        return Check("daemon", WARN, "the daemon is not running", "offscreen service install, or offscreen daemon")
    if d["stale"]:
        return Check(
            "daemon",
            WARN,
            f"the daemon (PID {d['pid']}) has not updated its status for {status.format_age(d['status_age_s'])}",
            "systemctl --user restart offscreen",
        )
    return Check("daemon", OK, f"the daemon runs (PID {d['pid']}, backend {d['backend'] or '?'})")


def check_timezone(env: dict[str, str]) -> Check:
    """Local days come from the zone $TZ names (else /etc/localtime): say which, and when $TZ names none."""
    from tracker.domain.times import SystemZone, local_zone, zone_name

    zone = local_zone(env)
    tz = env.get("TZ")
    if isinstance(zone, SystemZone):
        return Check(
            "time zone",
            WARN,
            f"TZ={tz!r} is not a zone name here; days follow the C library's reading of it "
            f"(UTC offset now {zone.utcoffset(None)})",
            "set TZ to a zone such as Europe/Berlin (see /usr/share/zoneinfo), or unset it to use /etc/localtime",
        )
    source = f"TZ={tz}" if tz is not None else "/etc/localtime"
    return Check("time zone", OK, f"local days in {zone_name(zone)} (from {source})")


def desktop_checks(env: dict[str, str]) -> list[Check]:
    """What samples this session, by the rule the daemon follows (tracker/sampling/select.py)."""
    from tracker.sampling import probe

    try:
        plan = select.choose(env)
    except select.BadBackend as e:
        return [Check("backend", FAIL, str(e), "unset OFFSCREEN_BACKEND, or set it to a listed name")]
    if plan.session == "wayland" and plan.window != "x11":
        return wayland_checks(env, plan)
    x = probe.x11(env.get("DISPLAY", ""))
    # pynput connects to $DISPLAY at import: only try it when the display answers.
    p = probe.pynput_backend() if x["reachable"] else {"importable": False, "backend": None, "error": None}
    return [
        check_display(env, x, plan),
        check_window_manager(x),
        check_screensaver(x),
        check_pynput(x, p),
        check_lock_detection(env, x),
        check_xsync(x),
    ]


WINDOW_SOURCES = {
    "sway": "sway IPC: app id (X11 class for XWayland windows), title and pid, on every focus and title change",
    "hyprland": "Hyprland IPC: class, title and pid, on every focus and title change",
    "kwin": "a KWin script (loaded over D-Bus, kept in the state directory) reports the resource class, "
    "caption and pid on every activation and caption change",
    "gnome": "the offscreen GNOME Shell extension signals wm_class, title, pid and the lock screen on "
    "every focus and title change",
    "wlr": "wlr-foreign-toplevel: app id and title on every change; no pid, so no executable "
    "(privacy and category rules on exe do not match here)",
}
IDLE_SOURCES = {
    "ext-idle-notify": "ext-idle-notify: one notification after idle_after without input, exact to a few ms",
    "kde-idle": "org_kde_kwin_idle: one notification after idle_after without input, exact to a few ms",
    "mutter-idle": "Mutter's IdleMonitor: one idle watch of idle_after and a user-active watch, as signals",
}


def wayland_checks(env: dict[str, str], plan: Plan) -> list[Check]:
    """A live Wayland session: its socket, the window source, the idle source and the lock signal."""
    forced = " (forced by OFFSCREEN_BACKEND)" if plan.forced else ""
    checks = [Check("display", OK, f"Wayland session at {plan.socket}; X11 is not used here")]
    if plan.window == "none":
        checks.append(Check("window source", WARN, plan.reason + forced, plan.fix or None))
    else:
        checks.append(Check("window source", OK, WINDOW_SOURCES[plan.window] + forced))
    if plan.idle == "none":
        checks.append(
            Check(
                "idle source",
                WARN,
                "the compositor offers no idle protocol offscreen reads (ext-idle-notify, org_kde_kwin_idle, "
                "Mutter's IdleMonitor): all time counts as active",
                "use a compositor with ext-idle-notify (sway >= 1.8, KWin, Hyprland)",
            )
        )
    else:
        checks.append(
            Check(
                "idle source",
                OK,
                IDLE_SOURCES[plan.idle] + "; a video player's idle inhibitor keeps its time active",
            )
        )
    from tracker.sampling import logind as logind_mod

    hint, why = logind_mod.probe(env)
    logind = (
        f"logind's LockedHint is read (now: {'locked' if hint else 'unlocked'})"
        if hint is not None
        else f"logind's LockedHint is not readable ({why})"
    )
    checks.append(
        Check(
            "lock detection",
            OK if hint is not None else WARN,
            f"{logind}; a running swaylock, waylock, gtklock or hyprlock of yours also counts as locked "
            "(a heuristic: those lockers tell nobody)",
            None if hint is not None else "a locker that sets logind's LockedHint makes locks certain",
        )
    )
    return checks


def run_all(paths: Paths, env: dict[str, str], now) -> list[Check]:
    """Every check, in the order a person would fix them."""
    checks = [
        *desktop_checks(env),
        *check_dirs(paths),
        check_config(paths),
        check_timezone(env),
        *check_duckdb(paths),
        check_systemd(paths, env),
        check_session_target(env),
        check_daemon(paths, now),
        *check_sync(paths),
    ]
    return checks


def check_sync(paths: Paths) -> list[Check]:
    """The synced folder (issue 16): missing, files skipped (half synced, newer format), a clash.
    Warnings only: tracking works without it, and nothing local is touched by a bad file."""
    from tracker.config import ConfigError, load
    from tracker.usecases.sync import checks

    try:
        config = load(paths.config_file)
    except ConfigError:
        return []  # check_config has said it
    out = [Check("sync", status, summary, fix) for status, summary, fix in checks(paths, config)]
    return out + check_unit_sync(paths)


def check_unit_sync(paths: Paths, env: dict[str, str] | None = None) -> list[Check]:
    """The installed unit lets the daemon write the sync folder (ProtectSystem=strict: only its
    ReadWritePaths are writable, and a unit installed before [sync] dir was set lacks it)."""
    from tracker.ops import service

    d, unit = service.sync_dir(paths), service.unit_path(env)
    if d is None:
        return []
    try:
        text = unit.read_text(encoding="utf-8")
    except OSError:
        return []  # not installed: check_systemd says so
    if service.unit_writes(text, d):
        return []
    return [
        Check(
            "sync",
            WARN,
            f"the installed unit {unit} does not let the daemon write the sync folder {d}: "
            "a computer nobody runs a command on shares nothing",
            "offscreen service install (writes the unit again with the sync folder)",
        )
    ]


def can_track(checks: list[Check]) -> bool:
    return not any(c.status == FAIL for c in checks)
