"""Found by following the README as a new user (review-readme): each test pins one fix, through
the real console script and real files."""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

from test_daemon_loop import run_loop
from tracker.daemon.loop import Log

PRIVACY_AND_RULES = """\
[privacy]
titles = "redact"
exclude = [
  { app = "(?i)keepassxc" },
  { title = "(?i)private browsing|incognito" },
  { app = "(?i)^signal$", title = "(?i)^chat \\\\d" },
]

[categories]
rules = [
  { category = "work", app = "(?i)libreoffice" },
]
"""


def _write_config(run, text):
    p = Path(run("config", "path", check=0).stdout.strip())
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_config_show_prints_toml_that_reads_back_as_the_same_configuration(run):
    cfg = _write_config(run, PRIVACY_AND_RULES)
    shown = run("config", "show", check=0).stdout
    data = tomllib.loads(shown)  # was JSON objects with `null`: not TOML, could not be pasted back
    assert data["privacy"]["exclude"] == [
        {"app": "(?i)keepassxc"},
        {"title": "(?i)private browsing|incognito"},
        {"app": "(?i)^signal$", "title": "(?i)^chat \\d"},
    ]
    assert data["categories"]["rules"] == [{"app": "(?i)libreoffice", "category": "work"}]
    cfg.write_text(shown)  # the effective configuration, used as the file, is the same configuration
    assert run("config", "show", check=0).stdout == shown


def test_doctor_fails_on_a_broken_config_file_and_says_how_to_fix_it(run):
    cfg = _write_config(run, '[privacy]\ntitles = "sometimes"\n')
    r = run("doctor", "--json", check=1)
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["config"]["status"] == "fail"
    assert checks["config"]["summary"].startswith(f"{cfg}: privacy.titles")
    assert "offscreen config init --force" in checks["config"]["fix"]
    cfg.write_text('[privacy]\ntitles = "hash"\n')
    r = run("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["config"] == {"name": "config", "status": "ok", "summary": f"{cfg} is valid", "fix": None}


def test_an_unusable_output_path_is_one_error_line_naming_it_not_an_internal_error(run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for args, target in (
        (["export", "-o", blocker / "x.json"], blocker / "x.json"),
        (["dashboard", "-o", blocker / "x.html"], blocker / "x.html"),
    ):
        r = run(*args, check=1)
        assert r.stderr == (
            f"Error: cannot write {target}: Not a directory; choose a file in a directory you can write to\n"
        )
        assert r.stdout == ""
    r = run("people", "list", env={"OFFSCREEN_HOME": str(blocker / "home")}, check=1)
    assert r.stderr.startswith(f"Error: {blocker / 'home'}") and "internal error" not in r.stderr


def test_a_file_that_is_not_a_database_fails_with_a_remedy(run, tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("hello\n")
    r = run("--db", bogus, "people", "list", check=1)
    assert r.stderr.startswith(f"Error: cannot open database {bogus}: ")
    assert r.stderr.endswith(
        "; check the path (--db, OFFSCREEN_DB, OFFSCREEN_HOME), or move that file away to start a new database\n"
    )
    assert bogus.read_text() == "hello\n"


def test_activity_export_counts_spans_in_words(run, tmp_path):
    out = tmp_path / "activity.csv"
    r = run("export", "--what", "activity", "--since", "7d", "-o", out, check=0)
    assert r.stdout == f"Exported 0 activity spans to {out}\n"  # was "0 activity" (and "1 activit")
    assert out.read_text() == "start,end,app,title,state,category\n"


def test_weekday_times_are_named_in_the_error_and_the_help(run):
    r = run("log", "t", "--with", "Jo", "--for", "10m", "--at", "last friday", check=2)
    assert "'fri HH:MM'" in r.stderr and r.stderr.count("\n") == 1
    assert "'fri HH:MM'" in " ".join(run("log", "--help", check=0).stdout.split())


def test_debug_logging_says_when_a_span_starts_without_its_title(tmp_path):
    _rows, log = run_loop(tmp_path, ["a", "a", "b"], {})
    lines = log.splitlines()
    assert "DEBUG new span: active, app a" in lines and "DEBUG new span: active, app b" in lines
    assert not any("title" in line for line in lines)  # ListSampler titles are "<app> title"
    quiet = io.StringIO()
    Log(stream=quiet, level="info", journal=False)("debug", "new span: active, app a")
    assert quiet.getvalue() == ""


def test_people_show_marks_unset_fields_and_prints_local_times(run):
    run("people", "add", "Priya", "--tier", "close", check=0)
    run("log", "walk", "--with", "Priya", "--at", "2025-11-20 18:00", "--for", "1h", check=0)
    assert run("people", "show", "priya", check=0).stdout == (
        "Priya (#1)\n"
        "  aliases:         -\n"
        "  tier:            close\n"
        "  kin:             no\n"
        "  every days:      -\n"
        "  max days:        -\n"
        "  counts:          in-person (default)\n"
        "  note:            -\n"
        "  interactions:    1\n"
        "  last contact:    2025-11-20 18:00\n"
        "  last in person:  2025-11-20 18:00\n"
        "  in person hours: 1.0\n"
        "  latest:\n"
        "    #1 2025-11-20 18:00 in-person 1h00m walk\n"
    )
    assert "  note:         -" in run("interactions", "show", "1", check=0).stdout.splitlines()


def test_status_still_answers_with_a_broken_config_file(run):
    cfg = _write_config(run, "[general]\nday_start_hour = 30\n")
    r = run("status", check=1)  # 1: not running (was 2, so `status || echo down` lied about why)
    assert r.stdout.splitlines()[0].startswith("daemon:      not running")
    assert r.stderr.startswith(f"Warning: {cfg}: general.day_start_hour") and r.stderr.count("\n") == 1
    assert r.stderr.endswith("; using the defaults here (see `offscreen doctor`)\n")
