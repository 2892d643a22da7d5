"""One exception family for offscreen, translated to exit codes once, in cli.py.

UserError  -> exit 2: bad usage or invalid input; nothing was written.
RuntimeFailure -> exit 1: the input was fine but something outside failed
                  (database busy, display gone); the message says what to do.
"""


class OffscreenError(Exception):
    """Base class: the message is shown to the user as one line after 'Error: '."""

    exit_code = 1


class UserError(OffscreenError):
    """Bad usage or invalid input (exit 2)."""

    exit_code = 2


class RuntimeFailure(OffscreenError):
    """A runtime failure with a clear remedy (exit 1)."""

    exit_code = 1


class DatabaseBusy(RuntimeFailure):
    """Another process held the DuckDB lock for longer than we were willing to wait."""


class ConfigError(UserError):
    """The configuration file is invalid; the message names the file and key."""


# --- domain errors: raised by the store with the data, phrased for people in tracker/usecases ---


class DomainError(UserError):
    """Something the stored data rules out (an unknown name, a name in use). Carries the data; the
    use cases turn it into the sentence a person reads (tracker/usecases/phrasing.py)."""


class UnknownPerson(DomainError):
    def __init__(self, name: str):
        super().__init__(f"unknown person {name!r}")
        self.name = name


class UnknownInteraction(DomainError):
    def __init__(self, interaction_id: int):
        super().__init__(f"unknown interaction #{interaction_id}")
        self.id = interaction_id


class UnknownRoutine(DomainError):
    def __init__(self, name: str, known: tuple[str, ...] = ()):
        super().__init__(f"unknown routine {name!r}")
        self.name = name
        self.known = known  # the live routines' names, for a hint


class NameTaken(DomainError):
    """NAME already belongs to a person (or alias) or a live routine; `kind` says which table."""

    def __init__(self, name: str, kind: str):
        super().__init__(f"{kind} name {name!r} is taken")
        self.name = name
        self.kind = kind


class SelfMerge(DomainError):
    def __init__(self, person_id: int):
        super().__init__(f"person #{person_id} cannot be merged into itself")
        self.person_id = person_id


class UnknownInvitation(DomainError):
    def __init__(self, invitation_id: int):
        super().__init__(f"unknown invitation #{invitation_id}")
        self.id = invitation_id
