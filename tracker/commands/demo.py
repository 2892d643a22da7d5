"""`offscreen demo`: fill the database with a realistic synthetic history."""

from __future__ import annotations

import json

import click

from tracker.commands._params import whole


@click.command("demo")
@click.option(
    "--days",
    type=whole(1, 3660),
    default=120,
    show_default=True,
    help="How many days of history, ending today.",
)
@click.option("--seed", type=whole(), default=1, show_default=True, help="Random seed: same seed, same data.")
@click.option("--force", is_flag=True, help="Also write into a database that holds real (non-demo) data.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_obj
def demo_cmd(app, days, seed, force, as_json):
    """Fill the database with synthetic demo data, replacing earlier demo data.

    Refuses to touch a database that already holds your own data unless --force; demo rows are
    marked source='demo', so a later `offscreen demo` replaces them and nothing else. A demo
    person or routine you logged with, renamed, aliased, edited or skipped is yours from then on
    and stays; one whose name you already use is called like "Sam (demo)".

    \b
    Examples:
      OFFSCREEN_HOME=~/offscreen-try offscreen demo
      offscreen demo --days 365 --seed 7
      offscreen dashboard -o ~/offscreen.html --open
    """
    from tracker.usecases import demo

    counts = demo.run(app, days=days, seed=seed, force=force)
    if as_json:
        click.echo(json.dumps(counts))
        return
    click.echo(
        f"Wrote demo data to {app.paths.db}: {days} days, {counts['people']} people, "
        f"{counts['interactions']} interactions, {counts['spans']} activity spans "
        f"({counts['generate_s'] + counts['insert_s']:.1f} s)."
    )
    click.echo("Next: offscreen dashboard -o offscreen.html --open   or   offscreen report")
