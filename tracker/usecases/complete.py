"""Values for shell completion that live in the database (people, routines)."""

from __future__ import annotations


def names(app, what: str) -> list[str]:
    """'people' (names and aliases) or 'routines': [] when the database cannot be read now."""
    from tracker import store

    return store.completion_names(app.paths.db, what)
