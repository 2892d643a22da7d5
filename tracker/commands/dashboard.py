"""`offscreen dashboard` (one offline HTML page) and `offscreen report` (terminal summary).

plotly and duckdb are imported inside the commands: `offscreen --help` must stay fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time as _time
from pathlib import Path

import click

from tracker.domain.times import format_duration

# How long `--open` waits for xdg-open's verdict. xdg-open hands the file to the browser and
# exits (0, or non-zero when nothing could open it); one still running after this is taken to
# be the browser starting under it.
OPEN_WAIT_S = 3.0


def _open_in_browser(path: Path) -> str:
    """Open PATH without ever failing the command; returns what happened, for the user."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return f"No display found; open {path} in a browser."
    opener = shutil.which("xdg-open")
    try:
        if opener:
            proc = subprocess.Popen(
                [opener, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                code = proc.wait(timeout=OPEN_WAIT_S)
            except subprocess.TimeoutExpired:
                return f"Opening {path} in your browser."
            if code == 0:
                return f"Opened {path} in your browser."
            return f"Could not open it: xdg-open exited with status {code}; open {path} in a browser yourself."
        import webbrowser

        if webbrowser.open(path.as_uri()):
            return f"Opened {path} in your browser."
    except OSError:
        pass
    return f"Could not start a browser; open {path} yourself."


@click.command("dashboard")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (replaced atomically, mode 0600).",
)
@click.option(
    "--since",
    metavar="D",
    help="Start: a date, 'today', 'yesterday', 'Nd' or 'Nw' (default: 90 days ago, or your first data if later).",
)
@click.option("--until", metavar="D", help="End, inclusive for dates (default: now).")
@click.option("--open", "open_", is_flag=True, help="Open the page in your browser afterwards.")
@click.pass_obj
def dashboard_cmd(app, output, since, until, open_):
    """Write one self-contained offline HTML dashboard.

    Screen time against face-to-face time, categories, a weekday x hour map, people and
    cadences, friendship hours, closeness, mode mix and a lagged association; with a sync folder
    ([sync] dir), screen time per computer. Works offline (plotly.js is inside the file); days
    start at general.day_start_hour.

    \b
    Examples:
      offscreen dashboard -o ~/offscreen.html --open
      offscreen dashboard -o year.html --since 2026-01-01 --until 2026-12-31
    """
    from tracker.errors import RuntimeFailure
    from tracker.paths import atomic_write, output_file
    from tracker.usecases.dashboard import dashboard

    output = output_file(output, "offscreen.html")
    t0 = _time.perf_counter()
    app.progress("Drawing the dashboard...")  # seconds for a year of data: say something at a terminal
    page = dashboard(app, since, until)
    try:
        atomic_write(output, page.html)  # mode 0600: the page holds names and notes
    except OSError as e:
        raise RuntimeFailure(
            f"cannot write {output}: {e.strerror or e}; choose a file in a directory you can write to"
        ) from None
    shown = sum(1 for v in page.views if v.figure is not None)
    if page.note:
        click.echo(page.note)
    click.echo(
        f"Wrote {output} ({len(page.html) / 1e6:.1f} MB, {shown} of {len(page.views)} views with data) "
        f"in {_time.perf_counter() - t0:.1f} s."
    )
    if open_:
        click.echo(_open_in_browser(output))


@click.command("report")
@click.option("--week", is_flag=True, help="The last 7 days against the 7 before (default).")
@click.option("--month", is_flag=True, help="The last 30 days against the 30 before.")
@click.option("--period", type=click.Choice(["week", "month"]), help="Same as --week or --month.")
@click.option(
    "--since",
    metavar="D",
    help="Any range instead: from local day D (a date, 'yesterday', 'Nd', 'Nw'). Example: --since 2026-11-01.",
)
@click.option("--until", metavar="D", help="With --since: up to local day D, inclusive (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def report_cmd(app, week, month, period, since, until, as_json):
    """Summarise screen time against face-to-face time in the terminal.

    Screen hours, face-to-face hours and their ratio against the previous period, top apps and
    categories, invitations made and received (and accepted), and people you have not seen for
    longer than their cadence. With a sync folder ([sync] dir) and other computers read, screen
    time per computer and all together (`machines` in --json); the rest is this computer's.

    \b
    Examples:
      offscreen report
      offscreen report --month --json | jq .change_pct
      offscreen report --period month
      offscreen report --since 2026-11-01 --until 2026-11-14
    """
    from tracker.errors import UserError
    from tracker.usecases.report import report

    # One period only: click would silently keep the last of --week --month.
    asked = {p for p, on in (("week", week), ("month", month), (period, period is not None)) if on}
    if len(asked) > 1:
        raise UserError("--week and --month exclude each other; give one (or --period week|month)")
    if asked and (since or until):
        raise UserError("--since/--until exclude --week, --month and --period; give a range or a period")
    if until and not since:
        raise UserError("--until needs --since (the first day of the range)")
    s = report(app, asked.pop() if asked else "week", since, until)
    click.echo(json.dumps(s, indent=2, default=str) if as_json else render_report(s))


def _was(s: dict, key: str, text: str) -> str:
    """'(was 4h00m, -25%)' against a tracked previous period, else '(nothing to compare with)'."""
    if not s["comparable"]:
        return "  (nothing to compare with)"
    p = s["change_pct"][key]
    return f"  (was {text}{'' if p is None else f', {p:+.0f}%'})"


def render_report(s: dict) -> str:
    """A report as plain text, one fact per line."""
    c, p = s["current"], s["previous"]
    n = s["days"]
    if s["period"] == "range":
        lines = [f"{s['first_day']} to {s['last_day']} ({n} days), compared with the {n} days before:"]
    else:
        lines = [f"Last {n} days, compared with the {n} days before:"]
    tracked = (
        f"  Tracked on {c['tracked_days']} of {c['days']} days "
        f"(the {n} days before: {p['tracked_days']} of {p['days']})"
    )
    if not s["comparable"]:
        tracked += f"; comparing needs {s['needed']} tracked days in both"
    lines.append(tracked)
    lines.append(
        f"  Screen time   {format_duration(c['screen_h'] * 60):>8}"
        + _was(s, "screen_h", format_duration(p["screen_h"] * 60))
    )
    lines.append(f"    social media {format_duration(c['social_h'] * 60):>7}")
    if c.get("watching_h"):  # a video playing in front without input: screen time, shown apart
        lines.append(f"    watching     {format_duration(c['watching_h'] * 60):>7}")
    lines += _phone_lines(s.get("phone"))
    lines.append(
        f"  Face-to-face  {format_duration(c['f2f_h'] * 60):>8}" + _was(s, "f2f_h", format_duration(p["f2f_h"] * 60))
    )
    if c["ratio_missing"]:
        why = c["ratio_missing"].rstrip(".")
        lines.append(f"  Ratio         face-to-face per screen hour: {why[0].lower()}{why[1:]}")
    elif c["f2f_per_screen_hour_min"] is not None:
        was = p["f2f_per_screen_hour_min"]
        lines.append(
            f"  Ratio         {c['f2f_per_screen_hour_min']:.1f} min face-to-face per screen hour"
            + (f" (was {was:.1f})" if s["comparable"] and was is not None else "")
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
    for i, part in enumerate(parts):  # one measure a line: together they ran past 80 columns
        lines.append(("  Check-ins     " if i == 0 else " " * 16) + part)
    lines += _invitation_lines(s.get("invitations"))
    lines += _fun_lines(s.get("fun"))
    lines += _machine_lines(s.get("machines"))
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
    return "\n".join(w for line in lines for w in _wrap(line.rstrip()))


def _machine_lines(m: dict | None) -> list[str]:
    """Screen time per computer and all of them together (issue 16); nothing without other computers."""
    if not m:
        return []
    width = max(15, *(len(h["label"]) for h in m["hosts"])) + 2
    lines = ["Screen time per computer (every other figure here is this computer's alone):"]
    lines += [f"  {h['label']:<{width}}{format_duration(h['screen_h'] * 60):>8}" for h in m["hosts"]]
    together = f"  {'all together':<{width}}{format_duration(m['union_screen_h'] * 60):>8}"
    note = "(time on two at once counted once)"
    # A long host name would wrap the note mid-phrase: it gets its own line instead.
    fits = len(together) + 2 + len(note) <= REPORT_WIDTH
    return [*lines, f"{together}  {note}"] if fits else [*lines, together, f"    {note}"]


def _invitation_lines(inv: dict | None) -> list[str]:
    """Two lines on invitations made and received, and the yeses, now and before; none without any."""
    if not inv or not any(inv["current"][k] or inv["previous"][k] for k in ("made", "received")):
        return []
    c, p = inv["current"], inv["previous"]
    return [
        f"  Invitations   you made {c['made']} (they said yes to {c['made_accepted']}), "
        f"got {c['received']} (you said yes to {c['received_accepted']})",
        f"{' ' * 16}before: made {p['made']} (yes to {p['made_accepted']}), "
        f"got {p['received']} (yes to {p['received_accepted']})",
    ]


def _fun_lines(f: dict | None) -> list[str]:
    """Fun beside closeness, per mode and with routines against one-offs; nothing until something is rated."""
    if not f:
        return []
    groups = [(m.replace("-", " "), g) for m, g in f["by_mode"].items()]
    groups += [("with routines", f["routines"]), ("one-offs", f["one_offs"])]
    if not any(g["fun_rated"] for _, g in groups):
        return []
    lines = ["  Fun (1-5)     per mode, and with routines against one-offs:"]
    for label, g in groups:
        if not g["interactions"]:
            continue
        if g["fun_mean"] is None:
            said = f"not enough yet ({g['fun_rated']} rated, needs {f['needed']})"
        else:
            said = f"{g['fun_mean']:.1f} over {g['fun_rated']} rated"
            if g["closeness_mean"] is not None:
                said += f", closeness {g['closeness_mean']:.1f}/7"
        lines.append(f"    {label + ':':<15}{said}")
    return [*lines, f"    ({f['source']})"]


def _phone_lines(ph: dict | None) -> list[str]:
    """The phone as reported, its own line beside the measured screen time (never added to it);
    nothing when no day of either period has a figure."""
    if not ph or not (ph["current"]["days_reported"] or ph["previous"]["days_reported"]):
        return []
    c, p = ph["current"], ph["previous"]
    label = c["label"] if c["days_reported"] else p["label"]
    head = f"  {label[0].upper() + label[1:]}: "
    if c["missing"]:
        return [head + f"not enough days reported ({c['days_reported']} of the {c['needed']} needed)"]
    line = head + f"{format_duration(c['mean_per_day_min'])} a day ({c['days_reported']} of {c['days']} days)"
    if c["social_mean_per_day_min"] is not None:
        line += f", social media {format_duration(c['social_mean_per_day_min'])}"
    if p["mean_per_day_min"] is not None:
        line += f"; was {format_duration(p['mean_per_day_min'])} a day"
    return [line]


REPORT_WIDTH = 80


def _wrap(line: str) -> list[str]:
    """LINE in REPORT_WIDTH columns; continuation lines start under its value ("  Label   value")."""
    if len(line) <= REPORT_WIDTH:
        return [line]
    import re
    import textwrap

    # "  Tracked on ...", "Top apps: a, b": under the text after the label (two spaces or ": ").
    m = re.match(r"^( *\S+(?: \S+)*?(?:  +|: ))", line)
    indent = " " * (len(m.group(1)) if m and len(m.group(1)) <= 16 else len(line) - len(line.lstrip()) + 2)
    return textwrap.wrap(line, REPORT_WIDTH, subsequent_indent=indent, break_on_hyphens=False)
