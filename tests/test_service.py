"""The systemd user unit: shipped and installed copies verify cleanly; install/uninstall are
idempotent in a temporary HOME; with a real user manager the service really starts."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, _offscreen_exe, require
from inproc import cli  # noqa: F401 (fixture)
from tracker import paths as paths_mod
from tracker.ops import service

SHIPPED = ROOT / "systemd" / "offscreen.service"


@pytest.fixture
def runtime_dir():
    """XDG_RUNTIME_DIR for systemd tools: a 0700 dir with a short path (unix sockets: 108 bytes)."""
    d = tempfile.mkdtemp(prefix="osrt-")
    os.chmod(d, 0o700)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def verify(unit: Path, runtime_dir: str, home: Path) -> str:
    require("systemd-analyze")
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime_dir, "HOME": str(home)}
    proc = subprocess.run(
        ["systemd-analyze", "--user", "verify", str(unit)], env=env, capture_output=True, text=True, timeout=60
    )
    return (proc.stdout + proc.stderr).strip()


def test_shipped_unit_verifies_with_empty_output(isolated_home, runtime_dir, tmp_path):
    # %h/.local/bin/offscreen must be an executable: give the temporary HOME a pipx-like link.
    (isolated_home / ".local" / "bin").mkdir(parents=True)
    (isolated_home / ".local" / "bin" / "offscreen").symlink_to(_offscreen_exe()[0])
    assert verify(SHIPPED, runtime_dir, isolated_home) == ""
    # The check can fail: the same unit with a typo in a directive is reported.
    broken = tmp_path / "offscreen.service"
    broken.write_text(SHIPPED.read_text().replace("NoNewPrivileges=", "NoNewPrivilege="))
    assert "Unknown key 'NoNewPrivilege' in section [Service]" in verify(broken, runtime_dir, isolated_home)


def test_shipped_unit_has_the_promised_directives():
    text = SHIPPED.read_text()
    lines = {
        ln.split("=", 1)[0]: ln.split("=", 1)[1] for ln in text.splitlines() if "=" in ln and not ln.startswith("#")
    }
    assert lines["Type"] == "notify"
    assert lines["Restart"] == "on-failure"
    assert lines["PartOf"] == lines["After"] == lines["WantedBy"] == "graphical-session.target"
    assert lines["ProtectSystem"] == "strict" and lines["NoNewPrivileges"] == "yes"
    for key in ("WatchdogSec", "StartLimitIntervalSec", "StartLimitBurst", "ReadWritePaths", "RestrictAddressFamilies"):
        assert key in lines
    assert "PrivateTmp" not in lines  # would hide /tmp/.X11-unix


def _manager_down_env(runtime_dir: str) -> dict[str, str]:
    # No bus and no manager socket in this runtime dir: `systemctl --user` cannot connect.
    return {"XDG_RUNTIME_DIR": runtime_dir, "DISPLAY": ":99", "XAUTHORITY": "/tmp/xauth-test"}


def test_install_twice_then_uninstall_twice_without_a_manager(cli, isolated_home, tmp_path, runtime_dir):
    env = _manager_down_env(runtime_dir)
    unit = isolated_home / ".config" / "systemd" / "user" / "offscreen.service"
    home = tmp_path / "offscreen"
    exe = _offscreen_exe()[0]
    todo = [
        "No user systemd manager answers here (`systemctl --user`). Run these in your desktop session:",
        "  systemctl --user daemon-reload",
        "  systemctl --user import-environment DISPLAY XAUTHORITY",
        "  systemctl --user enable --now offscreen.service",
    ]
    r = cli("service", "install", env=env, check=0)
    assert r.stdout.splitlines() == [f"created {home}/data", f"created {home}/state", f"wrote {unit}", *todo]
    text = unit.read_text()
    assert f"ExecStart={exe} daemon\n" in text
    assert f"ReadWritePaths={home}/data {home}/state\n" in text
    assert f"Environment=OFFSCREEN_HOME={home}\n" in text
    for d in ("data", "state"):
        assert stat.S_IMODE((home / d).stat().st_mode) == 0o700
    assert verify(unit, runtime_dir, isolated_home) == ""
    mtime = unit.stat().st_mtime_ns

    r = cli("service", "install", env=env, check=0)
    assert r.stdout.splitlines() == [f"{unit} is up to date", *todo]
    assert unit.stat().st_mtime_ns == mtime

    r = cli("service", "status", env=env, check=0)
    assert r.stdout.splitlines()[0] == f"unit file:   {unit} (installed, up to date)"

    # What an earlier `enable` left behind is removed too, as `disable` would.
    wants = unit.parent / "graphical-session.target.wants"
    wants.mkdir()
    (wants / "offscreen.service").symlink_to(unit)
    r = cli("service", "uninstall", env=env, check=0)
    assert r.stdout.splitlines() == [f"removed {unit}", f"removed {wants / 'offscreen.service'}"]
    assert not unit.exists() and not os.path.lexists(wants / "offscreen.service")
    r = cli("service", "uninstall", env=env, check=0)
    assert r.stdout.splitlines() == ["offscreen.service is not installed; nothing to do", "Nothing changed."]
    # The data directories stay.
    assert (home / "data").is_dir()


def test_dry_run_and_print_write_nothing(cli, isolated_home, runtime_dir):
    env = _manager_down_env(runtime_dir)
    printed = cli("service", "install", "--print", env=env, check=0).stdout
    dry = cli("service", "install", "--dry-run", env=env, check=0).stdout
    assert printed.startswith("# Written by `offscreen service install`")
    assert printed in dry
    assert dry.splitlines()[-4:] == [
        "# then run:",
        "#   systemctl --user daemon-reload",
        "#   systemctl --user import-environment DISPLAY XAUTHORITY",
        "#   systemctl --user enable --now offscreen.service",
    ]
    assert not (isolated_home / ".config").exists()


def test_odd_paths_are_quoted_and_still_verify(isolated_home, tmp_path, runtime_dir):
    """A space and a % in OFFSCREEN_HOME: quoted and %-escaped, so systemd reads the same path."""
    odd = tmp_path / "my data 100%"
    env = {"HOME": str(isolated_home), "OFFSCREEN_HOME": str(odd), "PATH": os.environ["PATH"]}
    p = paths_mod.resolve(env=env)
    bindir = tmp_path / "bin $HOME 5%"
    bindir.mkdir()
    (bindir / "offscreen").symlink_to(_offscreen_exe()[0])
    text = service.render_unit([str(bindir / "offscreen")], p, env)
    assert f'ExecStart="{tmp_path}/bin $HOME 5%%/offscreen" daemon\n' in text
    assert f'ReadWritePaths="{tmp_path}/my data 100%%/data" "{tmp_path}/my data 100%%/state"' in text
    assert f'Environment="OFFSCREEN_HOME={tmp_path}/my data 100%%"' in text
    unit = tmp_path / "offscreen.service"
    unit.write_text(text)
    assert verify(unit, runtime_dir, isolated_home) == ""


def test_xdg_locations_are_rendered(isolated_home, tmp_path, monkeypatch):
    env = {
        "HOME": str(isolated_home),
        "XDG_DATA_HOME": str(tmp_path / "xd"),
        "XDG_STATE_HOME": str(tmp_path / "xs"),
        "OFFSCREEN_DB": str(tmp_path / "db" / "o.duckdb"),
    }
    p = paths_mod.resolve(env=env)
    text = service.render_unit(["/usr/bin/offscreen"], p, env)
    assert f"ReadWritePaths={tmp_path}/xd/offscreen {tmp_path}/xs/offscreen {tmp_path}/db\n" in text
    assert f"Environment=XDG_DATA_HOME={tmp_path}/xd\n" in text
    assert f"Environment=OFFSCREEN_DB={tmp_path}/db/o.duckdb\n" in text
    assert "XDG_CONFIG_HOME" not in text
    assert service.unit_path(env) == isolated_home / ".config" / "systemd" / "user" / "offscreen.service"
    assert (
        service.unit_path({**env, "XDG_CONFIG_HOME": str(tmp_path / "c")})
        == tmp_path / "c" / "systemd" / "user" / "offscreen.service"
    )


def test_find_executable_prefers_the_running_script(tmp_path):
    script = tmp_path / "bin" / "offscreen"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert service.find_executable(argv0=str(script), env={"PATH": ""})[0] == [str(script)]
    # Not a console script (python -m): fall back to this interpreter's scripts dir.
    found, kind = service.find_executable(argv0="/x/cli.py", env={"PATH": ""})
    assert found == [str(Path(sys.executable).with_name("offscreen"))] or found[1:] == ["-m", "tracker.cli"]
    assert kind == "venv"  # tests run from the project's .venv


CGROUP_HIERARCHIES = ("systemd", "unified")  # what systemd tracks units in (hybrid cgroups here)


def _start_user_manager(runtime_dir: str, home: Path) -> tuple[subprocess.Popen, str]:
    """A real `systemd --user` for this test. PID 1 here is not systemd, and the manager refuses to
    start unless /run/systemd/system exists: fake that in a private mount namespace (root only).
    It starts in a cgroup of its own: two root user managers would otherwise share
    /app.slice/offscreen.service, and stopping one's unit would kill the other's daemon."""
    require("unshare", "systemctl")
    if os.geteuid() != 0 or not Path("/lib/systemd/systemd").exists():
        pytest.skip("a private user systemd manager needs root (mount namespace) and /lib/systemd/systemd")
    cgroup = f"offscreen-test-{os.getpid()}-{Path(runtime_dir).name}"
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": runtime_dir, "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    script = (
        "for h in " + " ".join(CGROUP_HIERARCHIES) + "; do d=/sys/fs/cgroup/$h/$0; "
        "if [ -d /sys/fs/cgroup/$h ]; then mkdir -p $d && echo $$ > $d/cgroup.procs || exit 1; fi; done; "
        "mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /lib/systemd/systemd --user"
    )
    proc = subprocess.Popen(
        ["unshare", "-m", "sh", "-c", script, cgroup], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    sock = Path(runtime_dir) / "systemd" / "private"
    from x11_fixtures import wait_for

    wait_for(lambda: sock.exists() or proc.poll() is not None, timeout=20, what="user manager socket")
    if proc.poll() is not None:
        pytest.skip(f"systemd --user did not start here: {proc.stderr.read().decode(errors='replace')[:200]}")
    return proc, cgroup


def _stop_user_manager(proc: subprocess.Popen, runtime_dir: str, cgroup: str) -> None:
    subprocess.run(
        ["systemctl", "--user", "exit"],
        env={**os.environ, "XDG_RUNTIME_DIR": runtime_dir},
        capture_output=True,
        timeout=30,
    )
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for h in CGROUP_HIERARCHIES:
        root = Path("/sys/fs/cgroup") / h / cgroup
        # Empty cgroups are removed with rmdir, deepest first.
        for d in (
            sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) if root.is_dir() else []
        ):
            try:
                d.rmdir()
            except OSError:
                pass
        try:
            root.rmdir()
        except OSError:
            pass


@pytest.fixture
def user_manager(isolated_home, runtime_dir):
    proc, cgroup = _start_user_manager(runtime_dir, isolated_home)
    yield runtime_dir
    _stop_user_manager(proc, runtime_dir, cgroup)


@pytest.mark.x11
@pytest.mark.slow
def test_real_user_manager_runs_the_installed_daemon(run, isolated_home, tmp_path, user_manager):
    """install --now under a real `systemd --user` with a real Xvfb: the hardened Type=notify unit
    reaches READY, `status` and `doctor` see it, a second install changes nothing, uninstall stops it."""
    from x11_fixtures import start_x, wait_for

    x = start_x(wm=True)
    try:
        env = {"XDG_RUNTIME_DIR": user_manager, "DISPLAY": x.display, "WAYLAND_DISPLAY": "", "XAUTHORITY": ""}
        unit = isolated_home / ".config" / "systemd" / "user" / "offscreen.service"
        r = run("service", "install", env=env, check=0)
        assert r.stdout.splitlines()[-4:] == [
            f"wrote {unit}",
            "reloaded the user manager",
            f"passed DISPLAY={x.display} to the user manager",
            "enabled and started offscreen.service",
        ]

        def ctl(*args):
            return subprocess.run(
                ["systemctl", "--user", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=30
            ).stdout.strip()

        # enable --now returns once the daemon sent READY=1 (Type=notify).
        assert ctl("is-active", "offscreen.service") == "active"
        assert ctl("is-enabled", "offscreen.service") == "enabled"
        main_pid = int(ctl("show", "-p", "MainPID", "--value", "offscreen.service"))
        status_file = tmp_path / "offscreen" / "state" / "daemon.json"
        wait_for(
            lambda: status_file.exists() and '"last_sample_at": "' in status_file.read_text(),
            timeout=20,
            what="first sample in the status file",
        )

        data = json.loads(run("status", "--json", env=env, check=0).stdout)["daemon"]
        assert data["running"] is True and data["pid"] == main_pid
        assert data["backend"] == "x11-ewmh" and data["display"] == x.display
        doctor = {c["name"]: c for c in json.loads(run("doctor", "--json", env=env, check=0).stdout)["checks"]}
        assert doctor["systemd"]["status"] == "ok", doctor["systemd"]
        assert doctor["daemon"]["summary"] == f"the daemon runs (PID {main_pid}, backend x11-ewmh)"
        # The private manager has no desktop session, so the target is inactive: a warning with a fix.
        assert doctor["session target"]["status"] == "warn" and "autostart" in doctor["session target"]["fix"]

        r = run("service", "install", env=env, check=0)
        assert r.stdout.splitlines() == [f"{unit} is up to date", "Nothing changed."]
        assert int(ctl("show", "-p", "MainPID", "--value", "offscreen.service")) == main_pid

        # ExecReload (SIGHUP) passes the system-call filter and keeps the same process.
        subprocess.run(
            ["systemctl", "--user", "reload", "offscreen.service"], env={**os.environ, **env}, check=True, timeout=30
        )
        assert ctl("is-active", "offscreen.service") == "active"
        assert int(ctl("show", "-p", "MainPID", "--value", "offscreen.service")) == main_pid
        # A crash (SIGSEGV) is a failure: Restart=on-failure brings up a new daemon after RestartSec.
        os.kill(main_pid, 11)
        wait_for(
            lambda: (
                ctl("show", "-p", "NRestarts", "--value", "offscreen.service") == "1"
                and ctl("is-active", "offscreen.service") == "active"
            ),
            timeout=30,
            what="restart after a crash",
        )
        main_pid = int(ctl("show", "-p", "MainPID", "--value", "offscreen.service"))
        wait_for(
            lambda: (
                run("status", "--json", env=env).returncode == 0
                and json.loads(run("status", "--json", env=env).stdout)["daemon"]["pid"] == main_pid
            ),
            timeout=20,
            what="status sees the restarted daemon",
        )
        # A new session variable reaches the manager, and the running daemon is restarted to get it.
        xauth = tmp_path / "Xauthority"
        xauth.write_bytes(b"")
        r = run("service", "install", env={**env, "XAUTHORITY": str(xauth)}, check=0)
        assert r.stdout.splitlines() == [
            f"{unit} is up to date",
            f"passed XAUTHORITY={xauth} to the user manager",
            "restarted offscreen.service to apply the changes",
        ]
        assert int(ctl("show", "-p", "MainPID", "--value", "offscreen.service")) != main_pid
        assert ctl("is-active", "offscreen.service") == "active"

        r = run("service", "uninstall", env=env, check=0)
        assert r.stdout.splitlines() == [
            "stopped and disabled offscreen.service",
            f"removed {unit}",
            "reloaded the user manager",
        ]
        assert run("status", env=env, check=1).stdout.startswith("daemon:      not running: it stopped cleanly at ")
        # SIGTERM made the daemon exit cleanly (0), not a failure systemd would restart.
        assert "ExecMainStatus=0" in ctl("show", "-p", "ExecMainStatus", "offscreen.service")
    finally:
        x.close()


def test_the_template_ships_inside_the_package():
    """pipx and wheel installs have no systemd/ dir: the package carries the unit (a link to it)."""
    assert service.SHIPPED_UNIT.parent == Path(service.__file__).parent
    assert service.SHIPPED_UNIT.read_text() == SHIPPED.read_text()
    assert '"tracker.ops" = ["offscreen.service"]' in (ROOT / "pyproject.toml").read_text()


def test_install_leaves_existing_directory_modes_alone(isolated_home, runtime_dir):
    unit_dir = isolated_home / ".config" / "systemd" / "user"
    unit_dir.mkdir(parents=True)
    for d in (isolated_home / ".config", isolated_home / ".config" / "systemd", unit_dir):
        d.chmod(0o755)
    env = {**os.environ, "XDG_RUNTIME_DIR": runtime_dir}
    out = service.install(paths_mod.resolve(env=env), env=env, exec_start=["/bin/true"])
    assert out.changed and (unit_dir / "offscreen.service").exists()
    assert stat.S_IMODE(unit_dir.stat().st_mode) == 0o755
    assert stat.S_IMODE((unit_dir / "offscreen.service").stat().st_mode) == 0o644


def test_db_flag_reaches_the_unit(cli, tmp_path, runtime_dir):
    db = tmp_path / "elsewhere" / "mine.duckdb"
    text = cli("--db", db, "service", "install", "--print", env=_manager_down_env(runtime_dir), check=0).stdout
    assert f"Environment=OFFSCREEN_DB={db}\n" in text
    assert f"ReadWritePaths={tmp_path}/offscreen/data {tmp_path}/offscreen/state {tmp_path}/elsewhere\n" in text


@pytest.mark.parametrize(
    "args",
    [["status"], ["doctor"], ["service"], ["service", "install"], ["service", "uninstall"], ["service", "status"]],
)
def test_help_has_an_example(cli, args):
    r = cli(*args, "--help", check=0)
    assert "Example" in r.stdout and r.stdout.count("offscreen ") >= 2


@pytest.mark.parametrize(
    "command", ["offscreen status", "offscreen doctor", "offscreen service install", "offscreen service uninstall"]
)
def test_readme_shows_the_command(command):
    assert command in (ROOT / "README.md").read_text()


def test_install_without_a_display_says_so(cli, isolated_home, runtime_dir):
    env = {"XDG_RUNTIME_DIR": runtime_dir, "DISPLAY": "", "XAUTHORITY": "", "WAYLAND_DISPLAY": ""}
    lines = cli("service", "install", env=env, check=0).stdout.splitlines()
    assert lines[3].startswith("note: neither DISPLAY nor WAYLAND_DISPLAY is set here")
    assert lines[-2:] == ["  systemctl --user daemon-reload", "  systemctl --user enable --now offscreen.service"]
    assert not any("import-environment" in line for line in lines)


def test_install_kind_recognises_pipx(tmp_path):
    # pipx 1.1 (Debian 12) keeps venvs in ~/.local/pipx/venvs, newer ones in ~/.local/share/pipx/venvs.
    for venvs in (tmp_path / ".local" / "pipx" / "venvs", tmp_path / ".local" / "share" / "pipx" / "venvs"):
        exe = venvs / "offscreen" / "bin" / "offscreen"
        exe.parent.mkdir(parents=True)
        exe.write_text("#!/bin/sh\n")
        link = tmp_path / f"link-{len(venvs.parts)}"
        link.symlink_to(exe)  # what ~/.local/bin/offscreen is
        assert service.install_kind(exe) == "pipx"
        assert service.install_kind(link) == "pipx"


def test_service_status_json(cli, isolated_home, runtime_dir):
    env = _manager_down_env(runtime_dir)
    data = json.loads(cli("service", "status", "--json", env=env, check=0).stdout)
    assert data["installed"] is False and data["manager"] is False and data["up_to_date"] is False
    assert data["exec_start"] == [_offscreen_exe()[0]] and data["install_kind"] == "venv"
    cli("service", "install", env=env, check=0)
    data = json.loads(cli("service", "status", "--json", env=env, check=0).stdout)
    assert data["installed"] is True and data["up_to_date"] is True
    assert data["unit_path"] == str(isolated_home / ".config" / "systemd" / "user" / "offscreen.service")


def test_install_passes_the_wayland_session_variables(cli, runtime_dir):
    env = {
        **_manager_down_env(runtime_dir),
        "DISPLAY": "",
        "XAUTHORITY": "",
        "WAYLAND_DISPLAY": "wayland-1",
        "SWAYSOCK": "/run/user/1000/sway-ipc.1000.42.sock",
        "HYPRLAND_INSTANCE_SIGNATURE": "",
        "XDG_CURRENT_DESKTOP": "sway",
        "XDG_SESSION_TYPE": "wayland",
    }
    lines = cli("service", "install", env=env, check=0).stdout.splitlines()
    assert (
        "  systemctl --user import-environment WAYLAND_DISPLAY SWAYSOCK XDG_CURRENT_DESKTOP XDG_SESSION_TYPE" in lines
    )


def test_install_lets_the_daemon_write_the_sync_folder(cli, isolated_home, tmp_path, runtime_dir):
    """ProtectSystem=strict: the drain child writes the sync folder only if ReadWritePaths lists
    it (and it must exist); doctor says when the installed unit predates [sync] dir."""
    env = _manager_down_env(runtime_dir)
    unit = isolated_home / ".config" / "systemd" / "user" / "offscreen.service"
    home = tmp_path / "offscreen"
    cli("service", "install", env=env, check=0)
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[sync]\ndir = "~/Sync/my offscreen"\n')
    folder = isolated_home / "Sync" / "my offscreen"
    doctor = cli("doctor", env=env, check=None).stdout
    assert f"sync: the installed unit {unit} does not let the daemon write the sync folder {folder}" in doctor
    r = cli("service", "install", env=env, check=0)
    assert r.stdout.splitlines()[:2] == [f"created {folder}", f"updated {unit}"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert f'ReadWritePaths={home}/data {home}/state "{folder}"\n' in unit.read_text()
    assert verify(unit, runtime_dir, isolated_home) == ""
    assert "does not let the daemon write" not in cli("doctor", env=env, check=None).stdout
