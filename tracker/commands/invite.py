"""`offscreen invite` and `offscreen invite list|answer|edit|delete`.

Thin: parse options, call one function of tracker.usecases.invitations, render text or --json.
"""

from __future__ import annotations

import json
import sys

import click

from tracker.commands import _complete
from tracker.commands._params import ID
from tracker.commands._table import render
from tracker.domain import interactions as core
from tracker.domain.invitations import describe
from tracker.domain.times import WHEN_HELP, WHEN_RULES
from tracker.errors import UserError
from tracker.usecases import invitations as lib


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _invite_options(edit: bool):
    """The options `invite` and `invite edit` share (edit: only given ones change)."""

    def deco(f):
        opts = [
            click.option(
                "--to",
                "to",
                multiple=True,
                metavar="NAME",
                shell_complete=_complete.people,
                help="Whom you invited; repeat it or separate names with commas.",
            ),
            click.option(
                "--from",
                "from_",
                multiple=True,
                metavar="NAME",
                shell_complete=_complete.people,
                help="Who invited you; repeat it or separate names with commas.",
            ),
            click.option("--for", "what", metavar="TEXT", help='What it is for, e.g. --for "dinner".'),
            click.option(
                "--on",
                "on",
                metavar="WHEN",
                help=f"When it is for (may be ahead): {WHEN_HELP}, 'tomorrow HH:MM'"
                + ("; 'none' clears it." if edit else ".")
                + f" {WHEN_RULES}.",
            ),
            click.option("--at", "at", metavar="WHEN", help="When the invitation was made (default: now)."),
            click.option(
                "--answer",
                metavar="yes|no|maybe",
                help="The answer (theirs to yours, yours to theirs)" + ("; 'pending' for none yet." if edit else "."),
            ),
            click.option("--note", "-n", metavar="TEXT", help="A free-text note."),
        ]
        for o in reversed(opts):
            f = o(f)
        return f

    return deco


def _values(to, from_, what, on, at, answer, note, *, edit: bool) -> dict:
    """CLI options -> raw values for tracker.domain.invitations.build (None = not given)."""
    if to and from_:
        raise UserError("give --to (you invited them) or --from (they invited you), not both")
    v: dict = {"what": what, "made_at": at, "answer": answer, "note": note}
    if on is not None:
        v["planned_for"] = "" if edit and on.strip().lower() == "none" else on
    if to or from_:
        v["direction"] = "given" if to else "received"
        v["people"] = core.split_names(to or from_)
    return {k: x for k, x in v.items() if x is not None}


@click.group("invite", invoke_without_command=True)
@_invite_options(edit=False)
@click.option("--json", "as_json", is_flag=True, help="Print the stored invitation as JSON.")
@click.pass_context
def invite_group(ctx, to, from_, what, on, at, answer, note, as_json):
    """Record an invitation you gave (--to) or received (--from), and its answer.

    Inviting and saying yes to invitations are the courage the dashboard's view 12 shows; `log
    --invite ID` links an invitation to the interaction it became.

    \b
    Examples:
      offscreen invite --to Sam --for "dinner" --on "fri 19:00"
      offscreen invite --from Priya --for "climbing" --on "tomorrow 18:00" --answer yes
      offscreen invite list --open
      offscreen invite answer 3 maybe
      offscreen invite edit 3 --on "sat 12:00" --note "moved to lunch"
      offscreen invite delete 3 --yes
    """
    if ctx.invoked_subcommand is not None:
        if any(x for x in (to, from_, what, on, at, answer, note)) or as_json:
            raise UserError(f"options before `invite {ctx.invoked_subcommand}` belong after it")
        return
    if not (to or from_):
        if what is None and on is None and at is None and answer is None and note is None:
            click.echo(ctx.get_help())
            return
        raise UserError("say who: --to NAME (you invited them) or --from NAME (they invited you)")
    rec, notes = lib.invite(ctx.obj, _values(to, from_, what, on, at, answer, note, edit=False))
    click.echo(
        json.dumps(rec, indent=2, ensure_ascii=False)
        if as_json
        else describe(rec).replace("Invitation", "Recorded invitation", 1)
    )
    for line in notes:
        click.echo(line, err=True)


def _table(rows: list[dict]) -> str:
    head = ("ID", "MADE", "WAY", "WHO", "FOR", "ON", "ANSWER", "BECAME")
    body = [
        (
            f"#{r['id']}",
            r["made_at"][:10],
            "to" if r["direction"] == "given" else "from",
            ", ".join(r["people"]),
            r["what"],
            (r["planned_for"] or "")[:16].replace("T", " "),
            r["answer"],
            f"#{r['interaction_id']}" if r["interaction_id"] else "",
        )
        for r in rows
    ]
    return render(head, body, free=(3, 4))


@invite_group.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only open ones: not declined and not happened yet.")
@click.option(
    "--with", "-w", "with_name", metavar="NAME", shell_complete=_complete.people, help="Only with this person."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (see README for the fields).")
@click.pass_obj
def list_cmd(app, open_only, with_name, as_json):
    """List invitations, oldest first, as a table or JSON.

    \b
    Examples:
      offscreen invite list --open
      offscreen invite list --with Sam --json
    """
    rows = lib.list_invitations(app, open_only=open_only, with_name=with_name)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        click.echo(_table(rows))
    else:
        click.echo(
            "No invitations match."
            if open_only or with_name
            else 'No invitations yet: offscreen invite --to Sam --for "dinner"'
        )


@invite_group.command("answer")
@click.argument("invitation_id", type=ID, metavar="ID")
@click.argument("answer", metavar="yes|no|maybe")
@click.pass_obj
def answer_cmd(app, invitation_id, answer):
    """Record the answer to an invitation: theirs to yours, or yours to theirs.

    \b
    Examples:
      offscreen invite answer 3 yes
      offscreen invite answer 4 maybe
    """
    click.echo(describe(lib.answer(app, invitation_id, answer)).replace("Invitation", "Answered invitation", 1))


@invite_group.command("edit")
@click.argument("invitation_id", type=ID, metavar="ID")
@_invite_options(edit=True)
@click.option("--interaction", metavar="ID|none", help="The interaction it became ('none' unlinks it).")
@click.pass_obj
def edit_cmd(app, invitation_id, to, from_, what, on, at, answer, note, interaction):
    """Change an invitation: only the options you give change.

    \b
    Examples:
      offscreen invite edit 3 --on "sat 12:00" --for "lunch"
      offscreen invite edit 3 --from Sam        # it was Sam who invited you
      offscreen invite edit 3 --interaction none
    """
    given = _values(to, from_, what, on, at, answer, note, edit=True)
    if interaction is not None:
        given["interaction"] = interaction
    rec, notes = lib.edit(app, invitation_id, given)
    click.echo(describe(rec).replace("Invitation", "Updated invitation", 1))
    for line in notes:
        click.echo(line, err=True)


@invite_group.command("delete")
@click.argument("invitation_id", type=ID, metavar="ID")
@click.option("--yes", is_flag=True, help="Delete without asking (needed outside a terminal), like: --yes")
@click.pass_obj
def delete_cmd(app, invitation_id, yes):
    """Delete an invitation for good (asks first in a terminal; --yes in scripts).

    \b
    Examples:
      offscreen invite delete 3
      offscreen invite delete 3 --yes
    """
    confirm = (lambda q: click.confirm(q, default=False)) if _stdin_is_tty() else None
    rec = lib.delete(app, invitation_id, confirm=confirm, yes=yes)
    click.echo(f"Deleted invitation #{rec['id']} ({rec['what']}).")
