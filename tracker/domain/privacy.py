"""Privacy before storage: pure functions applied to every sample before anything reaches the
queue, so nothing the user excluded is ever written, not even briefly.

- exclude rules (regex on app and/or title): matching activity becomes app "excluded", no title,
  no executable;
- titles = "keep" | "redact" (never stored) | "hash": the first 16 hex digits of sha256(title),
  enough to group equal titles. A hash is NOT secret for guessable titles: anyone can hash
  "Inbox - Gmail" and compare. Use redact or exclude for anything sensitive.
"""

from __future__ import annotations

import re

from tracker.config import Privacy

EXCLUDED_APP = "excluded"
HASH_HEX = 16
# C0 and C1 control characters and DEL: any X client can put them in its WM_CLASS or title, and
# `offscreen today` / `report` would send them to a terminal as escape sequences (OSC 52 writes
# the clipboard in some terminals). Line breaks and tabs become spaces; the rest is dropped.
_SPACE = re.compile(r"[\t\n\r\v\f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A lone surrogate is not text: a process name with non-UTF-8 bytes (read from /proc with
# surrogateescape, as psutil does) or a "\ud800" in a compositor's JSON. The queue cannot encode
# it, and one such span would block every later one: it becomes U+FFFD, as a decoder would make it.
_SURROGATE = re.compile("[\ud800-\udfff]")


# The longest app, title or executable stored: a client may set a megabyte-long title (issue 17
# measured 1 MB accepted), and every span with it is kept, queued and drained. Real titles stay
# far below; a longer one is cut and ends in an ellipsis so the cut shows.
MAX_TEXT = 1000


def clean(s: str | None) -> str | None:
    """S without control characters and at most MAX_TEXT characters (None stays None)."""
    if s is None:
        return None
    s = _SURROGATE.sub("\ufffd", _CONTROL.sub("", _SPACE.sub(" ", s[: 4 * MAX_TEXT])))  # bounded work
    return s if len(s) <= MAX_TEXT else s[: MAX_TEXT - 1] + "…"


def hash_title(title: str) -> str:
    """The first HASH_HEX hex digits of sha256(TITLE)."""
    import hashlib  # here: only the "hash" title mode needs it, and the daemon is kept small (issue 14)

    return hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX]


def apply(
    app: str | None, title: str | None, exe: str | None, privacy: Privacy
) -> tuple[str | None, str | None, str | None]:
    """(app, title, exe) as they may be stored under PRIVACY (control characters removed and
    lengths bounded first; exclude rules match what would be stored)."""
    app, title, exe = clean(app), clean(title), clean(exe)
    for rule in privacy.exclude:
        if rule.matches(app, title):
            return EXCLUDED_APP, None, None
    if title is None or privacy.titles == "keep":
        return app, title, exe
    if privacy.titles == "redact":
        return app, None, exe
    return app, hash_title(title), exe
