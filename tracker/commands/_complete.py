"""Shell completion of option and argument values (click's shell_complete callbacks).

Run by `_OFFSCREEN_COMPLETE=bash_complete offscreen ...` on every TAB, so each one is cheap and
never raises: the group callback does not run during completion, so the database comes from the
root's --db / $OFFSCREEN_DB as parsed so far.
"""

from __future__ import annotations


def _matching(values, incomplete: str) -> list[str]:
    low = incomplete.lower()
    return [v for v in values if v.lower().startswith(low)]


def modes(ctx, param, incomplete: str) -> list[str]:
    from tracker.domain.interactions import MODES

    return _matching(MODES, incomplete)


def _stored(ctx, what: str, incomplete: str) -> list[str]:
    try:
        from tracker.app import App
        from tracker.usecases.complete import names

        return _matching(names(App.create(db=ctx.find_root().params.get("db")), what), incomplete)
    except Exception:  # a bad --db, an unreadable home: no candidates rather than a traceback
        return []


def people(ctx, param, incomplete: str) -> list[str]:
    # --with takes "Sam,Al": complete the last name after the commas already typed.
    head, _, last = incomplete.rpartition(",")
    prefix = head + "," if head else ""
    return [prefix + n for n in _stored(ctx, "people", last.lstrip())]


def routines(ctx, param, incomplete: str) -> list[str]:
    return _stored(ctx, "routines", incomplete)
