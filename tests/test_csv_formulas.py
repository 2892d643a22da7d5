"""CSV export neutralises cells a spreadsheet would run as formulas, and import undoes it exactly."""

from __future__ import annotations

import csv
import io
import json

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.transfer import csv_escape, csv_unescape


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


def test_csv_export_neutralises_formulas_and_import_round_trips_exactly(cli, tmp_path):
    cli(
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
    cli("log", "'tis fine", "--with", "Jo", "--at", "2026-11-21 10:00", "--for", "30m", check=0)
    f = tmp_path / "out.csv"
    cli("export", "-o", f, check=0)
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
    assert cli("import", f, env=other, check=0).stdout == f"Imported 2 interactions from {f}\n"
    again = tmp_path / "again.csv"
    cli("export", "-o", again, env=other, check=0)
    assert again.read_text() == f.read_text()
    stored = {i["summary"]: i for i in json.loads(cli("export", env=other, check=0).stdout)}
    i = stored['=HYPERLINK("http://x")']
    assert (i["people"], i["note"], i["place"], i["tags"]) == (["@sam"], "-5 points", "'=already quoted", ["+1"])
