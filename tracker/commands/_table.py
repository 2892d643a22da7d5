"""One table renderer for every listing command, padded by terminal display width.

Widths come from wcwidth, which knows grapheme clusters: an emoji with VARIATION SELECTOR-16
(❤️), a ZWJ family (👨‍👩‍👧) or a flag takes 2 columns, CJK 2, combining marks 0. wcwidth is
imported inside the functions: `offscreen log` imports this module but prints no table, and the
width tables cost ~15 ms to import (bench/README.md keeps the `log` latency budget).
"""

from __future__ import annotations


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (control characters count 0)."""
    import wcwidth

    return wcwidth.width(text, control_codes="ignore")


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` display columns."""
    return text + " " * max(0, width - display_width(text))


def render(header, rows) -> str:
    """Header and rows as left-aligned columns two spaces apart, trailing blanks stripped."""
    table = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(pad(c, w) for c, w in zip(r, widths)).rstrip() for r in table)


def clip(text: str, width: int) -> str:
    """`text` cut so it takes at most `width` display columns, never inside a grapheme cluster."""
    import wcwidth

    out, used = [], 0
    for grapheme in wcwidth.iter_graphemes(text):
        w = display_width(grapheme)
        if used + w > width:
            break
        out.append(grapheme)
        used += w
    return "".join(out)
