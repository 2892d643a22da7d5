"""What `offscreen sync now|status` and doctor ask of the synced folder (issue 16; files: tracker/store/sync.py).

Reads sync too: whenever sync.dir is set and exists, `App.store(drain=True)` (tracker/app.py,
`sync_quietly`) and the daemon's drain child (tracker/usecases/drain.py) run the same sync, so
`today`, `report` and the dashboard show the other machines without a command, and a computer
nobody types on still shares its screen time.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

from tracker.errors import RuntimeFailure, UserError

_WHAT = {
    "newer": "written by a newer offscreen: skipped (upgrade offscreen here to read it)",
    "unreadable": "not readable yet (half synced or damaged): skipped, read again at the next sync",
    "foreign": "not an offscreen host folder: left alone",
    "refused": "refused by this database (a value or text it does not take): not applied until the file changes",
    "clash": "this computer's own folder is also written by another computer with the same id (a copied home?)",
}


def folder(config) -> Path | None:
    """The configured sync folder (sync.dir, ~ expanded), or None when syncing is off."""
    text = config.sync.dir
    return Path(text).expanduser() if text else None


def _require(app) -> Path:
    root = folder(app.config)
    if root is None:
        raise UserError(
            'no sync folder configured: add [sync] dir = "~/Sync/offscreen" to ' + str(app.paths.config_file)
        )
    if not root.is_dir():
        raise RuntimeFailure(
            f"the sync folder {root} does not exist: create it (mkdir -p {root}) or start your sync tool; "
            "nothing was written"
        )
    return root


def _problems(problems) -> list[dict[str, str]]:
    return [{"path": p.path, "what": p.what, "detail": p.detail, "meaning": _WHAT[p.what]} for p in problems]


def sync_now(app) -> dict[str, Any]:
    """`offscreen sync now`: write this computer's changes and read the others', now."""
    from tracker.store import sync as store_s

    root = _require(app)
    me = store_s.host_identity(app.paths.state_dir)
    app.drain()
    with app.store() as con:
        try:
            result = store_s.sync(con, root, me, app.now())
        except OSError as e:
            raise RuntimeFailure(
                f"cannot write the sync folder: {e.strerror or e} ({e.filename}); nothing changed here: "
                "fix the folder (permissions, space) and run `offscreen sync now` again"
            ) from None
    return {
        "dir": str(root),
        "host": me.host,
        "name": me.name,
        "exported": result.exported,
        "imported": result.imported,
        "deferred": result.deferred,
        "problems": _problems(result.problems),
    }


def status(app) -> dict[str, Any]:
    """`offscreen sync status`: this computer's folder, the others read, and what was skipped (writes nothing)."""
    from tracker.store import sync as store_s

    root = folder(app.config)
    if root is None:
        return {"dir": None, "exists": False, "hosts": [], "problems": []}
    me = store_s.host_identity(app.paths.state_dir)
    out: dict[str, Any] = {"dir": str(root), "exists": root.is_dir(), "host": me.host, "name": me.name}
    with app.store() as con:
        counts = store_s.status_counts(con)
        out["hosts"] = [
            {"host": h, "name": n, "seen_at": s.replace(tzinfo=UTC).astimezone(app.zone).isoformat(timespec="seconds")}
            for h, n, s in store_s.hosts(con)
        ]
        out["problems"] = _problems(store_s.scan(con, root, me)) if out["exists"] else []
    out["files"] = counts["files"]
    out["rows"] = counts["rows"]
    out["clock"] = counts["clock"]
    return out


def checks(paths, config) -> list[tuple[str, str, str | None]]:
    """(status, summary, fix) lines for doctor: the folder missing, skipped files, a clash. Never raises."""
    root = folder(config)
    if root is None:
        return [("ok", "sync is off (set [sync] dir to see several computers in one picture)", None)]
    if not root.is_dir():
        return [
            (
                "warn",
                f"the sync folder {root} does not exist: nothing is synced",
                f"mkdir -p {root}, or start your sync tool",
            )
        ]
    from tracker import store
    from tracker.errors import OffscreenError
    from tracker.store import sync as store_s

    try:
        me = store_s.host_identity(paths.state_dir)
        with store.connect(paths.db, wait=3) as con:
            problems = store_s.scan(con, root, me)
            others = len(store_s.hosts(con))
    except (OffscreenError, OSError) as e:
        return [("warn", f"the sync folder {root} could not be checked: {e}", None)]
    out: list[tuple[str, str, str | None]] = [
        ("ok", f"sync folder {root}: this computer is {me.host}; {others} other computer(s) read", None)
    ]
    for p in problems:
        fix = "upgrade offscreen on this computer" if p.what == "newer" else None
        if p.what == "refused":
            fix = "if a newer offscreen wrote it, upgrade offscreen here; a hand-made or damaged file: remove it"
        if p.what == "clash":
            fix = f"on one of the two computers remove {paths.state_dir / 'sync-host.json'} so it takes a new id"
        out.append(("warn", f"{p.path}: {_WHAT[p.what]}" + (f" ({p.detail})" if p.detail else ""), fix))
    return out
