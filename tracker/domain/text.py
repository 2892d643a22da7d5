"""What text offscreen takes in and prints out: the one place control characters and lengths are ruled on.

- Names (people, aliases, routines) and tags are labels: a control character in one is refused
  (`check_label`). Free text (summaries, notes, places, reasons) keeps newlines and tabs and loses
  every other control character (`clean_free`): a pasted note with a stray ESC is still a note.
- "Control character" means C0 (but tab and newline where text may have them), DEL, C1, and the
  bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) that make text display in
  another order than it is stored (CVE-2021-42574, "Trojan Source"). A lone surrogate is not text at
  all (the store cannot encode it): refused everywhere.
- Output: `terminal_safe` turns whatever control character is left (from an older database, a
  file restored as is) into a visible \\uXXXX, so nothing printed can carry an escape sequence
  (an imported name could otherwise set the terminal's title or write its clipboard with OSC 52).
  In JSON text the same escape means the same string, so --json output stays exact.
"""

from __future__ import annotations

import re

from tracker.errors import UserError

MAX_NAME = 200  # a person's name or alias, a routine's name
MAX_TAG = 100
MAX_TEXT = 10_000  # a summary, note, place or reason: a long diary entry, not a file pasted by mistake

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATE = re.compile("[\ud800-\udfff]")
# What a label may not hold (tab, CR and newline are whitespace, folded to one space by the callers).
_LABEL_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
# What free text loses: the same, but newlines and tabs stay.
_FREE_DROP = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_OUTPUT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")


def _u(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def no_surrogates(text: str, what: str) -> str:
    """TEXT, unless it holds a lone surrogate (invalid Unicode, e.g. '\\ud800' in a JSON file)."""
    if m := _SURROGATE.search(text):
        raise UserError(f"{what} is not valid Unicode text (a lone surrogate {_u(m.group())})")
    return text


def check_label(text: str, what: str, limit: int = MAX_NAME) -> str:
    """A name or tag as given, or UserError: no control characters, at most LIMIT characters."""
    if len(text) > limit:
        raise UserError(f"{what} is longer than {limit} characters ({len(text)}); shorten it")
    no_surrogates(text, what)
    if m := _LABEL_BAD.search(text):
        raise UserError(f"{what} {text!r} contains a control character ({_u(m.group())}); remove it")
    return text


def clean_free(text: str, what: str, limit: int = MAX_TEXT) -> str:
    """Free text with its control characters dropped (newlines and tabs stay; CR LF becomes LF),
    or UserError when it is longer than LIMIT characters or not valid Unicode."""
    if len(text) > 4 * limit:  # not even worth cleaning
        raise UserError(f"{what} is longer than {limit} characters ({len(text)}); shorten it")
    no_surrogates(text, what)
    cleaned = _FREE_DROP.sub("", text.replace("\r\n", "\n"))
    if len(cleaned) > limit:
        raise UserError(f"{what} is longer than {limit} characters ({len(cleaned)}); shorten it")
    return cleaned


def terminal_safe(text: str) -> str:
    """TEXT with every control character but newline and tab shown as a visible \\uXXXX."""
    if not isinstance(text, str):
        raise TypeError(f"text expected, got {type(text).__name__}")
    return _OUTPUT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def free(value: str | None, what: str, limit: int = MAX_TEXT) -> str | None:
    """An optional free-text option (a note, a reason) as stored: cleaned, trimmed, '' -> None."""
    return None if value is None else (clean_free(value, what, limit).strip() or None)


def label(value: str, what: str, limit: int = MAX_NAME) -> str:
    """A name as stored: checked (before folding: a NUL is no space), runs of whitespace as one space."""
    check_label(value, what, 4 * limit)
    return check_label(" ".join(value.split()), what, limit)
