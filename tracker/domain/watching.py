"""Is the front window's media player playing? The rule behind the `watching` state (issue 15).

A player counts only when it is the front window's own: the same process, a child of it (a
browser's media process, a player started inside a terminal) up to ANCESTRY levels, or the same
application by name (its MPRIS DesktopEntry or Identity against the window's app id or WM_CLASS,
for a sandboxed player whose bus pid is a proxy's, or a window without a pid). Background audio,
a player whose window is not in front, never counts. Pure: the process tree is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

ANCESTRY = 4  # parent links walked from a player's pid looking for the window's pid


def _names(app: str) -> set[str]:
    """APP and its last reverse-DNS part, casefolded: "org.mozilla.firefox" also matches "firefox"."""
    name = app.strip().casefold().removesuffix(".desktop")
    return {name, name.rsplit(".", 1)[-1]} if name else set()


def same_app(window_app: str | None, player_apps: Collection[str]) -> bool:
    """Whether the window's app id or class names one of the players (case-insensitively)."""
    if not window_app:
        return False
    mine = _names(window_app)
    return any(mine & _names(p) for p in player_apps)


def descends(pid: int, ancestor: int, parent: Callable[[int], int | None], levels: int = ANCESTRY) -> bool:
    """Whether PID is ANCESTOR or its descendant within LEVELS parent links (PARENT: pid -> ppid)."""
    for _ in range(levels + 1):
        if pid == ancestor:
            return True
        nxt = parent(pid)
        if nxt is None or nxt <= 1:  # init adopts orphans: it is everyone's parent, nobody's window
            return False
        pid = nxt
    return False


def front_playing(
    window_pid: int | None,
    window_app: str | None,
    playing_pids: Collection[int],
    playing_apps: Collection[str],
    parent: Callable[[int], int | None],
) -> bool:
    """Whether a playing player belongs to the front window (by process, else by app name)."""
    if window_pid is not None and window_pid > 1 and any(descends(p, window_pid, parent) for p in playing_pids):
        return True
    return same_app(window_app, playing_apps)
