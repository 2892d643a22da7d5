"""Dashboard views of routines, loneliness and courage on a real DuckDB file with literal dates (Europe/Berlin weeks,
4 am days), their honest empty states, and escaping of user strings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dashboards import practice_views as pv
from dashboards.views import VIEWS, View
from dbrows import add_interaction, add_person
from tracker.domain.ranges import Range
from tracker.domain.times import Calendar
from tracker.store import connect
from tracker.store import dashboard as queries
from tracker.store import practice as sp
from tracker.usecases import dashboard as usecase

B = ZoneInfo("Europe/Berlin")


def u(*a) -> datetime:
    """Berlin wall time -> naive UTC."""
    return datetime(*a, tzinfo=B).astimezone(UTC).replace(tzinfo=None)


def rng(since: date, until: date) -> Range:
    """Local days SINCE to UNTIL (exclusive), seen from the end of UNTIL's eve."""
    end = u(until.year, until.month, until.day, 4)
    return Range(
        since_utc=u(since.year, since.month, since.day, 4), until_utc=end, now_utc=end, calendar=Calendar(B, 4)
    )


def practice(con, r) -> list[tuple[dict, View]]:
    """(data, view) of the routines, loneliness and courage views for range R."""
    out = []
    for gather, draw in (
        (usecase.routines, pv.routines_view),
        (queries.loneliness, pv.loneliness_view),
        (queries.courage, pv.courage_view),
    ):
        data = gather(con, r)
        out.append((data, draw(data, r)))
    return out


@pytest.fixture
def db(tmp_path):
    return tmp_path / "v.duckdb"


def test_registered():
    assert [VIEWS[k] for k in ("routines", "loneliness-vs-f2f", "courage-community")] == [
        pv.routines_view,
        pv.loneliness_view,
        pv.courage_view,
    ]


def test_empty_states(db):
    r = rng(date(2026, 10, 1), date(2026, 11, 1))
    with connect(db) as con:
        views = [v for _, v in practice(con, r)]
    assert [v.figure for v in views] == [None, None, None]
    assert views[0].empty.startswith("No routines yet.")
    assert views[1].empty.startswith("No weekly loneliness answers in this range yet.")
    assert views[2].empty.startswith("No interactions in this range yet.")
    for v in views:
        assert v.title and v.caption and v.key


def _seed(con):
    a = add_person(con, "Ana", created_at=u(2026, 9, 1, 12))
    b = add_person(con, "Ben", created_at=u(2026, 9, 1, 12))
    c = add_person(con, "Cy", created_at=u(2026, 9, 1, 12))
    # Week of Oct 19 (contains the DST change on Sunday Oct 25).
    add_interaction(con, happened_at=u(2026, 10, 20, 19), duration_min=90, person_ids=[a], initiated="me")
    add_interaction(con, happened_at=u(2026, 10, 25, 2, 30), duration_min=60, person_ids=[a, b, c])  # Sat night
    add_interaction(con, happened_at=u(2026, 10, 22, 12), duration_min=30, mode="video", person_ids=[b], initiated="me")
    # Week of Oct 26: Ana again (not new), a deleted group meeting.
    add_interaction(con, happened_at=u(2026, 10, 26, 4, 30), duration_min=120, person_ids=[a], initiated="them")
    add_interaction(
        con,
        happened_at=u(2026, 10, 27, 19),
        duration_min=60,
        person_ids=[a, b, c],
        initiated="me",
        deleted_at=u(2026, 10, 28, 9),
    )
    # Before the range: Ben met in September, so he is not new in October.
    add_interaction(con, happened_at=u(2026, 9, 10, 19), duration_min=60, person_ids=[b])
    sp.add_checkin(con, u(2026, 10, 25, 20), {"lack_companionship": 2, "left_out": 1, "isolated": 2})
    sp.add_checkin(con, u(2026, 10, 26, 3), {"lack_companionship": 3, "left_out": 3, "isolated": 2})  # Sunday's day
    sp.add_checkin(con, u(2026, 11, 3, 20), {"lack_companionship": 1, "left_out": 1, "isolated": 1})
    return a, b, c


def test_loneliness_and_courage_data(db):
    r = rng(date(2026, 10, 19), date(2026, 11, 9))
    with connect(db) as con:
        _seed(con)
        _, (lone_data, lone), (courage_data, courage) = practice(con, r)
    assert lone_data == {
        "weeks": ["2026-10-19", "2026-10-26", "2026-11-02"],
        "ucla3": [6.5, None, 3.0],  # (5 + 8) / 2 in the DST week; none answered the week after
        "f2f_hours": [2.5, 2.0, 0.0],  # in person only: 90 + 60 min; then 120 min; video never counts
        # Every day of the three weeks had begun and came after the first log (10 September).
        "week_days": {"2026-10-19": 7, "2026-10-26": 7, "2026-11-02": 7},
    }
    assert lone.figure is not None and "Only 2 week(s) answered" in lone.caption
    assert courage_data == {
        "weeks": ["2026-10-19", "2026-10-26"],
        "initiated": [2, 0],  # the deleted one doesn't count
        "new_people": [2, 0],  # Ana and Cy; Ben first met in September
        "groups": [1, 0],
        "invited": [0, 0],  # no invitations in this history (tests/test_invitations.py has them)
        "they_accepted": [0, 0],
        "received": [0, 0],
        "you_accepted": [0, 0],
        # Their own usual, per week over the 4 weeks before: none started from 21 Sep to 18 Oct,
        # the two of the week of 19 Oct count for the week after.
        "reach_usual": [0.0, 0.5],
        "usual_weeks": 4,
        "week_days": {"2026-10-19": 7, "2026-10-26": 7, "2026-11-02": 7},
        "new_from": "2026-10-08T19:00:00+02:00",  # 28 days after Ben's meeting was logged
    }
    assert courage.figure is not None and "counts as new from 8 Oct 2026 on, 4 weeks after your first log" in (
        courage.caption
    )


def test_routines_view_and_escaping(db):
    r = rng(date(2026, 10, 19), date(2026, 11, 9))
    with connect(db) as con:
        a, _, _ = _seed(con)
        rid = sp.add_routine(
            con,
            "<b>Dinner</b>",
            unit="week",
            every_n=1,
            on_weekday=4,
            starts_on=date(2026, 10, 12),
            person_ids=[a],
            now_utc=u(2026, 10, 12, 9),
        )
        for day in (16, 24):  # weeks of Oct 12 and Oct 19
            add_interaction(con, happened_at=u(2026, 10, day, 19), duration_min=120, person_ids=[a], routine_id=rid)
        # Sunday Nov 1 00:30 local belongs to Saturday Oct 31 with 4 am days: week of Oct 26.
        add_interaction(con, happened_at=u(2026, 11, 1, 0, 30), duration_min=60, person_ids=[a], routine_id=rid)
        sp.skip_period(con, rid, date(2026, 11, 2), "away", u(2026, 11, 1, 9))
        (data, v), _, _ = practice(con, r)
    (item,) = data["routines"]
    # Range Oct 19 .. Nov 8 (today is past it): the week of Oct 12 is before the range.
    assert item["periods"] == [("2026-10-19", "held"), ("2026-10-26", "held"), ("2026-11-02", "skipped")]
    assert (item["adherence"], item["current_streak"], item["longest_streak"]) == (1.0, 3, 3)
    labels = {y for trace in v.figure.data for y in trace.y}
    assert labels == {"&lt;b&gt;Dinner&lt;/b&gt; (100%, streak 3, best 3)"}
    assert [t.name for t in v.figure.data] == ["held", "skipped"]


def test_demo_data_fills_every_practice_view(db, tmp_path):
    from zoneinfo import ZoneInfo

    from tracker.store import demo as store_demo
    from tracker.usecases import demo

    now = u(2026, 11, 26, 12).replace(tzinfo=UTC)
    data = demo.generate(90, 1, now, ZoneInfo("Europe/Berlin"))
    with connect(db) as con:
        counts = store_demo.replace_demo(con, data, tmp_path)
        r = rng(date(2026, 9, 1), date(2026, 11, 27))
        (routines, _), (lone, _), _ = shown = practice(con, r)
        sources = con.execute("""SELECT DISTINCT source FROM routines UNION SELECT DISTINCT source FROM checkins
                                 UNION SELECT DISTINCT source FROM unplug_sessions
                                 UNION SELECT DISTINCT source FROM interactions""").fetchall()
    assert counts["routines"] == 1 and counts["checkins"] >= 60
    assert [v.empty for _, v in shown] == [None, None, None]
    assert all(v.figure is not None for _, v in shown)
    (routine,) = routines["routines"]
    assert ("skipped" in [s for _, s in routine["periods"]]) and routine["longest_streak"] >= 1
    assert sum(u is not None for u in lone["ucla3"]) >= 10
    assert sources == [("demo",)]  # demo data can be told apart and replaced
