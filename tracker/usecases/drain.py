"""The drain child the daemon starts: `python -m tracker.usecases.drain --db DB [--nudge]`.

No click (the daemon starts it every hour and when someone comes back; click alone costs 25-40 ms
of CPU): it moves the daemon's queue into DuckDB (tracker.app.drain_queue) and, with --nudge, sends
the day's nudge when one is due, through one connection (the nudge's delivery, at most once a
day, is recorded through a second one opened after the first is closed). `offscreen drain`
(hidden) does the same from the CLI.
Exit status: 0 done; 1 the database was busy or a runtime failure (the spans stay queued); 2 bad
arguments or configuration.
"""

from __future__ import annotations

import sys

USAGE = "usage: python -m tracker.usecases.drain [--db PATH] [--nudge]"


def parse(argv: list[str]) -> tuple[str | None, bool]:
    """(db, nudge) from ARGV; raises UserError on anything else."""
    from tracker.errors import UserError

    db: str | None = None
    nudge = False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--nudge":
            nudge = True
        elif a == "--db" and args:
            db = args.pop(0)
        elif a.startswith("--db="):
            db = a[len("--db=") :]
        else:
            raise UserError(f"unknown argument {a!r}; {USAGE}")
    return db, nudge


def run(app, nudge: bool, warn) -> None:
    """Drain APP's queue, then (NUDGE) send a due nudge, both through one connection (opening
    DuckDB costs 30-40 ms of CPU); a nudge failure is only warned about."""
    from tracker.errors import OffscreenError

    claimed = None
    with app.store() as con:
        app.drain(con=con)
        try:
            syncing = bool(app.config.sync.dir)
        except OffscreenError:
            syncing = False  # a bad config never fails the drain (the nudge below warns about it)
        if syncing:  # issue 16: a computer nobody runs a command on still shares its screen time
            app.sync_quietly(con)
        if nudge:
            from tracker.usecases.nudges import choose_and_claim

            try:
                now = app.now()
                decision, sent = choose_and_claim(app, con, now)
                claimed = (decision, now) if sent else None
            except OffscreenError as e:  # a bad config must not fail the drain
                warn(f"warning: no nudge: {e}")
    if claimed is not None:  # delivered with the database closed (at most once a day)
        from tracker.usecases.nudges import deliver_claimed

        try:
            deliver_claimed(app, *claimed)
        except OffscreenError as e:  # a busy database must not fail the drain
            warn(f"warning: nudge delivery not recorded: {e}")


def main(argv: list[str] | None = None) -> int:
    from tracker.app import App
    from tracker.errors import OffscreenError

    def warn(line: str) -> None:
        sys.stderr.write(line + "\n")

    try:
        db, nudge = parse(sys.argv[1:] if argv is None else argv)
        run(App.create(db=db), nudge, warn)
    except OffscreenError as e:
        warn(f"Error: {e}")
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
