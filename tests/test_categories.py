"""Category rules: Python and SQL give the same answers; user rules come first."""

import tomllib

import pytest

from category_model import categorize
from tracker import config, store
from tracker.domain import categories

SAMPLES = [
    ("Firefox", "YouTube - Cats", "video"),
    ("firefox", "Mastodon home", "social media"),
    ("firefox", "Python docs", "browsing"),
    ("Code", "main.py - offscreen", "programming"),
    ("Slack", "general", "messaging"),
    ("thunderbird", "Inbox", "email"),
    ("steam", "Library", "games"),
    ("mpv", "movie.mkv", "video"),
    ("libreoffice", "report.odt", "other"),
    (None, None, "other"),
    ("excluded", None, "excluded"),
    ("x'); DROP TABLE activity; --", "it's", "other"),
]


def test_defaults_python():
    rules = categories.rules_for(config.Config())
    for app, title, expected in SAMPLES:
        assert categorize(app, title, rules) == expected, (app, title)


def test_sql_matches_python_and_user_rules_first(tmp_path):
    cfg = config.parse(
        tomllib.loads(
            '[categories]\nrules = [{ category = "work", app = "(?i)libreoffice" }, { category = "fun", title = "Cats" }]\n'
        )
    )
    rules = categories.rules_for(cfg)
    with store.connect(tmp_path / "c.duckdb") as con:
        con.execute("CREATE TEMP TABLE s (app VARCHAR, title VARCHAR)")
        for app, title, _ in SAMPLES:
            con.execute("INSERT INTO s VALUES (?, ?)", [app, title])
        got = con.execute(f"SELECT app, title, {categories.sql_case(rules)} FROM s").fetchall()
    for app, title, cat in got:
        assert cat == categorize(app, title, rules)
    assert {(a, t): c for a, t, c in got}[("libreoffice", "report.odt")] == "work"
    assert {(a, t): c for a, t, c in got}[("Firefox", "YouTube - Cats")] == "fun"


@pytest.mark.parametrize("use_defaults, expected", [(True, "browsing"), (False, "other")])
def test_use_defaults(use_defaults, expected):
    cfg = config.parse({"categories": {"use_defaults": use_defaults}})
    assert categorize("firefox", "a page", categories.rules_for(cfg)) == expected


# Valid for Python's re; some are rejected by DuckDB's RE2, where category rules also run.
PATTERNS = [
    r"(?=a)a",
    r"(?!a)b",
    r"(?<=a)b",
    r"(?<!a)b",
    r"(?>a)",
    r"(a)\1",
    r"(?P<n>a)(?P=n)",
    r"a*+",
    r"a++",
    r"a?+",
    r"a{2}+",
    r"x\Z",
    r"(?#c)a",
    r"(?x) a",
    r"(?a)x",
    r"(?u)x",
    r"\u0041",
    r"\N{LATIN SMALL LETTER A}",
    r"[*+]",
    r"[(?=]x",
    r"[]a]+",
    r"(?i)abc",
    r"(?i:ab)",
    r"(?-i:a)",
    r"(?ms)^a.b",
    r"(?P<n>a)",
    r"\bfoo\b",
    r"\d+\.\s",
    r"\\1",
    r"\(?=",
    r"\A(?:x|y)$",
    r"(?i)^(firefox|chromium)$",
    r"a{1,3}?",
    r"\x41\0",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_category_rules_duckdb_cannot_run_are_config_errors(tmp_path, pattern):
    """The config check agrees with the real DuckDB: a rule it accepts runs in SQL, a rule DuckDB
    would reject at every read is refused when the configuration is loaded, naming the key."""
    import re

    from tracker.errors import ConfigError

    re.compile(pattern)  # the table holds only patterns Python accepts
    with store.connect(tmp_path / "re.duckdb") as con:
        try:
            con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
            duckdb_ok = True
        except Exception as e:  # duckdb's InvalidInputException (tests do not import duckdb)
            assert "Invalid Input Error" in str(e), e
            duckdb_ok = False
        try:
            cfg = config.parse({"categories": {"rules": [{"category": "x", "title": pattern}]}})
        except ConfigError as e:
            assert "categories.rules[0].title: uses " in str(e) and "RE2" in str(e), e
            cfg = None
        assert (cfg is not None) == duckdb_ok
        if cfg is not None:  # and then the whole CASE expression runs
            sql = categories.sql_case(categories.rules_for(cfg))
            assert con.execute(f"SELECT {sql} FROM (SELECT 'a' AS app, 'b' AS title)").fetchone()[0]
