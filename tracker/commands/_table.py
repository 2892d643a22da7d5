"""One table renderer for every listing command, padded by terminal display width.

Widths come from wcwidth, which knows grapheme clusters: an emoji with VARIATION SELECTOR-16
(❤️), a ZWJ family (👨‍👩‍👧) or a flag takes 2 columns, CJK 2, combining marks 0. wcwidth is
imported inside the functions: `offscreen log` imports this module but prints no table, and the
width tables cost ~15 ms to import (bench/README.md keeps the `log` latency budget).
Every cell goes through tracker.domain.text.terminal_safe before it is measured: a control
character from the database is shown as \\uXXXX, and measured as what is shown.
"""

from __future__ import annotations

import os
import sys

from tracker.domain.text import terminal_safe

ELLIPSIS = "\u2026"
# A cut column keeps at least this many columns (or its header's width, if wider).
_MIN_CUT = 8


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (control characters count 0)."""
    import wcwidth

    return wcwidth.width(text, control_codes="ignore")


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` display columns (control characters shown as \\uXXXX)."""
    text = terminal_safe(text)
    return text + " " * max(0, width - display_width(text))


def terminal_width() -> int | None:
    """Columns to fit tables in: $COLUMNS when set, else the terminal's width when stdout is one.

    None (no cutting) when stdout is a pipe or file and $COLUMNS is unset: piped output stays
    whole and stable for grep and scripts (which should use --json anyway).
    """
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or replaced stdout
        return None
    import shutil

    return shutil.get_terminal_size().columns


def render(header, rows, *, free=None, width: int | bool | None = True) -> str:
    """Header and rows as left-aligned columns two spaces apart, trailing blanks stripped.

    Fitted to WIDTH columns (True: terminal_width(); None/False: never cut) by shrinking the
    widest of the FREE columns (indexes; default all) and cutting its cells with an ellipsis, one
    column at a time, until the table fits or every free column is down to its minimum.
    """
    table = [[terminal_safe(str(c)) for c in header], *[[terminal_safe(str(c)) for c in r] for r in rows]]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(table[0]))]
    limit = terminal_width() if width is True else (width or None)
    if limit is not None:
        widths = _fit(widths, table[0], range(len(widths)) if free is None else free, limit)
        table = [table[0], *[[_cut(c, w) for c, w in zip(r, widths)] for r in table[1:]]]
    return "\n".join("  ".join(pad(c, w) for c, w in zip(r, widths)).rstrip() for r in table)


def _fit(widths: list[int], header: list[str], free, limit: int) -> list[int]:
    widths = list(widths)
    floor = {i: min(widths[i], max(_MIN_CUT, display_width(header[i]))) for i in free}
    while (excess := sum(widths) + 2 * (len(widths) - 1) - limit) > 0:
        movable = [i for i in floor if widths[i] > floor[i]]
        if not movable:
            break
        i = max(movable, key=lambda j: (widths[j], j))
        others = max([widths[j] for j in movable if j != i] + [floor[i]])
        # Down to the next widest column at most, so two long columns share the cut.
        widths[i] = max(floor[i], others, widths[i] - excess) if others < widths[i] else max(floor[i], widths[i] - 1)
    return widths


def _cut(text: str, width: int) -> str:
    """TEXT in at most WIDTH columns, ending with an ellipsis when cut."""
    if display_width(text) <= width:
        return text
    return clip(text, width - 1) + ELLIPSIS


def clip(text: str, width: int) -> str:
    """`text` cut so it takes at most `width` display columns, never inside a grapheme cluster."""
    import wcwidth

    out, used = [], 0
    for grapheme in wcwidth.iter_graphemes(terminal_safe(text)):
        w = display_width(grapheme)
        if used + w > width:
            break
        out.append(grapheme)
        used += w
    return "".join(out)
