"""`offscreen routine|checkin|unplug|nudge` and `people due` (issue 6): connection practice.

Thin: parse, call tracker.usecases.practice / tracker.store.practice, render text or --json.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import click

from tracker.commands._table import render
from tracker.domain import streaks
from tracker.domain.times import (
    WHEN_HELP,
    format_duration,
    local_day,
    local_now,
    parse_bound,
    parse_duration,
    parse_when,
)
from tracker.errors import UserError
from tracker.usecases import practice as lib

MIN_UNPLUG_MINUTES = 1  # a stopped session shorter than this is discarded, not kept


def _now() -> datetime:
    return local_now()


def _local(dt_utc: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "-" if dt_utc is None else dt_utc.replace(tzinfo=UTC).astimezone().strftime(fmt)


def _iso(dt_utc: datetime | None) -> str | None:
    return None if dt_utc is None else dt_utc.replace(tzinfo=UTC).astimezone().isoformat(timespec="seconds")


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], header: list[str]) -> None:
    click.echo(render(header, rows))


# --------------------------------------------------------------------------- people due


@click.command("due")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def people_due_cmd(app, as_json):
    """Who is due a meeting: days since you last met each person with a cadence.

    Counts from when the last in-person interaction HAPPENED (any mode for people whose cadence
    counts any mode). on-track: within the ideal gap; late: past it; overdue: past the maximum.
    Someone you have never met counts from the day you added them.

    \b
    Examples:
      offscreen people due
      offscreen people due --json | jq '.[] | select(.status == "overdue") | .name'
    """
    now = _now()
    with app.store() as con:
        dues = lib.people_due(con, now, app.config)
    if as_json:
        _echo_json(
            [
                {
                    "name": d.name,
                    "days_since": d.days_since,
                    "status": d.status,
                    "ideal": d.ideal,
                    "max": d.max,
                    "last_seen": d.last_seen.astimezone().isoformat(timespec="seconds") if d.last_seen else None,
                    "never_met": d.never_met,
                }
                for d in dues
            ]
        )
        return
    if not dues:
        click.echo("Nobody has a cadence yet. Give someone one: offscreen people edit NAME --every 14")
        return
    _table(
        [
            [
                d.name,
                str(d.days_since),
                d.status,
                f"{d.ideal}/{d.max}",
                d.last_seen.astimezone().strftime("%Y-%m-%d") if d.last_seen else "never",
            ]
            for d in dues
        ],
        ["NAME", "DAYS", "STATUS", "IDEAL/MAX", "LAST SEEN"],
    )


# --------------------------------------------------------------------------- routines


@click.group("routine")
def routine_group():
    """Connection routines: a dinner every Friday, a call every month. Adherence and streaks.

    An interaction logged with `offscreen log ... --routine NAME` holds that period.
    A skipped period (holidays, illness) neither breaks nor extends a streak.

    \b
    Examples:
      offscreen routine add "Friday dinner" --every week --on fri --with Sam --with Alex
      offscreen routine list
      offscreen routine show "Friday dinner"
      offscreen routine skip "Friday dinner" --reason "Sam is away"
    """


@routine_group.command("add")
@click.argument("name")
@click.option(
    "--every", "every", required=True, metavar="PERIOD", help="How often: day, week, month, or like '2 weeks', '10d'."
)
@click.option("--on", "on", metavar="WEEKDAY", help="Planned weekday (mon..sun), weekly routines only.")
@click.option("--with", "with_", multiple=True, metavar="NAME", help="A person it is with (repeatable).")
@click.option("--since", "since", metavar="DATE", help="First period starts on this date (default: today).")
@click.option("--note", help="A note.")
@click.pass_obj
def routine_add(app, name, every, on, with_, since, note):
    """Add a routine.

    \b
    Examples:
      offscreen routine add "Friday dinner" --every week --on fri --with Sam
      offscreen routine add "Call mum" --every 2w --with Mum
      offscreen routine add "Board games" --every month --since 2026-01-31
    """
    from tracker.store import practice as sp

    now = _now()
    dsh = app.config.general.day_start_hour
    unit, n = lib.parse_every(every)
    weekday = lib.parse_weekday(on) if on else None
    if weekday is not None and unit != "week":
        raise UserError("--on only works with weekly routines (--every week / '2 weeks')")
    starts = local_day(now, dsh)
    if since:
        starts = local_day(parse_bound(since, now, day_start_hour=dsh), dsh)
        if starts > local_day(now, dsh):
            raise UserError(f"--since {since!r} is in the future")
    with app.store() as con:
        people = sp.resolve_people(con, with_)
        sp.add_routine(
            con,
            name,
            unit=unit,
            every_n=n,
            on_weekday=weekday,
            starts_on=starts,
            person_ids=[p[0] for p in people],
            now_utc=lib.naive_utc(now),
            note=note,
        )
    who = f" with {', '.join(p[1] for p in people)}" if people else ""
    click.echo(f"Added routine {' '.join(name.split())!r}: {streaks.describe(unit, n, weekday)}{who}, from {starts}.")
    click.echo(f"Log it with: offscreen log --routine {_q(name)} ...")


def _q(s: str) -> str:
    s = " ".join(s.split())
    return f'"{s}"' if " " in s else s


@routine_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def routine_list(app, as_json):
    """List routines with this period's status, streaks and adherence.

    \b
    Example:
      offscreen routine list --json
    """
    from tracker.store import practice as sp

    now = _now()
    today = local_day(now, app.config.general.day_start_hour)
    with app.store() as con:
        items = [
            lib.routine_json(r, lib.routine_summary(con, r, now, app.config), today) for r in sp.list_routines(con)
        ]
    if as_json:
        for i in items:
            i.pop("periods")
        _echo_json(items)
        return
    if not items:
        click.echo('No routines yet. Add one: offscreen routine add "Friday dinner" --every week --on fri')
        return
    _table(
        [
            [
                i["name"],
                i["every"],
                i["this_period"] + (" (at risk)" if i["at_risk"] else ""),
                f"{i['current_streak']}/{i['longest_streak']}",
                _pct(i["adherence"]),
                ", ".join(i["with"]) or "-",
            ]
            for i in items
        ],
        ["ROUTINE", "EVERY", "THIS PERIOD", "STREAK NOW/BEST", "ADHERENCE", "WITH"],
    )


def _pct(x) -> str:
    return "-" if x is None else f"{round(100 * x)}%"


@routine_group.command("show")
@click.argument("name")
@click.option("--last", default=12, show_default=True, type=click.IntRange(1, 1000), help="Periods to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def routine_show(app, name, last, as_json):
    """Show one routine: every period (held, missed, skipped, open), adherence and streaks.

    \b
    Example:
      offscreen routine show "Friday dinner" --last 8
    """
    from tracker.store import practice as sp

    now = _now()
    today = local_day(now, app.config.general.day_start_hour)
    with app.store() as con:
        r = sp.require_routine(con, name)
        data = lib.routine_json(r, lib.routine_summary(con, r, now, app.config), today, last=last)
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{data['name']}: {data['every']}" + (f" with {', '.join(data['with'])}" if data["with"] else ""))
    click.echo(
        f"Since {data['starts_on']}: held {data['held']}, missed {data['missed']}, skipped {data['skipped']}; "
        f"adherence {_pct(data['adherence'])}; streak {data['current_streak']} (best {data['longest_streak']})"
    )
    if data["at_risk"]:
        click.echo("This period is at risk: it hasn't happened yet and time is running out.")
    for p in reversed(data["periods"]):
        span = p["start"] if p["start"] == p["end"] else f"{p['start']} .. {p['end']}"
        extra = f" x{p['held']}" if p["held"] > 1 else ""
        click.echo(f"  {span}  {p['status']}{extra}")


@routine_group.command("skip")
@click.argument("name")
@click.option("--date", "day", metavar="DATE", help="A day in the period to skip (default: today's period).")
@click.option("--reason", help="Why (for you).")
@click.pass_obj
def routine_skip(app, name, day, reason):
    """Skip one period (holidays, illness): it won't count as missed or break the streak.

    \b
    Examples:
      offscreen routine skip "Friday dinner" --reason "Sam is away"
      offscreen routine skip "Board games" --date 2026-12-20
    """
    from tracker.store import practice as sp

    now = _now()
    dsh = app.config.general.day_start_hour
    target = local_day(now, dsh)
    if day:
        target = local_day(parse_bound(day, now, day_start_hour=dsh), dsh)
        if target > local_day(now, dsh) + timedelta(days=366):
            raise UserError(f"--date {day!r} is more than a year ahead")
    with app.store() as con:
        r = sp.require_routine(con, name)
        k = streaks.period_index(r["unit"], r["every_n"], r["starts_on"], target)
        if k < 0:
            raise UserError(f"{target} is before the routine started ({r['starts_on']})")
        start, end = streaks.period_bounds(r["unit"], r["every_n"], r["starts_on"], k)
        s = lib.routine_summary(con, r, now, app.config)
        if k < len(s.periods) and s.periods[k].status == "held":
            raise UserError(f"the period {start} .. {end - timedelta(days=1)} was held; nothing to skip")
        added = sp.skip_period(con, r["id"], start, reason, lib.naive_utc(now))
    span = f"{start} .. {end - timedelta(days=1)}"
    click.echo(f"Skipped {r['name']} for {span}." if added else f"{r['name']} was already skipped for {span}.")


@routine_group.command("remove")
@click.argument("name")
@click.pass_obj
def routine_remove(app, name):
    """Remove a routine (interactions logged for it stay).

    \b
    Example:
      offscreen routine remove "Friday dinner"
    """
    from tracker.store import practice as sp

    with app.store() as con:
        r = sp.require_routine(con, name)
        sp.remove_routine(con, r["id"], lib.naive_utc(_now()))
    click.echo(f"Removed routine {r['name']!r}.")


# --------------------------------------------------------------------------- check-ins


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _ask(question: str, parse, choices_hint: str):
    while True:
        raw = click.prompt(f"{question} [{choices_hint}]", default="", show_default=False).strip()
        if raw == "":
            return None
        try:
            return parse(raw)
        except UserError as e:
            click.echo(str(e), err=True)


@click.command("checkin")
@click.option("--mood", metavar="MOOD", help="Today's mood: awful, bad, meh, good, great (or 1-5).")
@click.option("--connected", metavar="0-10", help="How connected you felt today, 0-10.")
@click.option("--weekly", is_flag=True, help="Also answer the weekly loneliness questions (UCLA-3).")
@click.option("--lack-companionship", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often.")
@click.option("--left-out", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often.")
@click.option("--isolated", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often.")
@click.option("--lonely", metavar="ANSWER", help="Direct item: often, some, occasionally, hardly-ever, never.")
@click.option("--note", help="A note for today.")
@click.option("--at", "at", metavar="WHEN", help=f"When (default now): {WHEN_HELP}.")
@click.option("--json", "as_json", is_flag=True, help="Print what was stored as JSON.")
@click.pass_obj
def checkin_cmd(app, mood, connected, weekly, lack_companionship, left_out, isolated, lonely, note, at, as_json):
    """Daily check-in (mood, felt connected) and, weekly, three loneliness questions.

    In a terminal it asks; otherwise give flags. The weekly questions are offered when a week has
    passed since you last answered them. The loneliness score is the sum of the three UCLA-3
    answers (hardly ever 1, some of the time 2, often 3): 3-9, higher = lonelier.

    \b
    Examples:
      offscreen checkin
      offscreen checkin --mood good --connected 7
      offscreen checkin --weekly --lack-companionship some --left-out hardly-ever --isolated hardly-ever --lonely occasionally
    """
    from tracker.store import practice as sp

    now = _now()
    when = parse_when(at, now) if at else now
    values = {
        "mood": lib.parse_mood(mood) if mood is not None else None,
        "connected": lib.parse_connected(connected) if connected is not None else None,
        "lack_companionship": lib.parse_ucla(lack_companionship, "--lack-companionship")
        if lack_companionship
        else None,
        "left_out": lib.parse_ucla(left_out, "--left-out") if left_out else None,
        "isolated": lib.parse_ucla(isolated, "--isolated") if isolated else None,
        "lonely": lib.parse_lonely(lonely) if lonely else None,
        "note": note,
    }
    keys = [k for k, _ in lib.UCLA_ITEMS]
    weekly = weekly or any(values[k] is not None for k in keys) or values["lonely"] is not None
    interactive = _stdin_is_tty()
    due = False
    if interactive:
        with app.store() as con:
            due = lib.weekly_due(con, now, app.config)
        if values["mood"] is None and mood is None and not weekly:
            values["mood"] = _ask("Mood today", lib.parse_mood, "awful/bad/meh/good/great, Enter to skip")
        if values["connected"] is None and not weekly:
            values["connected"] = _ask(
                "How connected did you feel today (0-10)", lib.parse_connected, "0-10, Enter to skip"
            )
        if not weekly and due:
            weekly = click.confirm("The weekly loneliness questions are due. Answer them now?", default=True)
        if weekly:
            for k, q in lib.UCLA_ITEMS:
                if values[k] is None:
                    values[k] = _ask(q, lambda s, k=k: lib.parse_ucla(s, k), "hardly-ever/some/often")
            if values["lonely"] is None:
                values["lonely"] = _ask(
                    lib.LONELY_QUESTION, lib.parse_lonely, "often/some/occasionally/hardly-ever/never, Enter to skip"
                )
    if weekly:
        missing = [k.replace("_", "-") for k in keys if values[k] is None]
        if missing:
            raise UserError(f"the weekly questions need all three answers; missing --{', --'.join(missing)}")
    if all(values[k] is None for k in ("mood", "connected") + tuple(keys)):
        raise UserError(
            "nothing to record: give --mood and/or --connected (or --weekly with its answers), "
            "or run `offscreen checkin` in a terminal to be asked"
        )
    with app.store() as con:
        if not interactive:  # only for the hint below; asked before anything is validated otherwise
            due = lib.weekly_due(con, now, app.config)
        cid = sp.add_checkin(con, lib.naive_utc(when), values)
    score = sum(values[k] for k in keys) if weekly else None
    if as_json:
        _echo_json(
            {
                "id": cid,
                "at": when.astimezone().isoformat(timespec="seconds"),
                **{k: values[k] for k in ("mood", "connected")},
                "mood_label": lib.MOODS[values["mood"] - 1] if values["mood"] else None,
                **{k: values[k] for k in keys},
                "ucla3": score,
                "lonely": values["lonely"],
                "note": note,
            }
        )
        return
    parts = []
    if values["mood"] is not None:
        parts.append(f"mood {lib.MOODS[values['mood'] - 1]} ({values['mood']}/5)")
    if values["connected"] is not None:
        parts.append(f"felt connected {values['connected']}/10")
    if score is not None:
        parts.append(f"loneliness (UCLA-3) {score} on 3-9")
    if values["lonely"]:
        parts.append(f"lonely: {values['lonely']}")
    click.echo(f"Checked in at {when.astimezone().strftime('%Y-%m-%d %H:%M')}: " + ", ".join(parts) + ".")
    if not weekly and due and not interactive:
        click.echo(
            "The weekly loneliness questions are due: offscreen checkin --weekly "
            "--lack-companionship ... --left-out ... --isolated ..."
        )


# --------------------------------------------------------------------------- unplug


@click.group("unplug", invoke_without_command=True)
@click.option("--for", "for_", metavar="DURATION", help="Planned length, like 2h or 90m.")
@click.option("--at", "at", metavar="WHEN", help="Started at (after the fact), like 18:00.")
@click.option("--note", help="What you did instead (for you).")
@click.pass_context
def unplug_group(ctx, for_, at, note):
    """Device-free time: start a session now, stop it, or record one after the fact.

    `unplug list` shows, for each session, whether the daemon's data shows the computer really
    stayed untouched (no active use inside it).

    \b
    Examples:
      offscreen unplug --for 2h
      offscreen unplug stop
      offscreen unplug --at 18:00 --for 2h --note "walk with Sam"
      offscreen unplug list
    """
    if ctx.invoked_subcommand is not None:
        if for_ or at or note:
            raise UserError("--for/--at/--note go with `offscreen unplug` itself, not a subcommand")
        return
    from tracker.store import practice as sp

    app = ctx.obj
    now = _now()
    minutes = parse_duration(for_) if for_ else None
    start = parse_when(at, now) if at else now
    end = start + timedelta(minutes=minutes) if minutes else None
    with app.store() as con:
        utc_now = lib.naive_utc(now)
        running = sp.open_unplug(con, utc_now)
        if running and (end is None or end > now):
            raise UserError(
                f"a device-free session is already running since {_local(running['start_utc'], '%H:%M')}; "
                "`offscreen unplug stop` ends it"
            )
        clash = sp.overlapping_unplug(con, lib.naive_utc(start), lib.naive_utc(end or now), utc_now)
        if clash:
            raise UserError(f"overlaps session {clash['id']} from {_local(clash['start_utc'])}")
        sp.add_unplug(
            con, lib.naive_utc(start), planned_end_utc=lib.naive_utc(end) if end else None, note=note, now_utc=utc_now
        )
    s = start.astimezone().strftime("%H:%M")
    if end is not None and end <= now:
        click.echo(f"Recorded device-free time {s}-{end.astimezone().strftime('%H:%M')} ({format_duration(minutes)}).")
    elif end is not None:
        click.echo(
            f"Unplugged from {s} until {end.astimezone().strftime('%H:%M')} ({format_duration(minutes)}). "
            "Enjoy. `offscreen unplug stop` if you come back early."
        )
    else:
        click.echo(f"Unplugged from {s}. Enjoy. `offscreen unplug stop` when you are back.")


@unplug_group.command("stop")
@click.pass_obj
def unplug_stop(app):
    """End the running device-free session now.

    \b
    Example:
      offscreen unplug stop
    """
    from tracker.store import practice as sp

    now = _now()
    with app.store() as con:
        running = sp.open_unplug(con, lib.naive_utc(now))
        if running is None:
            raise UserError("no device-free session is running; start one with `offscreen unplug --for 2h`")
        minutes = (lib.naive_utc(now) - running["start_utc"]).total_seconds() / 60
        if minutes < MIN_UNPLUG_MINUTES:
            # r4: a 0-minute session is a slip, and kept it would block an overlapping `unplug --at`.
            sp.delete_unplug(con, running["id"])
        else:
            sp.stop_unplug(con, running["id"], lib.naive_utc(now))
    if minutes < MIN_UNPLUG_MINUTES:
        click.echo(
            f"Discarded the session started at {_local(running['start_utc'], '%H:%M')}: under a minute is not kept."
        )
        return
    click.echo(f"Welcome back: {format_duration(minutes)} device-free since {_local(running['start_utc'], '%H:%M')}.")


@unplug_group.command("list")
@click.option("--since", metavar="DATE", default="30d", show_default=True, help="From this date.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def unplug_list(app, since, as_json):
    """Device-free sessions, and whether the computer really stayed untouched.

    untouched: the daemon saw only idle, locked or asleep time; used: it saw active use inside
    (minutes shown); no data: the daemon wasn't running, so it can't tell.

    \b
    Example:
      offscreen unplug list --since 2026-11-01 --json
    """
    from tracker.store import practice as sp

    now = _now()
    lo = parse_bound(since, now, day_start_hour=app.config.general.day_start_hour)
    with app.store(drain=True) as con:
        rows = sp.list_unplug(con, lib.naive_utc(now), lib.naive_utc(lo))
    if as_json:
        _echo_json(
            [
                {
                    "id": r["id"],
                    "start": _iso(r["start_utc"]),
                    "end": _iso(r["end_utc"]),
                    "minutes": r["minutes"],
                    "running": r["running"],
                    "verdict": r["verdict"],
                    "active_min": r["active_min"],
                    "observed_min": r["observed_min"],
                    "note": r["note"],
                }
                for r in rows
            ]
        )
        return
    if not rows:
        click.echo("No device-free sessions yet. Start one: offscreen unplug --for 2h")
        return
    _table(
        [
            [
                str(r["id"]),
                _local(r["start_utc"]),
                format_duration(r["minutes"]) + (" (running)" if r["running"] else ""),
                r["verdict"] + (f" ({format_duration(r['active_min'])} active)" if r["verdict"] == "used" else ""),
                r["note"] or "",
            ]
            for r in rows
        ],
        ["ID", "START", "LENGTH", "COMPUTER", "NOTE"],
    )


# --------------------------------------------------------------------------- nudges


@click.command("nudge")
@click.option("--dry-run", is_flag=True, help="Only show what would be sent; record nothing.")
@click.pass_obj
def nudge_cmd(app, dry_run):
    """Send today's gentle nudge, if there is one (at most one a day, never in quiet hours).

    Meant to run from a timer or the daemon; quiet hours and the off switch are in [nudges].

    \b
    Examples:
      offscreen nudge --dry-run
      offscreen nudge
    """
    from tracker.usecases import nudges

    nudge, delivered = nudges.run(app, _now(), dry_run=dry_run)
    if nudge is None:
        click.echo("No nudge now.")
        return
    click.echo(nudge.text() + ("" if dry_run else f"  [{delivered}]"))
