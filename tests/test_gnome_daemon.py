"""The daemon on a real headless GNOME Shell 43 (tests/gnome_fixtures.py): window names from the
offscreen extension's signals, idle from Mutter's IdleMonitor; without the extension, idle only."""

from __future__ import annotations

import json
import time

import pytest

from gnome_fixtures import gnome_shell, gnome_shell_bare  # noqa: F401 (fixtures)
from test_daemon_x11 import assert_no_overlap, stored, timed
from test_wayland_daemon import NOTICE
from x11_fixtures import daemon_factory  # noqa: F401 (fixture)

pytestmark = pytest.mark.wayland
INTERVAL = 0.2


def test_gnome_session_focus_titles_and_idle(gnome_shell, daemon_factory):
    g = gnome_shell
    a = g.window("org.alpha.App", "Alpha document")
    b = g.window("org.beta.App", "Beta page")
    g.focus(a)
    d = daemon_factory(g.env, "--interval", INTERVAL, "--idle-after", 4)
    st = d.wait_status(lambda s: s["state"] == "active")
    assert st["degraded"] is None, st["degraded"]
    assert (st["backend"], st["idle_source"]) == ("gnome-extension", "mutter-idle")
    d.wait_span(lambda s: s.app == "org.alpha.App")
    before = time.time()
    g.focus(b)
    span = d.wait_span(lambda s: s.app == "org.beta.App")
    assert before <= span.start <= time.time()
    g.input()
    g.set_title(b, "Beta page 2")
    d.wait_span(lambda s: s.title == "Beta page 2")
    last = timed(g.input)  # the last input before the pause
    d.wait_status(lambda s: s["state"] == "idle", timeout=20)
    g.input()
    d.wait_status(lambda s: s["state"] == "active", timeout=10)
    assert d.stop() == 0
    _rows, raw = stored()
    assert [(r[3], r[4], r[5]) for r in raw][:4] == [
        ("org.alpha.App", "Alpha document", "active"),
        ("org.beta.App", "Beta page", "active"),
        ("org.beta.App", "Beta page 2", "active"),
        ("org.beta.App", "Beta page 2", "idle"),
    ]
    assert last[0] - 0.05 <= raw[3][1] <= last[1] + NOTICE  # backdated to the last input
    assert_no_overlap(raw)


def test_gnome_without_the_extension_is_idle_only_and_says_how_to_fix_it(gnome_shell_bare, daemon_factory, run):
    g = gnome_shell_bare
    g.window("org.alpha.App", "Alpha")
    d = daemon_factory(g.env, "--interval", INTERVAL, "--idle-after", 60)
    st = d.wait_status(lambda s: s["state"] == "active")
    assert (st["backend"], st["idle_source"]) == ("idle-only", "mutter-idle")
    assert "has not loaded the offscreen extension" in st["degraded"]
    doctor = {c["name"]: c for c in json.loads(run("doctor", "--json", env=g.env, check=0).stdout)["checks"]}
    assert doctor["window source"]["status"] == "warn"
    assert "offscreen gnome-extension install" in doctor["window source"]["fix"]
    assert doctor["idle source"]["status"] == "ok"
    assert d.stop() == 0
    _rows, raw = stored()
    assert {r[3] for r in raw} == {"(unknown app)"}
