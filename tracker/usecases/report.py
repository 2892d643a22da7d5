"""`offscreen report`: the dashboard's story for the terminal (issue 4). Pure given con and ranges."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dashboards.views import Range
from tracker.domain.times import format_duration
from tracker.store import dashboard as queries

PERIODS = {"week": 7, "month": 30}


def ranges(period: str, now_utc: datetime, base: Range) -> tuple[Range, Range]:
    """The last N local days (today included, up to now) and the N days before them."""
    n = PERIODS[period]
    today = queries.logical_day(now_utc, base)
    start = queries.day_bounds(today - timedelta(days=n - 1), base)[0]
    prev = queries.day_bounds(today - timedelta(days=2 * n - 1), base)[0]
    cur = replace(base, since_utc=start, until_utc=now_utc, now_utc=now_utc)
    return cur, replace(base, since_utc=prev, until_utc=start, now_utc=now_utc)


def _iso_local(utc_naive: datetime, tz: str) -> str:
    """Naive UTC -> local ISO 8601 with offset, to the second, like interactions JSON (r4)."""
    return utc_naive.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def _change(now: float, before: float) -> float | None:
    return None if before <= 0 else round((now - before) / before * 100, 1)


def build(con, period: str, now_utc: datetime, base: Range) -> dict:
    cur, prev = ranges(period, now_utc, base)
    t_cur, t_prev = queries.totals(con, cur), queries.totals(con, prev)

    def ratio(t):  # face-to-face minutes per screen hour
        return None if t["screen_h"] <= 0 else round(t["f2f_h"] * 60 / t["screen_h"], 2)

    apps = queries.top_apps(con, cur)
    people = queries.people_status(con, cur)["people"]
    not_seen = [
        {
            "name": p["name"],
            "days_since": p["days_since"],
            "status": p["status"],
            "max": p["max"],
            "never_met": p["never_met"],
        }
        for p in people
        if p["status"] in ("overdue", "late")
    ]
    r_cur, r_prev = ratio(t_cur), ratio(t_prev)
    from tracker.store.practice import checkin_trends

    def trends(r: Range) -> dict:
        t = checkin_trends(con, r.since_utc, r.until_utc, day_start_hour=r.day_start_hour)
        return {k: t[k] for k in ("mood", "connected", "ucla3")}

    return {
        "period": period,
        "since": _iso_local(cur.since_utc, base.tz),
        "until": _iso_local(cur.until_utc, base.tz),
        "previous_since": _iso_local(prev.since_utc, base.tz),
        "current": {**t_cur, "f2f_per_screen_hour_min": r_cur},
        "previous": {**t_prev, "f2f_per_screen_hour_min": r_prev},
        "change_pct": {
            "screen_h": _change(t_cur["screen_h"], t_prev["screen_h"]),
            "f2f_h": _change(t_cur["f2f_h"], t_prev["f2f_h"]),
            "f2f_per_screen_hour_min": _change(r_cur or 0, r_prev or 0) if r_prev else None,
        },
        "top_apps": apps["apps"],
        "categories": apps["categories"][:5],
        "not_seen": not_seen,
        "checkins": {"current": trends(cur), "previous": trends(prev)},
    }


def _pct(p: float | None) -> str:
    return "" if p is None else f", {p:+.0f}%"


def render(s: dict) -> str:
    """Plain text, one fact per line."""
    c, p, ch = s["current"], s["previous"], s["change_pct"]
    n = PERIODS[s["period"]]
    lines = [f"Last {n} days, compared with the {n} days before:"]
    lines.append(
        f"  Screen time   {format_duration(c['screen_h'] * 60):>8}  "
        f"(was {format_duration(p['screen_h'] * 60)}{_pct(ch['screen_h'])})"
    )
    lines.append(f"    social media {format_duration(c['social_h'] * 60):>7}")
    lines.append(
        f"  Face-to-face  {format_duration(c['f2f_h'] * 60):>8}  "
        f"(was {format_duration(p['f2f_h'] * 60)}{_pct(ch['f2f_h'])})"
    )
    if c["f2f_per_screen_hour_min"] is not None:
        was = p["f2f_per_screen_hour_min"]
        lines.append(
            f"  Ratio         {c['f2f_per_screen_hour_min']:.1f} min face-to-face per screen hour"
            + (f" (was {was:.1f})" if was is not None else "")
        )
    lines.append(f"  Interactions  {c['interactions']}, people met in person: {c['people_in_person']}")
    ck = s.get("checkins", {})
    parts = []
    for key, label, scale in (
        ("mood", "mood", "/5"),
        ("connected", "connected", "/10"),
        ("ucla3", "loneliness (UCLA-3, higher = lonelier)", "/9"),
    ):
        now_, was = ck.get("current", {}).get(key, {}), ck.get("previous", {}).get(key, {})
        if now_.get("n"):
            was_txt = f" (was {was['mean']:.1f})" if was.get("n") else ""
            parts.append(f"{label} {now_['mean']:.1f}{scale}{was_txt}")
    if parts:
        lines.append("  Check-ins     " + ", ".join(parts))
    if s["top_apps"]:
        lines.append("Top apps: " + ", ".join(f"{a['app']} {format_duration(a['hours'] * 60)}" for a in s["top_apps"]))
    if s["categories"]:
        lines.append(
            "Categories: " + ", ".join(f"{k['category']} {format_duration(k['hours'] * 60)}" for k in s["categories"])
        )
    if s["not_seen"]:
        lines.append("Not seen for a while:")
        for x in s["not_seen"]:
            what = "not met in person yet" if x["never_met"] else f"{x['days_since']} days"
            lines.append(f"  {x['name']}: {what} ({x['status']}, at most {x['max']})")
    else:
        lines.append("Nobody with a cadence is late. ")
    return "\n".join(line.rstrip() for line in lines)
