"""`watching` (issue 15): a real MPRIS player with a real window of its own process, a private
session bus, the real daemon on Xvfb + openbox and on sway.

The player is tests/helpers/mpris_player.py (system python3: python3-dbus, GTK 3); it switches
Playing / Paused when told, and the daemon hears it through PropertiesChanged, not by polling.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import require
from test_daemon_x11 import INTERVAL, MS, assert_no_overlap, stored, timed
from tracker import paths
from wayland_fixtures import sway  # noqa: F401 (fixtures)
from x11_fixtures import daemon_factory, wait_for, xserver  # noqa: F401 (fixtures)

HELPER = Path(__file__).resolve().parent / "helpers" / "mpris_player.py"
IDLE_AFTER = 2


def _system_python() -> str:
    py = shutil.which("python3", path="/usr/bin:/bin")
    probe = [py or "python3", "-c", "import dbus, gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk"]
    if py is None or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("the system python3 lacks python3-dbus / python3-gi with GTK 3 for the test media player")
    return py


@pytest.fixture
def bus(tmp_path):
    """A private session bus (its address)."""
    require("dbus-daemon")
    p = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={tmp_path}/bus"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    address = p.stdout.readline().strip()
    yield address
    p.kill()
    p.wait()


class Player:
    """tests/helpers/mpris_player.py: an MPRIS player and its window, in one process."""

    def __init__(self, env: dict, name: str, app: str, *flags: str):
        env = {**env, "NO_AT_BRIDGE": "1"}  # no accessibility bus to look for
        self.p = subprocess.Popen(
            [_system_python(), str(HELPER), name, app, *flags],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.p.stdout.readline().split()
        assert line[:1] == ["ready"], (line, self.p.poll())
        self.xid = int(line[1])

    def send(self, command: str) -> None:
        """COMMAND (play, pause, ...); returns once the player has sent its PropertiesChanged."""
        self.p.stdin.write(command + "\n")
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "ok"

    def close(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


@pytest.fixture
def players():
    made: list[Player] = []

    def make(*args) -> Player:
        made.append(Player(*args))
        return made[-1]

    yield make
    for p in made:
        p.close()


def x_env(xserver, bus) -> dict:
    return {**xserver.env, "DBUS_SESSION_BUS_ADDRESS": bus, "GDK_BACKEND": "x11"}


def state_is(name):
    return lambda s: s["state"] == name


def spans_of(raw, state):
    return [r for r in raw if r[5] == state]


@pytest.mark.x11
def test_a_video_playing_in_front_is_watching_until_it_pauses(
    xserver, bus, players, daemon_factory, run, day_start_far_from_now
):
    env = x_env(xserver, bus)
    player = players(env, "film", "mpv", "--playing")
    xserver.activate(player.xid)
    d = daemon_factory(env, "--interval", INTERVAL, "--idle-after", IDLE_AFTER)
    d.wait_status(state_is("active"))
    last_input = timed(xserver.input)
    d.wait_status(state_is("watching"), timeout=15)
    watching_seen = time.time()
    d.wait_span(lambda s: s.state == "watching" and s.seconds >= 2, what="2 s of watching in the queue")
    paused = timed(lambda: player.send("pause"))
    d.wait_status(state_is("idle"))
    idle_seen = time.time()
    back = timed(xserver.input)
    d.wait_status(state_is("active"))
    assert d.stop() == 0
    rows, raw = stored()
    assert [r["state"] for r in rows] == ["active", "watching", "idle", "active"]
    assert {r["app"] for r in rows} == {"Mpv"}  # the window's WM_CLASS class
    ((_i, ws, we, *_),) = spans_of(raw, "watching")
    ((_j, is_, ie, *_),) = spans_of(raw, "idle")
    # Watching starts when idle_after has passed since the last input (the time before is active
    # use) and ends when the player said Paused: the idle after it is not backdated into it.
    assert last_input[0] + IDLE_AFTER - MS <= ws <= watching_seen
    assert paused[0] <= we <= idle_seen and is_ == we
    assert back[0] - MS <= ie
    assert_no_overlap(raw)
    # Screen time in today (apart from active use), the export's state, the report's total.
    today = json.loads(run("today", "--json", check=0).stdout)
    assert today["watching_seconds"] == round(we - ws) > 0
    assert today["screen_seconds"] == today["active_seconds"] + today["watching_seconds"]
    text = run("today", check=0).stdout
    assert f"    watching    {_fmt(today['watching_seconds'])}" in text.splitlines()
    exported = json.loads(run("export", "--what", "activity", "--format", "json", check=0).stdout)
    assert [r["state"] for r in exported][:2] == ["active", "watching"]
    report = json.loads(run("report", "--json", check=0).stdout)
    assert report["current"]["watching_h"] == round((we - ws) / 3600, 2)


def _fmt(seconds: int) -> str:
    from tracker.commands.activity import _fmt as fmt

    return fmt(seconds)


@pytest.mark.x11
@pytest.mark.parametrize("case", ["paused", "background", "switched-off", "no-window"])
def test_no_watching_without_the_front_windows_player_playing(case, xserver, bus, players, daemon_factory):
    """Paused in front, playing behind another window, the config switch off, a player (music)
    without a window: idle, backdated to the last input as always."""
    env = x_env(xserver, bus)
    if case == "switched-off":
        cfg = paths.resolve().config_file
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text("[daemon]\ncount_watching = false\n")
    player = players(
        env,
        "film",
        "mpv",
        *([] if case == "paused" else ["--playing"]),
        *(["--no-window"] if case == "no-window" else []),
    )
    if case == "paused":
        player.send("play")
        player.send("pause")
    front = xserver.window("AlphaApp") if case in ("background", "no-window") else player.xid
    xserver.activate(front)
    d = daemon_factory(env, "--interval", INTERVAL, "--idle-after", IDLE_AFTER)
    d.wait_status(state_is("active"))
    last_input = timed(xserver.input)
    d.wait_status(state_is("idle"), timeout=15)
    assert d.stop() == 0
    _rows, raw = stored()
    assert [r[5] for r in raw] == ["active", "idle"]
    ((_i, s, _e, *_),) = spans_of(raw, "idle")
    assert last_input[0] - MS <= s <= last_input[1] + MS


@pytest.mark.x11
def test_watching_ends_when_another_window_comes_to_the_front(xserver, bus, players, daemon_factory):
    env = x_env(xserver, bus)
    other = xserver.window("AlphaApp")
    player = players(env, "film", "mpv", "--playing")
    xserver.activate(player.xid)
    d = daemon_factory(env, "--interval", INTERVAL, "--idle-after", IDLE_AFTER)
    d.wait_status(state_is("active"))
    d.wait_status(state_is("watching"), timeout=15)
    switched = time.time()
    xserver.xdotool("windowactivate", "--sync", other)  # no input: still away from the keyboard
    d.wait_status(state_is("idle"))
    idle_seen = time.time()
    assert d.stop() == 0
    rows, raw = stored()
    assert [(r["state"], r["app"]) for r in rows] == [("active", "Mpv"), ("watching", "Mpv"), ("idle", "AlphaApp")]
    ((_i, _ws, we, *_),) = spans_of(raw, "watching")
    assert switched <= we <= idle_seen


@pytest.mark.x11
def test_a_locked_screen_is_locked_while_the_video_plays(xserver, bus, players, daemon_factory):
    env = x_env(xserver, bus)
    player = players(env, "film", "mpv", "--playing")
    xserver.activate(player.xid)
    d = daemon_factory(env, "--interval", INTERVAL, "--idle-after", IDLE_AFTER)
    d.wait_status(state_is("active"))
    d.wait_status(state_is("watching"), timeout=15)
    on = time.time()
    subprocess.run(["xset", "s", "activate"], env=env, check=True)
    d.wait_status(state_is("locked"))
    locked_seen = time.time()
    assert d.stop() == 0
    _rows, raw = stored()
    assert [r[5] for r in raw] == ["active", "watching", "locked"]
    ((_i, ls, *_),) = spans_of(raw, "locked")
    assert on <= ls <= locked_seen


@pytest.mark.x11
def test_a_player_that_appears_later_and_its_desktop_entry(xserver, bus, players, daemon_factory):
    """A player started after the daemon is followed (NameOwnerChanged); a window matched by app
    name only (the player's DesktopEntry equals the window's class, another process)."""
    env = x_env(xserver, bus)
    d = daemon_factory(env, "--interval", INTERVAL, "--idle-after", IDLE_AFTER)
    d.wait_status(state_is("active"))
    # The window's class is "Alphaapp"; the player (no window) names the same desktop entry.
    front = xserver.window("Alphaapp")
    xserver.activate(front)
    players(env, "music", "ignored", "--playing", "--no-window", "--entry", "alphaapp")
    d.wait_status(state_is("watching"), timeout=15)
    assert d.stop() == 0
    rows, _raw = stored()
    assert [(r["state"], r["app"]) for r in rows][-1] == ("watching", "Alphaapp")


@pytest.mark.wayland
def test_watching_on_sway_a_wayland_window_of_the_players_process(sway, bus, players, daemon_factory):
    from wayland_fixtures import Win

    s = sway
    env = {**s.env, "DBUS_SESSION_BUS_ADDRESS": bus, "GDK_BACKEND": "wayland"}
    other = s.window("alpha.app", "Alpha document")
    player = players(env, "film", "mpv", "--playing")
    view = wait_for(lambda: next((v for v in s.views() if v["pid"] == player.p.pid), None), what="the player's window")
    assert view["app_id"] == "mpv"  # GTK's program name: the Wayland app id, matched by pid here
    s.focus(Win(view["id"], player.p, "mpv", view["name"]))
    s.input()
    d = daemon_factory(s.env | {"DBUS_SESSION_BUS_ADDRESS": bus}, "--interval", INTERVAL, "--idle-after", IDLE_AFTER)
    assert d.wait_status(state_is("active"))["backend"] == "sway"
    d.wait_status(state_is("watching"), timeout=15)
    s.focus(other)  # sway's focus command is no input: away from the keyboard, another window in front
    d.wait_status(state_is("idle"))
    assert d.stop() == 0
    rows, _raw = stored()
    assert [(r["state"], r["app"]) for r in rows] == [("active", "mpv"), ("watching", "mpv"), ("idle", "alpha.app")]
