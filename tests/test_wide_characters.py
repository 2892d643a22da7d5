"""Tables line up by display width: CJK and emoji count two columns, combining marks none."""

from __future__ import annotations

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.commands._table import clip, display_width, render

ZOE = "Zoe\u0308"  # e + combining diaeresis: 3 columns


@pytest.mark.parametrize(
    "text, width",
    [
        ("abc", 3),
        ("山田太郎", 8),
        (ZOE, 3),
        ("Jo 🎸", 5),
        ("ＡＢ", 4),
        ("", 0),
    ],
)
def test_display_width_counts_wide_as_two_and_combining_as_zero(text, width):
    assert display_width(text) == width


def test_render_pads_by_display_width_and_clip_never_splits_a_wide_char():
    assert render(("NAME", "X"), [("山田", "1"), ("Jo", "2")]) == "NAME  X\n山田  1\nJo    2"
    assert clip("山田太郎", 5) == "山田"
    assert clip("abc", 5) == "abc"


def _column_starts(line: str, words: list[str]) -> list[int]:
    """Display column where each word starts in `line`."""
    out = []
    for w in words:
        i = line.index(w)
        out.append(display_width(line[:i]))
    return out


def test_people_list_and_interactions_list_align_cjk_emoji_and_combining(cli):
    cli("people", "add", "山田太郎", "--tier", "inner", check=0)
    cli("people", "add", ZOE, "--tier", "close", check=0)
    cli("people", "add", "Jo 🎸", "--tier", "friend", check=0)
    lines = cli("people", "list", check=0).stdout.splitlines()
    assert len(lines) == 4
    tiers = {ln.split()[0]: ln for ln in lines}
    # TIER column starts at the same display column on every line, whatever the name's width.
    starts = {
        _column_starts(tiers[k], [t])[0]
        for k, t in [("NAME", "TIER"), ("山田太郎", "inner"), (ZOE, "close"), ("Jo", "friend")]
    }
    assert starts == {10}

    cli("log", "お茶", "--with", "山田太郎", "--at", "2026-11-20 10:00", "--for", "1h", check=0)
    cli("log", "tea", "--with", "Jo 🎸", "--at", "2026-11-21 10:00", "--for", "1h", check=0)
    lines = cli("interactions", "list", check=0).stdout.splitlines()
    assert len(lines) == 3, lines
    head, *rows = lines
    summaries = [_column_starts(r, ["お茶" if "お茶" in r else "tea"])[0] for r in rows]
    assert summaries == [_column_starts(head, ["SUMMARY"])[0]] * 2, lines


def test_people_due_aligns_wide_names(cli):
    cli("people", "add", "山田太郎", "--every", "7", "--max", "14", check=0)
    cli("people", "add", "Al", "--every", "7", "--max", "14", check=0)
    lines = cli("people", "due", check=0).stdout.splitlines()
    assert lines[0].startswith("NAME      DUE")
    assert {_column_starts(ln, ["7/14"])[0] for ln in lines[1:]} == {_column_starts(lines[0], ["IDEAL/MAX"])[0]}
