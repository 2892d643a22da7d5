"""Rows laid out directly in a test database (no validation: the commands under test validate).

Test data only: the product inserts people through tracker/store/people.py and interactions
through tracker/store/interactions.py.
"""

from __future__ import annotations

from datetime import datetime

from tracker.domain.interactions import name_key
from tracker.store import transaction


def add_person(
    con,
    name: str,
    *,
    tier=None,
    every_days=None,
    max_days=None,
    cadence_modes=None,
    kin=False,
    created_at: datetime,
    source: str = "cli",
) -> int:
    """Insert a person with its cadence columns as given."""
    return con.execute(
        """INSERT INTO people (name, name_key, tier, kin, every_days, max_days, cadence_modes, source, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [name, name_key(name), tier, kin, every_days, max_days, cadence_modes, source, created_at],
    ).fetchone()[0]


def add_interaction(
    con,
    *,
    happened_at: datetime,
    duration_min: float,
    mode: str = "in-person",
    person_ids=(),
    routine_id=None,
    initiated=None,
    summary=None,
    logged_at: datetime | None = None,
    deleted_at: datetime | None = None,
    source: str = "cli",
) -> int:
    """Insert an interaction with its people as given (no validation: `log` validates)."""
    with transaction(con):
        iid = con.execute(
            """INSERT INTO interactions (summary, happened_at, duration_min, mode, initiated, routine_id,
                                         logged_at, deleted_at, source)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [
                summary,
                happened_at,
                duration_min,
                mode,
                initiated,
                routine_id,
                logged_at or happened_at,
                deleted_at,
                source,
            ],
        ).fetchone()[0]
        for pid in person_ids:
            con.execute("INSERT INTO interaction_people VALUES (?, ?)", [iid, pid])
    return iid
