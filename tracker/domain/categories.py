"""Category rules: (app, title) -> category, applied when data is READ, never stored.

Editing a rule in the configuration therefore re-categorises all history. The same rules are
available as a Python function (for small lists) and as a SQL CASE expression (for DuckDB
aggregations over hundreds of thousands of spans). Patterns are searched (not anchored) and must
use the syntax Python's `re` and DuckDB's RE2 share (no look-arounds or back-references).
"""

from __future__ import annotations

from tracker.config import Config, Rule

EXCLUDED_APP = "excluded"  # privacy.exclude stores matching activity under this app name

_I = "(?i)"
# Order matters: the first matching rule wins. Title rules for websites come before the browser
# rule, so YouTube in Firefox is "video", not "browsing".
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        category="social media",
        title=_I
        + r"facebook|instagram|twitter|\bx\.com\b|tiktok|reddit|mastodon|linkedin|bluesky|threads\.net"
        + r"|snapchat|pinterest|tumblr",
    ),
    Rule(category="social media", app=_I + r"^(tootle|tuba|whalebird)$"),
    Rule(category="video", title=_I + r"youtube|netflix|twitch|prime video|disney\+|vimeo|hulu|crunchyroll"),
    Rule(category="video", app=_I + r"^(vlc|mpv|totem|celluloid|smplayer|kodi|stremio|freetube)$"),
    Rule(
        category="games",
        app=_I + r"steam|lutris|heroic|minecraft|retroarch|dolphin-emu|supertuxkart|0ad|wesnoth|^factorio$",
    ),
    Rule(
        category="messaging",
        app=_I + r"slack|discord|telegram|signal|whatsapp|element|teams|zoom|skype|mattermost|zulip|pidgin|hexchat",
    ),
    Rule(category="messaging", title=_I + r"slack|discord|whatsapp|messenger|google chat|meet\.google|zoom meeting"),
    Rule(category="email", app=_I + r"thunderbird|evolution|geary|kmail|mutt|claws-mail|betterbird"),
    Rule(category="email", title=_I + r"gmail|outlook|proton mail|fastmail|roundcube|inbox"),
    Rule(
        category="programming",
        app=_I
        + r"code|codium|pycharm|jetbrains|idea|emacs|vim|nvim|kate|gedit|sublime"
        + r"|terminal|konsole|alacritty|kitty|xterm|wezterm|foot|tilix|urxvt",
    ),
    Rule(category="programming", title=_I + r"github|gitlab|stack overflow|codeberg|docs\.python|localhost"),
    Rule(
        category="browsing",
        app=_I + r"firefox|chromium|chrome|brave|epiphany|vivaldi|opera|librewolf|qutebrowser|midori|falkon|web",
    ),
)


def rules_for(config: Config) -> tuple[Rule, ...]:
    """User rules first, then the defaults unless the user turned them off."""
    user = config.categories.rules
    return user + DEFAULT_RULES if config.categories.use_defaults else user


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_case(rules: tuple[Rule, ...], app_col: str = "app", title_col: str = "title") -> str:
    """A DuckDB CASE expression: per row, the first matching rule's category, else 'other'."""
    parts = [f"WHEN {app_col} = {_lit(EXCLUDED_APP)} THEN {_lit(EXCLUDED_APP)}"]
    for rule in rules:
        conds = []
        if rule.app is not None:
            conds.append(f"regexp_matches(coalesce({app_col}, ''), {_lit(rule.app)})")
        if rule.title is not None:
            conds.append(f"regexp_matches(coalesce({title_col}, ''), {_lit(rule.title)})")
        if conds:
            parts.append(f"WHEN {' AND '.join(conds)} THEN {_lit(rule.category or 'other')}")
    return "CASE " + " ".join(parts) + " ELSE 'other' END"
