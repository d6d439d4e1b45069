"""Who is looking at an enrolment right now, and waiting for it to change.

A page that shows an enrolment calls ``watch`` on every refresh: the enrolment's
``watched_until`` moves a few seconds ahead, so the poller of any process polls it first and
fastest (``dashboard.domain.budget``); when the tab closes nobody renews it and the interest
lapses by itself. Renewals are written at most once a second per enrolment and process, however
many tabs show it.

``wait_for_change`` lets a page re-render as soon as the poller writes instead of on a fixed
timer: the poller of this process wakes the waiters (``Changes``), and the database is read
every ``RECHECK`` seconds for what the pollers of other processes wrote.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.budget import DEFAULT_LIMITS, Limits, watched_period
from dashboard.domain.clock import utc_now
from dashboard.domain.records import EnrolmentView
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.transactions import writing
from db import enrolments as queries

#: Interest lasts this long after the page's last refresh.
WATCH_TTL = timedelta(seconds=3)
#: A process renews an enrolment's interest at most this often (seconds).
RENEW_EVERY = 1.0
#: While waiting, the database is re-read this often (seconds) for other processes' writes.
RECHECK = 0.25


class Changes:
    """In-process news that the poller wrote an enrolment; waiters wake up and look."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._generation = 0

    def notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    @property
    def generation(self) -> int:
        with self._changed:
            return self._generation

    def wait(self, generation: int, timeout: float) -> None:
        """Return once ``notify`` was called after ``generation`` was read, or after
        ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._generation != generation, timeout)


class Watching:
    """The watch use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        enrolments: Enrolments,
        changes: Changes,
        limits: Limits = DEFAULT_LIMITS,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._enrolments = enrolments
        self._changes = changes
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._renewed: dict[int, float] = {}

    def watch(self, enrolment_id: int) -> None:
        """Someone has ``enrolment_id`` open now: poll it first, and soon."""
        moment = time.monotonic()
        with self._lock:
            last = self._renewed.get(enrolment_id)
            if last is not None and moment - last < RENEW_EVERY:
                return
            self._renewed[enrolment_id] = moment
            if len(self._renewed) > 1000:  # forget the long gone
                self._renewed = {k: v for k, v in self._renewed.items() if moment - v < 60}
        soon = timedelta(seconds=watched_period(1, self._limits))
        with writing(self._sessions) as session:
            now = self._clock()
            queries.watch(session, enrolment_id, now, now + WATCH_TTL, now + soon)

    def wait_for_change(self, enrolment_id: int, shown: EnrolmentView, timeout: float) -> None:
        """Return as soon as the enrolment differs from ``shown`` (what the page shows), or
        after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            generation = self._changes.generation
            if self._enrolments.get(enrolment_id) != shown:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._changes.wait(generation, min(left, RECHECK))
