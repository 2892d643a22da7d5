"""The synced folder's layout and rules (issue 16): pure, no files touched here.

    DIR/HOST/host.json                       {"format": 1, "host": HOST, "name": "laptop"}
    DIR/HOST/<table>/v1-<version>-<rand>.parquet   rows changed in one sync (append-only)
    DIR/HOST/activity/v1-YYYY-MM-DD.parquet  that UTC day's screen-time spans (replaced whole)

Each machine writes only DIR/<its HOST>/ and reads the others'. A name that does not match the
patterns below (a sync tool's temp file, our own temp file, a conflict copy) is never read. The
format version leads the name, so a file from a newer offscreen is recognised without opening it.

Rows carry a random 128-bit uid (the same on every machine) and a Lamport version: a change made
here gets max(every version seen) + 1, so an edit made after seeing another machine's edit always
wins, whatever either wall clock says. Concurrent edits (neither saw the other) are ordered by
(version, changed_at, host): deterministic, the same winner on every machine.
"""

from __future__ import annotations

import re
from datetime import date, datetime

FORMAT = 1
# Applied in this order: a routine names people, an interaction names people and a routine.
TABLES = ("people", "routines", "interactions", "checkins")
ACTIVITY = "activity"
HOST_FILE = "host.json"

_CHANGE = re.compile(r"^v(\d{1,4})-(\d{12})-([0-9a-f]{8})\.parquet$")
_DAY = re.compile(r"^v(\d{1,4})-(\d{4}-\d{2}-\d{2})\.parquet$")
# A host folder: a readable name, then 12 hex digits of random id (tracker.store.sync.host_identity).
HOST_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}-[0-9a-f]{12}$")


def change_name(version: int, rand: str) -> str:
    """The file name for rows changed at Lamport VERSION (RAND: 8 hex digits, against two writers)."""
    return f"v{FORMAT}-{version:012d}-{rand}.parquet"


def day_name(day: date) -> str:
    """The file name for one UTC day of activity spans."""
    return f"v{FORMAT}-{day.isoformat()}.parquet"


def parse_change(name: str) -> int | None:
    """The format version of a row file NAME, or None when NAME is not one (temp files, copies)."""
    m = _CHANGE.match(name)
    return int(m.group(1)) if m else None


def parse_day(name: str) -> tuple[int, date] | None:
    """(format version, day) of an activity file NAME, or None when NAME is not one."""
    m = _DAY.match(name)
    if not m:
        return None
    try:
        return int(m.group(1)), date.fromisoformat(m.group(2))
    except ValueError:
        return None


def host_name(raw: str) -> str:
    """A machine's name as it may appear in a folder name: lower case, [a-z0-9-], at most 32."""
    name = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")[:32].strip("-")
    return name or "host"


def newer(a: tuple[int, datetime | None, str], b: tuple[int, datetime | None, str] | None) -> bool:
    """Whether version A (version, changed_at, host) beats B (None: nothing known)."""
    if b is None:
        return True
    epoch = datetime.min
    return (a[0], a[1] or epoch, a[2]) > (b[0], b[1] or epoch, b[2])
