"""The activity daemon's loop: sample, merge into spans, queue them, never touch DuckDB.

Everything it talks to is injected (clock, sampler factory, queue, drain spawner, notifier, log),
so the loop runs the same under tests. Shape of one iteration: observe -> privacy -> SpanBuilder
-> queue (closed spans at once, the open span at least every PERSIST_EVERY s so a SIGKILL loses at
most that) -> status file / watchdog / periodic drain child -> wait for an X event, a signal or the
next interval. Losing the display is logged and retried with backoff (1 s doubling to 60 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

PERSIST_EVERY = 1.0  # s between writes of the open span's end (SIGKILL loses at most ~this)
STATUS_EVERY = 60.0  # s between status-file rewrites when nothing changes
MIN_GAP = 0.05  # s between two samples, however many X events arrive
BACKOFF_MAX = 60.0
PENDING_MAX = 20_000  # closed spans kept in memory while the queue cannot be written (a day of busy switching)

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
    """The real clocks (tests inject their own)."""

    def tick(self) -> Tick:
        return Tick(time.time(), time.monotonic(), time.clock_gettime(time.CLOCK_BOOTTIME))


def iso(epoch: float | None, zone: tzinfo) -> str | None:
    """EPOCH as local ISO 8601 with its offset, for the status file."""
    if epoch is None:
        return None
    return times.in_zone(datetime.fromtimestamp(epoch, UTC), zone).isoformat(timespec="seconds")


@dataclass
class Settings:
    interval: float
    idle_after: float
    drain_every: float
    privacy: config_mod.Privacy
    display: str | None = None
    categories: config_mod.Categories | None = None  # used at query time; kept to log changes
    count_watching: bool = True  # a playing video in front without input is `watching`, not idle


@dataclass
class Daemon:
    settings: Settings
    open_sampler: Callable[[], Sampler]
    queue: Queue
    status_path: Path
    log: Log = field(default_factory=Log)
    clock: Clock = field(default_factory=Clock)
    notifier: Notifier = field(default_factory=Notifier)
    spawn_drain: Callable[[], subprocess.Popen] | None = None
    reload_config: Callable[[], config_mod.Config] | None = None
    flags: dict = field(default_factory=dict)  # settings given on the command line win over reloads
    wake_fd: int | None = None
    lock_hint: LockHint | None = None  # logind's LockedHint, or None
    media: MediaWatch | None = None  # MPRIS players on the session bus, for `watching`, or None
    zone: tzinfo = field(default_factory=times.local_zone)  # for the local times in the status file

    def __post_init__(self):
        self.stop = False
        self.reload = False
        self.builder = SpanBuilder(self.settings.idle_after)
        self.sampler: Sampler | None = None
        self.backend = "none"
        self.started_at = time.time()
        self.last_drain = 0.0  # run() starts the drain timer
        self.last_sample_at: float | None = None
        self.drain_proc: subprocess.Popen | None = None
        self.last_error, self.last_error_at = "", 0.0
        self.pending: list = []  # closed spans the queue refused (disk full); retried next time
        self.queue_failing = False
        self.said: dict[str, float] = {}  # message -> when it was last logged (_say_once)
        self._poller: Any = None  # select.epoll of wake_fd and the media bus (see _wake_fd)
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
            set_idle_after(new.idle_after)  # a Wayland idle notification's timeout is idle_after
        self.log(
            "info",
            "configuration reloaded: " + (", ".join(f"{k} changed" for k in changed) if changed else "nothing changed"),
        )

    # -- outputs --------------------------------------------------------------------------------
    def write_status(self, stopped_at: float | None = None) -> None:
        """The status file `offscreen status` reads; STOPPED_AT marks a clean shutdown (a file
        without it and no daemon holding the lock means the daemon died)."""
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
        }
        if stopped_at is not None:
            data.update(state="stopped", stopped_at=iso(stopped_at, self.zone))
        try:
            atomic_write(self.status_path, json.dumps(data, indent=1) + "\n")
        except OSError as e:
            self._say_once("warning", f"cannot write {self.status_path}: {e.strerror}")
        self.status_written = time.monotonic()
        if stopped_at is None:
            self.notifier.status(f"{self.backend}: {state}")

    def _say_once(self, level: str, message: str) -> None:
        """Log MESSAGE at most once a minute: a full disk fails every sample, the journal needs one line."""
        now = time.monotonic()
        if now - self.said.get(message, float("-inf")) >= STATUS_EVERY:
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
        return True

    def _maybe_drain(self, now: float) -> None:
        if self.spawn_drain is None:
            return
        if self.drain_proc is not None:
            rc = self.drain_proc.poll()
            if rc is None:
                return
            if rc != 0:
                self.log("warning", f"drain child exited {rc}; spans stay queued for the next drain")
            self.drain_proc = None
        if now - self.last_drain >= self.settings.drain_every:
            self.last_drain = now
            try:
                if not self.queue.has_closed():
                    return  # nothing closed since: a DuckDB import (~0.6 s CPU) for nothing
            except Exception as e:
                self._say_once("warning", f"cannot read the queue: {e}")
                return
            try:
                self.log("debug", "draining the queue into the database")
                self.drain_proc = self.spawn_drain()
            except OSError as e:
                self.log("error", f"cannot start the drain child: {e}")

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
        """What wakes the sampler's wait besides its display: wake_fd, and the media bus when there is
        one (an epoll of both, readable when either is, so a pause ends `watching` at once)."""
        import select

        media = self.media.fileno() if self.media is not None else None
        if media is None:
            if self._poller is not None:  # the bus went away: its epoll goes too
                self._poller.close()
                self._poller, self._poller_fds = None, ()
            return self.wake_fd
        fds = (self.wake_fd, media)
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
        wake = self._wake_fd()
        if self.sampler is not None:
            self.sampler.wait(timeout, wake)
        else:
            select.select([wake] if wake is not None else [], [], [], max(0.0, timeout))
        if self.media is not None:
            self.media.dispatch()
        if self.wake_fd is not None:
            try:
                while os.read(self.wake_fd, 512):
                    pass
            except (BlockingIOError, InterruptedError):
                pass

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
        self.last_drain = time.monotonic()
        self.status_written = 0.0
        backoff, retry_at = 1.0, 0.0
        last_persist = last_watchdog = last_sample = 0.0
        self.write_status()
        self.notifier.ready("starting")
        self.log(
            "info",
            f"offscreen daemon {__version__} started (PID {os.getpid()}), "
            f"interval {self.settings.interval:g} s, idle after {self.settings.idle_after:g} s",
        )
        while not self.stop:
            now = time.monotonic()
            if self.reload:
                self._do_reload()
            if self.notifier.watchdog_every and now - last_watchdog >= self.notifier.watchdog_every:
                self.notifier.watchdog()
                last_watchdog = now
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
            if self.sampler is not None and now - last_sample >= min(MIN_GAP, self.settings.interval):
                try:
                    obs = self.sampler.observe()
                except DisplayLost as e:
                    self._lose_sampler(f"{e}; recording nothing, retrying in {backoff:g} s")
                    retry_at, backoff = now + backoff, min(backoff * 2, BACKOFF_MAX)
                    continue
                except Exception as e:  # one failed sample is logged and skipped: windows vanish mid-read
                    msg = f"sample failed: {type(e).__name__}: {e}"
                    if msg != self.last_error or now - self.last_error_at >= STATUS_EVERY:
                        self.log("warning", msg)  # the same error at most once a minute
                        self.last_error, self.last_error_at = msg, now
                    obs = None
                    last_sample = now
                if obs is not None:
                    tick = self.clock.tick()
                    before = self.builder.current
                    closed = self.pending + self.builder.update(tick, self._sample(obs, tick))
                    self.pending = []
                    self.last_sample_at, last_sample = tick.wall, now
                    span_changed = bool(closed) or self.builder.current is not before
                    if (span_changed or now - last_persist >= PERSIST_EVERY) and self._store(closed):
                        last_persist = now
                    if span_changed:
                        self.write_status()
                        cur = self.builder.current
                        if cur is not None:  # the app only: titles stay out of the journal
                            self.log("debug", f"new span: {cur.state}, app {cur.app or '(no window)'}")
            if now - self.status_written >= STATUS_EVERY:
                self.write_status()
                try:
                    self.queue.sync()  # fsync what NORMAL-mode commits left in the WAL (power loss)
                except Exception as e:
                    self._say_once("warning", f"cannot sync the queue: {e}")
            nxt = last_sample + self.settings.interval if self.sampler is not None else retry_at
            if self.notifier.watchdog_every:
                nxt = min(nxt, last_watchdog + self.notifier.watchdog_every)
            if self.spawn_drain is not None:
                nxt = min(nxt, self.last_drain + self.settings.drain_every)
            if self.drain_proc is not None:
                nxt = min(nxt, now + 1.0)  # reap the child soon
            try:
                self._wait(max(nxt - time.monotonic(), MIN_GAP if self.sampler is not None else 0.0))
            except DisplayLost as e:
                self._lose_sampler(f"{e}; recording nothing, retrying in {backoff:g} s")
                retry_at, backoff = time.monotonic() + backoff, min(backoff * 2, BACKOFF_MAX)
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
            if self.drain_proc is not None:
                self.drain_proc.wait()
            rc: int | str
            try:
                rc = self.spawn_drain().wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
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


def drain_spawner(db: Path, env: Mapping[str, str] | None = None) -> Callable[[], subprocess.Popen]:
    """Start `python -m tracker.usecases.drain --db DB --nudge` as a short-lived child (the daemon never loads DuckDB).

    The child also sends the day's nudge when one is due, so nothing else needs a timer.
    """
    argv = [sys.executable, "-m", "tracker.usecases.drain", "--db", str(db), "--nudge"]

    def spawn() -> subprocess.Popen:
        # Own session: a Ctrl-C meant for a foreground daemon must not kill a drain half-way.
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, start_new_session=True
        )

    return spawn


def run_daemon(
    paths: Paths, cfg: config_mod.Config, zone: tzinfo, interval: float | None, idle_after: float | None
) -> int:
    """`python -m tracker.daemon` (`offscreen daemon` execs it): lock, signals, then the loop until SIGTERM/SIGINT."""
    from tracker.daemon.queue import Queue
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
    daemon = Daemon(
        settings=settings,
        open_sampler=lambda: open_sampler(idle_after=daemon.settings.idle_after, state_dir=str(paths.state_dir)),
        queue=Queue(paths.queue_file, log=log),  # a damaged queue is moved aside and said so in the journal
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
    try:
        return daemon.run()
    finally:
        signal.set_wakeup_fd(-1)
        lock.release(lock_fd)
