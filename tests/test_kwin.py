"""The KWin script window source (tracker/sampling/kwin.py) against real headless KWin 5.27, and its
script's Plasma 5 and Plasma 6 branches against fake `workspace` objects in node (Plasma 6 cannot
run here: Debian 12 ships KWin 5.27)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, require
from kwin_fixtures import kwin, kwin_x, start_kwin  # noqa: F401 (fixtures)
from source_pump import pump
from tracker.sampling import DisplayLost, Window, sessionbus
from tracker.sampling import kwin as kwin_source
from tracker.sampling.sources import SourceUnavailable
from wayland_fixtures import _stat, processes_in

pytestmark = pytest.mark.wayland


def open_source(k):
    return kwin_source.open(k.session_env, k.state_dir)


def app_is(app):
    return lambda w: w is not None and w.app == app


def test_reports_the_active_window_at_load_and_leaves_the_script_file(kwin):
    a = kwin.window("appA", "Title A")
    src = open_source(kwin)
    try:
        assert (src.name, src.has_pid) == ("kwin-script", True)
        # reported once at load: no event needed, and the state at load is no "change"
        assert src.window() == Window(app="appA", title="Title A", pid=a.pid)
        assert src.changed_at() is None
        assert kwin.script_loaded(kwin_source.SCRIPT_NAME)
        script = kwin.state_dir / "kwin-script.js"
        assert src.script_path == script
        text = script.read_text()
        assert f'var service = "{kwin.bus().unique_name[:2]}' in text  # a unique name ":1.N"
        assert oct(script.stat().st_mode & 0o777) == "0o644"
    finally:
        src.close()
    assert not kwin.script_loaded(kwin_source.SCRIPT_NAME)  # close unloads
    assert script.exists()  # KWin reads it asynchronously: kept until the next load


def test_no_window_at_load(kwin):
    src = open_source(kwin)
    try:
        assert src.window() is None and src.changed_at() is None
        before = time.monotonic()
        a = kwin.window("appA", "Title A")
        assert pump(src, app_is("appA"), "the first window") == Window("appA", "Title A", a.pid)
        assert before <= src.changed_at() <= time.monotonic()
        closed = time.monotonic()
        kwin.close(a)
        assert pump(src, lambda w: w is None, "no window once it closed") is None
        # dated when KWin said so, not when it had lasted the settle
        assert closed <= src.changed_at() <= time.monotonic() - kwin_source.NONE_SETTLE
    finally:
        src.close()


def test_follows_focus_and_titles_of_the_active_window_only(kwin):
    a = kwin.window("appA", "Title A")
    src = open_source(kwin)
    try:
        seen: list = []
        b = kwin.window("appB", "Title B")  # KWin activates a new window
        assert pump(src, app_is("appB"), "appB in front", seen=seen) == Window("appB", "Title B", b.pid)
        # KWin activates nothing before it activates the new window: held back, it never shows
        assert seen == [Window("appA", "Title A", a.pid)]

        before = time.monotonic()
        kwin.focus(a)
        assert pump(src, app_is("appA"), "appA focused") == Window("appA", "Title A", a.pid)
        assert before <= src.changed_at() <= time.monotonic()

        before = time.monotonic()
        kwin.set_title(a, "Renamed A")
        assert pump(src, lambda w: w.title == "Renamed A", "the new title").app == "appA"
        assert before <= src.changed_at() <= time.monotonic()

        # a background window's title change is not reported (the script follows the active one)
        kwin.set_title(b, "Renamed B")
        changed = src.changed_at()
        kwin.focus(b)
        assert pump(src, app_is("appB"), "appB focused").title == "Renamed B"
        assert src.changed_at() > changed
        kwin.focus(a)
        pump(src, app_is("appA"), "appA focused again")
        kwin.set_title(b, "Again B")
        kwin.set_title(a, "Again A")
        pump(src, lambda w: w.title == "Again A", "A's title")
        # what came in between A's two titles: nothing from B
        assert src.window() == Window("appA", "Again A", a.pid)

        # many switches: every report is one of the two windows, never "no window"
        seen = []
        for win in [b, a] * 4:
            kwin.focus(win)
            pump(src, app_is(win.app), f"{win.app} focused", seen=seen)
        assert None not in seen
    finally:
        src.close()


def test_duplicate_caption_suffix_is_stripped(kwin):
    kwin.window("appA", "Same title")
    src = open_source(kwin)
    try:
        second = kwin.window("appB", "Same title")
        # KWin shows it as "Same title <2>"; the window's own title is what is recorded
        assert pump(src, app_is("appB"), "the second window") == Window("appB", "Same title", second.pid)
    finally:
        src.close()
    assert kwin_source.clean_title("Same title <2>\u200e") == "Same title"
    assert kwin_source.clean_title("a <b>") == "a <b>"
    assert kwin_source.clean_title("") is None


def test_xwayland_window_reports_its_class(kwin_x):
    x = kwin_x.x_window("XTermLike", "X title")
    src = open_source(kwin_x)
    try:
        kwin_x.focus(x)
        # KWin lowercases the X class (WM_CLASS "xtermlike", "XTermLike"): resourceClass is "xtermlike"
        got = pump(src, lambda w: w is not None and w.title == "X title", "the X window")
        assert got == Window(app="xtermlike", title="X title", pid=x.pid)
        kwin_x.set_title(x, "X renamed")
        pump(src, lambda w: w.title == "X renamed", "the X window's new title")
    finally:
        src.close()


def _smoke(k, state: Path) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-m", "tracker.sampling.kwin", str(state)],
        env={**k.env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return p


def test_a_crashed_daemons_script_is_unloaded_before_the_next_load(kwin):
    a = kwin.window("appA", "Title A")
    crashed = _smoke(kwin, kwin.state_dir)
    try:
        assert crashed.stdout.readline() == f"window source: KWin script {kwin.state_dir}/kwin-script.js\n"
        assert crashed.stdout.readline() == f"active: app appA, title Title A, pid {a.pid}\n"
    finally:
        crashed.kill()
        crashed.communicate()
    assert kwin.script_loaded(kwin_source.SCRIPT_NAME)  # nobody unloaded it
    # without the unload, KWin refuses a second script of that name
    (refused,) = kwin.scripting("loadScript", "ss", str(kwin.state_dir / "kwin-script.js"), kwin_source.SCRIPT_NAME)
    assert refused == -1
    src = open_source(kwin)
    try:
        assert src.window() == Window("appA", "Title A", a.pid)
        b = kwin.window("appB", "Title B")
        assert pump(src, app_is("appB"), "appB in front") == Window("appB", "Title B", b.pid)
    finally:
        src.close()
    assert not kwin.script_loaded(kwin_source.SCRIPT_NAME)


def test_smoke_loop_prints_plain_words_and_exits_on_ctrl_c(kwin, tmp_path):
    kwin.window("appA", "Title A")
    p = _smoke(kwin, kwin.state_dir)
    assert p.stdout.readline().startswith("window source: KWin script ")
    assert p.stdout.readline().startswith("active: app appA, title Title A, pid ")
    kwin.window("appB", "Title B")
    assert p.stdout.readline().startswith("active: app appB, title Title B, pid ")
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert (out, err, p.returncode) == ("", "", 0)
    assert not kwin.script_loaded(kwin_source.SCRIPT_NAME)


def test_kwin_gone_is_display_lost(kwin):
    kwin.window("appA", "Title A")
    src = open_source(kwin)
    try:
        kwin.kill()
        with pytest.raises(DisplayLost, match=r"^(KWin left the session bus|the session bus closed the connection)"):
            pump(src, lambda w: False, "DisplayLost")
    finally:
        src.close()  # no unload attempt on a lost bus: returns at once


def test_probe_names_the_version(kwin):
    assert kwin_source.probe(kwin.session_env) == (True, "KWin 5.27.5 on the session bus")


def test_no_kwin_no_bus_is_unavailable_with_the_reason(tmp_path):
    require("dbus-daemon")
    p = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address", f"--address=unix:path={tmp_path}/bus"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its complaint that root cannot raise its fd limit here
        text=True,
    )
    try:
        address = p.stdout.readline().strip()
        env = {"DBUS_SESSION_BUS_ADDRESS": address}
        why = (
            f"KWin is not on the session bus {address} (no org.kde.KWin): not a KDE Plasma session, "
            "or KWin has not started yet"
        )
        with pytest.raises(SourceUnavailable) as e:
            kwin_source.open(env, tmp_path / "state")
        assert str(e.value) == why
        assert kwin_source.probe(env) == (False, why)
        assert not (tmp_path / "state").exists()  # nothing written for a KWin that is not there
        # $XDG_RUNTIME_DIR/bus (systemd's place) is found without DBUS_SESSION_BUS_ADDRESS
        assert sessionbus.address({"XDG_RUNTIME_DIR": str(tmp_path)}) == f"unix:path={tmp_path}/bus"
    finally:
        p.terminate()
        p.wait()
    none = "no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus is missing"
    assert kwin_source.probe({"XDG_RUNTIME_DIR": str(tmp_path / "nowhere")}) == (False, none)
    with pytest.raises(SourceUnavailable) as e:
        kwin_source.open({}, tmp_path)
    assert str(e.value) == none
    gone = f"unix:path={tmp_path}/bus"  # the daemon has exited: nothing listens
    with pytest.raises(SourceUnavailable, match=f"^cannot connect to the session bus {gone}: "):
        kwin_source.open({"DBUS_SESSION_BUS_ADDRESS": gone}, tmp_path)


# -- the script's two API branches, in node against fake workspaces -----------------------------------
HARNESS = r"""
// A fake KWin: signals with connect/disconnect, windows with captionChanged, callDBus recording calls.
function Signal() { this.slots = []; }
Signal.prototype.connect = function (f) { this.slots.push(f); };
Signal.prototype.disconnect = function (f) {
    var i = this.slots.indexOf(f);
    if (i < 0) throw new Error("not connected");
    this.slots.splice(i, 1);
};
Signal.prototype.emit = function (a) { this.slots.slice().forEach(function (f) { f(a); }); };
function Win(caption, cls, name, pid) {
    this.caption = caption; this.resourceClass = cls; this.resourceName = name; this.pid = pid;
    this.captionChanged = new Signal();
}
var calls = [];
function callDBus() { calls.push(Array.prototype.slice.call(arguments)); }
var plasma6 = API === 6;
var a = new Win("Title A", "appA", "a", 11), b = new Win("Title B", "appB", "b", 22);
var workspace = {};
function activate(w) {
    if (plasma6) { workspace.activeWindow = w; workspace.windowActivated.emit(w); }
    else { workspace.activeClient = w; workspace.clientActivated.emit(w); }
}
if (plasma6) { workspace.windowActivated = new Signal(); workspace.activeWindow = a; }
else { workspace.clientActivated = new Signal(); workspace.activeClient = a; }
var script = SCRIPT;
eval(script);
var log = [];
function mark(what) { log.push([what, calls.length ? calls[calls.length - 1].slice(4) : null]); }
mark("load");
activate(b); mark("activate b");
a.caption = "A2"; a.captionChanged.emit(); mark("background caption");
b.caption = "B2"; b.captionChanged.emit(); mark("caption b");
activate(null); mark("no window");
activate(a); mark("activate a");
log.push(["calls", calls.length, calls[0].slice(0, 4)]);
log.push(["slots", a.captionChanged.slots.length, b.captionChanged.slots.length]);
console.log(JSON.stringify(log));
"""


@pytest.mark.parametrize("api", [5, 6])
def test_script_feature_tests_both_plasma_apis(api, tmp_path):
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        require("node")
    script = kwin_source.script_text(":1.42")
    harness = tmp_path / "harness.js"
    harness.write_text(f"var API = {api};\nvar SCRIPT = {json.dumps(script)};\n{HARNESS}")
    out = subprocess.run([node, str(harness)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    log = json.loads(out.stdout)
    assert log == [
        ["load", ["Title A", "appA", "a", 11]],
        ["activate b", ["Title B", "appB", "b", 22]],
        ["background caption", ["Title B", "appB", "b", 22]],  # A is not followed any more
        ["caption b", ["B2", "appB", "b", 22]],
        ["no window", ["", "", "", 0]],
        ["activate a", ["A2", "appA", "a", 11]],
        # load, b, b's caption, none, a: five calls to our unique name, path, interface, method
        ["calls", 5, [":1.42", kwin_source.PATH, kwin_source.IFACE, kwin_source.METHOD]],
        ["slots", 1, 0],  # only the active window's captionChanged is connected
    ]


def test_script_text_quotes_the_bus_name():
    text = kwin_source.script_text(':1.7"; evil();')
    assert 'var service = ":1.7\\u0022\\u003b\\u0020evil\\u0028\\u0029\\u003b", path = ' in text
    assert os.linesep not in kwin_source._js_string("x\ny")


@pytest.mark.parametrize("crash", [False, True])
def test_fixture_teardown_leaves_no_process_and_no_file(crash):
    k = start_kwin(xwayland=True)
    try:
        k.window("appA", "Title A")
        k.x_window("XTermLike", "X title")
        k.input()
        started = processes_in(k.runtime_dir, k.user.pw_uid)
        assert {"kwin_wayland", "dbus-daemon", "Xwayland"} <= {
            Path(f"/proc/{p}/comm").read_text().strip() for p in started
        }
        clients = [w.proc for w in k.windows]
        display = k.display.lstrip(":")
        if crash:
            k.kill()  # Xwayland's lock and socket stay behind a crash
    finally:
        k.close()
    assert not [p for p in started if (st := _stat(p)) is not None and st[0] != "Z"]
    assert all(c.poll() is not None for c in clients)
    assert not os.path.exists(k.runtime_dir)
    assert not os.path.exists(f"/tmp/.X{display}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{display}")
    k.close()  # twice is harmless


def test_an_unwritable_state_dir_is_unavailable_and_loads_nothing(kwin):
    blocker = kwin.state_dir / "file"
    blocker.write_text("")
    with pytest.raises(SourceUnavailable) as e:
        kwin_source.open(kwin.session_env, blocker / "sub")
    assert str(e.value) == f"cannot write the KWin script {blocker}/sub/kwin-script.js: Not a directory"
    assert not kwin.script_loaded(kwin_source.SCRIPT_NAME)


def test_a_script_that_never_reports_is_unavailable_and_unloaded(kwin, monkeypatch):
    # what a future KWin whose scripting API the script does not know would look like to us
    monkeypatch.setattr(kwin_source, "SCRIPT", "// @SERVICE@: reports nothing\n")
    with pytest.raises(SourceUnavailable, match=r"but it did not report within 2 s \(a KWin scripting API"):
        open_source(kwin)
    assert not kwin.script_loaded(kwin_source.SCRIPT_NAME)
