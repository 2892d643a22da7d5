"""A realistic synthetic history for `offscreen demo`. Pure: days, seed, now and zone in; people,
interactions, activity spans, a routine, check-ins, unplug sessions and reported phone time out. The same arguments
always give the same data, whatever day or machine it runs on; the store only inserts it.

The story: someone who works at a screen on weekdays (code, terminal, browser, chat, mail, calls),
lunches with colleagues, climbs with a friend on Tuesdays, has a weekly Friday dinner, sees family
every few weeks, calls and texts in between, and has a few lonely weeks with more screen time and
fewer people. Nights are asleep (suspended) or off; lunch is locked; idle stretches happen.
Spans are at most 5 minutes long and change with window titles, as a 1 s sampler would record them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from tracker.domain.interactions import ends_at

MAX_SPAN_S = 300
WATCHED = (" - mpv", "Netflix")  # titles of films: watched, not typed at
WATCH_AFTER = 180  # the default idle_after
_EPOCH = date(1970, 1, 1)

# (start_epoch_s, end_epoch_s, app, title, state), UTC epoch seconds
Span = tuple[int, int, str, str | None, str]


@dataclass(frozen=True)
class DemoPerson:
    key: str  # stable handle inside the generator
    name: str
    tier: str | None
    kin: bool = False
    every_days: int | None = None
    max_days: int | None = None
    cadence_modes: str | None = None
    note: str | None = None


@dataclass
class DemoInteraction:
    summary: str
    happened_at: datetime  # naive UTC
    duration_min: float
    mode: str
    people: tuple[str, ...]  # DemoPerson.key
    closeness: int | None
    place: str | None
    initiated: str | None
    phones_away: str | None
    work: bool
    tags: tuple[str, ...]
    note: str | None = None
    routine: str | None = None  # DemoRoutine.name this interaction was part of
    fun: int | None = None  # 1-5, drawn by _fun after the rest


@dataclass(frozen=True)
class DemoRoutine:
    name: str
    unit: str
    every_n: int
    on_weekday: int | None
    starts_on: date  # local day
    people: tuple[str, ...]  # DemoPerson.key
    skips: tuple[tuple[date, str], ...] = ()  # (period start, reason)


@dataclass(frozen=True)
class DemoCheckin:
    at: datetime  # naive UTC
    mood: int | None = None
    connected: int | None = None
    ucla: tuple[int, int, int] | None = None  # lack companionship, left out, isolated (1-3 each)
    lonely: str | None = None


@dataclass(frozen=True)
class DemoUnplug:
    start: datetime  # naive UTC
    planned_end: datetime
    end: datetime


@dataclass(frozen=True)
class DemoInvitation:
    direction: str  # 'given' or 'received'
    people: tuple[str, ...]  # DemoPerson.key
    what: str
    made_at: datetime  # naive UTC
    planned_for: datetime | None
    answer: str
    answered_at: datetime | None
    interaction: int | None = None  # index into DemoData.interactions: what it became


@dataclass(frozen=True)
class DemoPhone:
    day: date  # local day
    minutes: float
    social_minutes: float | None


@dataclass
class DemoData:
    people: list[DemoPerson]
    interactions: list[DemoInteraction]
    # sorted, non-overlapping; empty from stream(), which hands them over instead
    spans: list[Span] = field(default_factory=list)
    lonely_weeks: list[date] = field(default_factory=list)  # Mondays
    routines: list[DemoRoutine] = field(default_factory=list)
    checkins: list[DemoCheckin] = field(default_factory=list)
    unplug: list[DemoUnplug] = field(default_factory=list)
    invitations: list[DemoInvitation] = field(default_factory=list)
    phone: list[DemoPhone] = field(default_factory=list)  # phone time as if reported at check-ins
    generated_at: datetime = datetime(1970, 1, 1)  # naive UTC: the `now` it was made for (created_at)


CAST: tuple[DemoPerson, ...] = (
    DemoPerson("sam", "Sam", "inner"),
    DemoPerson("alex", "Alex", "inner"),
    DemoPerson("jo", "Jo", "inner", every_days=10, max_days=21),
    DemoPerson("mum", "Mum", "close", kin=True, every_days=28, max_days=42),
    DemoPerson("dad", "Dad", "close", kin=True, every_days=28, max_days=42),
    DemoPerson(
        "lena",
        "Lena",
        "close",
        kin=True,
        every_days=14,
        max_days=30,
        cadence_modes="any",
        note="sister, lives in Hamburg",
    ),
    DemoPerson("grandma", "Grandma Ilse", "close", kin=True, every_days=14, max_days=30, cadence_modes="any"),
    DemoPerson("marco", "Marco", "close"),
    DemoPerson("hannah", "Hannah", "close"),
    DemoPerson("priya", "Priya", "close", note="moved to Lisbon"),
    DemoPerson("ben", "Ben", "friend"),
    DemoPerson("chloe", "Chloe", "friend"),
    DemoPerson("yusuf", "Yusuf", "friend"),
    DemoPerson("nora", "Nora", "acquaintance"),
    DemoPerson("kai", "Kai", "acquaintance"),
    DemoPerson("mira", "Mira", "acquaintance"),
    DemoPerson("felix", "Felix", None),
    DemoPerson("tom", "Tom (neighbour)", None),
)

# (weight, app, titles, mean session seconds, mean seconds between title changes)
_WORK_MIX = (
    (
        30,
        "code",
        (
            "store.py - offscreen - Visual Studio Code",
            "queries.py - offscreen - Visual Studio Code",
            "test_store.py - offscreen - Visual Studio Code",
            "README.md - offscreen - Visual Studio Code",
        ),
        300,
        25,
    ),
    (
        18,
        "gnome-terminal-server",
        ("~/src/offscreen", "pytest -q", "git log --oneline", "htop", "vim notes.md"),
        90,
        12,
    ),
    (
        14,
        "firefox",
        (
            "offscreen · Pull requests · GitHub — Mozilla Firefox",
            "python - How to merge intervals - Stack Overflow — Mozilla Firefox",
            "3.11 Documentation - docs.python.org — Mozilla Firefox",
            "Sprint board - Jira — Mozilla Firefox",
            "DuckDB SQL reference — Mozilla Firefox",
        ),
        150,
        15,
    ),
    (10, "slack", ("Slack | #team | Acme", "Slack | Kai | Acme", "Slack | #random | Acme"), 45, 12),
    (8, "thunderbird", ("Inbox - Mozilla Thunderbird", "Re: Q3 planning - Mozilla Thunderbird"), 90, 20),
    (4, "zoom", ("Zoom Meeting",), 1500, 300),
    (4, "libreoffice", ("Q3 report.ods - LibreOffice Calc",), 300, 40),
    (4, "firefox", ("r/programming - Reddit — Mozilla Firefox", "Home / X — Mozilla Firefox"), 120, 10),
    (3, "signal", ("Signal",), 40, 15),
)
_LEISURE_MIX = (
    (
        18,
        "firefox",
        (
            "Lo-fi beats to relax to - YouTube — Mozilla Firefox",
            "How bridges are built - YouTube — Mozilla Firefox",
            "Speedrun world record - YouTube — Mozilla Firefox",
            "YouTube — Mozilla Firefox",
        ),
        900,
        90,
    ),
    (
        16,
        "firefox",
        (
            "r/AskReddit - Reddit — Mozilla Firefox",
            "r/berlin - Reddit — Mozilla Firefox",
            "Reddit - Dive into anything — Mozilla Firefox",
        ),
        420,
        10,
    ),
    (10, "firefox", ("Instagram — Mozilla Firefox", "Reels • Instagram — Mozilla Firefox"), 300, 8),
    (6, "firefox", ("Home / X — Mozilla Firefox", "Notifications / X — Mozilla Firefox"), 240, 10),
    (
        8,
        "firefox",
        (
            "Wikipedia, the free encyclopedia — Mozilla Firefox",
            "tagesschau.de — Mozilla Firefox",
            "Recipes: shakshuka — Mozilla Firefox",
        ),
        240,
        30,
    ),
    (6, "mpv", ("The Grand Budapest Hotel (2014).mkv - mpv", "Planet Earth II S01E03.mkv - mpv"), 2400, 300),
    (6, "firefox", ("Netflix — Mozilla Firefox",), 2400, 300),
    (6, "steam", ("Factorio", "Stardew Valley"), 2400, 120),
    (8, "signal", ("Signal",), 120, 15),
    (5, "discord", ("#general | Climbing crew - Discord",), 180, 15),
    (4, "spotify", ("Spotify Premium",), 60, 60),
    (3, "code", ("garden.py - hobby - Visual Studio Code",), 900, 40),
)
_LONELY_MIX = tuple(
    (w * (3 if app == "firefox" and m <= 420 else 1), app, t, m, c) for (w, app, t, m, c) in _LEISURE_MIX
)


def _pick(rng: random.Random, mix):
    total = sum(m[0] for m in mix)
    x = rng.random() * total
    for m in mix:
        x -= m[0]
        if x <= 0:
            return m
    return mix[-1]


class _Zone:
    """Local wall time -> UTC, using each day's offset at noon (DST switches at night)."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self._cache: dict[date, int] = {}

    def offset_s(self, d: date) -> int:
        off = self._cache.get(d)
        if off is None:
            offset = datetime.combine(d, time(12), tzinfo=self.tz).utcoffset()
            assert offset is not None  # an aware datetime has an offset
            off = int(offset.total_seconds())
            self._cache[d] = off
        return off

    def epoch(self, d: date, sec: float) -> int:
        """Epoch seconds of local day D at SEC seconds after its midnight (SEC may pass 24 h)."""
        return (d - _EPOCH).days * 86400 + int(sec) - self.offset_s(d)

    def utc(self, d: date, sec: float) -> datetime:
        return datetime(1970, 1, 1) + timedelta(seconds=self.epoch(d, sec))

    def local_date(self, utc: datetime) -> date:
        """The local calendar date of a naive-UTC instant."""
        return utc.replace(tzinfo=UTC).astimezone(self.tz).date()


def _h(hours: float) -> float:
    return hours * 3600


def generate(days: int, seed: int, now: datetime, tz: tzinfo) -> DemoData:
    """People, interactions and activity spans for the DAYS local days ending with NOW's day."""
    return _generate(days, seed, now, tz, None)


# Days of spans stream() hands over at a time: about 225,000 spans, so neither this process nor
# DuckDB ever holds years of them at once (issue 14: 5 years held in a list peaked at 1.3 GB).
CHUNK_DAYS = 150


def stream(
    days: int,
    seed: int,
    now: datetime,
    tz: tzinfo,
    sink: Callable[[list[Span]], None],
    chunk_days: int | None = None,
) -> DemoData:
    """generate(), but the spans go to SINK in order, a list per CHUNK_DAYS days, and are not kept
    (DemoData.spans stays empty); everything else is exactly what generate() gives."""
    return _generate(days, seed, now, tz, (sink, chunk_days or CHUNK_DAYS))


def _generate(
    days: int, seed: int, now: datetime, tz: tzinfo, streaming: tuple[Callable[[list[Span]], None], int] | None
) -> DemoData:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(seed)
    zone = _Zone(tz)
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    now_epoch = int(now.timestamp())
    mondays = sorted(
        {first + timedelta(days=i) - timedelta(days=(first + timedelta(days=i)).weekday()) for i in range(days)}
    )
    lonely_n = max(1, days // 45) if days >= 21 else 0
    candidates = mondays[1:-1] if len(mondays) > 3 else []
    lonely: set[date] = set()
    for m in rng.sample(candidates, min(lonely_n, len(candidates))):
        if not any(abs((m - o).days) <= 7 for o in lonely):
            lonely.add(m)

    interactions = _interactions(rng, zone, first, days, lonely)
    interactions = [
        i
        for i in interactions
        if ends_at(i.happened_at, i.duration_min) <= datetime(1970, 1, 1) + timedelta(seconds=now_epoch)
    ]
    interactions.sort(key=lambda i: i.happened_at)
    _fun(random.Random(f"fun-{seed}"), interactions)
    spans: list[Span] = []
    if streaming is None:
        for chunk in _spans(rng, zone, first, days, lonely, interactions, now_epoch, days):
            spans += chunk
        spans.sort()
    else:
        sink, chunk_days = streaming
        previous: Span | None = None
        for chunk in _spans(rng, zone, first, days, lonely, interactions, now_epoch, chunk_days):
            # Sorted chunks in sequence are the sorted whole only if none reaches back before the
            # last one's end: true by construction (a day starts after the day before ends).
            if previous is not None and chunk and chunk[0] < previous:
                raise RuntimeError("demo spans of one chunk start before the previous chunk ends")
            if chunk:
                previous = chunk[-1]
                sink(chunk)
    data = DemoData(
        people=list(CAST),
        interactions=interactions,
        spans=spans,
        lonely_weeks=sorted(lonely),
        generated_at=now.astimezone(UTC).replace(tzinfo=None, microsecond=0),
    )
    _practice(rng, zone, data, first, today, now_epoch)
    # Their own random stream: adding invitations leaves every other generated row as it was.
    data.invitations = _invitations(random.Random(seed * 7919 + 18), data, zone.utc(first, 0))
    data.phone = _phone(seed, first, today, lonely)
    return data


def _invitations(rng: random.Random, data: DemoData, start: datetime) -> list[DemoInvitation]:
    """A realistic few invitations (about one in ten days): leisure plans someone started became
    invitations a few days before, accepted and linked; one you gave was declined; one from Hannah
    waits for your answer, and one you gave got a maybe, both for the days ahead."""
    now = data.generated_at
    out: list[DemoInvitation] = []
    plans = [
        (n, i)
        for n, i in enumerate(data.interactions)
        if i.mode == "in-person" and not i.work and i.initiated in ("me", "them") and i.duration_min >= 60
    ]
    k = min(len(plans), max(2, (now - start).days // 10))
    for n, i in sorted(rng.sample(plans, k), key=lambda t: t[0]):
        made = i.happened_at - timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
        if made < start:
            continue
        out.append(
            DemoInvitation(
                "given" if i.initiated == "me" else "received",
                i.people,
                i.summary,
                made,
                i.happened_at,
                "yes",
                made + timedelta(hours=rng.randint(1, 20)),
                n,
            )
        )

    def evening(t: datetime) -> datetime:  # 18:00 UTC: an evening in Europe
        return t.replace(hour=18, minute=0, second=0, microsecond=0)

    if now - timedelta(days=14) >= start:
        made = now - timedelta(days=12, hours=3)
        out.append(
            DemoInvitation(
                "given",
                ("sam",),
                "the cinema",
                made,
                evening(made + timedelta(days=3)),
                "no",
                made + timedelta(hours=5),
            )
        )
    if now - timedelta(days=5) >= start:
        out.append(
            DemoInvitation(
                "received",
                ("hannah",),
                "birthday drinks",
                now - timedelta(days=4),
                evening(now + timedelta(days=3)),
                "pending",
                None,
            )
        )
        made = now - timedelta(days=1)
        out.append(
            DemoInvitation(
                "given",
                ("alex", "jo"),
                "board games",
                made,
                evening(now + timedelta(days=5)),
                "maybe",
                made + timedelta(hours=2),
            )
        )
    return sorted(out, key=lambda v: v.made_at)


def _phone(seed: int, first: date, today: date, lonely: set[date]) -> list[DemoPhone]:
    """Phone screen time as someone reports it on most evenings (not today: it is not over):
    about three hours a day, more at weekends and in lonely weeks, a third to a half of it
    social media, sometimes without the social figure. A generator of its own (seeded from SEED),
    so the rest of the demo stays what it was before phone time existed."""
    rng = random.Random(f"phone-{seed}")
    out = []
    day = first
    while day < today:
        if rng.random() < 0.85:
            mean = 170 + (35 if day.weekday() >= 5 else 0) + (45 if _monday(day) in lonely else 0)
            minutes = float(max(15, min(600, round(rng.gauss(mean, 45)))))
            social = None if rng.random() < 0.15 else float(round(minutes * rng.uniform(0.3, 0.5)))
            out.append(DemoPhone(day, minutes, social))
        day += timedelta(days=1)
    return out


def run(app, *, days: int, seed: int, force: bool) -> dict:
    """`offscreen demo`: generate DAYS days ending app.now() and replace earlier demo rows with them.

    Refuses (UserError) when the database holds data of the user's own, unless FORCE.
    """
    import time

    from tracker.errors import UserError
    from tracker.store import demo as store_demo
    from tracker.store import has_real_data

    def refuse_real_data(con) -> None:
        if has_real_data(con) and not force:
            raise UserError(
                f"{app.paths.db} already holds your own data; demo data would mix with it. "
                "Use another database (--db PATH or OFFSCREEN_HOME=/tmp/try), or --force"
            )

    with app.store(drain=True) as con:  # refuse before spending seconds on generation
        refuse_real_data(con)
    t0 = time.perf_counter()
    app.progress(f"Generating {days} days of demo data...")
    with store_demo.SpanFiles(app.paths.state_dir) as spans:
        # Outside the database lock; the spans stream into private files, never all in memory.
        data = stream(days, seed, app.now(), app.zone, spans.add)
        t1 = time.perf_counter()
        app.progress(f"Writing {spans.count} activity spans and {len(data.interactions)} interactions...")
        with app.store(drain=True) as con:
            refuse_real_data(con)  # again: the daemon may have drained real data meanwhile
            counts = store_demo.replace_demo(con, data, spans)
    t2 = time.perf_counter()
    counts.update(days=days, seed=seed, db=str(app.paths.db), generate_s=round(t1 - t0, 2), insert_s=round(t2 - t1, 2))
    return counts


ROUTINE = "Friday dinner"


def _practice(rng: random.Random, zone: _Zone, data: DemoData, first: date, today: date, now_epoch: int) -> None:
    """A weekly Friday-dinner routine over the generator's own dinners (up to 26 weeks back), and
    the daily check-ins, weekly UCLA-3 check-ins and Saturday unplug sessions of the same weeks."""
    weeks = max(1, min(26, (today - first).days // 7 - 1))
    start = _monday(today - timedelta(days=7 * weeks))
    now = datetime(1970, 1, 1) + timedelta(seconds=now_epoch)
    dinners = [i for i in data.interactions if i.summary == ROUTINE and i.happened_at >= zone.utc(start, 0)]
    counts: dict[str, int] = {}
    for i in dinners:
        i.routine = ROUTINE
        for k in i.people:
            counts[k] = counts.get(k, 0) + 1
    who = tuple(sorted(counts, key=lambda k: (-counts[k], k))[:2]) or ("sam", "alex")
    # One week off, announced: the latest complete week without a dinner is skipped, not missed.
    held_weeks = {_monday(zone.local_date(i.happened_at)) for i in dinners}
    complete = [start + timedelta(days=7 * w) for w in range(weeks) if start + timedelta(days=7 * (w + 1)) <= today]
    skip = next((w for w in reversed(complete) if w not in held_weeks), None)
    data.routines.append(DemoRoutine(ROUTINE, "week", 1, 4, start, who, ((skip, "holiday"),) if skip else ()))
    lonely = set(data.lonely_weeks)
    day = start
    while day < today:
        evening = zone.utc(day, _h(20) + rng.randint(0, 90) * 60)
        if rng.random() < 0.85:
            mood = max(1, min(5, round(rng.gauss(2.9 if _monday(day) in lonely else 3.6, 0.8))))
            connected = max(0, min(10, 2 * mood - 2 + rng.randint(-1, 2)))
            data.checkins.append(DemoCheckin(evening, mood=mood, connected=connected))
        if day.weekday() == 6:
            items = tuple(
                rng.choices([1, 2, 3], [3, 3, 3] if _monday(day) in lonely else [5, 3, 1])[0] for _ in range(3)
            )
            lonely_word = ["hardly ever", "occasionally", "some of the time"][min(2, sum(items) // 3 - 1)]
            data.checkins.append(
                DemoCheckin(evening + timedelta(minutes=5), ucla=(items[0], items[1], items[2]), lonely=lonely_word)
            )
        if day.weekday() == 5 and rng.random() < 0.6:
            s = zone.utc(day, _h(rng.choice([9, 13, 15])))
            data.unplug.append(DemoUnplug(s, s + timedelta(hours=2), s + timedelta(minutes=rng.choice([90, 120]))))
        day += timedelta(days=1)
    data.checkins = [c for c in data.checkins if c.at <= now]
    data.unplug = [u for u in data.unplug if u.end <= now]


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _interactions(rng: random.Random, zone: _Zone, first: date, days: int, lonely: set[date]) -> list[DemoInteraction]:
    out: list[DemoInteraction] = []

    def add(
        d,
        hour,
        minutes,
        mode,
        people,
        summary,
        *,
        closeness=None,
        place=None,
        initiated=None,
        phones=None,
        work=False,
        tags=(),
        note=None,
    ):
        out.append(
            DemoInteraction(
                summary=summary,
                happened_at=zone.utc(d, _h(hour)),
                duration_min=float(round(minutes)),
                mode=mode,
                people=tuple(people),
                closeness=closeness,
                place=place,
                initiated=initiated,
                phones_away=phones,
                work=work,
                tags=tuple(tags),
                note=note,
            )
        )

    def close(lo, hi, p_null=0.12):
        return None if rng.random() < p_null else rng.randint(lo, hi)

    # Per-person cadences: the next date something happens, drawn around a mean gap.
    next_due = {
        k: first + timedelta(days=rng.randint(0, g))
        for k, g in (
            ("parents", 24),
            ("hannah", 20),
            ("boardgames", 25),
            ("lena_in", 50),
            ("lena_video", 12),
            ("priya_video", 18),
            ("grandma", 10),
            ("nora", 90),
            ("tom", 8),
            ("priya_visit", 150),
        )
    }
    gaps = {
        "parents": (18, 40),
        "hannah": (18, 38),
        "boardgames": (24, 40),
        "lena_in": (45, 80),
        "lena_video": (10, 18),
        "priya_video": (14, 30),
        "grandma": (7, 16),
        "nora": (60, 150),
        "tom": (4, 14),
        "priya_visit": (200, 300),
    }

    def due(key, d):
        if d >= next_due[key]:
            next_due[key] = d + timedelta(days=rng.randint(*gaps[key]))
            return True
        return False

    friends = ("sam", "alex", "jo", "marco", "hannah", "ben", "chloe", "yusuf", "lena", "priya", "mum")
    for i in range(days):
        d = first + timedelta(days=i)
        wd = d.weekday()
        lone = _monday(d) in lonely
        social = 0.25 if lone else 1.0  # how likely leisure plans happen this week
        if wd < 5:
            if rng.random() < (0.2 if lone else 0.45):
                who = rng.sample(("kai", "mira", "felix"), rng.randint(1, 3))
                add(
                    d,
                    12.15 + rng.random() * 0.2,
                    rng.uniform(35, 60),
                    "in-person",
                    who,
                    "Lunch with colleagues",
                    closeness=close(2, 4),
                    place="canteen",
                    initiated=rng.choice(("me", "them", "mutual")),
                    phones=rng.choice(("partly", "no", "no")),
                    work=True,
                    tags=("lunch",),
                )
            if rng.random() < 0.3:
                add(
                    d,
                    15 + rng.random(),
                    rng.uniform(10, 25),
                    "in-person",
                    (rng.choice(("kai", "mira", "felix")),),
                    "Coffee at work",
                    closeness=close(2, 4, 0.3),
                    place="office kitchen",
                    initiated="mutual",
                    work=True,
                    tags=("coffee",),
                )
        if wd == 1 and rng.random() < 0.8 * social:
            add(
                d,
                18.5,
                rng.uniform(100, 140),
                "in-person",
                ("marco",),
                "Climbing",
                closeness=close(4, 6),
                place="Boulderhalle",
                initiated=rng.choice(("me", "them")),
                phones="yes",
                tags=("climbing", "sport"),
            )
        if wd == 4 and rng.random() < (0.3 if lone else 0.9):
            who = ["sam", "alex"] + (["jo"] if rng.random() < 0.7 else [])
            add(
                d,
                19 + rng.random() * 0.5,
                rng.uniform(140, 210),
                "in-person",
                who,
                "Friday dinner",
                closeness=close(5, 7, 0.05),
                place=rng.choice(("Luigi's", "Sam's place", "my place", "Alex's place")),
                initiated="mutual",
                phones=rng.choice(("yes", "yes", "partly")),
                tags=("friday-dinner", "routine"),
            )
        if wd == 6:
            add(
                d,
                18 + rng.random(),
                rng.uniform(15, 40),
                "voice",
                ("mum",),
                "Sunday call with Mum",
                closeness=close(4, 6),
                initiated=rng.choice(("me", "them")),
                tags=("family",),
            )
        if wd >= 5 and due("parents", d) and rng.random() < social + 0.3:
            add(
                d,
                12.5,
                rng.uniform(180, 300),
                "in-person",
                ("mum", "dad"),
                "Lunch at my parents'",
                closeness=close(5, 7),
                place="parents' house",
                initiated="them",
                phones=rng.choice(("yes", "partly")),
                tags=("family",),
            )
        if wd == 5 and due("hannah", d) and rng.random() < social:
            add(
                d,
                10.5,
                rng.uniform(70, 120),
                "in-person",
                ("hannah",),
                "Coffee and a walk with Hannah",
                closeness=close(4, 6),
                place="Tempelhofer Feld",
                initiated=rng.choice(("me", "them")),
                phones="yes",
                tags=("walk",),
            )
        if wd == 5 and due("boardgames", d) and rng.random() < social + 0.2:
            add(
                d,
                19,
                rng.uniform(180, 260),
                "in-person",
                ("ben", "chloe", "yusuf"),
                "Board games night",
                closeness=close(4, 6),
                place="Ben's flat",
                initiated="them",
                phones="partly",
                tags=("games",),
            )
        if wd == 5 and due("lena_in", d):
            add(
                d,
                14,
                rng.uniform(150, 300),
                "in-person",
                ("lena",),
                "Lena visiting",
                closeness=close(5, 7),
                place="my place",
                initiated="mutual",
                phones="yes",
                tags=("family",),
            )
        if wd == 6 and due("lena_video", d):
            add(
                d,
                20,
                rng.uniform(30, 70),
                "video",
                ("lena",),
                "Video call with Lena",
                closeness=close(4, 6),
                initiated=rng.choice(("me", "them")),
                tags=("family",),
            )
        if wd in (2, 6) and due("priya_video", d):
            add(
                d,
                20.5,
                rng.uniform(40, 90),
                "video",
                ("priya",),
                "Catch-up with Priya",
                closeness=close(4, 6),
                initiated=rng.choice(("me", "them")),
            )
        if wd == 5 and due("priya_visit", d):
            add(
                d,
                11,
                rng.uniform(300, 480),
                "in-person",
                ("priya", "sam"),
                "Priya back in town",
                closeness=close(6, 7, 0),
                place="the lake",
                initiated="them",
                phones="yes",
                tags=("visit",),
            )
        if due("grandma", d):
            add(
                d,
                17 + rng.random(),
                rng.uniform(15, 30),
                "voice",
                ("grandma",),
                "Called Grandma",
                closeness=close(4, 6),
                initiated="me",
                tags=("family",),
            )
        if wd >= 5 and due("nora", d) and rng.random() < social:
            add(
                d,
                16,
                rng.uniform(60, 120),
                "in-person",
                ("nora",),
                "Ran into Nora at the market",
                closeness=close(3, 5),
                place="market",
                initiated="them",
                phones="no",
            )
        if due("tom", d):
            add(
                d,
                18.2 + rng.random(),
                rng.uniform(4, 12),
                "in-person",
                ("tom",),
                "Chat in the stairwell",
                closeness=close(2, 4, 0.4),
                place="stairwell",
                initiated=rng.choice(("me", "them")),
                phones="no",
            )
        for _ in range(rng.choice((2, 3, 3, 4, 4, 5)) - (1 if lone else 0)):
            friend = rng.choice(friends)
            add(
                d,
                rng.uniform(9, 23),
                rng.uniform(3, 25),
                "text",
                (friend,),
                "Texting",
                closeness=close(2, 4, 0.5),
                initiated=rng.choice(("me", "them")),
            )
    return out


# Mean fun (1-5) by what it was: play and old friends laugh most, work lunches and texts less
# (laughter helped in most modes in Vlahovic, Roberts & Dunbar 2012, in person most).
_FUN_MEANS = {
    "Climbing": 4.3,
    "Board games night": 4.5,
    "Friday dinner": 4.2,
    "Priya back in town": 4.6,
    "Lunch with colleagues": 2.9,
    "Coffee at work": 2.7,
    "Chat in the stairwell": 2.6,
    "Texting": 2.5,
}
_FUN_BY_MODE = {"in-person": 3.8, "video": 3.5, "voice": 3.2, "text": 2.5}


def _fun(rng: random.Random, interactions: list[DemoInteraction]) -> None:
    """Fun ratings, from their own random stream so the rest of the story stays what it was:
    about as often rated as closeness, higher for play and in person, a little higher when close."""
    for i in interactions:
        if (i.closeness is None and rng.random() < 0.7) or rng.random() < 0.15:
            continue
        mean = _FUN_MEANS.get(i.summary, _FUN_BY_MODE[i.mode]) + (0.3 if (i.closeness or 0) >= 6 else 0)
        i.fun = max(1, min(5, round(rng.gauss(mean, 0.7))))


def _busy(interactions: list[DemoInteraction]) -> list[tuple[int, int]]:
    """In-person interactions (plus travel) as UTC epoch intervals when no screen is used."""
    out = []
    for i in interactions:
        if i.mode != "in-person":
            continue
        start = int((i.happened_at - datetime(1970, 1, 1)).total_seconds())
        end = int((ends_at(i.happened_at, i.duration_min) - datetime(1970, 1, 1)).total_seconds())
        travel = 0 if i.work else 1200
        out.append((start - travel, end + travel))
    out.sort()
    return out


def _subtract(lo: int, hi: int, busy: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces, t = [], lo
    for b0, b1 in busy:
        if b1 <= t or b0 >= hi:
            continue
        if b0 > t:
            pieces.append((t, b0))
        t = max(t, b1)
    if t < hi:
        pieces.append((t, hi))
    return pieces


def _spans(rng, zone, first, days, lonely, interactions, now_epoch, chunk_days: int) -> Iterator[list[Span]]:
    """The spans of CHUNK_DAYS days at a time, each chunk sorted; the random draws are the same
    whatever the chunk size."""
    busy = _busy(interactions)
    spans: list[Span] = []  # this chunk's
    emit = spans.append
    last: Span | None = None  # the last span emitted before this chunk
    prev_end: int | None = None  # end of the previous day's last block (for the night)

    for i in range(days):
        d = first + timedelta(days=i)
        wd = d.weekday()
        lone = _monday(d) in lonely
        blocks: list[tuple[float, float, str]] = []  # (start h, end h, kind) local
        if wd < 5:
            ws = rng.gauss(9.0, 0.35)
            lunch = rng.gauss(12.1, 0.15)
            we = rng.gauss(17.8, 0.5)
            blocks += [(ws, lunch, "work"), (lunch + rng.uniform(0.75, 1.1), we, "work")]
            if rng.random() < 0.1:
                blocks.append((we + 0.3, we + 1.2, "leisure"))
        else:
            if rng.random() < 0.7:
                s = rng.uniform(9.5, 11)
                blocks.append((s, s + rng.uniform(1, 2.5), "leisure"))
            if rng.random() < (0.8 if lone else 0.4):
                s = rng.uniform(14, 15.5)
                blocks.append((s, s + rng.uniform(1.5, 3), "leisure"))
            if rng.random() < 0.08:
                blocks.append((15.5, 17.5, "work"))
        ev = rng.uniform(19.5, 20.5) if wd < 5 else rng.uniform(19, 21)
        length = rng.uniform(1.5, 3.5) + (rng.uniform(1.5, 2.5) if lone else 0) + (0.5 if wd >= 4 else 0)
        blocks.append((ev, ev + length, "leisure"))
        blocks = _no_overlap(blocks)

        day_first: int | None = None
        for bs, be, kind in blocks:
            lo, hi = zone.epoch(d, _h(bs)), zone.epoch(d, _h(be))
            hi = min(hi, now_epoch)
            if hi - lo < 60:
                continue
            mix = _WORK_MIX if kind == "work" else (_LONELY_MIX if lone else _LEISURE_MIX)
            pieces = _subtract(lo, hi, busy)
            for n, (p0, p1) in enumerate(pieces):
                if day_first is None:
                    day_first = p0
                    if prev_end is not None and p0 - prev_end > 3600 and rng.random() < 0.7:
                        emit((prev_end, p0, "", None, "asleep"))  # lid closed overnight: suspended
                _fill(rng, p0, p1, mix, emit)
                if n + 1 < len(pieces) and kind == "work":
                    emit((p1, pieces[n + 1][0], "", None, "locked"))  # left the desk to meet someone
            if kind == "work" and bs < 12.5 and pieces:  # lunch: idle then locked until the afternoon
                nxt = [b for b in blocks if b[0] > bs]
                if nxt:
                    l0 = pieces[-1][1]
                    l1 = min(zone.epoch(d, _h(nxt[0][0])), now_epoch)
                    if l1 - l0 > 400 and l0 == hi:
                        p = spans[-1] if spans else last
                        emit((l0, l0 + 180, p[2] if p else "", p[3] if p else None, "idle"))
                        emit((l0 + 180, l1, "", None, "locked"))
        tail = spans[-1] if spans else last
        if tail is not None:
            prev_end = tail[1]
        if (i + 1) % chunk_days == 0 or i + 1 == days:
            if spans:
                last = spans[-1]
            spans.sort()
            yield spans
            spans = []
            emit = spans.append


def _no_overlap(blocks: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Sort blocks and trim each to start a quarter hour after the previous one ends."""
    out: list[tuple[float, float, str]] = []
    for bs, be, kind in sorted(blocks):
        if out and bs < out[-1][1] + 0.25:
            bs = out[-1][1] + 0.25
        if be - bs > 0.1:
            out.append((bs, be, kind))
    return out


def _fill(rng: random.Random, lo: int, hi: int, mix, emit) -> None:
    """Fill [lo, hi) with app sessions split at title changes (and at most MAX_SPAN_S), some idle."""
    t = lo
    app, title = "", None
    while hi - t >= 2:
        if app and rng.random() < 0.012:
            idle = min(hi - t, int(rng.uniform(180, 1500)))
            emit((t, t + idle, app, title, "idle"))
            t += idle
            continue
        _, app, titles, mean_session, mean_change = _pick(rng, mix)
        session_end = min(hi, t + 3 + int(rng.expovariate(1 / mean_session)))
        while t < session_end:
            title = rng.choice(titles)
            step = min(MAX_SPAN_S, 2 + int(rng.expovariate(1 / (mean_change * 0.7))))
            end = min(session_end, t + step)
            if any(w in title for w in WATCHED) and end - t > WATCH_AFTER:
                # A film plays without input: idle_after of active use, then watching (issue 15).
                emit((t, t + WATCH_AFTER, app, title, "active"))
                emit((t + WATCH_AFTER, end, app, title, "watching"))
            else:
                emit((t, end, app, title, "active"))
            t = end
