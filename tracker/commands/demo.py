"""`offscreen demo`: fill the database with a realistic synthetic history (issue 4)."""

from __future__ import annotations

import json
import time as _time
from datetime import UTC

import click

from tracker.errors import UserError


@click.command("demo")
@click.option(
    "--days",
    type=click.IntRange(1, 3660),
    default=120,
    show_default=True,
    help="How many days of history, ending today.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same data.")
@click.option("--force", is_flag=True, help="Also write into a database that holds real (non-demo) data.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_obj
def demo_cmd(app, days, seed, force, as_json):
    """Fill the database with synthetic demo data, replacing earlier demo data.

    Refuses to touch a database that already holds your own data unless --force; demo rows are
    marked source='demo', so a later `offscreen demo` replaces them and nothing else.

    \b
    Examples:
      OFFSCREEN_HOME=/tmp/try offscreen demo
      offscreen demo --days 365 --seed 7
      offscreen dashboard -o ~/offscreen.html --open
    """
    from datetime import datetime

    from tracker.store import demo as store_demo
    from tracker.store import has_real_data
    from tracker.usecases import demo

    tz = app.zone

    def refuse_real_data(con):
        if has_real_data(con) and not force:
            raise UserError(
                f"{app.paths.db} already holds your own data; demo data would mix with it. "
                "Use another database (--db PATH or OFFSCREEN_HOME=/tmp/try), or --force"
            )

    with app.store(drain=True) as con:  # refuse before spending seconds on generation
        refuse_real_data(con)
    t0 = _time.perf_counter()
    data = demo.generate(days, seed, datetime.now(UTC), tz)  # outside the lock
    t1 = _time.perf_counter()
    with app.store(drain=True) as con:
        refuse_real_data(con)  # again: the daemon may have drained real data meanwhile
        counts = store_demo.replace_demo(con, data, app.paths.state_dir)
    t2 = _time.perf_counter()
    counts.update(days=days, seed=seed, db=str(app.paths.db), generate_s=round(t1 - t0, 2), insert_s=round(t2 - t1, 2))
    if as_json:
        click.echo(json.dumps(counts))
        return
    click.echo(
        f"Wrote demo data to {app.paths.db}: {days} days, {counts['people']} people, "
        f"{counts['interactions']} interactions, {counts['spans']} activity spans "
        f"({t2 - t0:.1f} s)."
    )
    click.echo("Next: offscreen dashboard -o offscreen.html --open   or   offscreen report")
