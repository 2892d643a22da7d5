"""Privacy before storage (issue 3, STYLE.md 13): pure functions applied to every sample before
anything reaches the queue.

- exclude rules (regex on app and/or title): matching activity becomes app "excluded", no title,
  no executable;
- titles = "keep" | "redact" (never stored) | "hash": the first 16 hex digits of sha256(title),
  enough to group equal titles. A hash is NOT secret for guessable titles: anyone can hash
  "Inbox - Gmail" and compare. Use redact or exclude for anything sensitive.
"""

from __future__ import annotations

import hashlib

from .config import Privacy

EXCLUDED_APP = "excluded"
HASH_HEX = 16


def hash_title(title: str) -> str:
    return hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX]


def apply(app: str | None, title: str | None, exe: str | None, privacy: Privacy) -> tuple[str | None, str | None, str | None]:
    """(app, title, exe) as they may be stored under PRIVACY."""
    for rule in privacy.exclude:
        if rule.matches(app, title):
            return EXCLUDED_APP, None, None
    if title is None or privacy.titles == "keep":
        return app, title, exe
    if privacy.titles == "redact":
        return app, None, exe
    return app, hash_title(title), exe
