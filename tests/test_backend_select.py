"""Backend selection (tracker/sampling/select.py): the environment first, then what channels answer.

The probes are injected: these tests check the rule itself; tests/test_wayland_daemon.py runs the
same rule against a real headless sway.
"""

from __future__ import annotations

import pytest

from tracker.sampling import select
from tracker.sampling.select import EXT_IDLE, KDE_IDLE, WLR_TOPLEVEL


class Answers(select.Probes):
    def __init__(
        self, live=True, found=(WLR_TOPLEVEL, EXT_IDLE), sway=(True, "sway 1.7"), hypr=(True, ""), kwin=(True, "")
    ):
        self.live, self.found, self.sway_answer, self.hypr_answer = live, found, sway, hypr
        self.kwin_answer = kwin
        self.gnome_answer, self.mutter_answer = (True, "GNOME Shell 43.9, offscreen extension active", ""), True
        self.asked: list[str] = []

    def socket_path(self, env):
        return f"/run/user/1000/{env['WAYLAND_DISPLAY']}"

    def alive(self, path):
        self.asked.append("alive")
        return self.live

    def globals(self, path):
        self.asked.append("globals")
        return dict.fromkeys(self.found, 1)

    def sway(self, swaysock):
        self.asked.append("sway")
        return self.sway_answer

    def hyprland(self, env):
        self.asked.append("hyprland")
        return self.hypr_answer

    def kwin(self, env):
        self.asked.append("kwin")
        return self.kwin_answer

    def gnome(self, env):
        self.asked.append("gnome")
        return self.gnome_answer

    def mutter(self, env):
        self.asked.append("mutter")
        return self.mutter_answer


W = {"WAYLAND_DISPLAY": "wayland-1", "XDG_RUNTIME_DIR": "/run/user/1000"}


def test_plain_x11_session():
    plan = select.choose({"DISPLAY": ":0"}, Answers())
    assert (plan.session, plan.window, plan.idle, plan.reason) == ("x11", "x11", "x11", "")


def test_live_wayland_never_picks_x11_even_with_xwayland_display():
    plan = select.choose({**W, "DISPLAY": ":0"}, Answers())
    assert (plan.session, plan.window, plan.idle) == ("wayland", "wlr", "ext-idle-notify")


def test_dead_wayland_socket_falls_back_to_x11_and_says_so():
    plan = select.choose({**W, "DISPLAY": ":0"}, Answers(live=False))
    assert plan.window == "x11"
    assert plan.note == "WAYLAND_DISPLAY=wayland-1 names no live compositor socket (/run/user/1000/wayland-1)"


def test_no_display_at_all():
    plan = select.choose({}, Answers())
    assert (plan.session, plan.window) == ("none", "none")
    assert plan.reason == "$DISPLAY is not set"


def test_sway_socket_wins_and_a_silent_one_degrades_without_falling_through():
    env = {**W, "SWAYSOCK": "/run/user/1000/sway-ipc.sock", "XDG_CURRENT_DESKTOP": "sway"}
    assert select.choose(env, Answers()).window == "sway"
    a = Answers(sway=(False, "ConnectionRefusedError"))
    plan = select.choose(env, a)
    # wlr-foreign-toplevel is offered, but sway named itself: its own channel or idle only.
    assert (plan.window, plan.idle) == ("none", "ext-idle-notify")
    assert "sway's IPC at SWAYSOCK=/run/user/1000/sway-ipc.sock does not answer (ConnectionRefusedError)" in plan.reason
    assert plan.fix.startswith("systemctl --user import-environment WAYLAND_DISPLAY SWAYSOCK")


def test_desktop_named_without_its_socket_variable_degrades():
    plan = select.choose({**W, "XDG_CURRENT_DESKTOP": "sway"}, Answers())
    assert plan.window == "none"
    assert plan.reason == "the desktop is sway but SWAYSOCK is not set: idle only, no app names"


def test_hyprland_by_signature():
    env = {**W, "HYPRLAND_INSTANCE_SIGNATURE": "abc_123", "XDG_CURRENT_DESKTOP": "Hyprland"}
    assert select.choose(env, Answers()).window == "hyprland"
    plan = select.choose(env, Answers(hypr=(False, "no socket in /run/user/1000/hypr/abc_123 or /tmp/hypr/abc_123")))
    assert plan.window == "none" and "Hyprland's IPC does not answer (no socket in" in plan.reason


@pytest.mark.parametrize("desktop", ["GNOME", "ubuntu:GNOME"])
def test_gnome_uses_its_extension_and_mutter_idle_or_is_idle_only(desktop):
    env = {**W, "DISPLAY": ":0", "XDG_CURRENT_DESKTOP": desktop}
    plan = select.choose(env, Answers(found=(WLR_TOPLEVEL,)))
    assert (plan.session, plan.window, plan.idle) == ("wayland", "gnome", "mutter-idle")
    a = Answers(found=(WLR_TOPLEVEL,))
    a.gnome_answer = (
        False,
        "GNOME Shell 43.9 has not loaded the offscreen extension",
        "offscreen gnome-extension install",
    )
    plan = select.choose(env, a)
    assert (plan.window, plan.idle) == ("none", "mutter-idle")  # never wlr-foreign-toplevel, never X11
    assert plan.reason == "GNOME Shell 43.9 has not loaded the offscreen extension: idle only, no app names"
    assert plan.fix == "offscreen gnome-extension install"
    a.mutter_answer = False
    assert select.choose(env, a).idle == "none"


def test_kde_uses_its_kwin_script_or_is_idle_only():
    env = {**W, "DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "KDE"}
    assert select.choose(env, Answers()).window == "kwin"
    assert select.choose({**W, "KDE_SESSION_VERSION": "5"}, Answers()).window == "kwin"
    plan = select.choose(env, Answers(kwin=(False, "KWin is not on the session bus")))
    assert (plan.window, plan.idle) == ("none", "ext-idle-notify")  # wlr-foreign-toplevel is never tried
    assert plan.reason.startswith("KWin's scripting does not answer on the session bus (KWin is not on")


def test_other_compositor_without_toplevel_protocol_is_idle_only():
    plan = select.choose(W, Answers(found=(KDE_IDLE,)))
    assert (plan.window, plan.idle) == ("none", "kde-idle")
    assert WLR_TOPLEVEL in plan.reason


def test_idle_preference_and_none():
    assert select.choose(W, Answers(found=(KDE_IDLE, EXT_IDLE))).idle == "ext-idle-notify"
    assert select.choose(W, Answers(found=())).idle == "none"


def test_forcing():
    a = Answers()
    plan = select.choose({**W, "DISPLAY": ":0", "OFFSCREEN_BACKEND": "x11"}, a)
    assert plan.window == "x11" and plan.forced
    assert "only XWayland windows are seen" in plan.reason and "stored as idle" in plan.reason
    assert select.choose({**W, "OFFSCREEN_BACKEND": "WLR", "SWAYSOCK": "/s"}, Answers()).window == "wlr"
    plan = select.choose({**W, "OFFSCREEN_BACKEND": "none"}, Answers())
    assert (plan.window, plan.idle) == ("none", "ext-idle-notify")
    assert select.choose({**W, "OFFSCREEN_BACKEND": "auto"}, Answers()).forced is False
    # Forced X11 without a display, forced sway without a compositor: nothing to sample.
    assert select.choose({"OFFSCREEN_BACKEND": "x11"}, Answers()).session == "none"
    assert select.choose({**W, "OFFSCREEN_BACKEND": "sway"}, Answers(live=False)).session == "none"


def test_unknown_backend_is_refused_by_name():
    with pytest.raises(select.BadBackend, match=r"OFFSCREEN_BACKEND='kwin9' is not a backend: use one of auto, x11"):
        select.choose({**W, "OFFSCREEN_BACKEND": "kwin9"}, Answers())
