"""All SQL for connection practice: cadences, routines, check-ins, unplug sessions, nudges sent,
and the last idle span. Timestamps in and out are naive UTC (storage convention). Errors are the
domain errors of tracker.errors, carrying the data; tracker/usecases phrases them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tracker.domain.interactions import name_key
from tracker.domain.spans import SCREEN_STATES, screen_sql
from tracker.domain.times import Calendar
from tracker.errors import NameTaken, UnknownRoutine
from tracker.store import transaction
from tracker.store.interactions import ends_at


def cadence_rows(con, now_utc: datetime) -> list[dict]:
    """Everyone who may have a cadence, with the start of their last qualifying interaction.

    Qualifying: not deleted, not in the future, and in person unless the person's cadence_modes
    is 'any' or lists the mode. Interactions of people merged into someone count for them.
    """
    rows = con.execute(
        """WITH members AS (
             SELECT p.id AS pid, m.id AS mid,
                    string_split(replace(coalesce(p.cadence_modes, 'in-person'), ' ', ''), ',') AS modes
               FROM people p JOIN people m ON m.id = p.id OR m.merged_into = p.id
              WHERE p.merged_into IS NULL),
           last AS (
             SELECT mb.pid, max(i.happened_at) AS last_seen
               FROM members mb
               JOIN interaction_people ip ON ip.person_id = mb.mid
               JOIN interactions i ON i.id = ip.interaction_id
              WHERE i.deleted_at IS NULL AND i.happened_at <= ?
                AND (mb.modes = ['any'] OR list_contains(mb.modes, i.mode))
              GROUP BY mb.pid)
           SELECT p.id, p.name, p.tier, p.every_days, p.max_days, p.cadence_modes, p.created_at, last.last_seen
             FROM people p LEFT JOIN last ON last.pid = p.id
            WHERE p.merged_into IS NULL
              AND (p.tier IS NOT NULL OR p.every_days IS NOT NULL OR p.max_days IS NOT NULL)
            ORDER BY p.name_key""",
        [now_utc],
    ).fetchall()
    keys = ("id", "name", "tier", "every_days", "max_days", "cadence_modes", "created_at", "last_seen")
    return [dict(zip(keys, r)) for r in rows]


# --- routines ---

_ROUTINE_COLS = "id, name, unit, every_n, on_weekday, starts_on, note, created_at"


def _routine(row) -> dict:
    keys = ("id", "name", "unit", "every_n", "on_weekday", "starts_on", "note", "created_at")
    return dict(zip(keys, row))


def add_routine(
    con,
    name: str,
    *,
    unit: str,
    every_n: int,
    on_weekday: int | None,
    starts_on: date,
    person_ids,
    now_utc: datetime,
    note: str | None = None,
) -> int:
    """Insert a routine called NAME (NameTaken when a live routine has that name key)."""
    if get_routine(con, name) is not None:
        raise NameTaken(name, "routine")
    with transaction(con):
        rid = con.execute(
            """INSERT INTO routines (name, name_key, unit, every_n, on_weekday, starts_on, note, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [name, name_key(name), unit, every_n, on_weekday, starts_on, note, now_utc],
        ).fetchone()[0]
        for pid in person_ids:
            con.execute("INSERT INTO routine_people VALUES (?, ?)", [rid, pid])
    return rid


def get_routine(con, name: str) -> dict | None:
    row = con.execute(
        f"SELECT {_ROUTINE_COLS} FROM routines WHERE name_key = ? AND removed_at IS NULL",
        [name_key(name)],
    ).fetchone()
    if row is None:
        return None
    r = _routine(row)
    r["people"] = routine_people(con, r["id"])
    return r


def require_routine(con, name: str) -> dict:
    """Like get_routine, but an unknown name raises UnknownRoutine (with the live routines' names)."""
    r = get_routine(con, name)
    if r is None:
        raise UnknownRoutine(name, tuple(x["name"] for x in list_routines(con)))
    return r


def routine_people(con, routine_id: int) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            """SELECT p.name FROM routine_people rp JOIN people p ON p.id = rp.person_id
           WHERE rp.routine_id = ? AND p.removed_at IS NULL ORDER BY p.name_key""",
            [routine_id],
        ).fetchall()
    ]


def list_routines(con) -> list[dict]:
    out = []
    for row in con.execute(
        f"SELECT {_ROUTINE_COLS} FROM routines WHERE removed_at IS NULL ORDER BY name_key"
    ).fetchall():
        r = _routine(row)
        r["people"] = routine_people(con, r["id"])
        out.append(r)
    return out


def routine_held_times(con, routine_id: int) -> list[datetime]:
    """Start times (naive UTC) of the interactions logged for a routine, not deleted."""
    return [
        r[0]
        for r in con.execute(
            "SELECT happened_at FROM interactions WHERE routine_id = ? AND deleted_at IS NULL ORDER BY happened_at",
            [routine_id],
        ).fetchall()
    ]


def routine_skips(con, routine_id: int) -> list[date]:
    return [
        r[0]
        for r in con.execute(
            "SELECT period_start FROM routine_skips WHERE routine_id = ? ORDER BY period_start", [routine_id]
        ).fetchall()
    ]


def skip_period(con, routine_id: int, period_start: date, reason: str | None, now_utc: datetime) -> bool:
    """Record a skip; False when that period was already skipped."""
    row = con.execute(
        """INSERT INTO routine_skips VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING routine_id""",
        [routine_id, period_start, reason, now_utc],
    ).fetchone()
    # A demo routine the user skips is the user's from now on (tracker/store/demo.py).
    con.execute("UPDATE routines SET source = 'cli' WHERE id = ? AND source = 'demo'", [routine_id])
    return row is not None


def remove_routine(con, routine_id: int, now_utc: datetime) -> None:
    """Soft delete: interactions keep their routine_id; the name becomes free again."""
    con.execute("UPDATE routines SET removed_at = ? WHERE id = ?", [now_utc, routine_id])


def update_routine(con, routine_id: int, *, person_ids=None, **fields) -> None:
    """Set the given columns (name, unit, every_n, on_weekday, note; None values count) and, with
    PERSON_IDS, replace the routine's people. NameTaken when NAME is another live routine's."""
    allowed = {"name", "unit", "every_n", "on_weekday", "note"}
    bad = set(fields) - allowed
    if bad:
        raise ValueError(f"not a routine field: {sorted(bad)}")
    if "name" in fields:
        other = get_routine(con, fields["name"])
        if other is not None and other["id"] != routine_id:
            raise NameTaken(fields["name"], "routine")
        fields["name_key"] = name_key(fields["name"])
    with transaction(con):
        if fields:
            sets = ", ".join(f"{k} = ?" for k in fields)
            con.execute(f"UPDATE routines SET {sets} WHERE id = ?", [*fields.values(), routine_id])
        if person_ids is not None:
            con.execute("DELETE FROM routine_people WHERE routine_id = ?", [routine_id])
            for pid in person_ids:
                con.execute("INSERT INTO routine_people VALUES (?, ?)", [routine_id, pid])
        # A demo routine the user edits is the user's from now on (tracker/store/demo.py).
        con.execute("UPDATE routines SET source = 'cli' WHERE id = ? AND source = 'demo'", [routine_id])


def routine_unlinked(con, routine_id: int, start_utc: datetime, end_utc: datetime) -> list[tuple[int, datetime]]:
    """(id, happened_at) of the interactions in [START_UTC, END_UTC) not linked to any routine and
    not deleted, that every one of the routine's people took part in (others may have too); none
    for a routine without people, whose interactions cannot be told apart."""
    return con.execute(
        """WITH want AS (SELECT rp.person_id FROM routine_people rp JOIN people p ON p.id = rp.person_id
                          WHERE rp.routine_id = ? AND p.removed_at IS NULL)
           SELECT i.id, i.happened_at FROM interactions i
            WHERE i.routine_id IS NULL AND i.deleted_at IS NULL
              AND i.happened_at >= ? AND i.happened_at < ?
              AND (SELECT count(*) FROM want) > 0
              AND (SELECT count(*) FROM interaction_people ip
                    WHERE ip.interaction_id = i.id AND ip.person_id IN (SELECT person_id FROM want))
                  = (SELECT count(*) FROM want)
            ORDER BY i.happened_at, i.id""",
        [routine_id, start_utc, end_utc],
    ).fetchall()


def link_to_routine(con, routine_id: int, interaction_ids, now_utc: datetime) -> int:
    """Mark INTERACTION_IDS (those still unlinked) as held for the routine; returns how many."""
    ids = list(interaction_ids)
    if not ids:
        return 0
    rows = con.execute(
        f"""UPDATE interactions SET routine_id = ?, updated_at = ?
            WHERE routine_id IS NULL AND id IN ({", ".join("?" * len(ids))}) RETURNING id""",
        [routine_id, now_utc, *ids],
    ).fetchall()
    return len(rows)


# --- check-ins ---

CHECKIN_FIELDS = ("mood", "connected", "lack_companionship", "left_out", "isolated", "lonely", "note")


def add_checkin(con, at_utc: datetime, values: dict, source: str = "cli") -> int:
    cols = [k for k in CHECKIN_FIELDS if values.get(k) is not None]
    return con.execute(
        f"INSERT INTO checkins (at_utc, source{''.join(', ' + c for c in cols)}) "
        f"VALUES (?, ?{', ?' * len(cols)}) RETURNING id",
        [at_utc, source] + [values[c] for c in cols],
    ).fetchone()[0]


def get_checkin(con, checkin_id: int) -> dict | None:
    cols = ", ".join(CHECKIN_FIELDS)
    row = con.execute(f"SELECT id, at_utc, {cols} FROM checkins WHERE id = ?", [checkin_id]).fetchone()
    return dict(zip(("id", "at_utc") + CHECKIN_FIELDS, row)) if row else None


def update_checkin(con, checkin_id: int, changes: dict) -> None:
    """Set the columns in CHANGES (None clears one); a row left with no answer at all is deleted."""
    cols = [k for k in changes if k in CHECKIN_FIELDS or k == "at_utc"]
    if cols:
        con.execute(
            f"UPDATE checkins SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
            [changes[c] for c in cols] + [checkin_id],
        )
    con.execute(
        f"DELETE FROM checkins WHERE id = ? AND {' AND '.join(c + ' IS NULL' for c in CHECKIN_FIELDS)}",
        [checkin_id],
    )


def delete_checkin(con, checkin_id: int) -> None:
    con.execute("DELETE FROM checkins WHERE id = ?", [checkin_id])


def last_weekly_checkin(con) -> datetime | None:
    """When the UCLA-3 was last answered (naive UTC), or None."""
    return con.execute("SELECT max(at_utc) FROM checkins WHERE lack_companionship IS NOT NULL").fetchone()[0]


def checkins_between(con, since_utc: datetime, until_utc: datetime) -> list[dict]:
    rows = con.execute(
        f"""SELECT id, at_utc, {", ".join(CHECKIN_FIELDS)},
                   lack_companionship + left_out + isolated AS ucla
              FROM checkins WHERE at_utc >= ? AND at_utc < ? ORDER BY at_utc""",
        [since_utc, until_utc],
    ).fetchall()
    keys = ("id", "at_utc") + CHECKIN_FIELDS + ("ucla",)
    return [dict(zip(keys, r)) for r in rows]


def checkin_trends(con, since_utc: datetime, until_utc: datetime, cal: Calendar) -> dict:
    """Check-in summary for `offscreen report`: means and per-ISO-week (local, CAL's days) averages.

    A day counts once: its latest check-in with a daily answer; a week likewise counts its latest
    weekly answers. `offscreen checkin` keeps one of each, but a database written before it did
    (or merged from a backup) may hold two. Small by construction, so bucketed here on local dates.
    """
    days: dict[date, dict] = {}
    weekly: dict[str, dict] = {}

    def week_of(at_utc):
        y, w, _ = cal.day_of(at_utc).isocalendar()
        return f"{y}-W{w:02d}"

    for c in checkins_between(con, since_utc, until_utc):  # oldest first: the latest one wins
        if c["mood"] is not None or c["connected"] is not None:
            days[cal.day_of(c["at_utc"])] = c
        if c["ucla"] is not None:
            weekly[week_of(c["at_utc"])] = c
    weeks: dict[str, dict] = {}

    def bucket(key):
        return weeks.setdefault(key, {"mood": [], "connected": [], "ucla": [], "lonely": []})

    for c in days.values():
        for k in ("mood", "connected"):
            if c[k] is not None:
                bucket(week_of(c["at_utc"]))[k].append(c[k])
    for key, c in weekly.items():
        bucket(key)["ucla"].append(c["ucla"])
        if c["lonely"] is not None:
            bucket(key)["lonely"].append(c["lonely"])

    def mean(xs):
        return round(sum(xs) / len(xs), 2) if xs else None

    def overall(k):
        xs = [c[k] for c in (weekly if k == "ucla" else days).values() if c[k] is not None]
        return {"n": len(xs), "mean": mean(xs)}

    return {
        "mood": overall("mood"),  # 1 awful .. 5 great
        "connected": overall("connected"),  # 0-10
        "ucla3": overall("ucla"),  # 3-9, higher = lonelier
        "weeks": [
            {
                "week": k,
                "mood": mean(v["mood"]),
                "connected": mean(v["connected"]),
                "ucla3": mean(v["ucla"]),
                "lonely": v["lonely"][-1] if v["lonely"] else None,
            }
            for k, v in sorted(weeks.items())
        ],
    }


# --- unplug sessions ---

_UNPLUG_COLS = "id, start_utc, planned_end_utc, end_utc, note"


def _unplug(row) -> dict:
    return dict(zip(("id", "start_utc", "planned_end_utc", "end_utc", "note"), row))


def open_unplug(con, now_utc: datetime) -> dict | None:
    """The running session: not stopped, started, and its planned end (if any) not reached."""
    row = con.execute(
        f"""SELECT {_UNPLUG_COLS} FROM unplug_sessions
             WHERE end_utc IS NULL AND start_utc <= ? AND (planned_end_utc IS NULL OR planned_end_utc > ?)
             ORDER BY start_utc DESC LIMIT 1""",
        [now_utc, now_utc],
    ).fetchone()
    return _unplug(row) if row else None


def next_planned_unplug(con, now_utc: datetime, exclude_id: int | None = None) -> dict | None:
    """The next session planned to start after NOW (not yet begun, so not running)."""
    row = con.execute(
        f"""SELECT {_UNPLUG_COLS} FROM unplug_sessions
             WHERE end_utc IS NULL AND start_utc > ? AND id IS DISTINCT FROM ? ORDER BY start_utc LIMIT 1""",
        [now_utc, exclude_id],
    ).fetchone()
    return _unplug(row) if row else None


def overlapping_unplug(
    con, start_utc: datetime, end_utc: datetime, now_utc: datetime, exclude_id: int | None = None
) -> dict | None:
    row = con.execute(
        f"""SELECT {_UNPLUG_COLS} FROM unplug_sessions
             WHERE start_utc < ? AND coalesce(end_utc, planned_end_utc, ?) > ? AND id IS DISTINCT FROM ?
             ORDER BY start_utc LIMIT 1""",
        [end_utc, max(now_utc, end_utc), start_utc, exclude_id],
    ).fetchone()
    return _unplug(row) if row else None


def add_unplug(con, start_utc: datetime, *, planned_end_utc=None, end_utc=None, note=None, now_utc: datetime) -> int:
    return con.execute(
        """INSERT INTO unplug_sessions (start_utc, planned_end_utc, end_utc, note, created_at)
           VALUES (?, ?, ?, ?, ?) RETURNING id""",
        [start_utc, planned_end_utc, end_utc, note, now_utc],
    ).fetchone()[0]


def get_unplug(con, session_id: int) -> dict | None:
    row = con.execute(f"SELECT {_UNPLUG_COLS} FROM unplug_sessions WHERE id = ?", [session_id]).fetchone()
    return _unplug(row) if row else None


def update_unplug(con, session_id: int, changes: dict) -> None:
    """Set the columns in CHANGES (start_utc, planned_end_utc, end_utc, note; None clears one)."""
    cols = [k for k in changes if k in ("start_utc", "planned_end_utc", "end_utc", "note")]
    if cols:
        con.execute(
            f"UPDATE unplug_sessions SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
            [changes[c] for c in cols] + [session_id],
        )


def stop_unplug(con, session_id: int, end_utc: datetime) -> None:
    con.execute("UPDATE unplug_sessions SET end_utc = ? WHERE id = ?", [end_utc, session_id])


def delete_unplug(con, session_id: int) -> None:
    con.execute("DELETE FROM unplug_sessions WHERE id = ?", [session_id])


def list_unplug(con, now_utc: datetime, since_utc: datetime | None = None) -> list[dict]:
    """Sessions with what the daemon saw inside each: active minutes and minutes of any data.

    A session's effective end: when stopped, else its planned end, else (still running) now.
    `verdict`: 'untouched' (data covers it, no screen time), 'used' (active or watching spans inside),
    'no data' (the daemon recorded nothing then, so we cannot tell), 'planned' (it starts later;
    `minutes` is its planned length).
    """
    rows = con.execute(
        f"""WITH s AS (
             SELECT id, start_utc, planned_end_utc, end_utc, note,
                    least(coalesce(end_utc, planned_end_utc, ?::TIMESTAMP),
                          greatest(?::TIMESTAMP, start_utc)) AS eff_end,
                    (end_utc IS NULL AND start_utc <= ? AND (planned_end_utc IS NULL OR planned_end_utc > ?))
                      AS running
               FROM unplug_sessions WHERE start_utc >= coalesce(?::TIMESTAMP, '-infinity'::TIMESTAMP)),
           seen AS (  -- an inner range join (DuckDB plans it as an IEJoin), then summed per session
             SELECT s.id,
                    sum(CASE WHEN {screen_sql("a.state")} THEN
                        epoch(least(a.end_utc, s.eff_end)) - epoch(greatest(a.start_utc, s.start_utc))
                        ELSE 0 END) AS active_s,
                    sum(epoch(least(a.end_utc, s.eff_end)) - epoch(greatest(a.start_utc, s.start_utc))) AS seen_s
               FROM s JOIN activity a ON a.start_utc < s.eff_end AND a.end_utc > s.start_utc
              GROUP BY s.id)
           SELECT s.id, s.start_utc, s.eff_end, s.running, s.note, s.planned_end_utc, s.end_utc,
                  coalesce(seen.active_s, 0) / 60.0, coalesce(seen.seen_s, 0) / 60.0
             FROM s LEFT JOIN seen ON seen.id = s.id ORDER BY s.start_utc""",
        [now_utc, now_utc, now_utc, now_utc, since_utc],
    ).fetchall()
    out = []
    for sid, start, end, running, note, planned, stopped, active_min, seen_min in rows:
        verdict = "used" if active_min > 0 else ("untouched" if seen_min > 0 else "no data")
        later = start > now_utc
        if later:
            end, verdict = planned, "planned"
        out.append(
            {
                "id": sid,
                "start_utc": start,
                "end_utc": end,
                "running": bool(running),
                "planned": later,
                "note": note,
                "planned_end_utc": planned,
                "stopped_utc": stopped,
                "minutes": round((end - start).total_seconds() / 60, 1),
                "active_min": round(float(active_min), 1),
                "observed_min": round(float(seen_min), 1),
                "verdict": verdict,
            }
        )
    return out


# --- nudges ---


def nudge_on(con, day: date) -> dict | None:
    row = con.execute("SELECT day, kind, message, sent_utc, delivered FROM nudges_sent WHERE day = ?", [day]).fetchone()
    return dict(zip(("day", "kind", "message", "sent_utc", "delivered"), row)) if row else None


def last_nudge_day(con, kind: str) -> date | None:
    """The latest local day a nudge of KIND was sent (claimed), or None."""
    return con.execute("SELECT max(day) FROM nudges_sent WHERE kind = ?", [kind]).fetchone()[0]


def claim_nudge(con, day: date, kind: str, message: str, now_utc: datetime) -> bool:
    """Claim DAY's one nudge before delivering it; False when the day already had one.

    The primary key on the day makes this safe against two processes racing.
    """
    row = con.execute(
        "INSERT INTO nudges_sent VALUES (?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING RETURNING day",
        [day, kind, message, now_utc],
    ).fetchone()
    return row is not None


def set_nudge_delivery(con, day: date, delivered: str) -> None:
    con.execute("UPDATE nudges_sent SET delivered = ? WHERE day = ?", [delivered[:500], day])


# --- idle spans (for nudges and `offscreen log --from-idle`) ---


def interactions_overlap(con, start_utc: datetime, end_utc: datetime) -> bool:
    """Is any (not deleted) interaction logged that overlaps [start, end)?"""
    return con.execute(
        f"""SELECT count(*) > 0 FROM interactions WHERE deleted_at IS NULL AND happened_at < ?
             AND {ends_at()} > ?""",
        [end_utc, start_utc],
    ).fetchone()[0]


IDLE_MIN = timedelta(minutes=30)
IDLE_MAX = timedelta(hours=4)
# Idle/locked/asleep spans closer than this are one absence (the daemon splits on state changes).
_JOIN_GAP = timedelta(minutes=2)


def last_idle_span(con, now: datetime, *, within: timedelta = timedelta(hours=1)) -> dict | None:
    """The absence you just came back from: idle/locked/asleep lasting 30 min - 4 h, followed by
    active use, that ended at most WITHIN before NOW (naive UTC). None otherwise.

    Returns {'start_utc', 'end_utc', 'minutes'} (naive UTC).
    """
    rows = con.execute(
        """SELECT start_utc, end_utc, state FROM activity
            WHERE end_utc > ? AND start_utc <= ? ORDER BY start_utc, end_utc""",
        [now - within - IDLE_MAX - _JOIN_GAP, now],
    ).fetchall()
    runs: list[list] = []  # [start, end, followed_by_active]
    for start, end, state in rows:
        if state in SCREEN_STATES:  # back at the screen, watching included
            if runs and start >= runs[-1][1] - _JOIN_GAP:
                runs[-1][2] = True
            continue
        if runs and not runs[-1][2] and start <= runs[-1][1] + _JOIN_GAP:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end, False])
    for start, end, returned in reversed(runs):
        if not returned:
            continue
        if end < now - within:
            return None
        if IDLE_MIN <= end - start <= IDLE_MAX:
            return {"start_utc": start, "end_utc": end, "minutes": round((end - start).total_seconds() / 60, 1)}
        return None
    return None


# --- demo data (for `offscreen demo`, which calls this with the people it made) ---
