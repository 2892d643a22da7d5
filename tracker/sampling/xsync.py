"""The few requests of the X SYNC extension that idle detection needs, as a python-xlib binding.

python-xlib 0.33 has no SYNC module. The server keeps system counters; IDLETIME counts the
milliseconds since the last input and drops to 0 on input. An alarm on it sends one AlarmNotify
event when its test becomes true (a comparison with delta 0 then goes Inactive until ChangeAlarm),
so idle detection costs no round trip while nothing happens. Layout: the X Synchronization
Extension Protocol, version 3.1 (requests 0, 1, 5, 8, 9, 11; event 1).
"""

from __future__ import annotations

import struct
from typing import Any, NamedTuple

from Xlib.protocol import rq

EXTNAME = "SYNC"
ABSOLUTE = 0  # value types
POSITIVE_COMPARISON, NEGATIVE_COMPARISON = 2, 3  # test types (0, 1: the transitions)
ALL_ATTRIBUTES = 0x3F  # counter, value type, value, test type, delta, events (in that order)
ALARM_NOTIFY = 1  # event offset from the extension's first event


class SyncUnavailable(Exception):
    """The server lacks SYNC or the counter asked for."""


def _split(value: int) -> tuple[int, int]:
    """A 64-bit INT64 as (signed high word, unsigned low word)."""
    return value >> 32, value & 0xFFFFFFFF


class _Counters:
    """LISTofSYSTEMCOUNTER: each entry is 14 bytes plus its name, padded to 4 as a whole (which
    rq.String8 cannot say), so it is parsed here."""

    structcode = None

    @staticmethod
    def parse_binary(data: Any, display: Any) -> tuple[tuple[int, str], Any]:
        counter, _res_hi, _res_lo, n = struct.unpack("=LlLH", data[:14])
        name = bytes(data[14 : 14 + n]).decode("latin-1")
        return (counter, name), data[(14 + n + 3) & ~3 :]


class Initialize(rq.ReplyRequest):
    _request = rq.Struct(
        rq.Card8("opcode"), rq.Opcode(0), rq.RequestLength(), rq.Card8("major"), rq.Card8("minor"), rq.Pad(2)
    )
    _reply = rq.Struct(
        rq.ReplyCode(), rq.Pad(1), rq.Card16("sequence_number"), rq.ReplyLength(), rq.Card8("major"),
        rq.Card8("minor"), rq.Pad(22),
    )  # fmt: skip


class ListSystemCounters(rq.ReplyRequest):
    _request = rq.Struct(rq.Card8("opcode"), rq.Opcode(1), rq.RequestLength())
    _reply = rq.Struct(
        rq.ReplyCode(), rq.Pad(1), rq.Card16("sequence_number"), rq.ReplyLength(), rq.LengthOf("counters", 4),
        rq.Pad(20), rq.List("counters", _Counters, pad=0),
    )  # fmt: skip


class QueryCounter(rq.ReplyRequest):
    _request = rq.Struct(rq.Card8("opcode"), rq.Opcode(5), rq.RequestLength(), rq.Card32("counter"))
    _reply = rq.Struct(
        rq.ReplyCode(), rq.Pad(1), rq.Card16("sequence_number"), rq.ReplyLength(), rq.Int32("hi"), rq.Card32("lo"),
        rq.Pad(16),
    )  # fmt: skip


def _alarm_request(opcode: int) -> rq.Struct:
    # Every attribute, always (ALL_ATTRIBUTES): a fixed layout instead of a value list.
    return rq.Struct(
        rq.Card8("opcode"), rq.Opcode(opcode), rq.RequestLength(), rq.Card32("alarm"), rq.Card32("mask"),
        rq.Card32("counter"), rq.Card32("value_type"), rq.Int32("value_hi"), rq.Card32("value_lo"),
        rq.Card32("test_type"), rq.Int32("delta_hi"), rq.Card32("delta_lo"), rq.Card32("events"),
    )  # fmt: skip


class CreateAlarm(rq.Request):
    _request = _alarm_request(8)


class ChangeAlarm(rq.Request):
    _request = _alarm_request(9)


class DestroyAlarm(rq.Request):
    _request = rq.Struct(rq.Card8("opcode"), rq.Opcode(11), rq.RequestLength(), rq.Card32("alarm"))


class AlarmNotify(rq.Event):
    _code = None
    _fields = rq.Struct(
        rq.Card8("type"), rq.Card8("kind"), rq.Card16("sequence_number"), rq.Card32("alarm"),
        rq.Int32("counter_hi"), rq.Card32("counter_lo"), rq.Int32("alarm_hi"), rq.Card32("alarm_lo"),
        rq.Card32("time"), rq.Card8("state"), rq.Pad(3),
    )  # fmt: skip


class Alarm(NamedTuple):
    """What an AlarmNotify says: which alarm, and the counter's value when it triggered."""

    alarm: int
    counter_value: int


class Sync:
    """SYNC on one python-xlib Display: init() once, then counters, queries and alarms."""

    def __init__(self, d):
        """Ask the server for SYNC (one round trip) and register its event; SyncUnavailable without it."""
        info = d.query_extension(EXTNAME)
        if info is None or not info.present:
            raise SyncUnavailable("the X server has no SYNC extension")
        self.d, self.opcode = d, info.major_opcode
        d.display.set_extension_major(EXTNAME, info.major_opcode)
        self.event_code = info.first_event + ALARM_NOTIFY
        d.extension_add_event(self.event_code, AlarmNotify)
        Initialize(display=d.display, opcode=self.opcode, major=3, minor=1)

    def counter(self, name: str) -> int:
        """The id of the system counter NAME (e.g. IDLETIME); SyncUnavailable when there is none."""
        reply = ListSystemCounters(display=self.d.display, opcode=self.opcode)
        for cid, cname in reply.counters:
            if cname == name:
                return cid
        raise SyncUnavailable(f"the X server's SYNC has no {name} counter")

    def query(self, counter: int) -> int:
        """The counter's value now (a round trip)."""
        r = QueryCounter(display=self.d.display, opcode=self.opcode, counter=counter)
        return (r.hi << 32) | r.lo

    def _alarm(self, cls, alarm: int, counter: int, value: int, test: int, onerror=None) -> None:
        hi, lo = _split(value)
        cls(
            display=self.d.display, onerror=onerror, opcode=self.opcode, alarm=alarm, mask=ALL_ATTRIBUTES,
            counter=counter, value_type=ABSOLUTE, value_hi=hi, value_lo=lo, test_type=test, delta_hi=0, delta_lo=0,
            events=1,
        )  # fmt: skip

    def create_alarm(self, counter: int, value: int, test: int, onerror=None) -> int:
        """A new alarm on COUNTER (absolute VALUE, TEST, delta 0, events on); returns its id. ONERROR:
        a python-xlib error catcher (the request has no reply: an error arrives later)."""
        alarm = self.d.display.allocate_resource_id()
        self._alarm(CreateAlarm, alarm, counter, value, test, onerror)
        return alarm

    def change_alarm(self, alarm: int, counter: int, value: int, test: int) -> None:
        """Re-arm ALARM with a new VALUE and TEST (it becomes Active again)."""
        self._alarm(ChangeAlarm, alarm, counter, value, test)

    def destroy_alarm(self, alarm: int) -> None:
        DestroyAlarm(display=self.d.display, opcode=self.opcode, alarm=alarm)

    def parse(self, ev) -> Alarm | None:
        """The alarm event EV as an Alarm, or None when EV is not one."""
        if ev.type & 0x7F != self.event_code:  # the high bit marks a SendEvent
            return None
        return Alarm(ev.alarm, (ev.counter_hi << 32) | ev.counter_lo)
