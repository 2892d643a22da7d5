"""GNOME: the shipped extension in a real headless GNOME Shell 43 (tests/gnome_fixtures.py), the window
source that reads it (tracker/sampling/gnome.py), Mutter's idle watches (mutter_idle.py), and
`offscreen gnome-extension`. GNOME 45+ cannot run here: its ES-module variant is checked by gjs."""

from __future__ import annotations

import json
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import require
from gnome_fixtures import GnomeShell, gnome_shell, gnome_shell_bare  # noqa: F401 (fixtures)
from source_pump import pump_until
from tracker.ops import gnome_extension
from tracker.sampling import DisplayLost, gnome, mutter_idle
from tracker.sampling.sources import SourceUnavailable

pytestmark = pytest.mark.wayland

EXT = Path(gnome.__file__).with_name("gnome_extension")
SHARED = re.compile(r"// --- shared:.*?// --- end shared ---\n", re.S)


def pump(src, cond, what: str, limit: float = 20.0):
    """pump_until with room for a slow shell."""
    return pump_until(src, cond, what, limit)


def seen_as(src):
    w = src.window()
    return w and (w.app, w.title, w.pid)


# -- the extension in a real shell ----------------------------------------------------------------


def test_extension_reports_focus_and_titles_as_signals(gnome_shell):
    src = gnome.open(gnome_shell.session_env)
    try:
        assert src.window() is None and src.changed_at() is None  # no window yet: nothing is focused
        assert (src.name, src.has_pid, src.locked()) == ("gnome-extension", True, False)
        one = gnome_shell.window("app-one", "first title")
        pump(src, lambda: seen_as(src) == ("app-one", "first title", one.proc.pid), "the first window")
        first_change = src.changed_at()
        two = gnome_shell.window("app-two", "second")
        pump(src, lambda: seen_as(src) == ("app-two", "second", two.proc.pid), "the new window's focus")
        assert src.changed_at() > first_change
        gnome_shell.focus(one)
        pump(src, lambda: seen_as(src) == ("app-one", "first title", one.proc.pid), "focus back to the first")
        gnome_shell.set_title(one, "renamed ✓")
        pump(src, lambda: seen_as(src) == ("app-one", "renamed ✓", one.proc.pid), "the title change")
        gnome_shell.set_title(two, "background title")  # not focused: no change reported
        gnome_shell.close_window(one)
        pump(src, lambda: seen_as(src) == ("app-two", "background title", two.proc.pid), "focus after a close")
        gnome_shell.close_window(two)
        pump(src, lambda: src.window() is None, "no window")
        assert not src.buffered()
    finally:
        src.close()


def test_a_second_reader_gets_the_current_state_at_open(gnome_shell):
    one = gnome_shell.window("app-one", "already there")
    src = gnome.open(gnome_shell.session_env)
    try:
        assert seen_as(src) == ("app-one", "already there", one.proc.pid)
        assert src.changed_at() is None  # a state at open, not a change seen happening
    finally:
        src.close()


def test_extension_exposes_no_control_methods(gnome_shell):
    (xml,) = gnome_shell.call(gnome.BUS_NAME, gnome.PATH, "org.freedesktop.DBus.Introspectable", "Introspect")
    ours = xml.split(f'<interface name="{gnome.IFACE}">', 1)[1].split("</interface>", 1)[0]
    assert re.findall(r'<method name="(\w+)"', ours) == ["Get"]
    assert re.findall(r'<signal name="(\w+)"', ours) == ["Changed"]
    assert "<property" not in ours
    other = set(re.findall(r'<interface name="([\w.]+)"', xml)) - {gnome.IFACE}
    assert other <= {
        "org.freedesktop.DBus.Introspectable",
        "org.freedesktop.DBus.Properties",
        "org.freedesktop.DBus.Peer",
    }


STAND_IN_SHIELD = """
const Signals = imports.misc.signals;
globalThis.offscreenTestShield = new (class extends Signals.EventEmitter {
    constructor() { super(); this.locked = false; this.active = false; }
})();
Main.screenShield = globalThis.offscreenTestShield;
true
"""


def test_lock_state_follows_the_screen_shield_signals(gnome_shell):
    # gnome-shell 43 creates its screen shield only when GDM answers on the system bus and
    # /run/systemd/seats exists (js/misc/loginManager.js canLock), which a test cannot provide, so
    # Main.screenShield is null here. A stand-in with ScreenShield's signal names and getters
    # replaces it and the extension is re-enabled to pick it up.
    assert gnome_shell.eval("Main.screenShield === null") is True
    gnome_shell.eval(STAND_IN_SHIELD)
    ext = ("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell.Extensions")
    gnome_shell.call(*ext, "DisableExtension", "s", (gnome.UUID,))
    gnome_shell.call(*ext, "EnableExtension", "s", (gnome.UUID,))
    win = gnome_shell.window("app-one", "work")
    src = pump_open(gnome_shell)
    try:
        pump(src, lambda: seen_as(src) == ("app-one", "work", win.proc.pid), "the window")
        assert src.locked() is False
        gnome_shell.eval("offscreenTestShield.active = true; offscreenTestShield.emit('active-changed'); true")
        pump(src, src.locked, "the blanked shield")
        gnome_shell.eval("offscreenTestShield.locked = true; offscreenTestShield.emit('locked-changed'); true")
        gnome_shell.eval("offscreenTestShield.active = false; offscreenTestShield.emit('active-changed'); true")
        gnome_shell.set_title(win, "later")  # signals come in order: once this is seen, so are those before
        pump(src, lambda: seen_as(src) == ("app-one", "later", win.proc.pid), "the title after the lock")
        assert src.locked() is True  # locked, the shield no longer active: still locked
        gnome_shell.eval("offscreenTestShield.locked = false; offscreenTestShield.emit('locked-changed'); true")
        pump(src, lambda: not src.locked(), "unlocked")
    finally:
        src.close()


def pump_open(shell: GnomeShell):
    """gnome.open once the re-enabled extension owns its name again."""
    return open_when_owned(shell.session_env)


def open_when_owned(env):
    """gnome.open, retried while the extension's name request is still on its way (LIMIT bounds a failure)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return gnome.open(env)
        except SourceUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_extension_disabled_or_shell_gone_is_display_lost(gnome_shell):
    src = gnome.open(gnome_shell.session_env)
    try:
        ext = ("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell.Extensions")
        gnome_shell.call(*ext, "DisableExtension", "s", (gnome.UUID,))
        with pytest.raises(DisplayLost, match="left the session bus"):
            pump(src, lambda: False, "DisplayLost")
    finally:
        src.close()
    gnome_shell.call(*ext, "EnableExtension", "s", (gnome.UUID,))
    src = pump_open(gnome_shell)
    try:
        gnome_shell.kill()
        with pytest.raises(DisplayLost):
            pump(src, lambda: False, "DisplayLost")
    finally:
        src.close()


def test_without_the_extension_open_says_why_and_how_to_fix(gnome_shell_bare):
    env = gnome_shell_bare.session_env
    with pytest.raises(SourceUnavailable) as e:
        gnome.open(env)
    assert str(e.value) == (
        f"GNOME Shell 43.9 has not loaded the offscreen extension (offscreen@offscreen.local); fix: {gnome.INSTALL_FIX}"
    )
    assert gnome.probe(env) == (
        False,
        "GNOME Shell 43.9 has not loaded the offscreen extension (offscreen@offscreen.local)",
        gnome.INSTALL_FIX,
    )
    # The idle half works without it: idle-only tracking.
    idle = mutter_idle.open(env, 600)
    idle.close()


def test_probe_and_status_with_the_extension_running(gnome_shell, run):
    env = gnome_shell.session_env
    assert gnome.probe(env) == (True, "GNOME Shell 43.9, offscreen extension active", "")
    assert mutter_idle.probe(env) == (True, "")
    home = gnome_shell.home
    r = run("gnome-extension", "status", env={**env, "HOME": str(home), "GSETTINGS_BACKEND": "keyfile"})
    assert (r.returncode, r.stderr) == (0, ""), r
    path = home / ".local/share/gnome-shell/extensions" / gnome.UUID
    assert r.stdout.splitlines() == [
        f"installed: yes, legacy variant for GNOME 43, 44, in {path}",
        "enabled:   yes",
        "running:   GNOME Shell 43.9, extension active",
        "active:    yes, reporting the focused window",
    ]


def test_a_session_without_gnome_shell(tmp_path):
    require("dbus-daemon")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:dir={tmp_path}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        env = {"DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip()}
        with pytest.raises(SourceUnavailable) as e:
            gnome.open(env)
        assert str(e.value) == (
            "GNOME Shell does not answer on the session bus (org.freedesktop.DBus.Error.ServiceUnknown); "
            "fix: log in to a GNOME session"
        )
        assert mutter_idle.probe(env) == (
            False,
            "no Mutter idle monitor on the session bus (org.gnome.Mutter.IdleMonitor is not there)",
        )
        with pytest.raises(SourceUnavailable, match="no Mutter idle monitor"):
            mutter_idle.open(env, 60)
    finally:
        bus.kill()
        bus.communicate()


def test_no_session_bus_is_source_unavailable(tmp_path):
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}
    with pytest.raises(SourceUnavailable, match="no session bus"):
        gnome.open(env)
    with pytest.raises(SourceUnavailable, match="no session bus"):
        mutter_idle.open(env, 60)
    assert gnome.probe(env)[0] is False
    with pytest.raises(SourceUnavailable, match="cannot connect to the session bus"):
        gnome.open({"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/nothing"})


# -- Mutter's idle monitor -------------------------------------------------------------------------


def test_mutter_idle_watch_fires_backdated_and_input_resumes(gnome_shell):
    gnome_shell.input()
    src = mutter_idle.open(gnome_shell.session_env, 1.0)
    try:
        assert src.name == "mutter-idle"
        t0 = time.monotonic()
        gnome_shell.input()
        # Active until a full second without input has passed.
        pump(src, lambda: src.idled_at is not None, "the idle watch")
        now = time.monotonic()
        assert src.last_input(now) == src.idled_at - 1.0
        # Backdated to the input, not to when we heard of it; never before that input.
        assert t0 - 0.05 <= src.last_input(now) <= now - 1.0
        gnome_shell.input()
        pump(src, lambda: src.idled_at is None, "the user-active watch")
        assert src.last_input(123.0) is None
        # The active watch is re-armed at the next idle: a second round behaves the same.
        pump(src, lambda: src.idled_at is not None, "the idle watch again")
        gnome_shell.input()
        pump(src, lambda: src.idled_at is None, "the re-armed user-active watch")
    finally:
        src.close()


def test_mutter_set_idle_after_replaces_the_watch_and_reads_the_idle_time(gnome_shell):
    src = mutter_idle.open(gnome_shell.session_env, 600)
    try:
        t0 = time.monotonic()
        gnome_shell.input()
        pump(src, lambda: not src.bus.pending(), "the replies")
        assert src.idled_at is None
        old = src.idle_watch
        src.set_idle_after(0.3)
        pump(src, lambda: src.idled_at is not None and not src.bus.pending(), "idle by the new measure")
        assert src.idle_watch not in (None, old)
        now = time.monotonic()
        assert t0 - 0.05 <= src.last_input(now) <= now - 0.3
        src.set_idle_after(600)  # away 0.3 s is not away by 10 minutes
        pump(src, lambda: not src.bus.pending(), "the replies")
        assert src.idled_at is None
    finally:
        src.close()


def test_mutter_gone_is_display_lost(gnome_shell):
    src = mutter_idle.open(gnome_shell.session_env, 600)
    try:
        gnome_shell.kill()
        with pytest.raises(DisplayLost):
            pump(src, lambda: False, "DisplayLost")
    finally:
        src.close()


# -- the shipped files ---------------------------------------------------------------------------


def test_both_variants_share_one_reporter_and_match_the_python_side():
    legacy = (EXT / "legacy" / "extension.js").read_text()
    esm = (EXT / "esm" / "extension.js").read_text()
    (shared,) = SHARED.findall(legacy)
    assert SHARED.findall(esm) == [shared]
    assert f"const BUS_NAME = '{gnome.BUS_NAME}';" in shared
    assert f"const OBJECT_PATH = '{gnome.PATH}';" in shared
    assert f'<interface name="{gnome.IFACE}">' in shared
    # Only the long-stable MetaWindow calls.
    assert set(re.findall(r"win\.(get_\w+)\(", shared)) == {"get_wm_class", "get_title", "get_pid"}
    assert "imports." not in esm and "export default class" in esm
    assert "function init()" in legacy and "import " not in legacy.replace("imports.", "")


def test_metadata_lists_each_major_version_once():
    legacy = json.loads((EXT / "legacy" / "metadata.json").read_text())
    esm = json.loads((EXT / "esm" / "metadata.json").read_text())
    assert legacy["uuid"] == esm["uuid"] == gnome.UUID
    assert legacy["shell-version"] == ["43", "44"]
    assert esm["shell-version"] == ["45", "46", "47", "48", "49"]
    assert legacy["version"] == esm["version"]


# GNOME 45+ cannot run here. gjs runs the ESM variant with stand-ins for the two shell modules and
# for `global`: it must parse and link as a module, enable (export the object, own the name) on a
# real session bus, report a focus and a title change from the stand-in display, and disable cleanly.
ESM_HARNESS = """
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import OffscreenExtension from './extension.js';

class Emitter {
    constructor() { this._handlers = new Map(); this._next = 1; }
    connect(name, fn) { this._handlers.set(this._next, [name, fn]); return this._next++; }
    disconnect(id) { if (!this._handlers.delete(id)) throw new Error(`no handler ${id}`); }
    emit(name) { for (const [n, fn] of [...this._handlers.values()]) if (n === name) fn(); }
    get count() { return this._handlers.size; }
}
class FakeWindow extends Emitter {
    constructor(cls, title, pid) { super(); this.cls = cls; this.title = title; this.pid = pid; }
    get_wm_class() { return this.cls; }
    get_title() { return this.title; }
    get_pid() { return this.pid; }
}
const display = new Emitter();
display.focus_window = null;
globalThis.global = {display};

const ext = new OffscreenExtension({uuid: 'offscreen@offscreen.local'});
ext.enable();
const win = new FakeWindow('esm-app', 'esm title', 4242);
const loop = new GLib.MainLoop(null, false);
const stdin = new Gio.DataInputStream({base_stream: new Gio.UnixInputStream({fd: 0})});
const steps = {
    focus() { display.focus_window = win; display.emit('notify::focus-window'); },
    title() { win.title = 'esm renamed'; win.emit('notify::title'); },
    quit() {
        ext.disable();
        print(`handlers left: ${display.count + win.count}`);
        loop.quit();
    },
};
function next() {
    stdin.read_line_async(GLib.PRIORITY_DEFAULT, null, (s, res) => {
        const [line] = s.read_line_finish_utf8(res);
        steps[line]();
        print(`done ${line}`);
        if (line !== 'quit')
            next();
    });
}
print('ready');
next();
loop.run();
"""
EXTENSION_STUB = "export class Extension { constructor(metadata) { this.metadata = metadata; } }\n"
MAIN_STUB = "export let screenShield = null;\n"


def _line(proc: subprocess.Popen, limit: float = 20.0) -> str:
    """The harness's next output line; its stderr in the failure when it says nothing (LIMIT bounds a failure)."""
    ready, _, _ = select.select([proc.stdout], [], [], limit)
    if not ready:
        proc.kill()
        raise AssertionError(f"the gjs harness said nothing in {limit:g} s: {proc.communicate()[1]}")
    return proc.stdout.readline()


def test_esm_variant_runs_under_gjs_with_stand_ins(tmp_path):
    require("gjs", "dbus-run-session")
    src = (EXT / "esm" / "extension.js").read_text()
    stubbed = src.replace("resource:///org/gnome/shell/ui/main.js", "./main-stub.js").replace(
        "resource:///org/gnome/shell/extensions/extension.js", "./extension-stub.js"
    )
    assert stubbed.count("-stub.js") == 2  # both shell imports found: the variant imports what 45+ provides
    (tmp_path / "extension.js").write_text(stubbed)
    (tmp_path / "main-stub.js").write_text(MAIN_STUB)
    (tmp_path / "extension-stub.js").write_text(EXTENSION_STUB)
    (tmp_path / "harness.js").write_text(ESM_HARNESS)
    addr_file = tmp_path / "bus"
    proc = subprocess.Popen(
        [
            "dbus-run-session",
            "--",
            "sh",
            "-c",
            f'printf %s "$DBUS_SESSION_BUS_ADDRESS" > {addr_file}; exec gjs -m harness.js',
        ],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _line(proc) == "ready\n"
        env = {"DBUS_SESSION_BUS_ADDRESS": addr_file.read_text()}
        reader = open_when_owned(env)  # the extension asks for its name without waiting
        try:
            assert reader.window() is None
            for step in ("focus", "title"):
                proc.stdin.write(step + "\n")
                proc.stdin.flush()
                assert _line(proc) == f"done {step}\n"
            pump(reader, lambda: seen_as(reader) == ("esm-app", "esm renamed", 4242), "the ESM extension's signals")
        finally:
            reader.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=20)
        assert out == "handlers left: 0\ndone quit\n", err
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_legacy_variant_parses_under_gjs():
    require("gjs")
    # The real shell 43 loads it in the tests above; this catches a syntax error without a shell.
    path = json.dumps(str(EXT / "legacy" / "extension.js"))
    code = f"const GLib = imports.gi.GLib; new Function(new TextDecoder().decode(GLib.file_get_contents({path})[1]));"
    r = subprocess.run(["gjs", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "SyntaxError" not in r.stderr, r.stderr


# -- offscreen gnome-extension ----------------------------------------------------------------------


def _keyfile(home: Path) -> str:
    return (home / ".config/glib-2.0/settings/keyfile").read_text()


def test_install_status_uninstall_in_a_temp_home(run, isolated_home):
    require("gsettings")
    env = {"GSETTINGS_BACKEND": "keyfile", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={isolated_home}/no-bus"}
    path = isolated_home / ".local/share/gnome-shell/extensions" / gnome.UUID
    r = run("gnome-extension", "install", "--shell-version", "43.9", env=env)
    assert (r.returncode, r.stderr) == (0, ""), r
    assert (
        r.stdout.splitlines()[0]
        == f"Installed the offscreen GNOME Shell extension for GNOME 43 (legacy variant) in {path}."
    )
    assert r.stdout.splitlines()[-1] == gnome_extension.LOGIN_NOTE
    assert (path / "extension.js").read_text() == (EXT / "legacy" / "extension.js").read_text()
    assert "enabled-extensions=['offscreen@offscreen.local']" in _keyfile(isolated_home)

    r = run("gnome-extension", "status", env=env)
    assert r.returncode == 1, r  # installed and enabled, but no shell has loaded it
    lines = r.stdout.splitlines()
    assert lines[:2] == [f"installed: yes, legacy variant for GNOME 43, 44, in {path}", "enabled:   yes"]
    assert lines[2] == "running:   no GNOME Shell answers"

    r = run("gnome-extension", "install", "--shell-version", "46", env=env)  # an upgrade to GNOME 46
    assert r.returncode == 0, r
    assert (path / "extension.js").read_text() == (EXT / "esm" / "extension.js").read_text()
    assert json.loads((path / "metadata.json").read_text())["shell-version"] == ["45", "46", "47", "48", "49"]
    assert _keyfile(isolated_home).count(gnome.UUID) == 1
    info = json.loads(run("gnome-extension", "status", "--json", env=env).stdout)
    assert (info["installed"], info["variant"], info["current"], info["enabled"], info["active"]) == (
        True,
        "esm",
        True,
        True,
        False,
    )

    r = run("gnome-extension", "uninstall", env=env)
    assert r.returncode == 0, r
    assert r.stdout.splitlines()[:3] == [
        "Uninstalled the offscreen GNOME Shell extension.",
        "Disabled it.",
        f"Removed {path}.",
    ]
    assert not path.exists()
    assert "enabled-extensions=[]" in _keyfile(isolated_home)
    r = run("gnome-extension", "uninstall", env=env)
    assert (r.returncode, r.stdout) == (
        0,
        f"The offscreen GNOME Shell extension is not installed ({path}); nothing to do.\n",
    )


def test_install_for_a_newer_gnome_lists_it(run, isolated_home):
    require("gsettings")
    env = {"GSETTINGS_BACKEND": "keyfile", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={isolated_home}/no-bus"}
    r = run("gnome-extension", "install", "--shell-version", "50.1", env=env)
    assert r.returncode == 0, r
    assert "Note: GNOME 50 is newer than the versions it was tested with (43 to 49)." in r.stdout
    meta = json.loads(
        (isolated_home / ".local/share/gnome-shell/extensions" / gnome.UUID / "metadata.json").read_text()
    )
    assert meta["shell-version"][-1] == "50"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("abc", "Error: not a GNOME Shell version: 'abc' (expected a number such as 43 or 46.2)\n"),
        (
            "42",
            "Error: GNOME Shell 42 is older than the extension supports (43 to 49); offscreen can only count idle time there\n",
        ),
    ],
)
def test_install_refuses_bad_versions_and_writes_nothing(run, isolated_home, version, message):
    r = run("gnome-extension", "install", "--shell-version", version, env={"GSETTINGS_BACKEND": "keyfile"})
    assert (r.returncode, r.stdout, r.stderr) == (2, "", message)
    assert not (isolated_home / ".local").exists() and not (isolated_home / ".config").exists()


def test_install_detects_the_running_shell_and_a_fresh_login_loads_it(gnome_shell_bare, run, isolated_home):
    """The whole path: install into a home while GNOME 43 runs (the version read from the bus); the
    running shell does not load it (status says to log in again); the next login does."""
    env = {**gnome_shell_bare.session_env, "HOME": str(isolated_home), "GSETTINGS_BACKEND": "keyfile"}
    r = run("gnome-extension", "install", env=env)
    assert r.returncode == 0, r
    assert "for GNOME 43 (legacy variant)" in r.stdout
    r = run("gnome-extension", "status", env=env)
    assert r.returncode == 1
    assert (
        r.stdout.splitlines()[-1] == "fix:       log out and log in: the shell has not loaded it since it was installed"
    )

    def copy_install(home: Path):  # the next login: a shell started on the home install wrote
        shutil.rmtree(home / ".local/share/gnome-shell/extensions" / gnome.UUID, ignore_errors=True)
        shutil.copytree(
            isolated_home / ".local/share/gnome-shell/extensions" / gnome.UUID,
            home / ".local/share/gnome-shell/extensions" / gnome.UUID,
        )
        keyfile = _keyfile(isolated_home)
        assert "enabled-extensions=['offscreen@offscreen.local']" in keyfile
        keyfile = keyfile.replace("local']", "local', 'offscreen-tests-unsafe@offscreen.local']", 1)
        (home / ".config/glib-2.0/settings/keyfile").write_text(keyfile)

    shell = GnomeShell(offscreen=False, prepare_home=copy_install)
    try:
        assert gnome.probe(shell.session_env)[0] is True
    finally:
        shell.close()


def test_install_says_so_when_the_setting_did_not_stick(run, isolated_home):
    """The memory backend accepts `gsettings set` and forgets it at exit: as dconf does without a
    session bus. install reads the setting back instead of trusting the tool's exit code."""
    require("gsettings")
    env = {"GSETTINGS_BACKEND": "memory", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={isolated_home}/no-bus"}
    r = run("gnome-extension", "install", "--shell-version", "43.9", env=env)
    assert r.returncode == 0, r
    assert "Enabled it" not in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("Could not enable it: "))
    assert f"reported success but org.gnome.shell enabled-extensions does not list {gnome.UUID}" in line
