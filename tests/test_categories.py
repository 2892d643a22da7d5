"""Category rules: Python and SQL give the same answers; user rules come first."""

import tomllib

import pytest

from tracker import categories, config, store

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
        assert categories.categorize(app, title, rules) == expected, (app, title)


def test_sql_matches_python_and_user_rules_first(tmp_path):
    cfg = config.parse(tomllib.loads('[categories]\nrules = [{ category = "work", app = "(?i)libreoffice" }, { category = "fun", title = "Cats" }]\n'))
    rules = categories.rules_for(cfg)
    with store.connect(tmp_path / "c.duckdb") as con:
        con.execute("CREATE TEMP TABLE s (app VARCHAR, title VARCHAR)")
        for app, title, _ in SAMPLES:
            con.execute("INSERT INTO s VALUES (?, ?)", [app, title])
        got = con.execute(f"SELECT app, title, {categories.sql_case(rules)} FROM s").fetchall()
    for app, title, cat in got:
        assert cat == categories.categorize(app, title, rules)
    assert dict(((a, t), c) for a, t, c in got)[("libreoffice", "report.odt")] == "work"
    assert dict(((a, t), c) for a, t, c in got)[("Firefox", "YouTube - Cats")] == "fun"


@pytest.mark.parametrize("use_defaults, expected", [(True, "browsing"), (False, "other")])
def test_use_defaults(use_defaults, expected):
    cfg = config.parse({"categories": {"use_defaults": use_defaults}})
    assert categories.categorize("firefox", "a page", categories.rules_for(cfg)) == expected
