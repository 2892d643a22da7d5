"""Terminal output that fits: tables cut to the terminal width with an ellipsis (full text in
`show` and --json, and whole when piped), `show` in the formats `list` uses, `report` in 80 columns."""

from __future__ import annotations

import json

from inproc import cli  # noqa: F401 (fixture)
from tracker.commands._table import ELLIPSIS, display_width, render

NOW = {"OFFSCREEN_NOW": "2026-11-30T20:00:00+00:00", "TZ": "UTC"}
LONG = "a long evening walk along the river and then dinner at the new place " * 3


def _log(cli, summary, *people, at="2026-11-30 12:00", dur="25m"):
    cli("log", summary, "--with", ",".join(people), "--at", at, "--for", dur, check=0, env=NOW)


def test_render_cuts_the_widest_free_column_with_an_ellipsis():
    rows = [("1", "Sam", "x" * 60), ("2", "Alexandra Konstantinopoulou", "short")]
    out = render(("ID", "WITH", "SUMMARY"), rows, free=(1, 2), width=40).splitlines()
    assert all(display_width(line) <= 40 for line in out)
    assert out[1].endswith(ELLIPSIS) and out[1].startswith("1   Sam")
    # The widest column gives way first; the other only once both are as wide.
    out = render(("ID", "WITH", "SUMMARY"), rows, free=(1, 2), width=70).splitlines()
    assert out[2].startswith("2   Alexandra Konstantinopoulou  short")
    assert display_width(out[1]) == 70 and out[1].endswith(ELLIPSIS)
    both = render(("ID", "WITH", "SUMMARY"), rows, free=(1, 2), width=40).splitlines()
    assert all(display_width(line) <= 40 for line in both)
    assert ELLIPSIS in both[2] and both[1].endswith(ELLIPSIS)
    # Not free: never cut, even if the table then stays too wide.
    assert render(("A",), [("y" * 50,)], free=(), width=10) == "A\n" + "y" * 50
    # Wide characters are cut whole, and the cut cell still takes its column's width.
    cut = render(("N", "S"), [("1", "山田太郎山田太郎山田太郎")], free=(1,), width=12).splitlines()[1]
    assert cut == "1  山田太郎" + ELLIPSIS and display_width(cut) <= 12


def test_interactions_list_fits_the_terminal_and_keeps_the_full_text_elsewhere(cli):
    _log(cli, LONG.strip(), "Sam")
    _log(cli, "coffee", "Alex", at="2026-11-30 15:00")
    out = cli("interactions", "list", check=0, env={**NOW, "COLUMNS": "100"}).stdout.splitlines()
    assert len(out) == 3  # one line a row: nothing wrapped
    assert all(display_width(line) <= 100 for line in out)
    assert out[1].endswith(ELLIPSIS) and out[2].endswith("coffee")
    # Piped (no terminal, no $COLUMNS): whole, for grep; --json and show are never cut.
    assert LONG.strip() in cli("interactions", "list", check=0, env=NOW).stdout
    assert (
        json.loads(cli("interactions", "list", "--json", check=0, env={**NOW, "COLUMNS": "100"}).stdout)[0]["summary"]
        == LONG.strip()
    )
    assert LONG.strip() in cli("interactions", "show", "1", check=0, env={**NOW, "COLUMNS": "100"}).stdout


def test_people_list_fits_the_terminal(cli):
    cli("people", "add", "Sam", "--alias", "S" * 90, check=0, env=NOW)
    out = cli("people", "list", check=0, env={**NOW, "COLUMNS": "80"}).stdout.splitlines()
    assert all(display_width(line) <= 80 for line in out) and out[1].endswith(ELLIPSIS)


def test_show_uses_the_formats_of_list(cli):
    _log(cli, "walk", "Priya", at="2026-11-28 09:05", dur="25m")
    _log(cli, "dinner", "Priya", at="2026-11-29 18:00", dur="3h20m")
    row = cli("interactions", "list", check=0, env=NOW).stdout.splitlines()[1].split("  ")
    when, dur = row[1], row[2].strip()
    show = cli("interactions", "show", "1", check=0, env=NOW).stdout.splitlines()
    assert f"  happened at:  {when}" in show
    assert f"  duration:     {dur}" in show and dur == "25m"
    logged = next(line for line in show if line.startswith("  logged at:"))
    assert len(logged.split(":", 1)[1].strip()) == len("2026-11-30 20:00")
    listed = cli("people", "list", check=0, env=NOW).stdout.splitlines()[1]
    hours = json.loads(cli("people", "show", "priya", "--json", check=0, env=NOW).stdout)["in_person_hours"]
    assert hours == (25 + 200) / 60  # --json keeps the number
    assert "3h45m" in listed
    assert "  in person hours: 3h45m" in cli("people", "show", "priya", check=0, env=NOW).stdout.splitlines()


def test_a_real_terminal_of_100_columns_gets_one_line_a_row(cli, tmp_path):
    """No $COLUMNS: the width is the terminal's own (a pty sized 100 x 30 with TIOCSWINSZ)."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios
    from pathlib import Path

    _log(cli, LONG.strip(), "Sam")
    _log(cli, "coffee", "Alex", at="2026-11-30 15:00")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    exe = str(Path(sys.executable).with_name("offscreen"))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | NOW
    proc = subprocess.Popen([exe, "interactions", "list"], stdin=subprocess.DEVNULL, stdout=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    lines = b"".join(chunks).decode().splitlines()
    assert proc.returncode == 0 and len(lines) == 3
    assert all(display_width(line) <= 100 for line in lines) and lines[1].endswith(ELLIPSIS)
