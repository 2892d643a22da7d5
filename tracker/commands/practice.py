"""`offscreen routine|checkin|unplug|nudge` and `people due`: connection practice.

Thin: parse, call one function of tracker.usecases (routines, checkins, unplug, people, nudges),
render text or --json. The check-in questions are asked here, on a terminal.
"""

from __future__ import annotations

import json
import sys

import click

from tracker.commands import _complete
from tracker.commands._params import ID, whole
from tracker.commands._table import render
from tracker.domain import phone as phones
from tracker.domain.times import WHEN_HELP, WHEN_RULES, format_duration
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
    DUE is the day the ideal gap is reached (late from the day after); the list is sorted by it,
    overdue people first. Someone you have never met counts from the day you added them.

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
            [
                d["name"],
                d["due_on"],
                _due_in(d["due_in_days"]),
                str(d["days_since"]),
                d["status"],
                f"{d['ideal']}/{d['max']}",
                (d["last_seen"] or "never")[:10],
            ]
            for d in dues
        ],
        ["NAME", "DUE", "WHEN", "DAYS", "STATUS", "IDEAL/MAX", "LAST SEEN"],
    )


def _due_in(days: int) -> str:
    """'today', 'in 5d' or '3d ago' for a due date DAYS from today."""
    if days == 0:
        return "today"
    return f"in {days}d" if days > 0 else f"{-days}d ago"


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
@click.option(
    "--link-past/--no-link-past",
    default=None,
    help="Link past interactions with the routine's people since --since that were logged without "
    "--routine (default: ask at a terminal). Example: --since 2026-10-01 --link-past",
)
@click.pass_obj
def routine_add(app, name, every, on, with_, since, note, link_past):
    """Add a routine.

    \b
    Examples:
      offscreen routine add "Friday dinner" --every week --on fri --with Sam
      offscreen routine add "Call mum" --every 2w --with Mum
      offscreen routine add "Call mum" --every week --with Mum --since 2026-10-01 --link-past
      offscreen routine add "Board games" --every month --since 2026-01-31
    """
    r = routines.add(app, name, every=every, on=on, with_=with_, since=since, note=note, link_past=bool(link_past))
    who = f" with {', '.join(r['with'])}" if r["with"] else ""
    click.echo(f"Added routine {r['name']!r}: {r['every']}{who}, from {r['starts_on']}.")
    if r["linked"]:
        click.echo(f"Linked {_n(r['linked'], 'past interaction')} with it.")
    n = r["unlinked"]
    asked = n and link_past is None and _stdin_is_tty()
    if asked and click.confirm(f"{_n(n, 'past interaction')} with {', '.join(r['with'])} since then. Link them?"):
        done = routines.link(app, r["name"])
        click.echo(f"Linked {_n(done['linked'], 'past interaction')} with it.")
        n = 0
    if n:
        click.echo(f"{_n(n, 'past interaction')} match it; link them with: offscreen routine link {_q(r['name'])}")
    click.echo(f"Log it with: offscreen log --routine {_q(r['name'])} ...")


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


@routine_group.command("edit")
@click.argument("name")
@click.option("--name", "new_name", metavar="NAME", help="A new name.")
@click.option("--every", metavar="PERIOD", help="How often: day, week, month, or like '2 weeks', '10d'.")
@click.option("--on", "on", metavar="WEEKDAY", help="Planned weekday (mon..sun), weekly only; 'none' clears it.")
@click.option(
    "--with", "with_", multiple=True, metavar="NAME", help="A person it is with (repeatable; replaces its people)."
)
@click.option("--note", metavar="TEXT", help="A note ('' clears it).")
@click.pass_obj
def routine_edit(app, name, new_name, every, on, with_, note):
    """Change a routine; only the options given change (its periods are counted anew).

    \b
    Examples:
      offscreen routine edit "Friday dinner" --on sat
      offscreen routine edit "Call mum" --every week --with Mum --with Dad --name "Call home"
    """
    r = routines.edit(app, name, new_name=new_name, every=every, on=on, with_=with_ or None, note=note)
    who = f" with {', '.join(r['with'])}" if r["with"] else ""
    click.echo(f"Updated routine {r['name']!r}: {r['every']}{who}.")


@routine_group.command("link")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def routine_link(app, name, as_json):
    """Link interactions logged without --routine that match the routine: all its people took
    part, inside one of its periods so far. `routine show` says how many there are.

    \b
    Example:
      offscreen routine link "Call mum"
    """
    done = routines.link(app, name)
    if as_json:
        _echo_json(done)
        return
    if done["linked"]:
        click.echo(f"Linked {_n(done['linked'], 'interaction')} with {done['name']!r}: {', '.join(done['dates'])}.")
    else:
        click.echo(f"Nothing to link: no interaction logged without --routine matches {done['name']!r}.")


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
@click.option("--last", default=12, show_default=True, type=whole(1, 1000), help="Periods to show.")
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
    if data["unlinked"]:
        click.echo(
            f"{_n(data['unlinked'], 'interaction')} with {', '.join(data['with'])} logged without --routine "
            f"could count; link them: offscreen routine link {_q(data['name'])}"
        )
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
    # The phone question comes with the daily ones: not when flags answered both (a script).
    daily_asked = not weekly and (values["mood"] is None or values["connected"] is None)
    if values["mood"] is None and not weekly:
        values["mood"] = _ask("Mood today", lib.parse_mood, "awful/bad/meh/good/great, Enter to skip")
    if values["connected"] is None and not weekly:
        values["connected"] = _ask(
            "How connected did you feel today (0-10)", lib.parse_connected, "0-10, Enter to skip"
        )
    if daily_asked and values["phone"] is None and not values["phone_remove"]:
        _ask_phone(values)
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


def _ask_phone(values: dict) -> None:
    """The phone's own screen-time figure for today and, when given, how much of it was social media."""
    values["phone"] = _ask(
        "Phone screen time today, from your phone's screen-time screen",
        lambda s: phones.parse_minutes(s, "phone time"),
        "like 2h10m, Enter to skip",
    )
    if values["phone"] is None:
        return
    total = values["phone"]

    def social(text: str) -> float:
        minutes = phones.parse_minutes(text, "social media time")
        phones.check(total, minutes)
        return minutes

    values["phone_social"] = _ask("Of it social media", social, "like 50m, Enter to skip")


def _phone_line(rec: dict) -> str | None:
    """'Phone time for 2026-11-26, as you reported it: 2h10m (50m of it social media).' or None."""
    before, now = rec.get("phone_before"), rec.get("phone")
    if now is None:
        if before is None:
            return None
        return f"Removed the phone time reported for {before['day']} ({_figure_text(before)})."
    line = f"Phone time for {now['day']}, as you reported it: {_figure_text(now)}."
    if before is not None and before != now:
        line += f" It replaces {_figure_text(before)}."
    return line


def _figure_text(f: dict) -> str:
    return phones.describe(phones.PhoneDay(f["day"], f["minutes"], f["social_minutes"], f["source"]))


def _confirm(question: str) -> bool:
    return click.confirm(question, default=False)


def _answer_options(f):
    """The answers `checkin` and `checkin edit` both take."""
    for opt in reversed(
        [
            click.option("--mood", metavar="MOOD", help="Mood: awful, bad, meh, good, great (or 1-5)."),
            click.option("--connected", metavar="0-10", help="How connected you felt that day, 0-10."),
            click.option("--lack-companionship", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often."),
            click.option("--left-out", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often."),
            click.option("--isolated", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often."),
            click.option(
                "--lonely", metavar="ANSWER", help="Direct item: often, some, occasionally, hardly-ever, never."
            ),
            click.option(
                "--phone",
                metavar="DURATION",
                help=f"The phone's screen time on the check-in's day, {phones.HELP}; 'none' removes it.",
            ),
            click.option("--phone-social", metavar="DURATION", help="Of the phone time, on social media."),
        ]
    ):
        f = opt(f)
    return f


@click.group("checkin", invoke_without_command=True)
@click.option("--mood", metavar="MOOD", help="Today's mood: awful, bad, meh, good, great (or 1-5).")
@click.option("--connected", metavar="0-10", help="How connected you felt today, 0-10.")
@click.option("--weekly", is_flag=True, help="Also answer the weekly loneliness questions (UCLA-3).")
@click.option("--lack-companionship", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often.")
@click.option("--left-out", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often.")
@click.option("--isolated", metavar="ANSWER", help="UCLA-3: hardly-ever, some or often.")
@click.option("--lonely", metavar="ANSWER", help="Direct item: often, some, occasionally, hardly-ever, never.")
@click.option(
    "--phone",
    metavar="DURATION",
    help=f"Today's phone screen time from the phone's own screen-time screen, {phones.HELP}; "
    "alone it is recorded without the other questions; 'none' removes the day's figure.",
)
@click.option("--phone-social", metavar="DURATION", help="Of the phone time, on social media, like 50m.")
@click.option("--note", help="A note for today.")
@click.option("--at", "at", metavar="WHEN", help=f"When (default now): {WHEN_HELP}. {WHEN_RULES}.")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the day's earlier daily check-in (the week's weekly answers), like: "
    "offscreen checkin --mood great --replace",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was stored as JSON.")
@click.pass_context
def checkin_cmd(
    ctx,
    mood,
    connected,
    weekly,
    lack_companionship,
    left_out,
    isolated,
    lonely,
    phone,
    phone_social,
    note,
    at,
    replace,
    as_json,
):
    """Daily check-in (mood, felt connected) and, weekly, three loneliness questions.

    In a terminal it asks; otherwise give flags. The weekly questions are offered when a week has
    passed since you last answered them. The loneliness score is the sum of the three UCLA-3
    answers (hardly ever 1, some of the time 2, often 3): 3-9, higher = lonelier.

    --phone takes the phone's own screen-time figure for the day (Android's Digital Wellbeing,
    iOS Screen Time); it is kept per day, a later one replacing it, and shown apart from the
    computer's measured screen time. `checkin --phone 2h10m` alone records just that.

    One daily check-in per day and one set of weekly answers per week (Monday to Sunday): a
    second one asks to replace the first in a terminal, and needs --replace otherwise.
    `checkin list`, `checkin edit` and `checkin delete` correct what was recorded.

    \b
    Examples:
      offscreen checkin
      offscreen checkin --mood good --connected 7
      offscreen checkin --phone 2h10m --phone-social 50m
      offscreen checkin --weekly --lack-companionship some --left-out hardly-ever \\
        --isolated hardly-ever --lonely occasionally
      offscreen checkin list --since 7d
      offscreen checkin edit 12 --mood great
      offscreen checkin delete 12
    """
    if ctx.invoked_subcommand is not None:
        given = [mood, connected, lack_companionship, left_out, isolated, lonely, phone, phone_social, note, at]
        if weekly or replace or as_json or any(v is not None for v in given):
            raise UserError("the check-in answers go with `offscreen checkin` itself, not with a subcommand")
        return
    app = ctx.obj
    tty = _stdin_is_tty()
    answers = {
        "mood": mood,
        "connected": connected,
        "lack_companionship": lack_companionship,
        "left_out": left_out,
        "isolated": isolated,
        "lonely": lonely,
        "phone": phone,
        "phone_social": phone_social,
        "note": note,
    }
    rec = checkins.check_in(
        app,
        answers,
        weekly=weekly,
        at=at,
        ask=_ask_checkin if tty else None,
        replace=replace,
        confirm=_confirm if tty else None,
    )
    hint = rec.pop("weekly_due_hint")
    replaced = rec.pop("replaced")
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
    if rec["id"] is not None:
        click.echo(f"Checked in at {rec['at'][:16].replace('T', ' ')}: " + ", ".join(parts) + ".")
    if line := _phone_line(rec):
        click.echo(line)
    if replaced:
        click.echo(f"It replaces check-in {', '.join(map(str, replaced))}.")
    if hint:
        click.echo(
            "The weekly loneliness questions are due: offscreen checkin --weekly "
            "--lack-companionship ... --left-out ... --isolated ..."
        )


def _checkin_line(r: dict) -> list[str]:
    return [
        str(r["id"]),
        r["at"][:16].replace("T", " "),
        f"{r['mood_label']} ({r['mood']}/5)" if r["mood"] is not None else "-",
        "-" if r["connected"] is None else f"{r['connected']}/10",
        "-" if r["ucla3"] is None else str(r["ucla3"]),
        r["lonely"] or "-",
        r["note"] or "",
    ]


@checkin_cmd.command("list")
@click.option("--since", metavar="DATE", help="From this date (default: the last 30 days), like 2026-11-01 or 7d.")
@click.option("--until", metavar="DATE", help="Up to and including this date, like 2026-11-30.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def checkin_list(app, since, until, as_json):
    """List check-ins with their ids (for `checkin edit` and `checkin delete`).

    \b
    Examples:
      offscreen checkin list
      offscreen checkin list --since 2026-11-01 --until 2026-11-30 --json
    """
    rows = checkins.list_checkins(app, since, until)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No check-ins in that range. Check in: offscreen checkin --mood good --connected 7")
        return
    _table([_checkin_line(r) for r in rows], ["ID", "AT", "MOOD", "CONNECTED", "UCLA-3", "LONELY", "NOTE"])


@checkin_cmd.command("edit")
@click.argument("checkin_id", metavar="ID", type=ID)
@_answer_options
@click.option("--note", help='A new note ("" clears it).')
@click.option("--at", "at", metavar="WHEN", help=f"Move it to another time: {WHEN_HELP}.")
@click.option("--json", "as_json", is_flag=True, help="Print the check-in as stored, as JSON.")
@click.pass_obj
def checkin_edit(
    app,
    checkin_id,
    mood,
    connected,
    lack_companionship,
    left_out,
    isolated,
    lonely,
    phone,
    phone_social,
    note,
    at,
    as_json,
):
    """Correct a check-in: only the answers given change.

    \b
    Examples:
      offscreen checkin edit 12 --mood great
      offscreen checkin edit 12 --connected 6 --note "dinner with Sam"
      offscreen checkin edit 12 --at "2026-11-25 21:00"
      offscreen checkin edit 12 --phone 3h05m --phone-social 1h

    --phone sets the phone time of the check-in's day ('none' removes it); moving the check-in to
    another day with --at moves that day's phone time along.
    """
    answers = {
        "mood": mood,
        "connected": connected,
        "lack_companionship": lack_companionship,
        "left_out": left_out,
        "isolated": isolated,
        "lonely": lonely,
        "phone": phone,
        "phone_social": phone_social,
        "note": note,
    }
    rec = checkins.edit(app, checkin_id, answers, at=at)
    if as_json:
        _echo_json(rec)
        return
    line = _checkin_line(rec)
    click.echo(f"Check-in {rec['id']} at {line[1]}: mood {line[2]}, connected {line[3]}, UCLA-3 {line[4]}.")
    if rec["phone"] is not None:
        click.echo(f"Phone time for {rec['phone']['day']}, as you reported it: {_figure_text(rec['phone'])}.")


@checkin_cmd.command("delete")
@click.argument("checkin_id", metavar="ID", type=ID)
@click.option("--yes", is_flag=True, help="Delete without asking (needed outside a terminal), like: --yes")
@click.pass_obj
def checkin_delete(app, checkin_id, yes):
    """Delete a check-in for good (asks first in a terminal; --yes in scripts).

    \b
    Examples:
      offscreen checkin delete 12
      offscreen checkin delete 12 --yes
    """
    rec = checkins.delete(app, checkin_id, confirm=_confirm if _stdin_is_tty() else None, yes=yes)
    click.echo(f"Deleted check-in {rec['id']} from {rec['at'][:16].replace('T', ' ')}.")
    if rec["phone"] is not None:
        click.echo(f"Deleted the phone time reported for {rec['phone']['day']} ({_figure_text(rec['phone'])}).")


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


@unplug_group.command("edit")
@click.argument("session_id", metavar="ID", type=ID)
@click.option("--at", "at", metavar="WHEN", help="A new start, like 18:00 or '2026-11-25 18:00'.")
@click.option("--for", "for_", metavar="DURATION", help="A new length from the start, like 2h or 90m.")
@click.option("--until", metavar="WHEN", help="A new end, like 20:30.")
@click.option("--note", help='A new note ("" clears it).')
@click.pass_obj
def unplug_edit(app, session_id, at, for_, until, note):
    """Correct a device-free session: its start, its end or length, its note.

    What is not given stays (moving the start keeps the length). The rules of `unplug` hold: a
    start later than now plans a block (at most 24h ahead, with an end); no two sessions overlap.

    \b
    Examples:
      offscreen unplug edit 3 --for 90m
      offscreen unplug edit 3 --at 18:30 --until 20:00 --note "walk with Sam"
    """
    u = unplug.edit(app, session_id, at=at, for_=for_, until=until, note=note)
    span = f"{u['start']:%Y-%m-%d %H:%M}" + (f"-{_hm(u['end'])} ({format_duration(u['minutes'])})" if u["end"] else "")
    state = " (planned)" if u["planned"] else (" (running)" if u["running"] else "")
    click.echo(f"Session {u['id']}: {span}{state}" + (f", {u['note']}" if u["note"] else "") + ".")


@unplug_group.command("delete")
@click.argument("session_id", metavar="ID", type=ID)
@click.option("--yes", is_flag=True, help="Delete without asking (needed outside a terminal), like: --yes")
@click.pass_obj
def unplug_delete(app, session_id, yes):
    """Delete a device-free session for good (asks first in a terminal; --yes in scripts).

    \b
    Examples:
      offscreen unplug delete 3
      offscreen unplug delete 3 --yes
    """
    u = unplug.delete(app, session_id, confirm=_confirm if _stdin_is_tty() else None, yes=yes)
    click.echo(f"Deleted device-free session {u['id']} from {u['start']:%Y-%m-%d %H:%M}.")


# --------------------------------------------------------------------------- nudges


@click.command("nudge")
@click.option("--dry-run", is_flag=True, help="Only show what would be sent; record nothing.")
@click.pass_obj
def nudge_cmd(app, dry_run):
    """Send today's gentle nudge, if there is one (at most one a day, never in quiet hours).

    Meant to run from a timer or the daemon; quiet hours and the off switch are in [nudges].
    When none is sent it says why (off, already sent today, quiet hours, nothing due) and, with
    --dry-run, what would be sent otherwise.

    \b
    Examples:
      offscreen nudge --dry-run
      offscreen nudge
    """
    from tracker.usecases import nudges

    decision, delivered = nudges.run_explained(app, app.now(), dry_run=dry_run)
    nudge = decision.nudge
    if nudge is None:
        click.echo(f"No nudge now: {decision.reason}.")
        if not dry_run:
            return
        if decision.detail:
            click.echo(decision.detail)
        if decision.why != "nothing-due":
            if decision.otherwise is not None:
                click.echo(f"Otherwise it would send: {decision.otherwise.text()}")
            else:
                click.echo("Otherwise nothing would be sent either: nothing is due.")
        return
    click.echo(nudge.text() + ("" if dry_run else f"  [{delivered}]"))
