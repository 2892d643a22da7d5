"""`offscreen routine|checkin|unplug|nudge` and `people due`: connection practice.

Thin: parse, call one function of tracker.usecases (routines, checkins, unplug, people, nudges),
render text or --json. The check-in questions are asked here, on a terminal.
"""

from __future__ import annotations

import json
import sys

import click

from tracker.commands import _complete
from tracker.commands._table import render
from tracker.domain.times import WHEN_HELP, format_duration
from tracker.errors import UserError
from tracker.usecases import checkins, people, routines, unplug
from tracker.usecases import practice as lib


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], header: list[str]) -> None:
    click.echo(render(header, rows))


def _hm(dt) -> str:
    return dt.strftime("%H:%M")


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
    dues = people.due(app)
    if as_json:
        _echo_json(dues)
        return
    if not dues:
        click.echo("Nobody has a cadence yet. Give someone one: offscreen people edit NAME --every 14")
        return
    _table(
        [
            [d["name"], str(d["days_since"]), d["status"], f"{d['ideal']}/{d['max']}", (d["last_seen"] or "never")[:10]]
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
@click.option(
    "--with",
    "with_",
    multiple=True,
    metavar="NAME",
    shell_complete=_complete.people,
    help="A person it is with (repeatable).",
)
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
    r = routines.add(app, name, every=every, on=on, with_=with_, since=since, note=note)
    who = f" with {', '.join(r['with'])}" if r["with"] else ""
    click.echo(f"Added routine {r['name']!r}: {r['every']}{who}, from {r['starts_on']}.")
    click.echo(f"Log it with: offscreen log --routine {_q(r['name'])} ...")


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
    items = routines.list_routines(app)
    if as_json:
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
@click.argument("name", shell_complete=_complete.routines)
@click.option("--last", default=12, show_default=True, type=click.IntRange(1, 1000), help="Periods to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def routine_show(app, name, last, as_json):
    """Show one routine: every period (held, missed, skipped, open), adherence and streaks.

    \b
    Example:
      offscreen routine show "Friday dinner" --last 8
    """
    data = routines.show(app, name, last)
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
@click.argument("name", shell_complete=_complete.routines)
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
    done = routines.skip(app, name, day, reason)
    span = f"{done['start']} .. {done['last']}"
    click.echo(
        f"Skipped {done['name']} for {span}." if done["added"] else f"{done['name']} was already skipped for {span}."
    )


@routine_group.command("remove")
@click.argument("name", shell_complete=_complete.routines)
@click.pass_obj
def routine_remove(app, name):
    """Remove a routine (interactions logged for it stay).

    \b
    Example:
      offscreen routine remove "Friday dinner"
    """
    click.echo(f"Removed routine {routines.remove(app, name)!r}.")


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


def _ask_checkin(values: dict, weekly: bool, due: bool) -> bool:
    """The check-in questions not answered by flags, on the terminal; returns whether the weekly ones were."""
    if values["mood"] is None and not weekly:
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
    return weekly


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
      offscreen checkin --weekly --lack-companionship some --left-out hardly-ever \\
        --isolated hardly-ever --lonely occasionally
    """
    answers = {
        "mood": mood,
        "connected": connected,
        "lack_companionship": lack_companionship,
        "left_out": left_out,
        "isolated": isolated,
        "lonely": lonely,
        "note": note,
    }
    rec = checkins.check_in(app, answers, weekly=weekly, at=at, ask=_ask_checkin if _stdin_is_tty() else None)
    hint = rec.pop("weekly_due_hint")
    if as_json:
        _echo_json(rec)
        return
    parts = []
    if rec["mood"] is not None:
        parts.append(f"mood {rec['mood_label']} ({rec['mood']}/5)")
    if rec["connected"] is not None:
        parts.append(f"felt connected {rec['connected']}/10")
    if rec["ucla3"] is not None:
        parts.append(f"loneliness (UCLA-3) {rec['ucla3']} on 3-9")
    if rec["lonely"]:
        parts.append(f"lonely: {rec['lonely']}")
    click.echo(f"Checked in at {rec['at'][:16].replace('T', ' ')}: " + ", ".join(parts) + ".")
    if hint:
        click.echo(
            "The weekly loneliness questions are due: offscreen checkin --weekly "
            "--lack-companionship ... --left-out ... --isolated ..."
        )


# --------------------------------------------------------------------------- unplug


@click.group("unplug", invoke_without_command=True)
@click.option("--for", "for_", metavar="DURATION", help="Planned length, like 2h or 90m.")
@click.option(
    "--at",
    "at",
    metavar="WHEN",
    help="When it starts, like 18:00: later than now plans a block; earlier starts or records one.",
)
@click.option("--note", help="What you did instead (for you).")
@click.pass_context
def unplug_group(ctx, for_, at, note):
    """Device-free time: start a session now, plan one, stop it, or record one after the fact.

    --at decides which: a start later than now (up to 24h ahead) plans a block that begins then
    (--for required); a start in the past whose end is still ahead (or without --for) is a
    session running since then; one that has already ended is recorded after the fact.
    `unplug stop` ends the running session, or calls off the next planned one.

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
    u = unplug.start(ctx.obj, for_=for_, at=at, note=note)
    if u["planned"]:
        click.echo(
            f"Planned device-free time {_hm(u['start'])}-{_hm(u['end'])} ({format_duration(u['minutes'])}). "
            "`offscreen unplug stop` before then calls it off."
        )
    elif u["end"] is not None and not u["running"]:
        click.echo(f"Recorded device-free time {_hm(u['start'])}-{_hm(u['end'])} ({format_duration(u['minutes'])}).")
    elif u["end"] is not None:
        click.echo(
            f"Unplugged from {_hm(u['start'])} until {_hm(u['end'])} ({format_duration(u['minutes'])}). "
            "Enjoy. `offscreen unplug stop` if you come back early."
        )
    else:
        click.echo(f"Unplugged from {_hm(u['start'])}. Enjoy. `offscreen unplug stop` when you are back.")


@unplug_group.command("stop")
@click.pass_obj
def unplug_stop(app):
    """End the running device-free session now (or call off the next planned one).

    \b
    Example:
      offscreen unplug stop
    """
    u = unplug.stop(app)
    if u["cancelled"]:
        click.echo(f"Called off the device-free time planned for {_hm(u['start'])}-{_hm(u['end'])}.")
        return
    if not u["kept"]:
        click.echo(f"Discarded the session started at {_hm(u['start'])}: under a minute is not kept.")
        return
    click.echo(f"Welcome back: {format_duration(u['minutes'])} device-free since {_hm(u['start'])}.")


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
    rows = unplug.sessions(app, since)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No device-free sessions yet. Start one: offscreen unplug --for 2h")
        return
    _table(
        [
            [
                str(r["id"]),
                r["start"][:16].replace("T", " "),
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

    nudge, delivered = nudges.run(app, app.now(), dry_run=dry_run)
    if nudge is None:
        click.echo("No nudge now.")
        return
    click.echo(nudge.text() + ("" if dry_run else f"  [{delivered}]"))
