"""The activity daemon's loop: sample, merge into spans, queue them, never touch DuckDB.

Everything it talks to is injected (clock, sampler factory, queue, drain spawner, notifier, log),
so the loop runs the same under tests. Event-driven (issue 14): it sleeps until the earliest of the
sampler's deadline() (a sampler without one is polled every interval), the next heartbeat (every
HEARTBEAT_EVERY s while the open span is screen time), the watchdog ping, the drain schedule and a
backoff retry -- or until a file descriptor wakes it: the display's, the signal wakeup pipe
(SIGTERM, SIGHUP, SIGCHLD of the drain child), the media players' bus, logind's. A quiet desktop
thus wakes it only at the watchdog's pace. Each wake: observe -> privacy -> SpanBuilder -> queue
(closed spans at once, the open span when it opens and every PERSIST_EVERY s while it counts) ->
heartbeat (the open span's end, one pwrite; a SIGKILL loses at most HEARTBEAT_EVERY s of screen
time) -> status file (on change only) -> drain child. Losing the display is logged and retried with
backoff (1 s doubling to 60 s).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import __version__
from tracker import config as config_mod
from tracker.daemon import lock
from tracker.daemon.sdnotify import Notifier
from tracker.domain import privacy, times, watching
from tracker.domain.spans import Sample, SpanBuilder, Tick
from tracker.errors import ConfigError
from tracker.paths import atomic_write
from tracker.sampling import DisplayLost, NoDisplay, Observation, Sampler, Window
from tracker.sampling.procs import parent_pid

if TYPE_CHECKING:
    from tracker.daemon.queue import Queue
    from tracker.paths import Paths
    from tracker.sampling.logind import LockHint
    from tracker.sampling.mpris import MediaWatch

HEARTBEAT_EVERY = 2.0  # s between heartbeats while time counts (a SIGKILL loses at most ~this)
PERSIST_EVERY = 60.0  # s between SQLite writes of the open span while it counts (what a power loss loses)
SYNC_EVERY = 60.0  # s after a queue write before the WAL is checkpointed (fsync: power loss)
SAY_EVERY = 60.0  # s before the same warning is logged again
MIN_GAP = 0.05  # s between two samples, however many X events arrive
SLACK = 0.005  # s: a timer firing this early counts as due (no second wake for a hair)
MAX_WAIT = 3600.0  # s: the longest sleep, when nothing at all is scheduled
BACKOFF_MAX = 60.0
RETURN_AFTER = 1800.0  # s away (idle, locked, asleep) after which a return drains and nudges at once
DRAIN_WAIT = 60.0  # s shutdown waits for its final drain
PENDING_MAX = 20_000  # closed spans kept in memory while the queue cannot be written (a day of busy switching)
SCREEN = ("active", "watching")  # the states that count as screen time

LEVELS = {"debug": 7, "info": 6, "warning": 4, "error": 3}


class Log:
    """One line per event on stderr: `<6>offscreen: msg` under journald, `INFO msg` otherwise."""

    def __init__(self, stream=None, level: str | None = None, journal: bool | None = None):
        self.stream = stream or sys.stderr
        name = (level or os.environ.get("LOG_LEVEL") or "info").lower()
        self.max = LEVELS.get({"warn": "warning", "err": "error"}.get(name, name), 6)
        self.journal = bool(os.environ.get("JOURNAL_STREAM")) if journal is None else journal

    def __call__(self, level: str, message: str) -> None:
        prio = LEVELS[level]
        if prio > self.max:
            return
        line = " ".join(message.split())
        prefix = f"<{prio}>offscreen: " if self.journal else f"{level.upper()} "
        try:
            self.stream.write(prefix + line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


class Clock:
    """The real clocks (tests inject their own, and count the loop's wakes through them)."""

    def tick(self) -> Tick:
        return Tick(time.time(), time.monotonic(), time.clock_gettime(time.CLOCK_BOOTTIME))

    def monotonic(self) -> float:
        return time.monotonic()


def iso(epoch: float | None, zone: tzinfo) -> str | None:
    """EPOCH as local ISO 8601 with its offset, for the status file."""
    if epoch is None:
        return None
    return times.in_zone(datetime.fromtimestamp(epoch, UTC), zone).isoformat(timespec="seconds")


class Settings:
    """What the loop needs from the configuration and the command line (a plain class: no dataclasses
    in the daemon, issue 14)."""

    __slots__ = ("categories", "count_watching", "display", "drain_every", "idle_after", "interval", "privacy")

    def __init__(
        self,
        interval: float,
        idle_after: float,
        drain_every: float,
        privacy: config_mod.Privacy,
        display: str | None = None,
        categories: config_mod.Categories | None = None,  # used at query time; kept to log changes
        count_watching: bool = True,  # a playing video in front without input is `watching`, not idle
    ):
        self.interval, self.idle_after, self.drain_every = interval, idle_after, drain_every
        self.privacy, self.display, self.categories = privacy, display, categories
        self.count_watching = count_watching

    def __repr__(self) -> str:
        return "Settings(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


class Daemon:
    """The loop and everything it keeps between wakes; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        open_sampler: Callable[[], Sampler],
        queue: Queue,
        status_path: Path,
        log: Log | None = None,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        spawn_drain: Callable[[], int] | None = None,  # starts a drain child, returns its pid
        reload_config: Callable[[], config_mod.Config] | None = None,
        flags: dict | None = None,  # settings given on the command line win over reloads
        wake_fd: int | None = None,  # the signal wakeup pipe's read end
        lock_hint: LockHint | None = None,  # logind's LockedHint, or None
        media: MediaWatch | None = None,  # MPRIS players on the session bus, for `watching`, or None
        zone: tzinfo | None = None,  # for the local times in the status file
    ):
        self.settings, self.open_sampler, self.queue, self.status_path = settings, open_sampler, queue, status_path
        self.log = log or Log()
        self.clock = clock or Clock()
        self.notifier = notifier or Notifier()
        self.spawn_drain, self.reload_config, self.flags = spawn_drain, reload_config, flags or {}
        self.wake_fd, self.lock_hint, self.media = wake_fd, lock_hint, media
        self.zone = zone or times.local_zone()
        self.mono: Callable[[], float] = getattr(self.clock, "monotonic", time.monotonic)
        self.stop = False
        self.reload = False
        self.builder = SpanBuilder(self.settings.idle_after)
        self.sampler: Sampler | None = None
        self.backend = "none"
        self.started_at = time.time()
        self.last_drain = 0.0  # run() starts the drain timer
        self.last_sample_at: float | None = None
        self.drain_pid: int | None = None
        self.drain_again = False  # a return from an absence asked for a drain while one ran
        self.away_since: float | None = None  # wall start of the absence (idle, locked, asleep) now running
        self.last_error, self.last_error_at = "", 0.0
        self.failed_at: float | None = None  # when the last sample failed, until one succeeds
        self.pending: list = []  # closed spans the queue refused (disk full); retried next time
        self.queue_failing = False
        self.said: dict[str, float] = {}  # message -> when it was last logged (_say_once)
        self.unsynced: float | None = None  # when the queue was first written since the last checkpoint
        self.deferred = False  # this wake came too soon after a sample: sample again MIN_GAP after it
        self.status_written = 0.0
        self._poller: Any = None  # select.epoll of wake_fd and the buses (see _wake_fd)
        self._poller_fds: tuple = ()

    # -- signals --------------------------------------------------------------------------------
    def request_stop(self, *_):
        self.stop = True

    def request_reload(self, *_):
        self.reload = True

    def _do_reload(self) -> None:
        self.reload = False
        if self.reload_config is None:
            return
        try:
            cfg = self.reload_config()
        except ConfigError as e:
            self.log("error", f"configuration not reloaded, keeping the previous one: {e}")
            return
        new = Settings(
            interval=self.flags.get("interval") or cfg.daemon.interval,
            idle_after=self.flags.get("idle_after") or cfg.daemon.idle_after,
            drain_every=cfg.daemon.drain_every,
            privacy=cfg.privacy,
            display=self.settings.display,
            categories=cfg.categories,
            count_watching=cfg.daemon.count_watching,
        )
        keys = ("interval", "idle_after", "drain_every", "privacy", "categories", "count_watching")
        changed = [k for k in keys if getattr(new, k) != getattr(self.settings, k)]
        old_idle_after = self.settings.idle_after
        self.settings = new
        self.builder.idle_after = new.idle_after
        if self.media is not None:
            self.media.set_enabled(new.count_watching)
        set_idle_after = getattr(self.sampler, "set_idle_after", None)
        if set_idle_after is not None and new.idle_after != old_idle_after:
            set_idle_after(new.idle_after)  # a Wayland idle notification's or an XSync alarm's timeout
        if self.sampler is not None and hasattr(self.sampler, "interval"):
            self.sampler.interval = new.interval  # a polling backend's pace (X11 without a window manager)
        self.log(
            "info",
            "configuration reloaded: " + (", ".join(f"{k} changed" for k in changed) if changed else "nothing changed"),
        )

    # -- outputs --------------------------------------------------------------------------------
    def write_status(self, stopped_at: float | None = None) -> None:
        """The status file `offscreen status` reads, rewritten on every change (without fsync: it is
        runtime state); STOPPED_AT marks a clean shutdown (a file without it and no daemon holding
        the lock means the daemon died)."""
        cur = self.builder.current
        state = cur.state if cur else ("no-display" if self.sampler is None else "starting")
        data = {
            "pid": os.getpid(),
            "started_at": iso(self.started_at, self.zone),
            "backend": self.backend,
            "last_sample_at": iso(self.last_sample_at, self.zone),
            "interval": self.settings.interval,
            "idle_after": self.settings.idle_after,
            "version": __version__,
            "state": state,
            "display": self.settings.display,
            "idle_source": getattr(self.sampler, "idle_source", None),
            # Why this session has no app names (a desktop whose channel does not answer), if so.
            "degraded": getattr(self.sampler, "reason", "") or None,
            # The heartbeat's pace while no time counts (None: it waits for an event); while the
            # state is screen time it beats every HEARTBEAT_EVERY s. `offscreen status` tells a
            # stuck daemon from a quiet one by it.
            "quiet_beat_every": self.notifier.watchdog_every,
        }
        if stopped_at is not None:
            data.update(state="stopped", stopped_at=iso(stopped_at, self.zone))
        try:
            atomic_write(self.status_path, json.dumps(data, indent=1) + "\n", durable=False)
        except OSError as e:
            self._say_once("warning", f"cannot write {self.status_path}: {e.strerror}")
        self.status_written = self.mono()
        if stopped_at is None:
            self.notifier.status(f"{self.backend}: {state}")

    def _say_once(self, level: str, message: str) -> None:
        """Log MESSAGE at most once a minute: a full disk fails every sample, the journal needs one line."""
        now = time.monotonic()
        if now - self.said.get(message, float("-inf")) >= SAY_EVERY:
            self.said[message] = now
            self.log(level, message)

    def _store(self, closed, final=False) -> bool:
        """Queue spans; a failing queue (disk full) is logged, and the spans retried later."""
        try:
            if closed:
                self.queue.put(closed, closed=True)
            cur = self.builder.current
            if cur is not None:
                self.queue.put([cur], closed=final)
        except Exception as e:  # sqlite3.Error, OSError: keep sampling, keep the spans in memory
            where = getattr(self.queue, "path", "")
            self._say_once("error", f"cannot write the queue {where}: {e}; spans are kept in memory until it works")
            self.pending = self.pending + list(closed)
            if len(self.pending) > PENDING_MAX:
                self._say_once("error", f"more than {PENDING_MAX} spans wait for the queue; dropping the oldest")
                del self.pending[:-PENDING_MAX]
            self.queue_failing = True
            return False
        if self.queue_failing:
            self.queue_failing = False
            self.log("info", "the queue accepts spans again")
        if self.unsynced is None:
            self.unsynced = self.mono()
        return True

    def _beat(self) -> None:
        """The open span's end into the heartbeat (one pwrite); a failure is said once a minute."""
        cur = self.builder.current
        if cur is None:
            return
        try:
            self.queue.beat(cur)
        except (OSError, ValueError) as e:
            self._say_once("warning", f"cannot write the heartbeat: {e}; the open span is saved every minute only")

    # -- the drain child ------------------------------------------------------------------------
    def _reap(self) -> None:
        """Collect a finished drain child (SIGCHLD woke us, or a check on the way)."""
        if self.drain_pid is None:
            return
        try:
            pid, status = os.waitpid(self.drain_pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.drain_pid, 0
        if pid == 0:
            return
        self.drain_pid = None
        rc = os.waitstatus_to_exitcode(status)
        if rc != 0:
            self.log("warning", f"drain child exited {rc}; spans stay queued for the next drain")
        if self.drain_again:
            self.drain_again = False
            self._spawn(self.mono())

    def _spawn(self, now: float) -> None:
        if self.spawn_drain is None:
            return
        if self.drain_pid is not None:
            self.drain_again = True
            return
        self.last_drain = now
        try:
            self.log("debug", "draining the queue into the database")
            self.drain_pid = self.spawn_drain()
        except OSError as e:
            self.log("error", f"cannot start the drain child: {e}")

    def _maybe_drain(self, now: float) -> None:
        if self.spawn_drain is None or self.drain_pid is not None:
            return
        if now - self.last_drain >= self.settings.drain_every - SLACK:
            self.last_drain = now
            try:
                if not self.queue.has_closed():
                    return  # nothing closed since: a DuckDB import (~0.6 s CPU) for nothing
            except Exception as e:
                self._say_once("warning", f"cannot read the queue: {e}")
                return
            self._spawn(now)

    def _note_return(self, now: float) -> None:
        """After a span change: someone back (screen time) after an absence of RETURN_AFTER or more
        gets the drain, and with it the "were you with people?" nudge, at once (issue 14)."""
        cur = self.builder.current
        if cur is None:
            return
        if cur.state not in SCREEN:
            if self.away_since is None:
                self.away_since = cur.start
            return
        away, self.away_since = self.away_since, None
        if away is not None and cur.start - away >= RETURN_AFTER:
            self.log("debug", f"back after {(cur.start - away) / 60:.0f} min away")
            self._spawn(now)

    def _wait_child(self, pid: int, timeout: float) -> int | str:
        """PID's exit code, waiting at most TIMEOUT s (a pidfd; polling where there is none)."""
        import select

        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        try:
            end = time.monotonic() + timeout
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return os.waitstatus_to_exitcode(status)
                left = end - time.monotonic()
                if left <= 0:
                    return f"still running after {timeout:g} s"
                if fd is not None:
                    select.select([fd], [], [], left)
                else:
                    time.sleep(min(left, 0.05))
        except ChildProcessError as e:
            return str(e)
        finally:
            if fd is not None:
                os.close(fd)

    # -- the loop -------------------------------------------------------------------------------
    def _sample(self, obs: Observation, tick: Tick) -> Sample:
        w = obs.window
        app, title, exe = (w.app, w.title, w.exe) if w else (None, None, None)
        app, title, exe = privacy.apply(app, title, exe, self.settings.privacy)
        idle = None if obs.last_input is None else max(0.0, tick.mono - obs.last_input)
        changed = None if obs.changed_at is None else max(0.0, tick.mono - obs.changed_at)
        locked = obs.locked or (self.lock_hint is not None and self.lock_hint.locked(tick.mono))
        playing = self.settings.count_watching and (obs.playing or self._front_playing(w))
        return Sample(app=app, title=title, idle=idle, locked=locked, exe=exe, changed=changed, playing=playing)

    def _front_playing(self, w: Window | None) -> bool:
        """Whether a media player that plays is the front window's (the raw window: before privacy)."""
        if w is None or self.media is None:
            return False
        pids, apps = self.media.playing_pids(), self.media.playing_apps()
        return bool(pids or apps) and watching.front_playing(w.pid, w.app, pids, apps, parent_pid)

    def _wake_fd(self) -> int | None:
        """What wakes the sampler's wait besides its display: wake_fd, the media bus and logind's
        connection when there are (an epoll of them, readable when one is, so a pause ends
        `watching` and a lock starts `locked` at once)."""
        import select

        extra = (
            self.media.fileno() if self.media is not None else None,
            self.lock_hint.fileno() if self.lock_hint is not None else None,
        )
        if extra == (None, None):
            if self._poller is not None:  # the buses went away: their epoll goes too
                self._poller.close()
                self._poller, self._poller_fds = None, ()
            return self.wake_fd
        fds = (self.wake_fd, *extra)
        if self._poller is None or self._poller_fds != fds:
            if self._poller is not None:
                self._poller.close()
            self._poller, self._poller_fds = select.epoll(), fds
            for fd in fds:
                if fd is not None:
                    self._poller.register(fd, select.EPOLLIN)
        return self._poller.fileno()

    def _wait(self, timeout: float) -> None:
        import select

        if self.media is not None:
            self.media.poll()  # connects, or retries after a failure, when due
            if self.media.buffered():
                timeout = 0.0
        if self.lock_hint is not None and self.lock_hint.buffered():
            timeout = 0.0
        wake = self._wake_fd()
        if self.sampler is not None:
            self.sampler.wait(timeout, wake)
        else:
            select.select([wake] if wake is not None else [], [], [], max(0.0, timeout))
        if self.media is not None:
            self.media.dispatch()
        if self.lock_hint is not None:
            self.lock_hint.dispatch(self.mono())
        if self.wake_fd is not None:
            try:
                while os.read(self.wake_fd, 512):
                    pass
            except (BlockingIOError, InterruptedError):
                pass

    def _next_wake(self, now: float, retry_at: float, last_sample: float, last_beat: float, last_watchdog: float):
        """The monotonic time of the earliest timer (see the module docstring); fds may wake us sooner."""
        due = [now + MAX_WAIT]
        if self.sampler is None:
            due.append(retry_at)
        else:
            deadline = getattr(self.sampler, "deadline", None)
            if deadline is None:
                due.append(last_sample + self.settings.interval)  # a poller
            elif (d := deadline()) is not None:
                # After a failed sample the sampler may still want a re-read at once (X11 is
                # "dirty" until a read succeeds): not faster than the interval, or an error that
                # repeats would be retried 20 times a second (found in review).
                due.append(d if self.failed_at is None else max(d, self.failed_at + self.settings.interval))
            cur = self.builder.current
            if cur is not None and cur.state in SCREEN:
                due.append(last_beat + HEARTBEAT_EVERY)
            if self.deferred:
                due.append(last_sample + MIN_GAP)
        if self.notifier.watchdog_every:
            due.append(last_watchdog + self.notifier.watchdog_every)
        if self.spawn_drain is not None and self.drain_pid is None:
            due.append(self.last_drain + self.settings.drain_every)
        if self.drain_pid is not None and self.wake_fd is None:
            due.append(now + 1.0)  # no SIGCHLD reaches us: look for the child's exit now and then
        if self.unsynced is not None:
            due.append(self.unsynced + SYNC_EVERY)
        # logind is asked (and retried) only while sampling (_sample calls lock_hint.locked): its
        # deadline without a sampler would be a time nothing moves past, a busy loop.
        if self.sampler is not None and self.lock_hint is not None and (d := self.lock_hint.deadline()) is not None:
            due.append(d)
        if self.media is not None and self.media.enabled and self.media.fileno() is None:
            due.append(self.media.retry_at)  # MediaWatch reconnects on its own clock (time.monotonic)
        return min(due)

    def _lose_sampler(self, reason: str) -> None:
        self._store(self.builder.flush())
        if self.sampler is not None:
            self.sampler.close()
        self.sampler, self.backend = None, "none"
        self.log("warning", reason)
        self.write_status()

    def run(self) -> int:
        orphans = self.queue.adopt_orphans()
        if orphans:
            self.log("info", f"closed {orphans} span(s) left open by a previous daemon")
        start = self.mono()
        self.last_drain = start
        backoff, retry_at = 1.0, 0.0
        last_persist = last_sample = last_beat = last_watchdog = float("-inf")
        self.write_status()
        self.notifier.ready("starting")
        self.log(
            "info",
            f"offscreen daemon {__version__} started (PID {os.getpid()}), "
            f"interval {self.settings.interval:g} s, idle after {self.settings.idle_after:g} s",
        )
        while not self.stop:
            now = self.mono()
            if self.reload:
                self._do_reload()
            pinged = False
            if self.notifier.watchdog_every and now >= last_watchdog + self.notifier.watchdog_every - SLACK:
                self.notifier.watchdog()
                last_watchdog, pinged = now, True
            self._reap()
            self._maybe_drain(now)
            if self.sampler is None and now >= retry_at:
                try:
                    self.sampler = self.open_sampler()
                    self.backend = self.sampler.name
                    backoff = 1.0
                    where = f" on display {self.settings.display}" if self.settings.display else ""
                    self.log("info", f"sampling with backend {self.backend}{where}")
                    if reason := getattr(self.sampler, "reason", ""):
                        self.log("warning", f"{reason}; see offscreen doctor")
                    if getattr(self.sampler, "idle_source", None) == "none":
                        self.log(
                            "warning",
                            f"no idle source ({getattr(self.sampler, 'input_error', '?')}); all time counts as active",
                        )
                except Exception as e:  # NoDisplay, or a backend failing to start: never a crash loop
                    level = "warning" if isinstance(e, NoDisplay) else "error"
                    msg = str(e) if isinstance(e, NoDisplay) else f"backend failed to start: {type(e).__name__}: {e}"
                    self.log(level, f"{msg}; recording nothing, retrying in {backoff:g} s")
                    retry_at, backoff = now + backoff, min(backoff * 2, BACKOFF_MAX)
                    self.write_status()
            # Every wake samples (an event, a deadline, the heartbeat): observe() with nothing
            # changed costs no round trip, and the heartbeat then carries the end as of now. A wake
            # within MIN_GAP of the last sample is sampled MIN_GAP after it (its event is handled).
            gap = min(MIN_GAP, self.settings.interval)
            self.deferred = self.sampler is not None and now - last_sample < gap
            if self.sampler is not None and not self.deferred:
                try:
                    obs = self.sampler.observe()
                except DisplayLost as e:
                    self._lose_sampler(f"{e}; recording nothing, retrying in {backoff:g} s")
                    retry_at, backoff = now + backoff, min(backoff * 2, BACKOFF_MAX)
                    continue
                except Exception as e:  # one failed sample is logged and skipped: windows vanish mid-read
                    msg = f"sample failed: {type(e).__name__}: {e}"
                    if msg != self.last_error or now - self.last_error_at >= SAY_EVERY:
                        self.log("warning", msg)  # the same error at most once a minute
                        self.last_error, self.last_error_at = msg, now
                    obs = None
                    last_sample = now
                    self.failed_at = now
                if obs is not None:
                    self.failed_at = None
                    tick = self.clock.tick()
                    before = self.builder.current
                    closed = self.pending + self.builder.update(tick, self._sample(obs, tick))
                    self.pending = []
                    self.last_sample_at, last_sample = tick.wall, now
                    cur = self.builder.current
                    span_changed = bool(closed) or cur is not before
                    counts = cur is not None and cur.state in SCREEN
                    due = span_changed or (counts and now - last_persist >= PERSIST_EVERY - SLACK)
                    if due and self._store(closed):
                        last_persist = now
                    if span_changed or pinged or (counts and now >= last_beat + HEARTBEAT_EVERY - SLACK):
                        self._beat()
                        last_beat = now
                    if span_changed:
                        self.write_status()
                        if cur is not None:  # the app only: titles stay out of the journal
                            self.log("debug", f"new span: {cur.state}, app {cur.app or '(no window)'}")
                        self._note_return(now)
            if self.unsynced is not None and now >= self.unsynced + SYNC_EVERY - SLACK:
                self.unsynced = None
                try:
                    self.queue.sync()  # fsync what NORMAL-mode commits left in the WAL (power loss)
                except Exception as e:
                    self._say_once("warning", f"cannot sync the queue: {e}")
            nxt = self._next_wake(now, retry_at, last_sample, last_beat, last_watchdog)
            try:
                # Never less than MIN_GAP: a timer due in the past that nothing moves on must not spin.
                self._wait(max(nxt - self.mono(), MIN_GAP))
            except DisplayLost as e:
                self._lose_sampler(f"{e}; recording nothing, retrying in {backoff:g} s")
                retry_at, backoff = self.mono() + backoff, min(backoff * 2, BACKOFF_MAX)
        return self.shutdown()

    def shutdown(self) -> int:
        """Store everything sampled, drain it into DuckDB in a child, exit 0 (SIGTERM is a normal stop)."""
        self.notifier.stopping()
        if self.sampler is not None:
            try:  # one last sample, so the open span runs until now, not until the last tick
                obs = self.sampler.observe()
                tick = self.clock.tick()
                self.pending += self.builder.update(tick, self._sample(obs, tick))
            except Exception as e:
                self.log("debug", f"no final sample: {e}")
        closed = self.pending + self.builder.flush()
        ok = self._store(closed, final=True)
        try:
            self.queue.sync()
        except Exception as e:
            self.log("error", f"cannot sync the queue: {e}")
        if self.sampler is not None:
            self.sampler.close()
        if self.lock_hint is not None:
            self.lock_hint.close()
        if self.media is not None:
            self.media.close()
        if self._poller is not None:
            self._poller.close()
        if self.spawn_drain is not None:
            if self.drain_pid is not None:
                self._wait_child(self.drain_pid, DRAIN_WAIT)
                self.drain_pid = None
            rc: int | str
            try:
                rc = self._wait_child(self.spawn_drain(), DRAIN_WAIT)
            except OSError as e:
                rc = str(e)
            if rc != 0:
                self.log(
                    "warning",
                    f"final drain failed ({rc}); spans stay in the queue and the next offscreen command stores them",
                )
        self.queue.close()
        self.write_status(stopped_at=time.time())
        self.log("info", "stopped" + ("" if ok else " (some spans could not be queued)"))
        return 0


def drain_spawner(db: Path, env: Mapping[str, str] | None = None) -> Callable[[], int]:
    """Start `python -m tracker.usecases.drain --db DB --nudge` as a short-lived child (the daemon
    never loads DuckDB); returns its pid, reaped on SIGCHLD. The child also sends the day's nudge
    when one is due, so nothing else needs a timer. posix_spawn, not subprocess: the daemon imports
    neither subprocess nor what it pulls in (issue 14)."""
    # -P as the daemon itself runs (offscreen daemon adds it): the working directory ($HOME under
    # systemd) must not come first on the child's sys.path either.
    safe = ["-P"] if sys.flags.safe_path else []
    argv = [sys.executable, *safe, "-m", "tracker.usecases.drain", "--db", str(db), "--nudge"]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
    ]

    def spawn() -> int:
        # Own session: a Ctrl-C meant for a foreground daemon must not kill a drain half-way.
        return os.posix_spawn(
            sys.executable,
            argv,
            os.environ if env is None else env,
            file_actions=actions,
            setsid=True,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),  # the ones Python ignores, as subprocess restores them
        )

    return spawn


def run_daemon(
    paths: Paths, cfg: config_mod.Config, zone: tzinfo, interval: float | None, idle_after: float | None
) -> int:
    """`python -m tracker.daemon` (`offscreen daemon` execs it): lock, signals, then the loop until SIGTERM/SIGINT."""
    from tracker.daemon.queue import Queue, heartbeat_path
    from tracker.sampling import open_sampler, select
    from tracker.sampling.logind import LockHint
    from tracker.sampling.mpris import MediaWatch

    try:
        select.forced(os.environ)
    except select.BadBackend as e:
        raise ConfigError(str(e)) from None
    lock_fd = lock.acquire(paths.daemon_lock)
    settings = Settings(
        interval=interval or cfg.daemon.interval,
        idle_after=idle_after or cfg.daemon.idle_after,
        drain_every=cfg.daemon.drain_every,
        privacy=cfg.privacy,
        display=os.environ.get("DISPLAY"),
        categories=cfg.categories,
        count_watching=cfg.daemon.count_watching,
    )
    rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    log = Log()
    # A damaged queue is moved aside and said so in the journal; a heartbeat others could touch is refused.
    queue = Queue(paths.queue_file, log=log, heartbeat=heartbeat_path(paths.queue_file))
    daemon = Daemon(
        settings=settings,
        open_sampler=lambda: open_sampler(
            idle_after=daemon.settings.idle_after, state_dir=str(paths.state_dir), interval=daemon.settings.interval
        ),
        queue=queue,
        log=log,
        status_path=paths.daemon_status,
        spawn_drain=drain_spawner(paths.db),
        reload_config=lambda: config_mod.load(paths.config_file),
        flags={"interval": interval, "idle_after": idle_after},
        wake_fd=rfd,
        zone=zone,
    )
    daemon.lock_hint = LockHint(daemon.log)  # also locked when logind says so: some lockers tell only logind
    daemon.media = MediaWatch(daemon.log)
    daemon.media.set_enabled(settings.count_watching)
    signal.set_wakeup_fd(wfd, warn_on_full_buffer=False)
    signal.signal(signal.SIGTERM, daemon.request_stop)
    signal.signal(signal.SIGINT, daemon.request_stop)
    signal.signal(signal.SIGHUP, daemon.request_reload)
    # A handler, so that the drain child's exit writes to the wakeup pipe and wakes the loop to reap it.
    signal.signal(signal.SIGCHLD, lambda *_: None)
    try:
        return daemon.run()
    finally:
        signal.set_wakeup_fd(-1)
        lock.release(lock_fd)
