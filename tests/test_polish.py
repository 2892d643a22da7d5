"""Polish items (r4): wide-character tables, CSV formula cells, report flags, import/unplug edge cases, JSON times."""

from __future__ import annotations

import pytest

from tracker.commands._table import clip, display_width, render

ZOE = "Zoe\u0308"  # e + combining diaeresis: 3 columns


@pytest.mark.parametrize(
    "text, width",
    [
        ("abc", 3),
        ("山田太郎", 8),
        (ZOE, 3),
        ("Jo 🎸", 5),
        ("ＡＢ", 4),
        ("", 0),
    ],
)
def test_display_width_counts_wide_as_two_and_combining_as_zero(text, width):
    assert display_width(text) == width


def test_render_pads_by_display_width_and_clip_never_splits_a_wide_char():
    assert render(("NAME", "X"), [("山田", "1"), ("Jo", "2")]) == "NAME  X\n山田  1\nJo    2"
    assert clip("山田太郎", 5) == "山田"
    assert clip("abc", 5) == "abc"


def _column_starts(line: str, words: list[str]) -> list[int]:
    """Display column where each word starts in `line`."""
    out = []
    for w in words:
        i = line.index(w)
        out.append(display_width(line[:i]))
    return out


def test_people_list_and_interactions_list_align_cjk_emoji_and_combining(run):
    run("people", "add", "山田太郎", "--tier", "inner", check=0)
    run("people", "add", ZOE, "--tier", "close", check=0)
    run("people", "add", "Jo 🎸", "--tier", "friend", check=0)
    lines = run("people", "list", check=0).stdout.splitlines()
    assert len(lines) == 4
    tiers = {ln.split()[0]: ln for ln in lines}
    # TIER column starts at the same display column on every line, whatever the name's width.
    starts = {
        _column_starts(tiers[k], [t])[0]
        for k, t in [("NAME", "TIER"), ("山田太郎", "inner"), (ZOE, "close"), ("Jo", "friend")]
    }
    assert starts == {10}

    run("log", "お茶", "--with", "山田太郎", "--at", "2026-11-20 10:00", "--for", "1h", check=0)
    run("log", "tea", "--with", "Jo 🎸", "--at", "2026-11-21 10:00", "--for", "1h", check=0)
    lines = run("interactions", "list", check=0).stdout.splitlines()
    assert len(lines) == 3, lines
    head, *rows = lines
    summaries = [_column_starts(r, ["お茶" if "お茶" in r else "tea"])[0] for r in rows]
    assert summaries == [_column_starts(head, ["SUMMARY"])[0]] * 2, lines


def test_people_due_aligns_wide_names(run):
    run("people", "add", "山田太郎", "--every", "7", "--max", "14", check=0)
    run("people", "add", "Al", "--every", "7", "--max", "14", check=0)
    lines = run("people", "due", check=0).stdout.splitlines()
    assert lines[0].startswith("NAME      DAYS")
    assert {_column_starts(ln, ["7/14"])[0] for ln in lines[1:]} == {_column_starts(lines[0], ["IDEAL/MAX"])[0]}


# --------------------------------------------------------------------------- CSV formula cells

from tracker.domain.transfer import csv_escape, csv_unescape  # noqa: E402


@pytest.mark.parametrize(
    "cell, exported",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-5 pts", "'-5 pts"),
        ("@home", "'@home"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("''-", "'''-"),
        ("'tis", "'tis"),
        ("a=b", "a=b"),
        ("'", "'"),
        ("", ""),
    ],
)
def test_csv_escape_is_safe_and_exactly_undone(cell, exported):
    assert csv_escape(cell) == exported
    assert csv_unescape(exported) == cell


def test_csv_export_neutralises_formulas_and_import_round_trips_exactly(run, tmp_path):
    import csv
    import io
    import json

    run(
        "log",
        '=HYPERLINK("http://x")',
        "--with",
        "@sam",
        "--at",
        "2026-11-20 10:00",
        "--for",
        "1h",
        "--note",
        "-5 points",
        "--place",
        "'=already quoted",
        "--tag",
        "+1",
        check=0,
    )
    run("log", "'tis fine", "--with", "Jo", "--at", "2026-11-21 10:00", "--for", "30m", check=0)
    f = tmp_path / "out.csv"
    run("export", "-o", f, check=0)
    rows = list(csv.DictReader(io.StringIO(f.read_text())))
    by_summary = {r["summary"]: r for r in rows}
    first = by_summary['\'=HYPERLINK("http://x")']
    assert (first["people"], first["note"], first["place"], first["tags"]) == (
        "'@sam",
        "'-5 points",
        "''=already quoted",
        "'+1",
    )
    assert "'tis fine" in by_summary  # no trigger character: untouched
    for r in rows:  # no cell a spreadsheet would run
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in r.values())

    other = {"OFFSCREEN_HOME": str(tmp_path / "other")}
    assert run("import", f, env=other, check=0).stdout == f"Imported 2 interactions from {f}\n"
    again = tmp_path / "again.csv"
    run("export", "-o", again, env=other, check=0)
    assert again.read_text() == f.read_text()
    stored = {i["summary"]: i for i in json.loads(run("export", env=other, check=0).stdout)}
    i = stored['=HYPERLINK("http://x")']
    assert (i["people"], i["note"], i["place"], i["tags"]) == (["@sam"], "-5 points", "'=already quoted", ["+1"])


# --------------------------------------------------------------------------- import of a missing file


@pytest.mark.parametrize("name", ["missing.txt", "missing.csv"])
def test_import_missing_file_says_so_before_the_format(run, tmp_path, name):
    f = tmp_path / name
    r = run("import", f, check=2)
    assert (r.stdout, r.stderr) == ("", f"Error: {f}: no such file\n")
    assert not (tmp_path / "offscreen" / "data" / "offscreen.duckdb").exists()


def test_import_existing_file_of_unknown_format_still_asks_for_format(run, tmp_path):
    f = tmp_path / "diary.txt"
    f.write_text("happened_at,duration_min,mode,people\n")
    r = run("import", f, check=2)
    assert r.stderr == f"Error: cannot tell the format of {f} from its name; add --format json or --format csv\n"


# --------------------------------------------------------------------------- JSON times

LOCAL_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"


def test_report_json_times_are_local_iso_with_offset_to_the_second(run):
    import json
    import re

    for flag in ("--week", "--month"):
        s = json.loads(run("report", flag, "--json", check=0).stdout)
        for key in ("since", "until", "previous_since"):
            assert re.fullmatch(LOCAL_ISO, s[key]), (key, s[key])
        assert s["since"][11:19] == "04:00:00"  # the local day start (general.day_start_hour)


def test_today_json_seconds_are_whole(app, run):
    import json
    from datetime import UTC, datetime, timedelta

    from tracker.domain.times import day_start, local_day
    from tracker.store import activity, connect

    end = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    start = end - timedelta(seconds=90, microseconds=600_000)
    with connect(app.paths.db) as c:
        activity.upsert_spans(c, [("x", start.timestamp(), end.timestamp(), "firefox", "t", "active", None)])
    since = day_start(local_day(end, 4), 4)
    expect = round((end - max(start, since)).total_seconds())  # 91, unless the day began meanwhile
    data = json.loads(run("today", "--json", check=0).stdout)
    assert data["active_seconds"] == expect and type(data["active_seconds"]) is int
    assert [a["seconds"] for a in data["by_app"]] == ([expect] if expect else [])
    assert all(type(c["seconds"]) is int for c in data["by_category"])


# --------------------------------------------------------------------------- report period flags


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "--month"],
        ["--month", "--week"],
        ["--week", "--period", "month"],
        ["--month", "--period", "week"],
    ],
)
def test_report_week_and_month_exclude_each_other(run, args):
    r = run("report", *args)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "Error: --week and --month exclude each other; give one (or --period week|month)\n"


@pytest.mark.parametrize(
    "args, period",
    [
        ([], "week"),
        (["--week"], "week"),
        (["--month"], "month"),
        (["--period", "month"], "month"),
        (["--period", "week"], "week"),
        (["--month", "--period", "month"], "month"),
    ],
)
def test_report_period_choices(run, args, period):
    import json

    assert json.loads(run("report", *args, "--json", check=0).stdout)["period"] == period


# --------------------------------------------------------------------------- unplug shorter than a minute


def test_unplug_stopped_within_a_minute_is_discarded_and_blocks_nothing(run, tmp_path):
    import json

    from tracker.store import connect

    run("unplug", check=0)
    r = run("unplug", "stop", check=0)
    assert r.stdout.startswith("Discarded the session started at ") and r.stdout.endswith(
        ": under a minute is not kept.\n"
    )
    with connect(tmp_path / "offscreen" / "data" / "offscreen.duckdb") as con:
        assert con.execute("SELECT count(*) FROM unplug_sessions").fetchone() == (0,)
    # The half hour just past covers the moment of the discarded session: recording it works.
    r = run("unplug", "--at", "30m ago", "--for", "30m", check=0)
    assert r.stdout.startswith("Recorded device-free time ") and r.stdout.endswith(" (30m).\n")
    assert len(json.loads(run("unplug", "list", "--json", check=0).stdout)) == 1
