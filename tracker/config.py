"""Read-only configuration: defaults < TOML file < environment < flags, into immutable named tuples.

Reading never writes a file. Unknown keys and bad values raise ConfigError naming file and key.
`offscreen config init` writes sample() (the same defaults, commented) for the user to edit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from tracker.errors import ConfigError

TIERS = ("inner", "close", "friend", "acquaintance")
TITLE_MODES = ("keep", "redact", "hash")

# Named tuples, not frozen dataclasses: the daemon reads this module, and dataclasses would cost it
# inspect, ast and dis (issue 14). Read them by attribute; `as_dict` gives the plain data.


class Rule(NamedTuple):
    """A regex rule on app and/or title; both given means both must match."""

    app: str | None = None
    title: str | None = None
    category: str | None = None  # only for category rules

    def matches(self, app: str | None, title: str | None) -> bool:
        if self.app is None and self.title is None:
            return False
        if self.app is not None and not re.search(self.app, app or ""):
            return False
        return not (self.title is not None and not re.search(self.title, title or ""))


class General(NamedTuple):
    # A night out until 2 am belongs to the evening before: local days start at this hour.
    day_start_hour: int = 4


class Daemon(NamedTuple):
    interval: float = 1.0
    idle_after: float = 180.0
    # How often (seconds) a short-lived child drains the queue into DuckDB. Every CLI read drains
    # first, and a return after 30 min away drains at once, so this only bounds the queue; hourly
    # keeps the drains' CPU within the daemon's budget (issue 14).
    drain_every: float = 3600.0
    # No input past idle_after while the front window's media player plays (MPRIS) is `watching`,
    # screen time, not idle (issue 15). False: such time is idle, and no session-bus connection.
    count_watching: bool = True


class Privacy(NamedTuple):
    titles: str = "keep"
    exclude: tuple[Rule, ...] = ()


class Categories(NamedTuple):
    # User rules are tried first, then the built-in defaults (tracker/domain/categories.py).
    rules: tuple[Rule, ...] = ()
    use_defaults: bool = True


class Cadence(NamedTuple):
    """Default contact cadence per tier, in days: ideal gap and maximum gap."""

    inner: tuple[int, int] = (7, 14)
    close: tuple[int, int] = (30, 45)
    friend: tuple[int, int] = (60, 90)
    acquaintance: tuple[int, int] = (180, 365)


class Nudges(NamedTuple):
    enabled: bool = True
    desktop: bool = True
    quiet_start: str = "22:00"
    quiet_end: str = "08:00"


class Sync(NamedTuple):
    # A folder a sync tool (Syncthing, Nextcloud, Dropbox) carries between your computers (issue 16);
    # "" = no syncing. Each machine writes only its own subfolder and reads the others'.
    dir: str = ""


class Config(NamedTuple):
    general: General = General()
    daemon: Daemon = Daemon()
    privacy: Privacy = Privacy()
    categories: Categories = Categories()
    cadence: Cadence = Cadence()
    nudges: Nudges = Nudges()
    sync: Sync = Sync()
    source: Path | None = None  # the file it was read from, if any


# `offscreen config init` writes the defaults above as TOML (tomli_w), with these comments: the
# notes above a section or key, and commented-out examples for the rule lists, which are empty by
# default. A value shown in the sample is therefore always the default.
_SAMPLE_HEAD = """\
# offscreen configuration. Every key is optional; the values shown are the defaults.
# Unknown keys are errors, so a typo never silently does nothing.
"""
_SAMPLE_NOTES: dict[str, dict[str, str]] = {
    # "" is the note under the section header.
    "general": {
        "day_start_hour": "Local days start at this hour (0-23): a night out until 2 am belongs to the evening before."
    },
    "daemon": {
        "interval": "Seconds between samples.",
        "idle_after": "Seconds without input before you count as idle.",
        "drain_every": "Seconds between moves of the queue into the database.",
        "count_watching": "No input while the front window plays a video (a media player reporting Playing over\n"
        "MPRIS) counts as screen time, state watching; false counts it as idle.",
    },
    "privacy": {
        "titles": 'What to store of window titles: "keep", "redact" (never stored) or "hash" (sha256, for grouping).',
        "exclude": 'Activity matching any rule is stored as app "excluded" with no title. Regexes (Python syntax).',
    },
    "categories": {
        "": "Your rules come first; the built-in ones (social media, video, games, messaging, email,\n"
        "programming, browsing, other) after them unless use_defaults = false. Rules apply when data is\n"
        "read, so editing one re-categorises your history.",
    },
    "cadence": {"": "Default contact cadence per tier: [ideal days, maximum days] between in-person meetings."},
    "nudges": {
        "enabled": "At most one gentle nudge a day.",
        "desktop": "Also as a desktop notification.",
        "quiet_start": "No nudge between quiet_start and quiet_end.",
    },
    "sync": {
        "dir": 'A folder your sync tool carries between computers, like "~/Sync/offscreen"; empty: no syncing.\n'
        "Each computer writes its own subfolder there and reads the others' (`offscreen sync status`).",
    },
}
_SAMPLE_EXAMPLES: dict[tuple[str, str], list[dict[str, str]]] = {
    ("privacy", "exclude"): [{"app": "(?i)keepassxc"}, {"title": "(?i)private browsing|incognito"}],
    ("categories", "rules"): [
        {"category": "work", "app": "(?i)libreoffice"},
        {"category": "social media", "title": "(?i)mastodon"},
    ],
}


def _comment(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())


def sample() -> str:
    """The commented configuration `offscreen config init` writes: every key, at its default."""
    import tomli_w

    parts = [_SAMPLE_HEAD]
    for section, values in to_plain(Config()).items():
        notes = _SAMPLE_NOTES.get(section, {})
        parts.append(f"\n[{section}]\n" + _comment(notes.get("", "")))
        for key, value in values.items():
            parts.append(_comment(notes.get(key, "")))
            example = _SAMPLE_EXAMPLES.get((section, key))
            if example and not value:
                parts.append(_comment(tomli_w.dumps({key: example})))
            else:
                parts.append(tomli_w.dumps({key: value}))
    return "".join(parts)


def _err(source: Path | None, key: str, msg: str) -> ConfigError:
    where = f"{source}" if source else "configuration"
    return ConfigError(f"{where}: {key}: {msg}")


def _check_regex(source, key, value):
    if not isinstance(value, str):
        raise _err(source, key, "must be a string (a regular expression)")
    try:
        re.compile(value)
    except re.error as e:
        raise _err(source, key, f"invalid regular expression: {e}") from None
    return value


_RE2_FLAGS = re.compile(r"[ims-]+[:)]")


def _re2_problem(pattern: str) -> str | None:
    """What in PATTERN (valid for Python's re) DuckDB's RE2 rejects, or None.

    Category rules run in Python and in DuckDB SQL (categories.sql_case), so they must be valid
    for both: RE2 has no lookaround, backreference, atomic group, possessive quantifier, comment
    group, \\Z, \\u or \\N escape, and only the inline flags i, m and s."""
    plain, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in "123456789":
                return "a backreference"
            if e in "ZuUN":
                return f"\\{e} (RE2 has \\z for the end of text, \\x{{...}} for a code point)"
            plain.append("e")
            i += 2
            continue
        if c == "[":  # a character class: its contents are literal characters
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            plain.append("c")
            i = j + 1
            continue
        if c == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 :]
            if not (rest.startswith((":", "P<")) or _RE2_FLAGS.match(rest)):
                return (
                    f"the group syntax {pattern[i : i + 4]!r} "
                    "(RE2 has only (?:...), (?P<name>...) and the flags i, m, s)"
                )
        plain.append(c)
        i += 1
    if re.search(r"[*+?}]\+", "".join(plain)):
        return "a possessive quantifier"
    return None


def _rules(source, key, value, with_category: bool) -> tuple[Rule, ...]:
    if not isinstance(value, list):
        raise _err(source, key, 'must be a list of tables like { app = "regex" }')
    allowed = {"app", "title"} | ({"category"} if with_category else set())
    out = []
    for i, item in enumerate(value):
        k = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise _err(source, k, 'must be a table like { app = "regex" }')
        unknown = set(item) - allowed
        if unknown:
            raise _err(source, f"{k}.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        if "app" not in item and "title" not in item:
            raise _err(source, k, "needs app or title")
        if with_category and not isinstance(item.get("category"), str):
            raise _err(source, f"{k}.category", "is required and must be a string")
        for part in ("app", "title") if with_category else ():
            problem = isinstance(item.get(part), str) and _re2_problem(item[part])
            if problem:
                raise _err(
                    source,
                    f"{k}.{part}",
                    f"uses {problem}, which DuckDB's regular expressions (RE2) "
                    "do not support; category rules also run in DuckDB",
                )
        out.append(
            Rule(
                app=_check_regex(source, f"{k}.app", item["app"]) if "app" in item else None,
                title=_check_regex(source, f"{k}.title", item["title"]) if "title" in item else None,
                category=item.get("category"),
            )
        )
    return tuple(out)


def _number(source, key, value, lo, hi, integer=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise _err(source, key, f"must be {'an integer' if integer else 'a number'} from {lo} to {hi}")
    if not lo <= value <= hi:
        raise _err(source, key, f"must be from {lo} to {hi}, got {value}")
    return value


def _bool(source, key, value):
    if not isinstance(value, bool):
        raise _err(source, key, "must be true or false")
    return value


def _hhmm(source, key, value):
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise _err(source, key, 'must be a time like "22:00"')
    return value


def _pair(source, key, value):
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 3650 for v in value)
        or value[0] > value[1]
    ):
        raise _err(source, key, "must be [ideal, maximum] days, integers 1-3650 with ideal <= maximum")
    return tuple(value)


def _text(source, key, value):
    if not isinstance(value, str) or "\x00" in value:
        raise _err(source, key, 'must be a string (a path, like "~/Sync/offscreen")')
    return value


def _enum(source, key, value, choices):
    if value not in choices:
        raise _err(source, key, f"must be one of {', '.join(choices)}")
    return value


# section -> key -> validator(source, dotted_key, value) -> converted value
_SCHEMA: dict[str, dict[str, Any]] = {
    "general": {"day_start_hour": lambda s, k, v: _number(s, k, v, 0, 23, integer=True)},
    "daemon": {
        "interval": lambda s, k, v: float(_number(s, k, v, 0.1, 60)),
        "idle_after": lambda s, k, v: float(_number(s, k, v, 10, 86400)),
        "drain_every": lambda s, k, v: float(_number(s, k, v, 5, 86400)),
        "count_watching": _bool,
    },
    "privacy": {
        "titles": lambda s, k, v: _enum(s, k, v, TITLE_MODES),
        "exclude": lambda s, k, v: _rules(s, k, v, with_category=False),
    },
    "categories": {
        "rules": lambda s, k, v: _rules(s, k, v, with_category=True),
        "use_defaults": _bool,
    },
    "cadence": dict.fromkeys(TIERS, _pair),
    "nudges": {"enabled": _bool, "desktop": _bool, "quiet_start": _hhmm, "quiet_end": _hhmm},
    "sync": {"dir": _text},
}
_SECTIONS = {
    "general": General,
    "daemon": Daemon,
    "privacy": Privacy,
    "categories": Categories,
    "cadence": Cadence,
    "nudges": Nudges,
    "sync": Sync,
}


def parse(data: dict, source: Path | None = None) -> Config:
    """Validate a parsed TOML document into a Config."""
    sections = {}
    for name, body in data.items():
        if name not in _SCHEMA:
            raise _err(source, name, f"unknown section (known: {', '.join(_SCHEMA)})")
        if not isinstance(body, dict):
            raise _err(source, name, "must be a table, like [" + name + "]")
        values = {}
        for key, value in body.items():
            validator = _SCHEMA[name].get(key)
            if validator is None:
                raise _err(source, f"{name}.{key}", f"unknown key (known: {', '.join(_SCHEMA[name])})")
            values[key] = validator(source, f"{name}.{key}", value)
        sections[name] = _SECTIONS[name](**values)
    return Config(**sections, source=source)


def load(path: Path) -> Config:
    """Load PATH if it exists (defaults otherwise). Never writes anything."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    import tomllib  # here: without a file to read (the defaults) the daemon never loads it

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    return parse(data, source=path)


def as_dict(value: Any) -> Any:
    """VALUE with every section and rule as a dict (as dataclasses.asdict did): tuples stay tuples."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {k: as_dict(v) for k, v in zip(value._fields, value, strict=True)}
    if isinstance(value, (list, tuple)):
        return type(value)(as_dict(v) for v in value)
    return value


def to_dict(cfg: Config) -> dict:
    """Plain data for `config show --json`."""
    out = as_dict(cfg)
    out["source"] = str(cfg.source) if cfg.source else None
    return out


def to_plain(cfg: Config) -> dict:
    """The sections of CFG as TOML-ready data: no source, and unset rule keys left out (TOML has no null)."""

    def drop_none(value):
        if isinstance(value, dict):
            return {k: drop_none(v) for k, v in value.items() if v is not None}
        if isinstance(value, (list, tuple)):
            return [drop_none(v) for v in value]
        return value

    data = as_dict(cfg)
    del data["source"]
    return drop_none(data)


def to_toml(cfg: Config) -> str:
    """CFG as TOML that `load` reads back as the same configuration (`config show`)."""
    import tomli_w

    return tomli_w.dumps(to_plain(cfg))
