"""`offscreen demo --force` leaves the user's own data exactly as it was, whether the user logged
before the demo or into the demo database, and demo people and routines never take over a name
the user goes by. In-process, with the clock pinned."""

from __future__ import annotations

import json

import pytest

from inproc import cli  # noqa: F401 (fixture)
from tracker.store import connect

NOW = "2026-11-26T17:00:00+01:00"
LATER = "2026-11-27T09:00:00+01:00"  # the second re-run: another day, another demo

# Every table, the rows of the user's own data in it (a demo row is source = 'demo' or hangs off
# one), and an order that does not depend on insertion order.
OWN = {
    "people": "SELECT * EXCLUDE (source) FROM people WHERE source <> 'demo' OR id IN ({people}) ORDER BY id",
    "aliases": "SELECT * FROM aliases WHERE person_id IN (SELECT id FROM own_people) ORDER BY alias_key",
    "interactions": "SELECT * FROM interactions WHERE source <> 'demo' ORDER BY id",
    "interaction_people": """SELECT * FROM interaction_people
        WHERE interaction_id IN (SELECT id FROM interactions WHERE source <> 'demo') ORDER BY ALL""",
    "routines": "SELECT * EXCLUDE (source) FROM routines WHERE source <> 'demo' OR id IN ({routines}) ORDER BY id",
    "routine_people": """SELECT * FROM routine_people WHERE routine_id IN (SELECT id FROM own_routines)
        ORDER BY ALL""",
    "routine_skips": """SELECT * FROM routine_skips WHERE routine_id IN (SELECT id FROM own_routines)
        ORDER BY ALL""",
    "checkins": "SELECT * FROM checkins WHERE source <> 'demo' ORDER BY id",
    "unplug_sessions": "SELECT * FROM unplug_sessions WHERE source <> 'demo' ORDER BY id",
    "activity": "SELECT * FROM activity WHERE source <> 'demo' ORDER BY span_id",
    "nudges_sent": "SELECT * FROM nudges_sent ORDER BY day",
    "invitations": "SELECT * FROM invitations WHERE source <> 'demo' ORDER BY id",
    "invitation_people": """SELECT * FROM invitation_people
        WHERE invitation_id IN (SELECT id FROM invitations WHERE source <> 'demo') ORDER BY ALL""",
    "phone_time": "SELECT * FROM phone_time WHERE source <> 'demo' ORDER BY day, source",
    # The synced folder's bookkeeping (issue 16): demo data never travels, so the demo touches none of it.
    "sync_rows": "SELECT * FROM sync_rows ORDER BY tbl, uid",
    "sync_files": "SELECT * FROM sync_files ORDER BY path",
    "sync_hosts": "SELECT * FROM sync_hosts ORDER BY host",
    "sync_activity": "SELECT * FROM sync_activity ORDER BY ALL",
}


def dump(db, people=(), routines=()) -> dict:
    """Every own row of every table. PEOPLE and ROUTINES: ids of demo rows the user made theirs
    (by logging with them, renaming, aliasing, editing); their source column is left out."""
    ids = {"people": ", ".join(map(str, people)) or "NULL", "routines": ", ".join(map(str, routines)) or "NULL"}
    with connect(db) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        # The rollups are derived from activity (rebuilt by the demo): nothing in them is own data.
        derived = {"activity_quarters", "rollup_rules"}
        assert tables - {"settings", "schema_migrations"} - derived <= set(OWN), "a new table: say what is own in it"
        con.execute("CREATE TEMP TABLE own_people AS " + OWN["people"].format(**ids))
        con.execute("CREATE TEMP TABLE own_routines AS " + OWN["routines"].format(**ids))
        return {t: con.execute(sql.format(**ids)).fetchall() for t, sql in OWN.items()}


def ids_of(db, table, names) -> list[int]:
    with connect(db) as con:
        return [con.execute(f"SELECT id FROM {table} WHERE name = ?", [n]).fetchone()[0] for n in names]


def own_life(cli, env):
    """A week of the user's own use, with names the demo cast also has."""
    cli("log", "dinner", "--with", "Sam,Alex", "--at", "yesterday 19:00", "--for", "2h", check=0, env=env)
    cli("log", "--with", "Mum", "--mode", "voice", "--at", "2026-11-24 18:00", "--for", "30m", check=0, env=env)
    cli("people", "rename", "Sam", "Sam Lee", check=0, env=env)
    cli("people", "alias", "Sam Lee", "Sammy", check=0, env=env)
    cli("people", "edit", "Sam Lee", "--tier", "friend", "--every", "7", "--max", "14", check=0, env=env)
    cli("people", "edit", "Mum", "--kin", "--every", "14", "--counts", "any", "--note", "mine", check=0, env=env)
    cli("routine", "add", "Friday dinner", "--every", "week", "--on", "fri", "--with", "Sam Lee", "--with", "Alex",
        check=0, env=env)  # fmt: skip
    cli("log", "--with", "Sammy,Alex", "--at", "2026-11-20 19:00", "--for", "2h", "--routine", "Friday dinner",
        check=0, env=env)  # fmt: skip
    cli("routine", "skip", "Friday dinner", "--reason", "away", check=0, env=env)
    cli("checkin", "--mood", "good", "--connected", "7", "--phone", "2h10m", "--phone-social", "50m", check=0, env=env)
    cli("unplug", "--at", "2026-11-25 10:00", "--for", "1h", check=0, env=env)
    cli("invite", "--from", "Sam Lee", "--for", "lunch", "--on", "tomorrow 12:00", "--answer", "yes", check=0, env=env)
    cli("invite", "--to", "Mum,Alex", "--for", "a walk", "--at", "2026-11-24 09:00", check=0, env=env)


def add_own_activity_and_nudge(db):
    with connect(db) as con:
        con.execute(
            "INSERT INTO activity (span_id, start_utc, end_utc, app, title, state, source) VALUES "
            "('mine-1', '2026-11-26 08:00', '2026-11-26 09:00', 'code', 'mine', 'active', 'daemon')"
        )
        con.execute("INSERT INTO nudges_sent VALUES ('2026-11-25', 'absence', 'were you with people?', "
                    "'2026-11-25 15:00', 'off')")  # fmt: skip


def people_json(cli, env) -> dict:
    return {p["name"]: p for p in json.loads(cli("people", "list", "--json", check=0, env=env).stdout)}


def check_no_collisions(db):
    """No two live people share a name or alias key; no two live routines a name key."""
    with connect(db) as con:
        keys = con.execute(
            """SELECT k FROM (SELECT name_key AS k FROM people WHERE merged_into IS NULL
                              UNION ALL SELECT alias_key FROM aliases)
               GROUP BY k HAVING count(*) > 1"""
        ).fetchall()
        routines = con.execute(
            "SELECT name_key FROM routines WHERE removed_at IS NULL GROUP BY name_key HAVING count(*) > 1"
        ).fetchall()
    assert keys == [] and routines == []


def test_own_data_first_then_demo_twice(cli, app):
    env = {"OFFSCREEN_NOW": NOW}
    own_life(cli, env)
    add_own_activity_and_nudge(app.paths.db)
    before = dump(app.paths.db)
    # Every table holds own rows here but the synced folder's (no folder in this test: empty, and kept so).
    assert all(before[t] for t in OWN if t != "aliases" and not t.startswith("sync_")) and len(before["aliases"]) == 2
    cli("demo", "--days", "30", "--force", check=0, env=env)
    assert dump(app.paths.db) == before
    check_no_collisions(app.paths.db)
    cli("demo", "--days", "30", "--seed", "3", "--force", check=0, env={"OFFSCREEN_NOW": LATER})
    assert dump(app.paths.db) == before
    check_no_collisions(app.paths.db)

    # The demo's own Sam, Alex, Mum and Friday dinner are there, under names of their own.
    people = people_json(cli, env)
    assert {"Sam Lee", "Alex", "Mum", "Sam (demo)", "Alex (demo)", "Mum (demo)", "Jo"} <= set(people)
    with connect(app.paths.db) as con:
        sources = dict(con.execute("SELECT name, source FROM people WHERE name LIKE 'Sam%'").fetchall())
    assert sources == {"Sam Lee": "cli", "Sam (demo)": "demo"}
    routines = {r["name"] for r in json.loads(cli("routine", "list", "--json", check=0, env=env).stdout)}
    assert routines == {"Friday dinner", "Friday dinner (demo)"}
    # Logging with the user's names still finds the user's people.
    out = cli("log", "--with", "Sam,Mum", "--at", "2026-11-26 12:00", "--for", "30m", check=0, env=env).stdout
    assert "with Sam Lee, Mum," in out
    people = people_json(cli, env)
    assert people["Sam Lee"]["interactions"] == 3 and people["Mum"]["interactions"] == 2


def test_logging_into_the_demo_database_survives_a_rerun(cli, app):
    """The Quick start's trap: demo first, then the README's examples log with the demo's Sam,
    rename him, alias him, edit Mum and link the demo's routine. A re-run keeps all of it."""
    env = {"OFFSCREEN_NOW": NOW}
    cli("demo", "--days", "30", check=0, env=env)
    demo_routine = ids_of(app.paths.db, "routines", ["Friday dinner"])
    cli("log", "dinner", "--with", "Sam,Alex", "--at", "yesterday 19:00", "--for", "2h", check=0, env=env)
    cli("people", "rename", "Sam", "Sam Lee", check=0, env=env)
    cli("people", "alias", "Sam Lee", "Sammy", check=0, env=env)
    cli("people", "edit", "Mum", "--tier", "inner", "--note", "mine", check=0, env=env)  # edited, never logged
    cli("people", "merge", "Sam Lee", "Ben", check=0, env=env)  # Ben's name is now Sam's alias
    cli("log", "--with", "Sammy", "--at", "2026-11-20 08:00", "--for", "1h", "--routine", "Friday dinner",
        check=0, env=env)  # fmt: skip
    cli("routine", "skip", "Friday dinner", "--reason", "away", check=0, env=env)
    add_own_activity_and_nudge(app.paths.db)
    routines = ids_of(app.paths.db, "routines", ["Friday dinner"])
    with connect(app.paths.db) as con:  # the routine comes with its people
        members = [
            r[0] for r in con.execute("SELECT person_id FROM routine_people WHERE routine_id = ?", routines).fetchall()
        ]
    people = sorted(set(ids_of(app.paths.db, "people", ["Sam Lee", "Alex", "Mum", "Ben"]) + members))
    assert routines == demo_routine  # the user linked the demo's own routine
    before = dump(app.paths.db, people, routines)
    mine = [i for i in json.loads(cli("interactions", "list", "--json", check=0, env=env).stdout) if i["id"] in
            {r[0] for r in before["interactions"]}]  # fmt: skip
    assert [(i["people"], i["routine"]) for i in mine] == [
        (["Sam Lee"], "Friday dinner"),
        (["Alex", "Sam Lee"], None),
    ]

    cli("demo", "--days", "30", "--force", check=0, env=env)
    assert dump(app.paths.db, people, routines) == before
    cli("demo", "--days", "30", "--force", check=0, env={"OFFSCREEN_NOW": LATER})
    assert dump(app.paths.db, people, routines) == before
    check_no_collisions(app.paths.db)

    after = {i["id"]: i for i in json.loads(cli("interactions", "list", "--json", check=0, env=env).stdout)}
    assert [(after[i["id"]]["people"], after[i["id"]]["routine"]) for i in mine] == [
        (["Sam Lee"], "Friday dinner"),
        (["Alex", "Sam Lee"], None),
    ]
    listed = people_json(cli, env)
    assert listed["Sam Lee"]["aliases"] == ["Ben", "Sam", "Sammy"] and listed["Mum"]["tier"] == "inner"
    assert listed["Sam Lee"]["interactions"] == 2  # the demo's interactions with him went with the demo
    assert {"Sam (demo)", "Alex (demo)", "Mum (demo)", "Ben (demo)"} <= set(listed) and "Ben" not in listed
    out = cli("log", "--with", "Sam", "--at", "2026-11-26 12:00", "--for", "30m", check=0, env=env).stdout
    assert "with Sam Lee," in out


@pytest.mark.parametrize("name", ["sam", "SAM (demo)", "Friday Dinner"])
def test_demo_names_step_around_every_own_name(cli, app, name):
    """A demo person or routine never takes a name or alias key the user has, whatever its case."""
    env = {"OFFSCREEN_NOW": NOW}
    cli("people", "add", name, check=0, env=env)
    cli("people", "add", "Jo Own", check=0, env=env)
    cli("people", "alias", "Jo Own", "jo", check=0, env=env)
    cli("routine", "add", name, "--every", "week", check=0, env=env)
    cli("demo", "--days", "30", check=0, env=env)
    check_no_collisions(app.paths.db)
    cli("demo", "--days", "30", check=0, env=env)
    check_no_collisions(app.paths.db)
    with connect(app.paths.db) as con:
        assert con.execute("SELECT count(*) FROM people WHERE source = 'demo' AND name LIKE 'Jo%'").fetchone() == (1,)
