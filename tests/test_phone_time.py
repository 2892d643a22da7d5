"""Phone screen time as the person reports it (issue 15, item 2): `checkin --phone`, the terminal
question, one figure per local day and source, and its own series in report, today, dashboard,
backups, export/import and the demo, never added to the computer's measured screen time.

Berlin (conftest), November 2026: UTC+1; days start at 04:00 (the default day_start_hour)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store.activity import upsert_spans

NOW = "2026-11-26T20:00:00+01:00"


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", NOW)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "offscreen" / "data" / "offscreen.duckdb"


def phone_rows(db) -> list[tuple]:
    if not db.exists():
        return []
    with connect(db) as con:
        return con.execute(
            "SELECT day, source, minutes, social_minutes FROM phone_time ORDER BY day, source"
        ).fetchall()


def checkin_count(db) -> int:
    if not db.exists():
        return 0
    with connect(db) as con:
        return con.execute("SELECT count(*) FROM checkins").fetchone()[0]


def _offscreen() -> list[str]:
    exe = Path(sys.executable).with_name("offscreen")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]


def on_terminal(args: list[str], answers: str) -> subprocess.CompletedProcess:
    """The console script with a real pseudo-terminal on stdin, ANSWERS typed ahead."""
    master, slave = pty.openpty()
    try:
        os.write(master, answers.encode())
        return subprocess.run(_offscreen() + args, stdin=slave, capture_output=True, text=True, timeout=60)
    finally:
        os.close(slave)
        os.close(master)


# --- flags -------------------------------------------------------------------------------------


def test_phone_alone_records_only_phone_time(cli, db):
    r = cli("checkin", "--phone", "2h10m", "--phone-social", "50m", check=0)
    assert r.stdout.splitlines() == ["Phone time for 2026-11-26, as you reported it: 2h10m (50m of it social media)."]
    assert phone_rows(db) == [(date(2026, 11, 26), "checkin", 130.0, 50.0)]
    assert checkin_count(db) == 0  # no check-in row: only the phone's figure was given


def test_phone_with_the_check_in_and_json(cli, db):
    r = cli("checkin", "--mood", "good", "--phone", "1:30", "--json", check=0)
    rec = json.loads(r.stdout)
    assert rec["mood"] == 4 and rec["id"] == 1
    assert rec["phone"] == {"day": "2026-11-26", "minutes": 90.0, "social_minutes": None, "source": "checkin"}
    assert rec["phone_before"] is None
    assert checkin_count(db) == 1


def test_zero_is_a_reported_day(cli, db):
    cli("checkin", "--phone", "0", "--phone-social", "0m", check=0)
    assert phone_rows(db) == [(date(2026, 11, 26), "checkin", 0.0, 0.0)]


@pytest.mark.parametrize(
    "args, says",
    [
        (["--phone", "25h"], "--phone '25h': a day has 24 hours"),
        (["--phone", "24h1m"], "--phone '24h1m': a day has 24 hours"),
        (["--phone", "1h", "--phone-social", "1h01m"], "social media time 1h01m is more than the phone time 1h00m"),
        (["--phone", "nan"], "--phone 'nan': not a duration"),
        (["--phone", "inf"], "--phone 'inf': not a duration"),
        (["--phone", "２h"], "--phone '２h': not a duration"),  # fullwidth digit
        (["--phone", "١٢m"], "--phone '١٢m': not a duration"),  # Arabic-Indic digits
        (["--phone", "-5m"], "--phone '-5m': not a duration"),
        (["--phone", "0.0001m"], "--phone '0.0001m': rounds to 0 minutes; give 0 or at least 1m"),
        (["--phone", "1h", "--phone-social", "0.0001m"], "--phone-social '0.0001m': rounds to 0 minutes; give 0 or"),
        (["--phone", ""], "--phone '': not a duration"),
        (["--phone-social", "30m"], "--phone-social goes with --phone"),
        (["--phone", "none", "--phone-social", "5m"], "--phone none removes the day's phone time"),
        (["--phone", "none"], "no phone time is reported for 2026-11-26; nothing removed"),
        (["--mood", "good", "--phone", "25h"], "a day has 24 hours"),  # the check-in is not written either
    ],
)
def test_bad_phone_input_writes_nothing(cli, db, args, says):
    r = cli("checkin", *args, check=2)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], r.stderr
    assert phone_rows(db) == [] and checkin_count(db) == 0


def test_a_refused_check_in_writes_no_phone_time(cli, db):
    cli("checkin", "--mood", "good", check=0)
    r = cli("checkin", "--mood", "bad", "--phone", "3h", check=2)
    assert "already recorded a daily check-in on 2026-11-26" in r.stderr
    assert phone_rows(db) == []


def test_a_later_report_of_the_day_replaces_the_earlier(cli, db):
    cli("checkin", "--phone", "2h", "--phone-social", "30m", check=0)
    r = cli("checkin", "--phone", "2h45m", check=0, env={"OFFSCREEN_NOW": "2026-11-26T23:00:00+01:00"})
    assert r.stdout.strip() == (
        "Phone time for 2026-11-26, as you reported it: 2h45m. It replaces 2h00m (30m of it social media)."
    )
    assert phone_rows(db) == [(date(2026, 11, 26), "checkin", 165.0, None)]
    with connect(db) as con:
        assert con.execute("SELECT recorded_at FROM phone_time").fetchone()[0] == datetime(2026, 11, 26, 22, 0)


def test_an_aw_figure_for_the_same_day_stays_beside_it(cli, db):
    from tracker.domain.phone import PhoneDay
    from tracker.store import phone as store_p

    cli("checkin", "--phone", "2h", check=0)
    with connect(db) as con:
        done = store_p.put_days(con, [PhoneDay(date(2026, 11, 26), 140.5, None, "aw")], datetime(2026, 11, 26, 19))
        again = store_p.put_days(con, [PhoneDay(date(2026, 11, 26), 140.5, None, "aw")], datetime(2026, 11, 26, 19))
    assert done == {"added": 1, "replaced": 0, "unchanged": 0} and again["unchanged"] == 1
    assert phone_rows(db) == [(date(2026, 11, 26), "aw", 140.5, None), (date(2026, 11, 26), "checkin", 120.0, None)]
    # The person's own figure is the one that counts for the day.
    assert json.loads(cli("today", "--json", check=0).stdout)["phone"]["minutes"] == 120.0


@pytest.mark.parametrize(
    "now, day",
    [
        ("2026-11-27T03:59:00+01:00", date(2026, 11, 26)),  # before 04:00: still the evening's day
        ("2026-11-27T04:00:00+01:00", date(2026, 11, 27)),
    ],
)
def test_the_day_is_the_calendars_day_start_hour(cli, db, now, day):
    cli("checkin", "--phone", "1h", check=0, env={"OFFSCREEN_NOW": now})
    assert phone_rows(db) == [(day, "checkin", 60.0, None)]


def test_at_picks_the_day(cli, db):
    cli("checkin", "--phone", "3h", "--at", "2026-11-24 22:00", check=0)
    assert phone_rows(db) == [(date(2026, 11, 24), "checkin", 180.0, None)]
    r = cli("checkin", "--phone", "none", "--at", "2026-11-24 23:00", check=0)
    assert r.stdout.strip() == "Removed the phone time reported for 2026-11-24 (3h00m)."
    assert phone_rows(db) == []


# --- the terminal ------------------------------------------------------------------------------


def test_asked_at_a_terminal_with_a_bad_answer_asked_again(db):
    # mood, connected, phone, social (more than the total: asked again), weekly questions: no.
    p = on_terminal(["checkin"], "good\n7\n2h\n3h\n40m\nn\n")
    assert p.returncode == 0, p.stderr
    assert "Phone screen time today" in p.stdout and "Of it social media" in p.stdout
    assert "social media time 3h00m is more than the phone time 2h00m" in p.stderr
    assert "Phone time for 2026-11-26, as you reported it: 2h00m (40m of it social media)." in p.stdout
    assert phone_rows(db) == [(date(2026, 11, 26), "checkin", 120.0, 40.0)]


def test_enter_skips_the_phone_question(db):
    p = on_terminal(["checkin"], "good\n7\n\nn\n")
    assert p.returncode == 0, p.stderr
    assert "Of it social media" not in p.stdout
    assert phone_rows(db) == [] and checkin_count(db) == 1


def test_phone_alone_at_a_terminal_asks_nothing(db):
    p = on_terminal(["checkin", "--phone", "45m"], "")
    assert p.returncode == 0, p.stderr
    assert "Mood today" not in p.stdout
    assert phone_rows(db) == [(date(2026, 11, 26), "checkin", 45.0, None)] and checkin_count(db) == 0


# --- edit and delete ---------------------------------------------------------------------------


def test_edit_sets_moves_and_removes_the_days_phone_time(cli, db):
    cli("checkin", "--mood", "good", "--phone", "2h", "--phone-social", "1h", "--at", "2026-11-25 21:00", check=0)
    r = cli("checkin", "edit", "1", "--phone", "3h", check=0)
    assert "Phone time for 2026-11-25, as you reported it: 3h00m (1h00m of it social media)." in r.stdout
    cli("checkin", "edit", "1", "--phone-social", "20m", check=0)
    assert phone_rows(db) == [(date(2026, 11, 25), "checkin", 180.0, 20.0)]
    cli("checkin", "edit", "1", "--at", "2026-11-24 21:00", check=0)  # the figure moves with the check-in
    assert phone_rows(db) == [(date(2026, 11, 24), "checkin", 180.0, 20.0)]
    r = cli("checkin", "edit", "1", "--phone", "10m", check=2)  # its social 20m would not fit
    assert "social media time 20m is more than the phone time 10m" in r.stderr
    assert phone_rows(db) == [(date(2026, 11, 24), "checkin", 180.0, 20.0)]
    cli("checkin", "edit", "1", "--phone", "none", check=0)
    assert phone_rows(db) == []
    r = cli("checkin", "edit", "1", "--phone-social", "5m", check=2)
    assert "no phone time is reported for 2026-11-24; give --phone too" in r.stderr


def test_moving_onto_a_day_with_its_own_phone_time_is_refused(cli, db):
    cli("checkin", "--mood", "good", "--phone", "2h", "--at", "2026-11-25 21:00", check=0)
    cli("checkin", "--phone", "1h", "--at", "2026-11-24 21:00", check=0)
    r = cli("checkin", "edit", "1", "--at", "2026-11-24 22:00", check=2)
    assert "there is already phone time reported for 2026-11-24 (1h00m); nothing changed" in r.stderr
    assert phone_rows(db) == [(date(2026, 11, 24), "checkin", 60.0, None), (date(2026, 11, 25), "checkin", 120.0, None)]


def test_deleting_the_days_check_in_deletes_its_phone_time(cli, db):
    cli("checkin", "--mood", "good", "--phone", "2h", check=0)
    r = cli("checkin", "delete", "1", check=2)
    assert "and the phone time reported for 2026-11-26 (2h00m) cannot be undone" in r.stderr
    r = cli("checkin", "delete", "1", "--yes", check=0)
    assert r.stdout.splitlines()[-1] == "Deleted the phone time reported for 2026-11-26 (2h00m)."
    assert phone_rows(db) == [] and checkin_count(db) == 0


# --- report, today -----------------------------------------------------------------------------

# The week up to NOW is the local days 2026-11-20 .. 26; the week before, 13 .. 19.
WEEK = [
    (date(2026, 11, 20 + i), "checkin", 60.0 + 30 * i, [10.0, 20.0, 30.0, 40.0, 50.0, None, None][i]) for i in range(7)
]
OTHERS = [
    (date(2026, 11, 26), "aw", 999.0, None),  # the check-in's figure counts for that day
    (date(2026, 11, 19), "aw", 300.0, 100.0),  # the week before: one day only
    (date(2026, 11, 27), "checkin", 500.0, None),  # after the range
]


def insert(db, rows) -> None:
    with connect(db) as con:
        con.executemany("INSERT INTO phone_time VALUES (?, ?, ?, ?, '2026-11-26 12:00')", [list(r) for r in rows])


def test_report_json_figures_by_hand(cli, db):
    cli("checkin", "list", check=0)  # creates the database
    insert(db, WEEK + OTHERS)
    with connect(db) as con:  # an hour of measured screen time, which the phone must not change
        upsert_spans(con, [("s1", 1795680000.0, 1795683600.0, "firefox", "x", "active", None)])  # 26 Nov 08-09 UTC
    s = json.loads(cli("report", "--json", check=0).stdout)
    # 60 + 90 + ... + 240 = 1050 over 7 days; social 10 + 20 + 30 + 40 + 50 = 150 over 5 days.
    assert s["phone"]["current"] == {
        "label": "phone, as you reported it",
        "days": 7,
        "days_reported": 7,
        "needed": 7,
        "missing": None,
        "total_min": 1050.0,
        "mean_per_day_min": 150.0,
        "days_with_social": 5,
        "social_total_min": 150.0,
        "social_mean_per_day_min": 30.0,
        "sources": {"checkin": 7},
    }
    before = s["phone"]["previous"]
    assert before["days_reported"] == 1 and before["sources"] == {"aw": 1}
    assert before["missing"] == "Needs 7 days with phone time reported, have 1."
    assert before["mean_per_day_min"] is None and before["total_min"] is None
    assert s["current"]["screen_h"] == 1.0  # measured only: never phone time added
    text = cli("report", check=0).stdout
    assert "  Phone, as you reported it: 2h30m a day (7 of 7 days), social media 30m" in text.splitlines()


def test_report_says_not_enough_days_reported(cli, db):
    cli("checkin", "list", check=0)
    insert(db, WEEK[:6])
    s = json.loads(cli("report", "--json", check=0).stdout)
    assert s["phone"]["current"]["missing"] == "Needs 7 days with phone time reported, have 6."
    assert s["phone"]["current"]["mean_per_day_min"] is None
    assert "  Phone, as you reported it: not enough days reported (6 of the 7 needed)" in cli("report", check=0).stdout


def test_labelled_by_source_in_today_report_and_dashboard(cli, db):
    from dashboards import report as page
    from tracker.domain import phone as phones
    from tracker.usecases import dashboard as usecase

    assert [phones.label(s) for s in ([], ["checkin"], ["demo"], ["aw", "aw"], ["aw", "checkin"])] == [
        "phone, as you reported it",
        "phone, as you reported it",
        "phone, as you reported it",
        "phone (ActivityWatch)",
        "phone, reported and from ActivityWatch",
    ]
    cli("checkin", "list", check=0)
    insert(db, [(d, "aw", m, s) for d, _, m, s in WEEK])  # a week from ActivityWatch only
    assert "  phone         4h00m, from ActivityWatch" in cli("today", check=0).stdout.splitlines()
    assert json.loads(cli("today", "--json", check=0).stdout)["phone"]["label"] == "phone (ActivityWatch)"
    assert "  Phone (ActivityWatch): 2h30m a day (7 of 7 days), social media 30m" in cli("report", check=0).stdout
    with connect(db) as con:
        views = {v.key: v for v in page.build_views(usecase.view_data(con, RNG), RNG)}
    [line] = [t for t in views["screen-vs-f2f"].figure.data if t.type == "scatter" and "Phone" in t.name]
    assert line.name == "Phone (ActivityWatch)" and "(phone (ActivityWatch))" in line.hovertemplate
    assert "as you reported it" not in views["screen-vs-f2f"].caption + line.hovertemplate
    cli("checkin", "--phone", "1h", check=0)  # today reported: the week mixes the two
    assert "  phone         1h00m, as you reported it" in cli("today", check=0).stdout.splitlines()
    text = cli("report", check=0).stdout
    assert "  Phone, reported and from ActivityWatch: 2h04m a day (7 of 7 days)," in text  # wrapped after it
    phone = json.loads(cli("report", "--json", check=0).stdout)["phone"]["current"]
    assert (phone["label"], phone["sources"]) == ("phone, reported and from ActivityWatch", {"aw": 6, "checkin": 1})
    with connect(db) as con:
        data = usecase.view_data(con, RNG)
    assert data["screen-vs-f2f"]["phone_label"] == "phone, reported and from ActivityWatch"


def test_report_without_any_phone_time_has_no_phone_line(cli, db):
    assert "Phone" not in cli("report", check=0).stdout


def test_today_shows_todays_reported_phone_time(cli, db):
    assert "phone" not in cli("today", check=0).stdout
    cli("checkin", "--phone", "2h10m", "--phone-social", "50m", check=0)
    assert (
        "  phone         2h10m, as you reported it (50m of it social media)"
        in cli("today", check=0).stdout.splitlines()
    )
    data = json.loads(cli("today", "--json", check=0).stdout)
    assert data["phone"] == {
        "label": "phone, as you reported it",
        "minutes": 130.0,
        "social_minutes": 50.0,
        "source": "checkin",
    }
    assert data["active_seconds"] == 0
    assert json.loads(cli("today", "yesterday", "--json", check=0).stdout)["phone"] is None


# --- dashboard ---------------------------------------------------------------------------------

BERLIN = Calendar(ZoneInfo("Europe/Berlin"), 4)
# The local days 20 .. 26 November 2026 (04:00 Berlin = 03:00 UTC).
RNG = Range(datetime(2026, 11, 20, 3), datetime(2026, 11, 27, 3), datetime(2026, 11, 27, 3), BERLIN)


def test_dashboard_data_has_the_series_and_never_adds_it(db, cli):
    from dashboards import report as page
    from tracker.usecases import dashboard as usecase

    cli("checkin", "list", check=0)
    with connect(db) as con:  # two hours of measured screen time on the 25th
        upsert_spans(con, [("s1", 1795593600.0, 1795600800.0, "code", "x", "active", None)])
        before = usecase.view_data(con, RNG)
    insert(db, WEEK + OTHERS)
    with connect(db) as con:
        data = usecase.view_data(con, RNG)
    v1, v3 = data["screen-vs-f2f"], data["categories-per-week"]
    assert v1["phone_h"] == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert v1["phone_social_h"] == [round(m / 60, 4) for m in (10, 20, 30, 40, 50)] + [None, None]
    assert v1["phone_days"] == 7 and v1["phone_label"] == "phone, as you reported it"
    for key in ("social_h", "other_h", "screen_mean7_h", "f2f_h", "tracked", "tracked_days"):
        assert v1[key] == before["screen-vs-f2f"][key], key  # the measured series are what they were
    assert v1["other_h"][5] == 2.0
    # View 3: the week of Monday 16 Nov holds 20-22 Nov, the week of 23 Nov the rest.
    assert v3["phone_week"] == ["2026-11-16", "2026-11-23"]
    assert v3["phone_h"] == [4.5, 13.0] and v3["phone_week_days"] == {"2026-11-16": 3, "2026-11-23": 4}
    assert v3["hours"] == before["categories-per-week"]["hours"]
    views = {v.key: v for v in page.build_views(data, RNG)}
    for key in ("screen-vs-f2f", "categories-per-week"):
        phone = [t for t in views[key].figure.data if t.name == "Phone, as you reported it"]
        assert len(phone) == 1 and phone[0].type == "scatter" and phone[0].line.dash == "dash", key
        assert "as you reported it" in views[key].caption and "not part of the screen bars" in views[key].caption
    bars = [t for t in views["screen-vs-f2f"].figure.data if t.type == "bar"]
    assert all("Phone" not in t.name for t in bars)


def test_no_phone_series_without_phone_time(db, cli):
    from dashboards import report as page
    from tracker.usecases import dashboard as usecase

    cli("checkin", "list", check=0)
    with connect(db) as con:
        upsert_spans(con, [("s1", 1795593600.0, 1795600800.0, "code", "x", "active", None)])
        data = usecase.view_data(con, RNG)
    views = {v.key: v for v in page.build_views(data, RNG)}
    assert not [t for t in views["screen-vs-f2f"].figure.data if "Phone" in (t.name or "")]
    assert "phone" not in views["screen-vs-f2f"].caption


# --- backup, export/import, demo ---------------------------------------------------------------


def test_backup_round_trip_and_merge(cli, db, tmp_path):
    cli("checkin", "list", check=0)
    insert(db, WEEK + OTHERS)
    out = tmp_path / "b.json"
    cli("backup", "-o", out, check=0)
    other = tmp_path / "other"
    cli("restore", out, check=0, env={"OFFSCREEN_HOME": other})
    assert phone_rows(other / "data" / "offscreen.duckdb") == phone_rows(db)
    # Merge keeps the stored figure of a day and source and adds the rest.
    odb = other / "data" / "offscreen.duckdb"
    with connect(odb) as con:
        con.execute("DELETE FROM phone_time WHERE source = 'aw'")
        con.execute("UPDATE phone_time SET minutes = 61 WHERE day = '2026-11-20'")
    cli("restore", out, "--merge", check=0, env={"OFFSCREEN_HOME": other})
    rows = phone_rows(odb)
    assert len(rows) == len(WEEK + OTHERS) and (date(2026, 11, 20), "checkin", 61.0, 10.0) in rows


def test_export_import_round_trip(cli, db, tmp_path):
    cli("checkin", "list", check=0)
    insert(db, WEEK + OTHERS)
    first = cli("export", "--what", "phone", "--format", "csv", check=0).stdout
    assert first.splitlines()[:2] == [
        "day,minutes,social_minutes,source,recorded_at",
        "2026-11-19,300,100,aw,2026-11-26T13:00:00+01:00",
    ]
    for fmt in ("json", "csv"):
        f = tmp_path / f"phone.{fmt}"
        cli("export", "--what", "phone", "-o", f, check=0)
        home = {"OFFSCREEN_HOME": tmp_path / f"h-{fmt}"}
        r = cli("import", "--what", "phone", f, check=0, env=home)
        assert r.stdout.strip() == f"Imported 10 days of phone time from {f}"
        r = cli("import", "--what", "phone", f, check=0, env=home)
        assert r.stdout.strip() == f"Imported 0 days of phone time from {f} (10 already there skipped)"
        again = cli("export", "--what", "phone", "--format", "csv", check=0, env=home).stdout
        assert again == first
    week = cli(
        "export", "--what", "phone", "--since", "2026-11-20", "--until", "2026-11-21", "--format", "json", check=0
    )
    assert [r["day"] for r in json.loads(week.stdout)] == ["2026-11-20", "2026-11-21"]


@pytest.mark.parametrize(
    "text, says",
    [
        (
            '[{"day": "2026-11-20", "minutes": 60}, {"day": "2026-11-21", "minutes": 30, "social_minutes": 31}]',
            'row 2, field "social_minutes": social media time 31m is more than the phone time 30m',
        ),
        ('[{"day": "2026-11-20", "minutes": 1441}]', "row 1, field \"minutes\": minutes '1441': a day has 24 hours"),
        ('[{"day": "2026-11-20", "minutes": true}]', 'row 1, field "minutes": must be a number of minutes'),
        ('[{"day": "20.11.2026", "minutes": 5}]', 'row 1, field "day": must be a date like 2026-11-30'),
        ('[{"day": "2026-11-20", "minutes": 5, "source": "tv"}]', 'row 1, field "source": must be one of'),
        ('[{"day": "2026-11-20", "minutes": 5}, {"day": "2026-11-20", "minutes": 6}]', "is already in row 1"),
        ('[{"day": "2026-11-20", "minutes": NaN}]', "holds a value offscreen does not read"),
        ('[{"day": "2026-11-20", "minutes": 5, "mood": 3}]', 'row 1, field "mood": unknown field'),
    ],
)
def test_a_bad_phone_file_imports_nothing(cli, db, tmp_path, text, says):
    f = tmp_path / "bad.json"
    f.write_text(text)
    r = cli("import", "--what", "phone", f, check=2)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], r.stderr
    assert phone_rows(db) == []


def test_demo_reports_phone_time_on_most_days(cli, db):
    from tracker.usecases.demo import generate

    data = generate(60, 3, datetime.fromisoformat(NOW), ZoneInfo("Europe/Berlin"))
    days = [p.day for p in data.phone]
    assert len(days) == len(set(days)) and max(days) < date(2026, 11, 26)  # today is not over
    assert len(days) >= 0.7 * 59
    assert all(15 <= p.minutes <= 600 for p in data.phone)
    assert all(p.social_minutes is None or 0 < p.social_minutes <= p.minutes for p in data.phone)
    assert sum(p.social_minutes is not None for p in data.phone) >= 0.7 * len(days)
    counts = json.loads(cli("demo", "--days", "60", "--seed", "3", "--json", check=0).stdout)
    cli("demo", "--days", "60", "--seed", "3", check=0)  # again: replaced, not doubled
    rows = phone_rows(db)
    assert counts["phone_days"] == len(data.phone) == len(rows)
    assert [(r[0], r[2], r[3]) for r in rows] == [(p.day, p.minutes, p.social_minutes) for p in data.phone]
    assert {r[1] for r in rows} == {"demo"}
    s = json.loads(cli("report", "--json", check=0).stdout)
    assert s["phone"]["current"]["sources"] == {"demo": s["phone"]["current"]["days_reported"]}
