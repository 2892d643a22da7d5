"""The quarter-hour rollups answer exactly what the spans answer (tracker/store/rollups.py).

A property test: random spans (crossing days, hours, DST changes; in Europe/Berlin, a half-hour
zone, a 45-minute zone, New York and 1960s Monrovia, whose offset is no whole quarter; days starting at 0, 4 or 23 o'clock) written the way the
drain writes them (batches, an open span re-upserted as it grows, zero-length spans deleted);
then the dashboard's per-day and per-hour numbers, `today`'s summary and the top apps are
compared with the same numbers computed straight from the spans, in integer microseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.config import Config
from tracker.domain.categories import rules_for, sql_case
from tracker.domain.ranges import Range
from tracker.domain.spans import SCREEN_STATES
from tracker.domain.times import Calendar, to_storage
from tracker.store import activity, connect, rollups
from tracker.store import dashboard as queries

APPS = ["firefox", "code", None, "vlc", "excluded", "", "Slack"]
TITLES = ["YouTube - cats", "facebook feed", "notes.txt", None, "", "Inbox - Gmail"]
STATES = ["active", "watching", "idle", "locked", "asleep"]
# (zone, a day near one of its changes: DST in spring and autumn, or none)
PLACES = [
    ("Europe/Berlin", datetime(2026, 3, 27)),
    ("Europe/Berlin", datetime(2026, 10, 23)),
    ("America/New_York", datetime(2026, 3, 6)),
    ("America/New_York", datetime(2026, 10, 30)),
    ("Asia/Kolkata", datetime(2026, 3, 27)),
    ("Asia/Kathmandu", datetime(2026, 6, 1)),
    # -0:44:30 until 1972: local days and hours off every quarter (each edge read from the spans),
    # before 1970 (negative epoch times).
    ("Africa/Monrovia", datetime(1960, 3, 1)),
]
WINDOW_S = 5 * 86400
MS = 1000  # microseconds in a millisecond: spans start and end on whole milliseconds

span_st = st.tuples(
    st.integers(0, WINDOW_S * 1000),  # start, ms into the window
    st.one_of(st.integers(0, 3_600_000), st.integers(3_600_000, 40 * 3_600_000)),  # duration, ms
    st.sampled_from(APPS),
    st.sampled_from(TITLES),
    st.sampled_from(STATES),
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("rollups") / "o.duckdb"
    with connect(path) as con:
        yield con


def _us(ts: datetime) -> int:
    """A naive-UTC datetime as epoch microseconds, exactly."""
    return (ts - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def _write(con, spans, base_us: int, batches: int, grow: list[int]) -> list[tuple]:
    """Write SPANS as the drain does, in BATCHES, then re-upsert the spans at GROW with a later end
    (an open span growing), as the queue hands them over; returns the rows as stored last."""
    rows = [
        (f"s{i}", (base_us + s * MS) / 1e6, (base_us + (s + d) * MS) / 1e6, app, title, state, None)
        for i, (s, d, app, title, state) in enumerate(spans)
    ]
    k = max(1, len(rows) // batches)
    for i in range(0, len(rows), k):
        activity.upsert_spans(con, rows[i : i + k])
    grown = [(r[0], r[1], r[2] + 600.5, r[3], r[4], r[5], r[6]) for j, r in enumerate(rows) if j in grow]
    activity.upsert_spans(con, grown)
    final = {r[0]: r for r in rows} | {r[0]: r for r in grown}
    return [r for r in final.values() if r[2] > r[1]]


def _categories(con, rows, config) -> dict:
    case = sql_case(rules_for(config), "app_k", "title_k")
    pairs = {(r[3] or "", r[4] or "") for r in rows}
    return {
        (a, t): con.execute(f"SELECT {case} FROM (SELECT ? AS app_k, ? AS title_k)", [a, t]).fetchone()[0]
        for a, t in pairs
    }


def _overlap(r, s_us: int, e_us: int) -> int:
    return max(0, min(round(r[2] * 1e6), e_us) - max(round(r[1] * 1e6), s_us))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spans=st.lists(span_st, min_size=1, max_size=25),
    place=st.sampled_from(PLACES),
    start_hour=st.sampled_from([0, 4, 23]),
    now_ms=st.integers(86400 * 1000, WINDOW_S * 1000),
    now_in=st.one_of(st.none(), st.integers(0, 24)),  # now inside that span, when there is one
    batches=st.integers(1, 3),
    grow=st.sets(st.integers(0, 24), max_size=3),
    rebuild_first=st.booleans(),
)
def test_rollup_answers_are_the_span_answers(
    db, spans, place, start_hour, now_ms, now_in, batches, grow, rebuild_first
):
    con = db
    zone_name, base = place
    zone = ZoneInfo(zone_name)
    config = Config()
    con.execute("DELETE FROM activity")
    if rebuild_first:  # current (empty) rollups: every write below keeps them by refresh()
        rollups.rebuild(con, rules_for(config))
    else:  # stale: the first read rebuilds them
        rollups.invalidate(con)
    base_us = _us(base)
    if now_in is not None and now_in < len(spans) and spans[now_in][1] > 2:
        s, d_ms = spans[now_in][:2]
        now_ms = max(86400 * 1000, s + d_ms // 2)
    rows = _write(con, spans, base_us, batches, sorted(grow))
    cal = Calendar(zone, start_hour)
    now = datetime.fromtimestamp((base_us + now_ms * MS) / 1e6, UTC).astimezone(zone)  # off any quarter
    first = cal.day_of(datetime.fromtimestamp(base_us / 1e6 + 86400, UTC))
    rng = Range.of(cal.day_start(first), now, now, cal, config)
    cats = _categories(con, rows, config)

    def cat(r):
        return cats[(r[3] or "", r[4] or "")]

    # --- per day (views 1-3, 10 and the totals) ---
    d = queries.daily(con, rng)
    if rebuild_first:  # refresh() kept them exactly: a rebuild changes nothing
        kept = con.execute("SELECT * FROM activity_quarters ORDER BY ALL").fetchall()
        rollups.rebuild(con, rules_for(config))
        assert con.execute("SELECT * FROM activity_quarters ORDER BY ALL").fetchall() == kept
    days = {day: (s, e) for day, s, e in rng.back(queries._BACK_DAYS).days()}
    for i, day in enumerate(d["day"]):
        s_us, e_us = (_us(x) for x in days[day])
        per = [(r, _overlap(r, s_us, e_us)) for r in rows]
        screen = sum(m for r, m in per if r[5] in SCREEN_STATES)
        social = sum(m for r, m in per if r[5] in SCREEN_STATES and cat(r) == "social media")
        watching = sum(m for r, m in per if r[5] == "watching")
        assert d["screen_min"][i] == round(screen / 60e6, 4), day
        assert d["social_min"][i] == round(social / 60e6, 4), day
        assert d["watching_min"][i] == round(watching / 60e6, 4), day
        assert d["tracked"][i] == any(m > 0 for _, m in per), day

    # --- weekday x hour (view 4) ---
    h = queries.heatmap(con, rng)
    minutes = [[0] * 24 for _ in range(7)]
    for s, e, wd, hr in queries.hour_calendar(rng):
        minutes[wd][hr] += sum(_overlap(r, _us(s), _us(e)) for r in rows if r[5] in SCREEN_STATES)
    per_wd = h["tracked_per_weekday"]
    want = [[round(minutes[w][x] / 60e6 / per_wd[w], 4) if per_wd[w] else None for x in range(24)] for w in range(7)]
    assert h["mean_min"] == want

    # --- top apps of the range ---
    top = queries.top_apps(con, rng, limit=100)
    s_us, e_us = _us(rng.since_utc), _us(rng.until_utc)
    by_app: dict[str, int] = {}
    for r in rows:
        if r[5] in SCREEN_STATES and (m := _overlap(r, s_us, e_us)):
            by_app[r[3] or ""] = by_app.get(r[3] or "", 0) + m
    assert {a["app"]: a["hours"] for a in top["apps"]} == {
        queries.app_label(a or None): round(m / 3.6e9, 2) for a, m in by_app.items()
    }

    # --- `today` (and status): one local day, and the range up to now ---
    for lo, hi in (cal.day_bounds(cal.day_of(now)), (cal.day_start(first), now)):
        got = activity.summary(con, lo, hi, config)
        s_us, e_us = _us(to_storage(lo)), _us(to_storage(hi))
        for state in STATES:
            assert got[f"{state}_seconds"] == pytest.approx(
                sum(_overlap(r, s_us, e_us) for r in rows if r[5] == state) / 1e6, abs=1e-9
            )
        apps: dict[str, float] = {}
        for r in rows:
            if r[5] in SCREEN_STATES and (m := _overlap(r, s_us, e_us)):
                name = queries.app_label(r[3])
                apps[name] = apps.get(name, 0) + m
        assert {a["app"]: round(a["seconds"] * 1e6) for a in got["by_app"]} == apps


def test_a_rules_change_rebuilds_and_a_direct_write_is_noticed(tmp_path):
    """ensure() rebuilds when the category rules differ from the stored ones, and when activity
    changed behind refresh()'s back (count or times differ from the stored key)."""
    from tracker.config import Categories, Rule

    with connect(tmp_path / "o.duckdb") as con:
        t0 = datetime(2026, 11, 26, 9, tzinfo=UTC).timestamp()
        activity.upsert_spans(con, [("a", t0, t0 + 60, "firefox", "work notes", "active", None)])
        plain = Config()
        rollups.ensure(con, rules_for(plain))
        assert con.execute("SELECT category FROM activity_quarters").fetchall() == [("browsing",)]
        mine = Config(categories=Categories(rules=(Rule(category="work", title="work"),)))
        rollups.ensure(con, rules_for(mine))
        assert con.execute("SELECT category FROM activity_quarters").fetchall() == [("work",)]
        con.execute(
            "INSERT INTO activity VALUES ('b', make_timestamp(?), make_timestamp(?), 'code', NULL, 'active', NULL, 'x')",
            [round(t0 * 1e6) + 60_000_000, round(t0 * 1e6) + 120_000_000],
        )
        rollups.ensure(con, rules_for(mine))
        assert con.execute("SELECT sum(micros) FROM activity_quarters").fetchone()[0] == 120_000_000


def test_rollups_are_not_backed_up_and_a_restore_makes_them_stale(tmp_path):
    from tracker.store import backup

    assert {"activity_quarters", "rollup_rules"} <= set(backup.NOT_BACKED_UP)
    with connect(tmp_path / "o.duckdb") as con:
        rollups.rebuild(con)
        assert rollups.stored(con) is not None
        rollups.invalidate(con)
        assert rollups.stored(con) is None


def test_a_span_before_1970_lands_in_the_right_quarter(tmp_path):
    """Quarters are floors, also of negative epoch times (imports reach back to 1900)."""
    with connect(tmp_path / "o.duckdb") as con:
        t0 = datetime(1969, 12, 31, 23, 50, tzinfo=UTC).timestamp()
        rollups.rebuild(con)
        activity.upsert_spans(con, [("old", t0, t0 + 1200, "code", None, "active", None)])
        assert con.execute("SELECT q, micros FROM activity_quarters ORDER BY q").fetchall() == [
            (-1, 600_000_000),
            (0, 600_000_000),
        ]
        rng_day = Calendar(ZoneInfo("UTC"), 0).day_bounds(datetime(1969, 12, 31).date())
        assert activity.summary(con, *rng_day, Config())["active_seconds"] == 600.0
        assert timedelta(seconds=600) == timedelta(seconds=activity.summary(con, *rng_day, Config())["screen_seconds"])
