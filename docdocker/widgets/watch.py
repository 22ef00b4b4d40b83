"""Watching the engine for a view: its event stream, reconnection, and when to refresh.

:class:`RefreshScheduler` turns a burst of engine events into one refresh, and
wakes periodically when nothing happens; :class:`EngineWatcher` runs two daemon
threads, one following ``docker events`` through :meth:`docdocker.core.engine.Engine.events`
(reconnecting when the stream ends), the other calling the view's refresh when
the scheduler says so. The view only supplies the refresh and what to do when
the engine is gone.

Equivalent CLI: ``docker events --filter type=container``
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from docdocker.base import errors
from docdocker.concepts.containers import Ps, container_name
from docdocker.core.engine import LOOKUP_SECONDS, Engine
from docdocker.readalong import recordings

__all__ = ["ContainerListing", "EngineWatcher", "RefreshScheduler"]

_log = logging.getLogger(__name__)


class RefreshScheduler:
    """Decides when the dashboard refreshes: soon after engine events, and periodically.

    Engine events come in bursts (``docker run`` alone sends create, attach and
    start), so a poke does not refresh at once: the scheduler waits ``settle``
    seconds for the burst to end, then asks for one refresh. Pokes arriving
    while a refresh runs are not lost: they ask for exactly one more.

    The engine sends some events a moment before its container list shows the
    change (``die`` is sent before the list says "Exited"), so a refresh made
    right after the last event of a burst may still read the old state: one
    more refresh follows ``recheck`` seconds later. Without events it still
    wakes every ``period`` seconds, so the age and "Up 3 minutes" columns stay
    current.

    Args:
        period: Seconds between refreshes when nothing happens.
        settle: Seconds to let a burst of events finish before refreshing.
        recheck: Seconds after an event's refresh to refresh once more.
    """

    def __init__(self, period: float = 5.0, settle: float = 0.1, recheck: float = 0.3) -> None:
        self.period = period
        self.settle = settle
        self.recheck = recheck
        self._recheck_due = False
        self._wake = threading.Event()
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopped.is_set()

    def poke(self) -> None:
        """Something changed: refresh soon. Safe from any thread, cheap to call often."""
        self._wake.set()

    def stop(self) -> None:
        """Stop: a pending or later :meth:`wait` returns None at once."""
        self._stopped.set()
        self._wake.set()

    def sleep(self, seconds: float) -> bool:
        """Sleep unless stopped first; returns True if stopped."""
        return self._stopped.wait(seconds)

    def wait(self) -> str | None:
        """Block until a refresh is due.

        Returns:
            ``"event"`` after pokes, ``"recheck"`` once shortly after an event's
            refresh, ``"timer"`` when ``period`` passed quietly, None once
            stopped (the caller's loop ends).
        """
        recheck, self._recheck_due = self._recheck_due, False
        poked = self._wake.wait(self.recheck if recheck else self.period)
        if self.stopped:
            return None
        if not poked:
            return "recheck" if recheck else "timer"
        if self._stopped.wait(self.settle):
            return None
        # Cleared only now, just before the refresh fetches: an event after
        # this point is not covered by that fetch and triggers another one.
        self._wake.clear()
        self._recheck_due = True
        return "event"



class EngineWatcher:
    """Follows the engine's container events and calls ``refresh`` soon after each burst.

    Two daemon threads: one blocks on the engine's event stream and only pokes
    the scheduler; the other waits on the scheduler and calls ``refresh``.
    Events give sub-second updates for changes made anywhere (a terminal,
    another notebook) without polling the engine every second; the scheduler
    coalesces a burst into one refresh and adds a slow periodic one for the
    age column.

    The watcher never decides that the engine is gone: when the stream ends or
    cannot be opened it asks for a refresh, and the refresh (one place, in
    order) tells a vanished engine from a restarted one; the view then calls
    :meth:`stop`.

    Args:
        engine: The engine whose events to follow.
        refresh: Called from the refresher thread; exceptions are logged, never raised.
        period: Seconds between refreshes when nothing happens.
        settle: Seconds to let a burst of events finish before refreshing.
        filters: The ``docker events`` filters.
    """

    #: Seconds between attempts to reopen the event stream (doubling up to :attr:`retry_max`).
    retry = 0.5
    retry_max = 5.0

    def __init__(self, engine: Engine, refresh: Callable[[], Any], *, period: float = 5.0,
                 settle: float = 0.1, filters: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.refresh = refresh
        self.filters = filters if filters is not None else {"type": "container"}
        self.scheduler = RefreshScheduler(period=period, settle=settle)
        self.threads: tuple[threading.Thread, ...] = ()
        self._lock = threading.Lock()
        self._stream: Any = None

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return bool(self.threads) and not self.scheduler.stopped

    def start(self) -> None:
        """Start both threads (again, after a stop: with a fresh scheduler)."""
        if recordings.reading_along(self.engine) is not None:
            return  # read-along mode: no engine to watch, and no thread that would fail
        for thread in self.threads:  # a previous run, stopped
            thread.join(timeout=2)
        self.scheduler = RefreshScheduler(period=self.scheduler.period,
                                          settle=self.scheduler.settle,
                                          recheck=self.scheduler.recheck)
        scheduler = self.scheduler
        self.threads = (
            threading.Thread(target=self._listen, args=(scheduler,),
                             name="docdocker-events", daemon=True),
            threading.Thread(target=self._refresh_loop, args=(scheduler,),
                             name="docdocker-refresh", daemon=True),
        )
        for thread in self.threads:
            thread.start()

    def poke(self) -> None:
        """Ask for a refresh soon (safe from any thread)."""
        self.scheduler.poke()

    def in_watcher(self) -> bool:
        """True when called from one of the watcher's own threads."""
        return threading.current_thread() in self.threads

    def stop(self) -> None:
        """Stop both threads and close the event stream.

        From outside the watcher it also joins the threads (2 s each at most; they
        are daemons, so a finished kernel never waits for them). From inside (a
        refresh that found the engine gone) it only signals: two threads joining
        each other would wait out both timeouts.
        """
        self.scheduler.stop()
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            _close_stream(stream)
        if not self.in_watcher():
            for thread in self.threads:
                if thread.is_alive():
                    thread.join(timeout=2)

    def _refresh_loop(self, scheduler: RefreshScheduler) -> None:
        while scheduler.wait() is not None:
            try:
                self.refresh()
            except Exception:  # a bug must not silently end live updates
                _log.exception("docdocker: refresh failed")

    def _listen(self, scheduler: RefreshScheduler) -> None:
        delay = self.retry
        while not scheduler.stopped:
            try:
                stream = self.engine.events(self.filters)
            except errors.DocDockerError:
                # The refresh this asks for says what is wrong (and stops us if the
                # engine is gone); otherwise try again, more and more slowly.
                scheduler.poke()
                if scheduler.sleep(delay):
                    return
                delay = min(delay * 2, self.retry_max)
                continue
            except Exception:
                _log.exception("docdocker: cannot follow engine events")
                return
            with self._lock:
                self._stream = stream
            if scheduler.stopped:  # stopped while the stream was opening
                _close_stream(stream)
                return
            delay = self.retry
            scheduler.poke()  # whatever happened before the stream opened
            with suppress(Exception):  # a broken stream ends like a closed one
                for _event in stream:
                    scheduler.poke()
            with self._lock:
                self._stream = None
            if scheduler.stopped:
                return
            # Nobody closed the stream: the engine went away or restarted. The
            # refresh this poke asks for tells which; meanwhile, reconnect.
            scheduler.poke()
            if scheduler.sleep(delay):
                return


def _close_stream(stream: Any) -> None:
    # close() shuts the socket down, which is what wakes the thread blocked reading
    # it; it raises for SSH connections and when the response is already closed.
    with suppress(Exception):
        stream.close()


class ContainerListing:
    """The engine's list of every container, kept between changes for fast lookups.

    A widget asks it on every keystroke (who publishes host port 8080? is the
    name ``web`` taken?); listing 300 containers each time would make typing
    lag, so the list is fetched once and fetched again when the engine reports
    a change (:meth:`reload`, called by an :class:`EngineWatcher`).

    Equivalent CLI: ``docker ps --all``
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._entries: list[dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def reload(self) -> list[dict[str, Any]]:
        """Fetch the list now (quietly); an engine that does not answer gives an empty list."""
        try:
            entries = list(self.engine.query(Ps(all=True), within=LOOKUP_SECONDS).value or [])
        except errors.DocDockerError:
            entries = []
        with self._lock:
            self._entries = entries
        return entries

    def entries(self) -> list[dict[str, Any]]:
        """The list as last fetched (fetched now if never yet)."""
        with self._lock:
            entries = self._entries
        return entries if entries is not None else self.reload()

    def port_holder(self, port: int, protocol: str = "tcp") -> str | None:
        """The running container publishing host ``port``, or None.

        Equivalent CLI: ``docker ps --filter publish=PORT/PROTOCOL``
        """
        for entry in self.entries():
            for p in entry.get("Ports") or []:
                if p.get("PublicPort") == port and p.get("Type", "tcp") == protocol:
                    return container_name(entry)
        return None

    def name_taken(self, name: str) -> bool:
        """Whether a container (running or not) has this name.

        Equivalent CLI: ``docker ps --all --filter name=^NAME$``
        """
        wanted = f"/{name}"
        return any(wanted in (entry.get("Names") or []) for entry in self.entries())

    def has(self, container_id: str) -> bool:
        """Whether the container with this ID still exists."""
        return any(entry.get("Id") == container_id for entry in self.entries())
