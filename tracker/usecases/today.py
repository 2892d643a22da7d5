"""Today's totals: the one computation behind `offscreen today` and the `today` part of `status`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.config import Config
from tracker.domain.times import Calendar


def day_totals(con, cal: Calendar, config: Config, now: datetime) -> dict[str, Any]:
    """Seconds by state, by app and by category, and face-to-face minutes, for NOW's local day."""
    from tracker.store import activity

    day = cal.day_of(now)
    since, until = cal.day_bounds(day)
    data = activity.summary(con, since, until, config)
    # Whole seconds: sub-second sums are sampling noise and read badly in JSON.
    for key in ("active_seconds", "idle_seconds", "locked_seconds", "asleep_seconds"):
        data[key] = round(data[key])
    for entry in data["by_app"] + data["by_category"]:
        entry["seconds"] = round(entry["seconds"])
    data["face_to_face_minutes"] = round(activity.face_to_face_minutes(con, since, until), 1)
    return {"day": day.isoformat(), "since": cal.iso(since), "until": cal.iso(until), **data}


def today(app) -> dict[str, Any]:
    """`offscreen today`: today's totals after draining the daemon's queue, and whether it runs."""
    from tracker.daemon import lock

    with app.store(drain=True) as con:
        data = day_totals(con, app.calendar, app.config, app.now())
    return {**data, "daemon_running": lock.holder(app.paths.daemon_lock) is not None}
