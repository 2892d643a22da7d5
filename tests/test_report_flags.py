"""`offscreen report`: the period flags, and local ISO times with offset in --json."""

from __future__ import annotations

import json
import re

import pytest

from inproc import cli  # noqa: F401 (fixture)

LOCAL_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"


@pytest.mark.parametrize(
    "args",
    [
        ["--week", "--month"],
        ["--month", "--week"],
        ["--week", "--period", "month"],
        ["--month", "--period", "week"],
    ],
)
def test_report_week_and_month_exclude_each_other(cli, args):
    r = cli("report", *args)
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
def test_report_period_choices(cli, args, period):
    assert json.loads(cli("report", *args, "--json", check=0).stdout)["period"] == period


def test_report_json_times_are_local_iso_with_offset_to_the_second(cli):
    for flag in ("--week", "--month"):
        s = json.loads(cli("report", flag, "--json", check=0).stdout)
        for key in ("since", "until", "previous_since"):
            assert re.fullmatch(LOCAL_ISO, s[key]), (key, s[key])
        assert s["since"][11:19] == "04:00:00"  # the local day start (general.day_start_hour)
