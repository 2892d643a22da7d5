"""The one calendar: the local zone worked out once, and the same day boundaries everywhere."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.domain.times import Calendar, SystemZone, from_storage, in_zone, instant_zone, local_zone, to_storage

ZONES = ["Europe/Berlin", "CET", "EST5EDT", "UTC"]


@pytest.mark.parametrize("name", ZONES)
def test_local_zone_takes_any_valid_tz_name(name):
    zone = local_zone({"TZ": name})
    assert isinstance(zone, ZoneInfo) and zone.key == name
    assert local_zone({"TZ": ":" + name}) == zone


def test_local_zone_without_tz_reads_etc_localtime(tmp_path):
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/America/New_York")
    assert local_zone({}, localtime=link).key == "America/New_York"
    copy = tmp_path / "copied"
    copy.write_bytes(Path("/usr/share/zoneinfo/Asia/Tokyo").read_bytes())
    z = local_zone({}, localtime=copy)
    assert datetime(2026, 7, 1, tzinfo=z).utcoffset() == timedelta(hours=9)
    assert local_zone({}, localtime=tmp_path / "missing") is UTC


def test_a_posix_rule_string_uses_the_c_library(monkeypatch):
    monkeypatch.setenv("TZ", "XYZ-3")
    time.tzset()
    zone = local_zone()
    assert isinstance(zone, SystemZone)
    local = in_zone(datetime(2026, 11, 30, 12, tzinfo=UTC), zone)
    assert local.hour == 15 and local.utcoffset() == timedelta(hours=3)
    assert datetime(2026, 11, 30, 15, tzinfo=zone).astimezone(UTC).hour == 12


def test_days_are_23_and_25_hours_long_across_dst():
    cal = Calendar(ZoneInfo("Europe/Berlin"), 4)
    # Days start at 04:00, so the local day holding Sunday's 02:00 switch began on Saturday.
    start, end = cal.day_bounds(date(2026, 3, 28))  # spring forward on the 29th at 02:00
    assert end - start == timedelta(hours=23)
    assert cal.day_bounds(date(2026, 3, 29))[1] - cal.day_bounds(date(2026, 3, 29))[0] == timedelta(hours=24)
    start, end = cal.day_bounds(date(2026, 10, 24))  # fall back on the 25th at 03:00
    assert end - start == timedelta(hours=25)
    assert start.isoformat() == "2026-10-24T04:00:00+02:00" and end.isoformat() == "2026-10-25T04:00:00+01:00"


def test_day_of_respects_day_start_hour_and_storage_round_trips():
    cal = Calendar(ZoneInfo("America/New_York"), 4)
    late = datetime(2026, 11, 30, 8, 30)  # stored naive UTC = 03:30 in New York
    assert cal.day_of(late) == date(2026, 11, 29)
    assert cal.day_of(late + timedelta(hours=1)) == date(2026, 11, 30)
    aware = cal.local(late)
    assert aware.isoformat() == "2026-11-30T03:30:00-05:00" and to_storage(aware) == late
    assert from_storage(late) == late.replace(tzinfo=UTC)
    with pytest.raises(ValueError):
        to_storage(late)
    days = cal.days(cal.wall(date(2026, 11, 1), dtime(12)), cal.wall(date(2026, 11, 3), dtime(1)))
    assert [d for d, _, _ in days] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert days[0][2] - days[0][1] == timedelta(hours=16)  # noon to 04:00 next day, all in EST
    assert days[-1][2] == cal.wall(date(2026, 11, 3), dtime(1))


@pytest.mark.parametrize("name", [*ZONES, None])
def test_today_and_status_share_the_day_in_every_zone(cli, monkeypatch, name):
    """`today` and `status` start the day at 04:00 local, in the zone the system names."""
    if name is None:
        monkeypatch.delenv("TZ", raising=False)  # /etc/localtime decides
    else:
        monkeypatch.setenv("TZ", name)
    time.tzset()
    zone = local_zone()
    now = in_zone(datetime(2026, 11, 30, 12, 0, tzinfo=UTC), zone)
    monkeypatch.setenv("OFFSCREEN_NOW", now.isoformat())
    cli("log", "lunch", "--with", "Sam", "--for", "45m", "--at", f"{now.date()} 06:00", check=0)
    today = json.loads(cli("today", "--json", check=0).stdout)
    offset = now.strftime("%z")
    expected_since = datetime.combine(now.date(), dtime(4), tzinfo=zone)
    assert today["since"] == expected_since.isoformat(timespec="seconds")
    assert today["since"].endswith(offset[:3] + ":" + offset[3:]) and today["since"][11:16] == "04:00"
    assert today["day"] == now.date().isoformat() and today["face_to_face_minutes"] == 45.0
    status = json.loads(cli("status", "--json", check=1).stdout)  # 1: no daemon runs
    assert status["today"]["day"] == today["day"]
    assert status["today"]["face_to_face_minutes"] == today["face_to_face_minutes"]


def test_a_pinned_now_needs_an_offset(cli, monkeypatch):
    monkeypatch.setenv("OFFSCREEN_NOW", "2026-11-30T21:00")
    r = cli("today", check=2)
    assert r.stderr == (
        "Error: $OFFSCREEN_NOW='2026-11-30T21:00' has no UTC offset: use ISO 8601 like 2026-11-30T12:00+01:00\n"
    )


def test_the_c_library_zone_is_exact_in_the_repeated_hour(monkeypatch):
    """The daemon's status times (times.instant_zone): the offset of each instant, also in the hour
    that happens twice when the clocks go back (a wall-time lookup gets one of the two wrong)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    berlin = ZoneInfo("Europe/Berlin")
    fall_back = datetime(2026, 10, 25, 1, tzinfo=UTC)  # 03:00 CEST becomes 02:00 CET
    for minutes in range(-90, 91, 15):
        at = fall_back + timedelta(minutes=minutes)
        local = in_zone(at, instant_zone())
        assert local.isoformat() == in_zone(at, berlin).isoformat() and local == at
