"""Several computers through one synced folder (issue 16): real homes (OFFSCREEN_HOME, each its
own database) sharing one tmp directory, driven through the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import store

NOW = "2026-12-01T12:00:00+01:00"


class Home:
    """One computer: its own OFFSCREEN_HOME and database, the shared sync folder in its config."""

    def __init__(self, tmp_path: Path, name: str, shared: Path, run):
        self.root = tmp_path / name
        (self.root / "config").mkdir(parents=True)
        (self.root / "config" / "config.toml").write_text(f'[sync]\ndir = "{shared}"\n')
        self.db = self.root / "data" / "offscreen.duckdb"
        self.shared = shared
        self._run = run

    def env(self, now: str = NOW) -> dict[str, str]:
        return {"OFFSCREEN_HOME": str(self.root), "OFFSCREEN_NOW": now}

    def __call__(self, *args, now: str = NOW, check: int | None = 0):
        return self._run(*args, env=self.env(now), check=check)

    def json(self, *args, now: str = NOW):
        return json.loads(self(*args, "--json", now=now).stdout)

    @property
    def host(self) -> str:
        return json.loads((self.root / "state" / "sync-host.json").read_text())["host"]

    def summaries(self) -> list[str]:
        return sorted(r["summary"] for r in self.json("interactions", "list"))


@pytest.fixture
def shared(tmp_path):
    d = tmp_path / "Sync"
    d.mkdir()
    return d


@pytest.fixture
def homes(tmp_path, shared, run):
    return [Home(tmp_path, n, shared, run) for n in ("laptop", "desktop", "work")]


def test_interactions_and_people_logged_anywhere_appear_everywhere(homes):
    a, b, c = homes
    a("log", "coffee", "--with", "Anna", "--for", "30m")
    b("log", "tea", "--with", "Anna", "--with", "Bo", "--for", "20m", "--at", "10:00")
    for h in (a, b, c, a, b):
        h("sync", "now")
    for h in homes:
        assert h.summaries() == ["coffee", "tea"]
        # Anna, logged on two machines before they first synced, is one person everywhere.
        people = {p["name"]: p for p in h.json("people", "list")}
        assert sorted(people) == ["Anna", "Bo"]
    rows = c.json("interactions", "list")
    assert {tuple(sorted(r["people"])) for r in rows} == {("Anna",), ("Anna", "Bo")}


def test_edit_and_delete_propagate_and_restore_comes_back(homes):
    a, b, _ = homes
    a("log", "coffee", "--with", "Anna", "--for", "30m")
    a("sync", "now")
    b("sync", "now")
    (row,) = b.json("interactions", "list")
    b("interactions", "edit", str(row["id"]), "--summary", "coffee and cake", "--closeness", "6")
    b("sync", "now")
    a("sync", "now")
    (got,) = a.json("interactions", "list")
    assert (got["summary"], got["closeness"]) == ("coffee and cake", 6)
    a("interactions", "delete", str(got["id"]))
    a("sync", "now")
    b("sync", "now")
    assert b.json("interactions", "list") == []
    b("interactions", "restore", str(row["id"]))
    b("sync", "now")
    a("sync", "now")
    assert a.summaries() == ["coffee and cake"]


def test_a_later_edit_wins_over_a_clock_ten_minutes_ahead(homes):
    """Desktop's clock runs 10 minutes fast. It edits first; laptop sees that edit and edits after
    it, at a wall-clock time earlier than desktop's stamp: laptop's edit must win everywhere."""
    a, b, _ = homes
    a("log", "walk", "--with", "Anna", "--for", "1h", now="2026-12-01T11:00:00+01:00")
    a("sync", "now", now="2026-12-01T11:00:00+01:00")
    fast = "2026-12-01T12:10:00+01:00"  # real 12:00
    b("sync", "now", now=fast)
    (row,) = b.json("interactions", "list", now=fast)
    b("interactions", "edit", str(row["id"]), "--summary", "walk (desktop)", now=fast)
    b("sync", "now", now=fast)
    late = "2026-12-01T12:05:00+01:00"  # real 12:05, after desktop's edit
    a("sync", "now", now=late)
    (mine,) = a.json("interactions", "list", now=late)
    assert mine["summary"] == "walk (desktop)"
    a("interactions", "edit", str(mine["id"]), "--summary", "walk (laptop, later)", now=late)
    a("sync", "now", now=late)
    b("sync", "now", now=fast)
    assert a.summaries() == b.summaries() == ["walk (laptop, later)"]
    # The test means what it says: by wall clock the losing edit carries the later stamp.
    stamps = _changed_at(b.shared, "interactions")
    assert stamps[b.host] > stamps[a.host]


def _changed_at(shared: Path, table: str) -> dict[str, str]:
    """The latest changed_at each host wrote for TABLE."""
    with store.connect(shared / "probe.duckdb") as con:
        rows = con.execute(
            f"SELECT host, max(changed_at) FROM read_parquet('{shared}/*/{table}/v1-*.parquet') GROUP BY host"
        ).fetchall()
    (shared / "probe.duckdb").unlink()
    return {h: str(t) for h, t in rows}


def test_routines_checkins_and_a_merge_propagate(homes):
    a, b, _ = homes
    a("people", "add", "Sam")
    a("people", "add", "Jo")
    a("routine", "add", "Friday dinner", "--every", "week", "--on", "fri", "--with", "Sam", "--with", "Jo")
    a("checkin", "--mood", "good", "--connected", "7")
    a("log", "chat", "--with", "Joanna", "--for", "15m")
    a("sync", "now")
    b("sync", "now")
    (routine,) = b.json("routine", "list")
    assert routine["name"] == "Friday dinner"
    assert sorted(routine["with"]) == ["Jo", "Sam"]
    (checkin,) = b.json("checkin", "list")
    assert checkin["connected"] == 7
    b("people", "merge", "Jo", "Joanna")
    b("sync", "now")
    a("sync", "now")
    (chat,) = a.json("interactions", "list")
    assert chat["people"] == ["Jo"]
    assert sorted(p["name"] for p in a.json("people", "list")) == ["Jo", "Sam"]


def test_three_computers_writing_at_once_converge(homes):
    """Real processes: every home logs and syncs in a loop at the same time; afterwards a round of
    syncs leaves all three with every interaction, once."""
    exe = Path(sys.executable).with_name("offscreen")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "tracker.cli"]
    procs = []
    for n, h in enumerate(homes):
        env = {**os.environ, **h.env()}
        steps = []
        for i in range(3):
            steps.append(base + ["log", f"h{n}-{i}", "--with", "Anna", "--for", "5m", "--at", f"0{i + 5}:{n}0"])
            steps.append(base + ["sync", "now"])
        procs.append((env, steps))
    running = [
        subprocess.Popen(_chain(steps), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for env, steps in procs
    ]
    for p in running:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    for h in homes * 2:
        h("sync", "now")
    want = sorted(f"h{n}-{i}" for n in range(3) for i in range(3))
    for h in homes:
        assert h.summaries() == want
        assert [p["name"] for p in h.json("people", "list")] == ["Anna"]


def _chain(steps: list[list[str]]) -> list[str]:
    """One real process running STEPS one after another, stopping at the first failure."""
    code = "import json, subprocess, sys\nfor s in json.loads(sys.argv[1]):\n    subprocess.run(s, check=True)\n"
    return [sys.executable, "-c", code, json.dumps(steps)]


def test_half_synced_and_temp_files_are_skipped_then_read_when_whole(homes):
    a, b, _ = homes
    b("log", "first", "--with", "Anna", "--for", "10m")
    b("sync", "now")
    b("log", "second", "--with", "Anna", "--for", "10m", "--at", "09:00")
    b("sync", "now")
    folder = b.shared / b.host / "interactions"
    newest = max(folder.glob("v1-*.parquet"))
    whole = newest.read_bytes()
    # As a sync tool leaves it mid-transfer: its own temp name, and the final name half written.
    (folder / ".syncthing.tmp").write_bytes(whole[:50])
    (folder / f"~{newest.name}.partial").write_bytes(whole)
    newest.write_bytes(whole[: len(whole) // 2])
    out = a("sync", "now").stdout
    assert f"skipped {b.host}/interactions/{newest.name}: not readable yet" in out
    assert a.summaries() == ["first"]
    doctor = a("doctor", check=None).stdout
    assert f"sync: {b.host}/interactions/{newest.name}: not readable yet" in doctor
    newest.write_bytes(whole)
    out = a("sync", "now").stdout
    assert "skipped" not in out
    assert a.summaries() == ["first", "second"]


def test_a_newer_format_and_a_foreign_folder_are_reported_never_read(homes):
    a, b, _ = homes
    b("log", "tea", "--with", "Anna", "--for", "10m")
    b("sync", "now")
    folder = b.shared / b.host / "interactions"
    (only,) = folder.glob("v1-*.parquet")
    shutil.copy(only, folder / "v2-000000000099-0123abcd.parquet")
    (b.shared / "Photos").mkdir()
    future = b.shared / "future-0123456789ab"
    future.mkdir()
    (future / "host.json").write_text('{"format": 7, "host": "future-0123456789ab", "name": "future"}')
    out = a("sync", "now").stdout
    assert f"skipped {b.host}/interactions/v2-000000000099-0123abcd.parquet: written by a newer offscreen" in out
    assert "skipped Photos: not an offscreen host folder: left alone" in out
    assert "skipped future-0123456789ab: written by a newer offscreen" in out
    assert a.summaries() == ["tea"]
    status = a.json("sync", "status")
    assert {p["what"] for p in status["problems"]} == {"newer", "foreign"}
    assert os.listdir(b.shared / "Photos") == []


def test_a_missing_folder_is_a_clear_line_and_reads_still_work(homes):
    a, _, _ = homes
    a.shared.rmdir()
    a("log", "tea", "--with", "Anna", "--for", "10m")
    got = a("sync", "now", check=1)
    assert got.stderr.strip() == (
        f"Error: the sync folder {a.shared} does not exist: create it (mkdir -p {a.shared}) or start your "
        "sync tool; nothing was written"
    )
    assert a.summaries() == ["tea"]
    assert "screen time" in a("today").stdout
    assert f"[WARN] sync: the sync folder {a.shared} does not exist" in a("doctor", check=None).stdout


def test_a_failed_sync_duplicates_nothing(homes):
    """The activity folder is a file, so the sync fails after the rows were published; the next
    sync, once fixed, writes the same uids again: the other computer has one interaction."""
    a, b, _ = homes
    a("log", "tea", "--with", "Anna", "--for", "10m")
    _activity(a.db, [("s1", "2026-12-01 08:00", "2026-12-01 09:00")])
    a("sync", "now")  # makes the host folder
    a("log", "cake", "--with", "Anna", "--for", "10m", "--at", "09:00")
    _activity(a.db, [("s2", "2026-12-01 09:00", "2026-12-01 09:30")])
    blocker = a.shared / a.host / "activity"
    shutil.rmtree(blocker)
    blocker.write_text("in the way")
    assert "cannot write the sync folder" in a("sync", "now", check=1).stderr
    blocker.unlink()
    a("sync", "now")
    b("sync", "now")
    assert b.summaries() == ["cake", "tea"]


def _activity(db: Path, spans) -> None:
    with store.connect(db) as con:
        for sid, start, end in spans:
            con.execute(
                "INSERT INTO activity VALUES (?, ?, ?, 'firefox', 'a secret title', 'active', NULL, 'daemon')",
                [sid, start, end],
            )


def test_time_on_two_computers_at_once_counts_once(homes):
    a, b, c = homes
    for h in homes:
        h("today")  # makes each database
    _activity(a.db, [("a1", "2026-12-01 08:00", "2026-12-01 09:00")])
    _activity(b.db, [("b1", "2026-12-01 08:30", "2026-12-01 09:30"), ("b2", "2026-12-01 10:00", "2026-12-01 10:10")])
    _activity(c.db, [("c1", "2026-12-01 08:15", "2026-12-01 08:45")])  # inside the others' time
    for h in (a, b, c, a, b):
        h("today")  # reads sync by themselves
    data = c.json("today")
    m = data["machines"]
    assert m["union_seconds"] == 100 * 60  # 08:00-09:30 and 10:00-10:10 UTC
    assert {h["host"]: h["seconds"] for h in m["hosts"]} == {a.host: 3600, b.host: 4200, c.host: 1800}
    assert data["screen_seconds"] == 1800  # this computer's own figure is unchanged
    text = c("today").stdout
    assert "  all computers 1h40m (time on two at once counted once)\n" in text
    assert f"    {'this computer':<20}{'30m':>8}\n" in text
    # Titles never leave the machine.
    with store.connect(a.shared / "probe.duckdb") as con:
        cols = con.execute(f"SELECT * FROM read_parquet('{a.shared}/*/activity/*.parquet') LIMIT 0").description
    assert "title" not in [d[0] for d in cols]


def test_without_a_sync_folder_today_is_as_before(tmp_path, run):
    got = json.loads(run("today", "--json", env={"OFFSCREEN_NOW": NOW}, check=0).stdout)
    assert got["machines"] is None
    assert run("sync", "status", check=0).stdout.startswith("Sync is off")


def test_export_parquet_writes_the_layout(homes, tmp_path):
    a, b, _ = homes
    a("log", "tea", "--with", "Anna", "--for", "10m")
    _activity(a.db, [("a1", "2026-12-01 08:00", "2026-12-01 09:00")])
    _activity(b.db, [("b1", "2026-12-01 08:30", "2026-12-01 09:30")])
    b("sync", "now")
    out = tmp_path / "export"
    assert a("export", "--format", "parquet", "-o", out).stdout.startswith(f"Exported 6 files to {out}")
    with store.connect(tmp_path / "probe.duckdb") as con:
        (n, who) = con.execute(
            f"SELECT count(*), any_value(people) FROM read_parquet('{out}/*/interactions/*.parquet')"
        ).fetchone()
        hosts = con.execute(
            f"""SELECT split_part(filename, '/', -3) AS host, count(*) FROM
                read_parquet('{out}/*/activity/*.parquet', filename = true) GROUP BY host ORDER BY host"""
        ).fetchall()
    assert n == 1 and len(who) == 1
    assert sorted(hosts) == sorted([(a.host, 1), (b.host, 1)])
    assert "exists" in a("export", "--format", "parquet", "-o", out, check=2).stderr
    assert "--since" in a("export", "--format", "parquet", "--since", "7d", "-o", tmp_path / "x", check=2).stderr


def test_a_restored_backup_syncs_without_duplicates(homes, tmp_path):
    """The uids travel in the backup: a computer restored from it neither sends its rows again
    under new uids nor takes the others' copies of them for new rows."""
    a, b, _ = homes
    a("log", "tea", "--with", "Anna", "--for", "10m")
    b("log", "cake", "--with", "Bo", "--for", "10m", "--at", "09:00")
    for h in (a, b, a):
        h("sync", "now")
    backup = tmp_path / "a-backup.json"
    a("backup", "-o", backup)
    a.db.unlink()
    a("restore", backup)
    a("log", "soup", "--with", "Anna", "--for", "10m", "--at", "08:00")
    for h in (a, b, a):
        h("sync", "now")
    assert a.summaries() == b.summaries() == ["cake", "soup", "tea"]
    assert sorted(p["name"] for p in b.json("people", "list")) == ["Anna", "Bo"]


def test_the_same_routine_added_on_two_computers_is_one_routine(homes):
    a, b, _ = homes
    for h in (a, b):
        h("people", "add", "Sam")
        h("routine", "add", "Friday dinner", "--every", "week", "--with", "Sam")
    for h in (a, b, a):
        h("sync", "now")
    for h in (a, b):
        assert [r["name"] for r in h.json("routine", "list")] == ["Friday dinner"]
        assert [p["name"] for p in h.json("people", "list")] == ["Sam"]
    a("log", "dinner", "--with", "Sam", "--routine", "Friday dinner", "--for", "2h")
    a("sync", "now")
    b("sync", "now")
    (got,) = b.json("interactions", "list")
    assert got["routine"] == "Friday dinner"
    assert not list(a.shared.rglob(".offscreen-tmp-*"))


def test_a_lost_own_folder_is_written_again_for_a_computer_joining_later(homes):
    a, _, c = homes
    a("log", "tea", "--with", "Anna", "--for", "10m")
    _activity(a.db, [("a1", "2026-12-01 08:00", "2026-12-01 09:00")])
    a("sync", "now")
    shutil.rmtree(a.shared / a.host)
    out = a("sync", "now").stdout
    assert "written: 1 people, 1 interactions, 1 activity" in out
    c("sync", "now")
    assert c.summaries() == ["tea"]
    assert c.json("today")["machines"]["union_seconds"] == 3600


def test_a_file_whose_columns_do_not_fit_is_skipped_not_fatal(homes):
    a, b, _ = homes
    b("log", "tea", "--with", "Anna", "--for", "10m")
    b("sync", "now")
    folder = b.shared / b.host / "checkins"
    folder.mkdir()
    with store.connect(b.shared / "probe.duckdb") as con:
        con.execute(f"COPY (SELECT 'not a uid' AS nonsense) TO '{folder}/v1-000000000009-0a0b0c0d.parquet'")
    (b.shared / "probe.duckdb").unlink()
    out = a("sync", "now").stdout
    assert f"skipped {b.host}/checkins/v1-000000000009-0a0b0c0d.parquet: not readable yet" in out
    assert a.summaries() == ["tea"]


def _rewrite(src: Path, dest: Path, replace: str) -> None:
    """A hand-made row file: SRC's rows with REPLACE (a DuckDB `* REPLACE (...)` list), as DEST."""
    probe = dest.parent.parent.parent / "probe.duckdb"
    with store.connect(probe) as con:
        con.execute(f"COPY (SELECT * REPLACE ({replace}) FROM read_parquet('{src}')) TO '{dest}.tmp' (FORMAT parquet)")
    probe.unlink()
    os.replace(f"{dest}.tmp", dest)


def _own_files(h: Home) -> list[str]:
    return sorted(str(p.relative_to(h.shared)) for p in (h.shared / h.host).rglob("*.parquet"))


def test_a_refused_file_is_reported_and_everything_else_still_travels(homes):
    """A row this database refuses (mood 9 fails its CHECK) leaves out its own file only: this
    computer's changes are still written (once: the folder does not grow on every read), the
    other files are read, the refusal is shown with the file's name and why, and the file is
    read again once it changes."""
    a, b, _ = homes
    b("checkin", "--mood", "good", "--connected", "7")
    b("sync", "now")
    a("sync", "now")
    folder = b.shared / b.host / "checkins"
    (first,) = folder.glob("v1-*.parquet")
    bad = folder / "v1-000000000099-0a0b0c0d.parquet"
    _rewrite(first, bad, "99::BIGINT AS version, 9 AS mood")
    b("log", "tea", "--with", "Bo", "--for", "10m", "--at", "09:00")
    b("sync", "now")
    a("log", "coffee", "--with", "Zed", "--for", "10m")
    out = a("sync", "now").stdout
    assert f"skipped {b.host}/checkins/{bad.name}: refused by this database" in out
    assert "CHECK constraint" in out
    assert a.summaries() == ["coffee", "tea"]  # b's other file was read
    mine = _own_files(a)
    for _ in range(3):
        assert "sync skipped" not in a("today").stderr
    assert _own_files(a) == mine  # nothing published again
    status = a.json("sync", "status")
    assert [(p["path"], p["what"]) for p in status["problems"]] == [(f"{b.host}/checkins/{bad.name}", "refused")]
    assert f"sync: {b.host}/checkins/{bad.name}: refused by this database" in a("doctor", check=None).stdout
    # Edits on both computers still travel both ways.
    (row,) = [r for r in a.json("interactions", "list") if r["summary"] == "coffee"]
    a("interactions", "edit", str(row["id"]), "--summary", "coffee (edited)")
    a("sync", "now")
    b("log", "soup", "--with", "Bo", "--for", "10m", "--at", "08:00")
    b("sync", "now")
    a("sync", "now")
    assert a.summaries() == b.summaries() == ["coffee (edited)", "soup", "tea"]
    assert [c["mood"] for c in a.json("checkin", "list")] == [4]
    # Once the file changes it is read again.
    _rewrite(first, bad, "99::BIGINT AS version, 5 AS mood")
    out = a("sync", "now").stdout
    assert "skipped" not in out
    assert [c["mood"] for c in a.json("checkin", "list")] == [5]
    assert a.json("sync", "status")["problems"] == []


def test_the_daemons_drain_child_shares_screen_time_without_a_command(homes):
    a, b, _ = homes
    a("today")
    _activity(a.db, [("a1", "2026-12-01 08:00", "2026-12-01 09:00")])
    env = {**os.environ, **a.env()}
    subprocess.run([sys.executable, "-m", "tracker.usecases.drain"], env=env, check=True, timeout=120)
    assert [p.name for p in (a.shared / a.host / "activity").iterdir()] == ["v1-2026-12-01.parquet"]
    assert b.json("today")["machines"]["union_seconds"] == 3600


def test_demo_data_is_never_synced(homes):
    a, b, _ = homes
    a("demo", "--days", "3")
    a("log", "tea", "--with", "Anna", "--for", "10m")
    a("sync", "now")
    assert not (a.shared / a.host / "activity").exists() or not list((a.shared / a.host / "activity").iterdir())
    b("sync", "now")
    assert b.summaries() == ["tea"]
    assert b.json("today")["machines"]["union_seconds"] == 0


def _modes(root: Path) -> set[tuple[str, int]]:
    out = set()
    for dp, _, fn in os.walk(root):
        out.add(("dir", os.stat(dp).st_mode & 0o777))
        out.update(("file", os.stat(os.path.join(dp, f)).st_mode & 0o777) for f in fn)
    return out


def test_the_synced_folder_and_the_parquet_export_are_private(homes, tmp_path):
    """They hold interactions and notes: files 0600, folders 0700 (the shared root is the user's)."""
    a, _, _ = homes
    a("log", "tea", "--with", "Anna", "--for", "10m", "--note", "a private note")
    _activity(a.db, [("a1", "2026-12-01 08:00", "2026-12-01 09:00")])
    a("sync", "now")
    assert _modes(a.shared / a.host) == {("dir", 0o700), ("file", 0o600)}
    a("export", "--format", "parquet", "-o", tmp_path / "exp")
    assert _modes(tmp_path / "exp") == {("dir", 0o700), ("file", 0o600)}


def test_foreign_text_follows_the_rules_here(homes):
    """A name with a bidi override is refused (the file, as `log` refuses such a name); a note's
    stray ESC is dropped (as a note pasted here loses it)."""
    a, b, _ = homes
    b("log", "tea", "--with", "Anna", "--for", "10m", "--note", "hello")
    b("sync", "now")
    a("sync", "now")
    people = b.shared / b.host / "people"
    (first,) = people.glob("v1-*.parquet")
    _rewrite(
        first, people / "v1-000000000099-0a0b0c0d.parquet", "99::BIGINT AS version, 'An' || chr(8238) || 'na' AS name"
    )
    rows = b.shared / b.host / "interactions"
    (irow,) = rows.glob("v1-*.parquet")
    _rewrite(irow, rows / "v1-000000000098-0a0b0c0d.parquet", "98::BIGINT AS version, 'hel' || chr(27) || 'lo' AS note")
    out = a("sync", "now").stdout
    assert f"skipped {b.host}/people/v1-000000000099-0a0b0c0d.parquet: refused by this database" in out
    assert "control character (U+202E)" in out
    assert [p["name"] for p in a.json("people", "list")] == ["Anna"]
    (got,) = a.json("interactions", "list")
    assert got["note"] == "hello"
    assert [p["what"] for p in a.json("sync", "status")["problems"]] == ["refused"]


def _activity_file(path: Path, spans) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    probe = path.parent / "probe.duckdb"
    with store.connect(probe) as con:
        values = ", ".join(f"(TIMESTAMP '{s}', TIMESTAMP '{e}', 'active', 'firefox')" for s, e in spans)
        con.execute(
            f"COPY (SELECT * FROM (VALUES {values}) v(start_utc, end_utc, state, app)) TO '{path}' (FORMAT parquet)"
        )
    probe.unlink()


def test_a_day_file_puts_time_on_its_own_utc_day_only(homes):
    a, b, _ = homes
    a("today")
    b("sync", "now")
    _activity_file(
        b.shared / b.host / "activity" / "v1-2026-12-01.parquet",
        [("2026-11-20 08:00", "2026-12-01 09:00"), ("2026-06-01 08:00", "2026-06-01 09:00")],
    )
    a("sync", "now")
    with store.connect(a.db) as con:
        got = con.execute("SELECT min(start_utc), max(end_utc), count(*) FROM sync_activity").fetchone()
    assert [str(x) for x in got] == ["2026-12-01 00:00:00", "2026-12-01 09:00:00", "1"]


def test_a_span_across_utc_midnight_travels_in_both_days(homes):
    a, b, _ = homes
    a("today")
    _activity(a.db, [("a1", "2026-11-30 23:30", "2026-12-01 00:30")])
    a("sync", "now")
    assert sorted(p.name for p in (a.shared / a.host / "activity").iterdir()) == [
        "v1-2026-11-30.parquet",
        "v1-2026-12-01.parquet",
    ]
    b("sync", "now")
    with store.connect(b.db) as con:
        got = con.execute("SELECT day, epoch(end_utc) - epoch(start_utc) FROM sync_activity ORDER BY day").fetchall()
    assert [(str(d), s) for d, s in got] == [("2026-11-30", 1800), ("2026-12-01", 1800)]


def _epoch(text: str) -> float:
    from datetime import UTC, datetime

    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_spans_the_drain_writes_travel_by_the_days_it_marks(homes):
    """After a sync only the UTC days a write touched are compared (a read's cost does not grow
    with the history): the drain's upsert marks them, the old day of a span moved as well."""
    from datetime import date

    from tracker.store.activity import upsert_spans

    a, b, _ = homes
    a("today")
    _activity(a.db, [("a1", "2026-11-20 08:00", "2026-11-20 09:00"), ("a0", "2026-10-01 08:00", "2026-10-01 09:00")])
    a("sync", "now")
    moved = ("a1", _epoch("2026-11-21 08:00"), _epoch("2026-11-21 08:30"), "firefox", "t", "active", None)
    new = ("a2", _epoch("2026-12-01 07:00"), _epoch("2026-12-01 07:10"), "firefox", "t", "active", None)
    with store.connect(a.db) as con:
        upsert_spans(con, [moved, new])
        (mark,) = con.execute("SELECT value FROM settings WHERE key = 'sync.mark.activity'").fetchone()
    epoch_day = date(1970, 1, 1).toordinal()
    days = [
        [date.fromisoformat(lo).toordinal() - epoch_day, date.fromisoformat(hi).toordinal() - epoch_day]
        for lo, hi in [("2026-11-20", "2026-11-21"), ("2026-12-01", "2026-12-01")]
    ]
    assert json.loads(mark)["days"] == days
    assert "written: 3 activity" in a("sync", "now").stdout  # 11-20 emptied, 11-21, 12-01
    b("sync", "now")
    with store.connect(b.db) as con:
        got = con.execute("SELECT day, epoch(end_utc) - epoch(start_utc) FROM sync_activity ORDER BY day").fetchall()
    assert [(str(d), s) for d, s in got] == [("2026-10-01", 3600), ("2026-11-21", 1800), ("2026-12-01", 600)]
    assert "written: nothing" in a("sync", "now").stdout
