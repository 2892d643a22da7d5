"""Today's totals: the one computation behind `offscreen today` and the `today` part of `status`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tracker.config import Config
from tracker.domain.times import Calendar, parse_bound
from tracker.errors import UserError


def day_totals(con, cal: Calendar, config: Config, now: datetime) -> dict[str, Any]:
    """Seconds by state, by app and by category, and face-to-face minutes, for NOW's local day."""
    from tracker.store import activity

    day = cal.day_of(now)
    since, until = cal.day_bounds(day)
    data = activity.summary(con, since, until, config)
    # Whole seconds: sub-second sums are sampling noise and read badly in JSON.
    for key in ("active_seconds", "watching_seconds", "idle_seconds", "locked_seconds", "asleep_seconds"):
        data[key] = round(data[key])
    data["screen_seconds"] = data["active_seconds"] + data["watching_seconds"]  # the parts add up as shown
    for entry in data["by_app"] + data["by_category"]:
        entry["seconds"] = round(entry["seconds"])
    data["face_to_face_minutes"] = round(activity.face_to_face_minutes(con, since, until), 1)
    return {"day": day.isoformat(), "since": cal.iso(since), "until": cal.iso(until), **data}


def reported_phone(con, day: date) -> dict | None:
    """DAY's phone screen time as the person reported it (the figure that counts, tracker/domain/phone.py), or None."""
    from tracker.domain import phone as phones
    from tracker.store import phone as store_p

    d = phones.pick(store_p.between(con, day, day)).get(day)
    if d is None:
        return None
    return {
        "label": phones.label([d.source]),
        "minutes": d.minutes,
        "social_minutes": d.social_minutes,
        "source": d.source,
    }


def _machines(app, con, cal: Calendar, day: date) -> dict | None:
    """Screen time per computer and their union (time two were in use counts once), when a sync
    folder is set and another computer's files were read (issue 16); else None."""
    if not app.config.sync.dir:
        return None
    from tracker.store import sync

    if not sync.has_others(con):
        return None
    since, until = cal.day_bounds(day)
    me = sync.host_identity(app.paths.state_dir).host
    got = sync.screen_minutes(con, since, until, me)
    return {
        "hosts": [
            {"host": h["host"], "name": h["name"], "label": h["label"], "seconds": round(h["minutes"] * 60)}
            for h in got["hosts"]
        ],
        "union_seconds": round(got["union_minutes"] * 60),
    }


def pick_day(text: str | None, now: datetime, cal: Calendar) -> date:
    """The local day `today --date TEXT` means (a date, 'yesterday', 'Nd'); no later than today."""
    if not text:
        return cal.day_of(now)
    day = cal.day_of(parse_bound(text, now, cal=cal))
    if day > cal.day_of(now):
        raise UserError(f"{text!r} is in the future ({day.isoformat()}); pick today or an earlier day")
    return day


def today(app, when: str | None = None) -> dict[str, Any]:
    """`offscreen today`: a day's totals (today unless WHEN) after draining the queue, and whether the daemon runs."""
    from tracker.daemon import lock

    now = app.now()
    cal = app.calendar
    day = pick_day(when, now, cal)
    # Any instant of the wanted day picks it: its start is one.
    at = now if day == cal.day_of(now) else cal.day_start(day)
    with app.store(drain=True) as con:
        data = day_totals(con, cal, app.config, at)
        data["phone"] = reported_phone(con, day)
        data["machines"] = _machines(app, con, cal, day)
    offset = (cal.day_of(now) - day).days
    label = "today" if offset == 0 else "yesterday" if offset == 1 else f"{offset} days ago"
    return {
        **data,
        "is_today": offset == 0,
        "days_ago": offset,
        "label": label,
        "daemon_running": lock.holder(app.paths.daemon_lock) is not None,
    }
