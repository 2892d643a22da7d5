"""The store's domain errors (tracker.errors) as the one-line sentences a person reads.

The store raises errors carrying data (which name, which id); this is where they get words, once,
so `people show`, `interactions list --with` and `import` say the same thing about the same
problem. A use case with something more specific to say catches the error itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tracker.errors import (
    DomainError,
    NameTaken,
    SelfMerge,
    UnknownInteraction,
    UnknownInvitation,
    UnknownPerson,
    UnknownRoutine,
    UserError,
)


def message(e: DomainError) -> str:
    """What E means to the person who typed the command, and what to do about it."""
    if isinstance(e, UnknownPerson):
        return f"no person called {e.name!r}; see 'offscreen people list'"
    if isinstance(e, UnknownInteraction):
        return f"no interaction #{e.id}; see 'offscreen interactions list'"
    if isinstance(e, UnknownInvitation):
        return f"no invitation #{e.id}; see 'offscreen invite list'"
    if isinstance(e, UnknownRoutine):
        hint = f" (routines: {', '.join(e.known)})" if e.known else " (add one with `offscreen routine add`)"
        return f"no routine called {e.name!r}{hint}"
    if isinstance(e, NameTaken) and e.kind == "routine":
        return f"a routine called {e.name!r} already exists; pick another name or `offscreen routine remove` it"
    if isinstance(e, NameTaken):
        return f"{e.name!r} already names someone else; merge them with 'offscreen people merge'"
    if isinstance(e, SelfMerge):
        return "cannot merge a person into themselves"
    return str(e)


@contextmanager
def phrased(prefix: str = "") -> Iterator[None]:
    """Domain errors raised inside become a UserError with their message (after PREFIX)."""
    try:
        yield
    except DomainError as e:
        raise UserError(prefix + message(e)) from None
