"""One table renderer for every listing command, padded by terminal display width (issue: CJK/emoji)."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide/fullwidth chars 2, combining marks and ZW chars 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` display columns."""
    return text + " " * max(0, width - display_width(text))


def render(header, rows) -> str:
    """Header and rows as left-aligned columns two spaces apart, trailing blanks stripped."""
    table = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(pad(c, w) for c, w in zip(r, widths)).rstrip() for r in table)


def clip(text: str, width: int) -> str:
    """`text` cut so it takes at most `width` display columns."""
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)
