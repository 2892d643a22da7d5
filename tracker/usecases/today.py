"""Library side of `offscreen today` (the command only renders)."""

from __future__ import annotations

from datetime import datetime


def today(app, now: datetime | None = None) -> dict:
    """Today's totals (local day with config general.day_start_hour), after draining the queue."""
    from datetime import timedelta

    from tracker.domain.times import day_start, local_day
    from tracker.store import activity

    hour = app.config.general.day_start_hour
    now = (now or datetime.now().astimezone()).astimezone()
    day = local_day(now, hour)
    since = day_start(day, hour)
    until = day_start(day + timedelta(days=1), hour)
    with app.store(drain=True) as con:
        data = activity.summary(con, since, until, app.config)
        data["face_to_face_minutes"] = activity.face_to_face_minutes(con, since, until)
    # Whole seconds (r4): sub-second sums are sampling noise and read badly in JSON.
    for key in ("active_seconds", "idle_seconds", "locked_seconds", "asleep_seconds"):
        data[key] = round(data[key])
    for entry in data["by_app"] + data["by_category"]:
        entry["seconds"] = round(entry["seconds"])
    from tracker.daemon import lock

    return {
        "day": day.isoformat(),
        "since": since.isoformat(timespec="seconds"),
        "until": until.isoformat(timespec="seconds"),
        **data,
        "daemon_running": lock.holder(app.paths.daemon_lock) is not None,
    }
