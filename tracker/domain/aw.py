"""ActivityWatch's export file (issue 15), pure: the file's text and the privacy rules in, offscreen's
activity spans and phone minutes per local day out.

The shape (aw-server and aw-server-rust, `GET /api/0/export` and the web UI's export):
`{"buckets": {BUCKET_ID: {"id", "type", "client", "hostname", "created", "events": [...]}}}`;
aw-server-rust adds `metadata`, `last_updated`, `data` and event `id`s, which are ignored. An event is
`{"timestamp": ISO 8601 with an offset or Z, "duration": seconds (a float), "data": {...}}`, newest
first. Bucket types read: `currentwindow` (aw-watcher-window: data app, title; aw-watcher-android,
client "aw-watcher-android": app, package, classname) and `afkstatus` (aw-watcher-afk: status
"afk" or "not-afk"). Any other type (web tabs, editors, unlocks) is listed and skipped.

The rules:
- Time is never counted twice: within a bucket, and across the buckets of one kind on one host,
  events are taken oldest first and one that starts inside an earlier one is cut to start where
  that one ends.
- On a host with an AFK bucket, active time is window time while not-afk, ActivityWatch's own rule
  (window events intersected with not-afk periods); afk time is idle. Window time the AFK watcher
  did not see, and not-afk time without a window event, are left out: neither watcher vouches for it.
- A host without an AFK bucket has only its window events to go on: they count as active.
- Hosts are merged into one timeline, as offscreen's dashboard counts one person's time: active on
  any host beats idle on another, and between two of the same state the one that began first keeps
  the overlap.
- A span's id is a hash of (host, bucket, its start), so importing the same file again replaces
  every span by id and adds nothing.
- The privacy rules (tracker.domain.privacy.apply) are applied to every event as it is read, so a
  title the rules drop is never held, let alone stored.
- aw-watcher-android buckets become phone minutes per local day (the calendar of
  tracker.domain.times): the union of all of them, so two phone buckets never add up to more than
  the time that passed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from tracker.config import Privacy
from tracker.domain import privacy as priv
from tracker.domain.times import Calendar, TimeRefused, check_range
from tracker.errors import UserError

WINDOW = "currentwindow"
AFK = "afkstatus"
ANDROID_CLIENT = "aw-watcher-android"
# One event longer than a year is a broken file, not a record (and keeps datetime arithmetic finite).
MAX_EVENT_SECONDS = 366 * 86400
_WS = re.compile(r"[ \t\n\r]*")

# An event as read: (start, end) in UTC epoch seconds, then app, title (privacy applied) and status.
Event = tuple[float, float, str | None, str | None, str | None]


class AwFileError(UserError):
    """An ActivityWatch export that cannot be read: the message names the bucket and the event."""


@dataclass
class Bucket:
    id: str
    type: str | None = None
    client: str = ""
    hostname: str = "unknown"
    events: list[Event] = field(default_factory=list)

    @property
    def kind(self) -> str | None:
        """'window', 'afk', 'android', or None for a type offscreen does not read."""
        if self.type == WINDOW:
            android = self.client == ANDROID_CLIENT or self.id.startswith(ANDROID_CLIENT)
            return "android" if android else "window"
        return "afk" if self.type == AFK else None


@dataclass(frozen=True, slots=True)
class Span:
    start: float
    end: float
    state: str  # 'active' or 'idle'
    app: str | None
    title: str | None
    host: str
    bucket: str
    span_id: str


def span_id(host: str, bucket: str, start: float) -> str:
    """The id of the span of HOST's BUCKET that starts at START: the same file gives the same ids."""
    key = f"{host}\0{bucket}\0{start!r}".encode("utf-8", "surrogatepass")
    return "aw-" + hashlib.blake2b(key, digest_size=12).hexdigest()


def _span(start: float, end: float, state: str, app: str | None, title: str | None, host: str, bucket: str) -> Span:
    return Span(start, end, state, app, title, host, bucket, span_id(host, bucket, start))


@dataclass
class Plan:
    """What a file holds, ready to store."""

    buckets: list[Bucket]
    spans: list[Span]
    phone: dict[date, float]  # local day -> phone minutes
    phone_intervals: list[tuple[float, float]]

    @property
    def skipped(self) -> list[Bucket]:
        return [b for b in self.buckets if b.kind is None]

    @property
    def hosts(self) -> list[str]:
        return sorted({b.hostname for b in self.buckets if b.kind in ("window", "afk")})

    def bounds(self) -> tuple[float, float] | None:
        """The first start and the last end of every span and phone interval (UTC epoch), if any."""
        firsts = [s.start for s in self.spans[:1]] + [p[0] for p in self.phone_intervals[:1]]
        lasts = [s.end for s in self.spans[-1:]] + [p[1] for p in self.phone_intervals[-1:]]
        return (min(firsts), max(lasts)) if firsts else None


# --- reading the file ---------------------------------------------------------------------------


class _Reader:
    """Walks the export object by object: the buckets' members are read one at a time and each event
    is turned into a small tuple at once, so the parsed file never exists as one tree of dicts
    (a year of ActivityWatch is ~500,000 events; see bench/bench_aw_import.py)."""

    def __init__(self, text: str, where: str, privacy: Privacy) -> None:
        self.s = text
        self.where = where
        self.privacy = privacy
        self.dec = json.JSONDecoder()
        self.pos = 0
        self._seen: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
        self._status: dict[str, str] = {}

    # JSON structure

    def fail(self, i: int, what: str) -> AwFileError:
        line = self.s.count("\n", 0, i) + 1
        col = i - self.s.rfind("\n", 0, i)
        return AwFileError(f"{self.where} is not valid JSON at line {line}, column {col}: {what}")

    def ws(self, i: int) -> int:
        m = _WS.match(self.s, i)
        assert m is not None  # the pattern matches the empty string
        return m.end()

    def value(self, i: int) -> tuple[object, int]:
        try:
            return self.dec.raw_decode(self.s, i)
        except json.JSONDecodeError as e:
            raise self.fail(e.pos, e.msg) from None
        except RecursionError:
            raise self.fail(i, "nested too deeply") from None

    def members(self, i: int, what: str) -> Iterator[str]:
        """Each key of the object at I; the caller reads its value at self.pos and moves self.pos past it."""
        s = self.s
        i = self.ws(i)
        if s[i : i + 1] != "{":
            raise AwFileError(f"{self.where}: {what} is not a JSON object")
        i = self.ws(i + 1)
        if s[i : i + 1] == "}":
            self.pos = i + 1
            return
        while True:
            if s[i : i + 1] != '"':
                raise self.fail(i, "expected a key in double quotes")
            key, i = self.value(i)
            assert isinstance(key, str)  # it began with a double quote
            i = self.ws(i)
            if s[i : i + 1] != ":":
                raise self.fail(i, "expected ':'")
            self.pos = self.ws(i + 1)
            yield key
            i = self.ws(self.pos)
            c = s[i : i + 1]
            if c == "}":
                self.pos = i + 1
                return
            if c != ",":
                raise self.fail(i, "expected ',' or '}'")
            i = self.ws(i + 1)

    def elements(self, i: int, what: str) -> Iterator[int]:
        """Each index of the array at I; the caller reads the element at self.pos and moves past it."""
        s = self.s
        i = self.ws(i)
        if s[i : i + 1] != "[":
            raise AwFileError(f"{self.where}: {what} is not a JSON array")
        i = self.ws(i + 1)
        if s[i : i + 1] == "]":
            self.pos = i + 1
            return
        n = 0
        while True:
            self.pos = i
            yield n
            n += 1
            i = self.ws(self.pos)
            c = s[i : i + 1]
            if c == "]":
                self.pos = i + 1
                return
            if c != ",":
                raise self.fail(i, "expected ',' or ']'")
            i = self.ws(i + 1)

    def skip(self) -> object:
        value, self.pos = self.value(self.pos)
        return value

    # The export

    def read(self) -> list[Bucket]:
        buckets: dict[str, Bucket] = {}
        found = False
        for key in self.members(0, "the file"):
            if key != "buckets":
                self.skip()
                continue
            found = True
            for bid in self.members(self.pos, '"buckets"'):
                if bid in buckets:
                    raise AwFileError(f"{self.where}: bucket {bid!r} appears twice")
                buckets[bid] = self.bucket(bid)
        if self.ws(self.pos) != len(self.s):
            raise self.fail(self.ws(self.pos), "extra data after the export object")
        if not found:
            raise AwFileError(
                f'{self.where} has no "buckets" object: expected an ActivityWatch export '
                "(Settings > Export all buckets, or curl http://localhost:5600/api/0/export)"
            )
        return list(buckets.values())

    def bucket(self, bid: str) -> Bucket:
        b = Bucket(bid)
        for key in self.members(self.pos, f"bucket {bid!r}"):
            if key == "events":
                for n in self.elements(self.pos, f'the "events" of bucket {bid!r}'):
                    ev, self.pos = self.value(self.pos)
                    b.events.append(self.event(bid, n, ev))
                continue
            value = self.skip()
            if key in ("type", "client", "hostname"):
                if not isinstance(value, str):
                    raise AwFileError(f"{self.where}: bucket {bid!r}: {key} is not a string")
                setattr(b, key, value)
        if b.type is None:
            raise AwFileError(f"{self.where}: bucket {bid!r} has no type")
        self.check_kind(b)
        return b

    def bad(self, bid: str, n: int, what: str) -> AwFileError:
        return AwFileError(f"{self.where}: bucket {bid!r}, event {n}: {what}")

    def event(self, bid: str, n: int, ev: object) -> Event:
        if not isinstance(ev, dict):
            raise self.bad(bid, n, "is not a JSON object")
        ts, dur, data = ev.get("timestamp"), ev.get("duration"), ev.get("data", {})
        if not isinstance(ts, str):
            raise self.bad(bid, n, "has no timestamp")
        try:
            if not ts.isascii():  # fromisoformat reads other scripts' digits too
                raise ValueError
            start = datetime.fromisoformat(ts)
        except ValueError:
            raise self.bad(bid, n, f"timestamp {ts!r} is not ISO 8601") from None
        if start.tzinfo is None:
            raise self.bad(bid, n, f"timestamp {ts!r} has no UTC offset")
        if not isinstance(dur, int | float) or isinstance(dur, bool) or not 0 <= dur <= MAX_EVENT_SECONDS:
            raise self.bad(bid, n, f"duration {dur!r} is not a number of seconds from 0 to {MAX_EVENT_SECONDS}")
        if not isinstance(data, dict):
            raise self.bad(bid, n, "data is not a JSON object")
        try:
            check_range(start, ts)
            if start.year >= LATEST_YEAR_CHECK:
                check_range(start + timedelta(seconds=dur), ts)
        except TimeRefused as e:
            raise self.bad(bid, n, str(e)) from None
        app, title, status = data.get("app"), data.get("title"), data.get("status")
        for name, v in (("app", app), ("title", title), ("status", status)):
            if v is not None and not isinstance(v, str):
                raise self.bad(bid, n, f"data.{name} is not a string")
        pair = (app, title)
        kept = self._seen.get(pair)
        if kept is None:
            # Once per distinct (app, title): privacy rules are regexes, and titles repeat all day.
            a, t, _ = priv.apply(app, title, None, self.privacy)
            kept = self._seen[pair] = (a, t)
        if status is not None:
            status = self._status.setdefault(status, status)
        s = start.timestamp()
        return (s, s + float(dur), kept[0], kept[1], status)

    def check_kind(self, b: Bucket) -> None:
        if b.kind == "afk":
            for n, ev in enumerate(b.events):
                if ev[4] not in ("afk", "not-afk"):
                    raise self.bad(b.id, n, f"status {ev[4]!r} is neither 'afk' nor 'not-afk'")


# A start in this year or later may end after LATEST (check_range's ceiling); earlier ones cannot
# (events last at most MAX_EVENT_SECONDS).
LATEST_YEAR_CHECK = 2198


def read(text: str, where: str, privacy: Privacy) -> list[Bucket]:
    """The buckets of an ActivityWatch export's TEXT, privacy applied; AwFileError naming WHERE,
    the bucket and the event for anything malformed."""
    return _Reader(text, where, privacy).read()


# --- intervals ------------------------------------------------------------------------------------


def _clip(evs: list) -> list:
    """Sorted by start; each item cut to begin where the ones before it end (first come keeps the time)."""
    out = []
    cursor = -math.inf
    for e in evs:
        s, en = e[0], e[1]
        if s < cursor:
            if en > cursor:
                out.append((cursor, en, *e[2:]))
        elif en > s:
            out.append(e)
        cursor = max(cursor, en)
    return out


def _union(evs: list) -> list[tuple[float, float]]:
    """Sorted by start -> disjoint (start, end) covering the same time."""
    out: list[list[float]] = []
    for e in evs:
        if out and e[0] <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e[1])
        elif e[1] > e[0]:
            out.append([e[0], e[1]])
    return [(a, b) for a, b in out]


def _intersect(items: list, periods: list[tuple[float, float]]) -> list:
    """The parts of disjoint sorted ITEMS inside disjoint sorted PERIODS."""
    out = []
    j, n = 0, len(periods)
    for x in items:
        s, e = x[0], x[1]
        while j < n and periods[j][1] <= s:
            j += 1
        k = j
        while k < n and periods[k][0] < e:
            lo, hi = max(s, periods[k][0]), min(e, periods[k][1])
            if hi > lo:
                out.append((lo, hi, *x[2:]))
            k += 1
    return out


def subtract(items: list, taken: list[tuple[float, float]]) -> list:
    """The parts of disjoint sorted ITEMS outside disjoint sorted TAKEN."""
    out = []
    j, n = 0, len(taken)
    for x in items:
        s, e = x[0], x[1]
        while j < n and taken[j][1] <= s:
            j += 1
        k, cur = j, s
        while k < n and taken[k][0] < e:
            if taken[k][0] > cur:
                out.append((cur, taken[k][0], *x[2:]))
            cur = max(cur, taken[k][1])
            k += 1
        if cur < e:
            out.append((cur, e, *x[2:]) if cur != s else x)
    return out


def _kind_events(buckets: list[Bucket]) -> list:
    """Every event of BUCKETS as (start, end, app, title, status, bucket id), clipped into one timeline."""
    evs = [(*ev, b.id) for b in buckets for ev in b.events]
    evs.sort(key=lambda e: (e[0], e[5]))
    return _clip(evs)


def _host_spans(host: str, buckets: list[Bucket]) -> tuple[list, list]:
    """(active, idle) of one host as sorted (start, end, app, title, host, bucket) tuples."""
    window = _kind_events([b for b in buckets if b.kind == "window"])
    afk_buckets = [b for b in buckets if b.kind == "afk"]
    act = [(e[0], e[1], e[2], e[3], host, e[5]) for e in window]
    if not afk_buckets:
        return act, []
    afk = _kind_events(afk_buckets)
    present = _union([e for e in afk if e[4] == "not-afk"])
    idle = [(e[0], e[1], None, None, host, e[5]) for e in afk if e[4] == "afk"]
    return _intersect(act, present), idle


def plan(buckets: list[Bucket], cal: Calendar) -> Plan:
    """The spans and phone minutes BUCKETS hold, by the rules in the module docstring."""
    by_host: dict[str, list[Bucket]] = {}
    for b in buckets:
        if b.kind in ("window", "afk"):
            by_host.setdefault(b.hostname, []).append(b)
    active: list = []
    idle: list = []
    for host in sorted(by_host):
        a, i = _host_spans(host, by_host[host])
        active += a
        idle += i
    active.sort(key=lambda e: (e[0], e[4]))
    active = _clip(active)
    idle.sort(key=lambda e: (e[0], e[4]))
    idle = subtract(_clip(idle), _union(active))
    spans = [_span(s, e, "active", app, title, h, b) for s, e, app, title, h, b in active]
    spans += [_span(s, e, "idle", None, None, h, b) for s, e, _, _, h, b in idle]
    spans.sort(key=lambda sp: sp.start)
    phone_iv = _union(sorted((ev[0], ev[1]) for b in buckets if b.kind == "android" for ev in b.events))
    return Plan(buckets, spans, phone_minutes(phone_iv, cal), phone_iv)


def without(spans: list[Span], taken: list[tuple[float, float]]) -> list[Span]:
    """SPANS minus the time in TAKEN (sorted, possibly overlapping): what offscreen recorded itself wins."""
    if not taken:
        return spans
    rows = subtract([(s.start, s.end, s) for s in spans], _union(taken))
    return [r[2] if r[0] == r[2].start and r[1] == r[2].end else _moved(r[2], r[0], r[1]) for r in rows]


def _moved(sp: Span, start: float, end: float) -> Span:
    return _span(start, end, sp.state, sp.app, sp.title, sp.host, sp.bucket)


def phone_minutes(intervals: list[tuple[float, float]], cal: Calendar) -> dict[date, float]:
    """Disjoint sorted INTERVALS (UTC epoch) as minutes per local day of CAL."""
    out: dict[date, float] = {}
    lo = hi = -math.inf
    day: date | None = None
    for s, e in intervals:
        while s < e:
            if not lo <= s < hi:
                day = cal.day_of(datetime.fromtimestamp(s, UTC))
                a, b = cal.day_bounds(day)
                lo, hi = a.timestamp(), b.timestamp()
            assert day is not None
            cut = min(e, hi)
            out[day] = out.get(day, 0.0) + (cut - s) / 60
            s = cut
    # The day the clocks go back has 25 hours; a phone figure is at most a day's 24 (phone_time's CHECK).
    return {d: min(round(m, 3), 1440.0) for d, m in sorted(out.items())}
