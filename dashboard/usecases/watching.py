"""Who is looking at an enrolment right now, and waiting for it to change.

A page that shows an enrolment calls ``watch`` on every refresh: the enrolment's
``watched_until`` moves a few seconds ahead, so the poller of any process polls it first and
fastest (``dashboard.domain.budget``); when the tab closes nobody renews it and the interest
lapses by itself. Renewals are written at most once a second per enrolment and process, however
many tabs show it.

``wait_for_change`` lets a page re-render as soon as the poller writes instead of on a fixed
timer: the poller of this process wakes the waiters of the enrolment it changed (``Changes``);
what the pollers of other processes wrote shows at the page's next timed refresh. (Re-reading
the database while waiting cost more CPU than the pages themselves: measured with py-spy.)
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


class Changes:
    """In-process news that the poller wrote an enrolment: waiters on that enrolment wake up."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._generations: dict[int, int] = {}

    def notify(self, enrolment_id: int) -> None:
        with self._changed:
            self._generations[enrolment_id] = self._generations.get(enrolment_id, 0) + 1
            self._changed.notify_all()

    def generation(self, enrolment_id: int) -> int:
        with self._changed:
            return self._generations.get(enrolment_id, 0)

    def wait(self, enrolment_id: int, generation: int, timeout: float) -> bool:
        """Wait until ``notify(enrolment_id)`` was called after ``generation`` was read (True)
        or ``timeout`` seconds passed (False)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._generations.get(enrolment_id, 0) != generation, timeout
            )


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

    def wait_for_change(self, enrolment_id: int, shown: EnrolmentView, timeout: float) -> bool:
        """Wait until the enrolment differs from ``shown`` (what the page shows: True) or
        ``timeout`` seconds passed (False). Only this process's poller ends the wait early: a
        change another process's poller wrote shows at the page's next timed refresh."""
        deadline = time.monotonic() + timeout
        generation = self._changes.generation(enrolment_id)
        if self._enrolments.get(enrolment_id) != shown:
            return True
        while (left := deadline - time.monotonic()) > 0:
            if not self._changes.wait(enrolment_id, generation, left):
                return False
            generation = self._changes.generation(enrolment_id)
            if self._enrolments.get(enrolment_id) != shown:
                return True
        return False
