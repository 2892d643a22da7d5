"""Tables padded by terminal display width (tracker/commands/_table.py): emoji with a variation
selector, ZWJ family sequences, flags, CJK and combining marks must not shift a column."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.commands._table import clip, display_width, pad, render

HEART = "\u2764\ufe0f"  # ❤️: U+2764 (text style, 1 column) + VARIATION SELECTOR-16 (emoji style, 2 columns)
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: three emoji joined by ZWJ, drawn as one
FLAG = "\U0001f1e9\U0001f1ea"  # 🇩🇪: two regional indicators, one flag
ZOE = "Zoe\u0308"  # e + combining diaeresis


@pytest.mark.parametrize(
    "text, width",
    [
        (HEART, 2),
        (FAMILY, 2),
        (f"{FAMILY} Ng", 5),
        (f"Mum {HEART}", 6),
        (FLAG, 2),
        ("\u2764", 1),  # without the selector the heart is text style
        ("山田太郎", 8),
        (ZOE, 3),
        ("a\u200bb", 2),  # zero-width space
        ("", 0),
    ],
)
def test_display_width_of_emoji_sequences(text, width):
    assert display_width(text) == width


def test_render_pads_emoji_sequences_to_the_same_column():
    table = render(("NAME", "TIER"), [(HEART, "inner"), (FAMILY, "close"), ("Al", "friend"), ("Bartholomew", "x")])
    assert table.splitlines() == [
        "NAME         TIER",
        f"{HEART}           inner",
        f"{FAMILY}           close",
        "Al           friend",
        "Bartholomew  x",
    ]


def test_pad_and_clip_keep_a_sequence_whole():
    assert pad(FAMILY, 4) == FAMILY + "  "
    assert pad(HEART, 1) == HEART  # never negative padding
    assert clip(f"a{FAMILY}b", 3) == f"a{FAMILY}"
    assert clip(f"a{FAMILY}b", 2) == "a"  # not a lone 👨 or a dangling ZWJ
    assert clip(f"{HEART}x", 2) == HEART
    assert clip("山田太郎", 5) == "山田"
    assert clip(ZOE, 3) == ZOE  # the combining mark stays with its letter


def test_people_list_aligns_emoji_names(cli):
    for name, tier in ((f"Mum {HEART}", "inner"), (f"{FAMILY} Ng", "close"), ("Al", "friend")):
        cli("people", "add", name, "--tier", tier, check=0)
    assert cli("people", "list", check=0).stdout.splitlines() == [
        "NAME    TIER    KIN  TIMES  LAST SEEN  IN PERSON  ALIASES",
        "Al      friend       0",
        f"Mum {HEART}  inner        0",
        f"{FAMILY} Ng   close        0",
    ]


def test_log_does_not_import_wcwidth():
    """`offscreen log` prints no table: the width tables (~15 ms to import) stay unloaded."""
    code = (
        "import sys\nfrom tracker.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "print('\\n'.join(sys.modules))"
    )
    argv = ["log", "--with", "Sam", "--for", "5m", "--at", "2025-11-20 10:00"]
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    mods = set(r.stdout.split())
    assert "tracker.commands._table" in mods  # the check is real: the command module did load
    assert not {m for m in mods if m.split(".")[0] == "wcwidth"}
