"""The deployment's request budget for status calls, shared by every console process through
one row in the database (``db.budget``), and the claim that spends it.

``claim`` is one short write transaction: lock the row, refill the bucket by the time that
passed (``dashboard.domain.budget``), claim as many due enrolments as it holds permits for, in
priority order, set when each is due again, store the bucket. Processes therefore take turns
on the row, never poll more than the budget between them and never claim one enrolment twice.
A 429 or a burst of server errors seen by any process slows all of them (``rate_limited``,
``server_error``), and the rate recovers by itself.

Test pushes (``db.pushes``) spend the same permits (``claim_work``): watched ones first, then
the enrolments, then the other pending pushes, each polled at most every ``interval`` and all
of them together at most half the budget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import budget as rules
from dashboard.domain.budget import DEFAULT_LIMITS, Bucket, Limits
from dashboard.domain.clock import utc_now
from dashboard.domain.devices import push_period
from dashboard.usecases.transactions import reading, writing
from db import budget as store
from db import enrolments as queries
from db import pushes as push_queries
from db.enrolments import DueEnrolment
from db.models import PollBudget
from db.pushes import DuePush

#: The counts of active and watched enrolments (for the floor and the watched share) are
#: refreshed at most this often per process, not on every tick.
COUNTS_MAX_AGE = timedelta(seconds=1)


@dataclass(frozen=True)
class Claimed:
    """What one claim took permits for: test pushes (watched first) and enrolments."""

    pushes: list[DuePush]
    enrolments: list[DueEnrolment]


@dataclass(frozen=True)
class BudgetStatus:
    """The budget as the System page shows it."""

    max_rps: float
    rate: float
    """Status calls per second lately, all processes together."""
    factor: float
    """The share of the budget the back-off allows now (1: all of it)."""
    throttled: bool
    paused_until: datetime | None
    reason: str | None
    throttled_at: datetime | None
    pending: int
    watched: int
    floor: float
    """The longest a pending enrolment should wait between polls, in seconds."""
    longest_wait: float | None
    """How long the enrolment that has waited longest for a poll has waited, in seconds."""


class Budget:
    """The shared budget; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        limits: Limits = DEFAULT_LIMITS,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: tuple[datetime, int, int] | None = None
        self._push_counts: tuple[datetime, int, int] | None = None

    def claim(
        self, limit: int, *, grace: timedelta = timedelta(0), ahead: timedelta = timedelta(0)
    ) -> list[DueEnrolment]:
        """Claim up to ``limit`` enrolments due within ``ahead``, as many as the budget allows
        now, most urgent first (``dashboard.domain.budget``); QR codes expired less than
        ``grace`` ago are still claimed."""
        return self.claim_work(limit, grace=grace, ahead=ahead, pushes=False).enrolments

    def claim_work(
        self,
        limit: int,
        *,
        grace: timedelta = timedelta(0),
        ahead: timedelta = timedelta(0),
        pushes: bool = True,
    ) -> Claimed:
        """Like ``claim``, and test pushes too, from the same permits: watched pushes first,
        then the enrolments in their order, then the other pending pushes."""
        limits = self.limits
        with reading(self._sessions) as session:
            # Most ticks of an idle console find nothing: a read says so without the write.
            now = self._clock()
            if store.idle(session, horizon=now + ahead, expired_after=now - grace):
                return Claimed([], [])
        with writing(self._sessions) as session:
            now = self._clock()
            row = store.locked_budget(session, now, limits.burst)
            bucket = rules.refill(_bucket(row), now, limits)
            wanted = min(limit, rules.permits(bucket, now))
            claimed: list[DueEnrolment] = []
            first: list[DuePush] = []
            after: list[DuePush] = []
            if wanted > 0:
                pending_pushes, watched_pushes = self._pushes(session, now) if pushes else (0, 0)
                horizon = now + ahead
                if pending_pushes:
                    first = push_queries.claim_due(
                        session, now, wanted, horizon=horizon, watched=True
                    )
                pending, watchers = self._active(session, now)
                floor = rules.floor_seconds(pending, limits)
                claimed = queries.claim_due(
                    session,
                    now,
                    wanted - len(first),
                    horizon=horizon,
                    starving_before=now - timedelta(seconds=floor),
                    recent_after=now - rules.RECENT,
                    expired_after=now - grace,
                )
                queries.reschedule(session, {c.id: now + self._period(c, now, floor, watchers)
                                             for c in claimed})  # fmt: skip
                if pending_pushes:
                    left = wanted - len(first) - len(claimed)
                    after = push_queries.claim_due(
                        session, now, left, horizon=horizon, watched=False
                    )
                    every = watchers + watched_pushes
                    due = {p.id: now + self._push_period(p, every, pending_pushes)
                           for p in first + after}  # fmt: skip
                    push_queries.reschedule(session, due)
            _store(row, rules.take(bucket, len(first) + len(claimed) + len(after), now))
            return Claimed(first + after, claimed)

    def take(self, count: int) -> int:
        """Take up to ``count`` permits for calls that are not polls (a bulk verify's pushes):
        how many the budget allows now (none while the API's back-off pauses it)."""
        limits = self.limits
        with writing(self._sessions) as session:
            now = self._clock()
            row = store.locked_budget(session, now, limits.burst)
            bucket = rules.refill(_bucket(row), now, limits)
            taken = max(0, min(count, rules.permits(bucket, now)))
            _store(row, rules.take(bucket, taken, now))
            return taken

    def rate_limited(self, retry_after: float | None, reason: str) -> None:
        """The API answered a status call with 429: pause and slow down every poller."""
        self._update(lambda bucket, now: rules.rate_limited(bucket, now, retry_after, reason))

    def server_error(self, reason: str) -> None:
        """A status call failed on the server's side; a burst of them slows every poller."""
        self._update(lambda bucket, now: rules.server_error(bucket, now, reason))

    def status(self) -> BudgetStatus:
        """The budget, the rate, any throttling and the longest wait, as the database has them."""
        limits = self.limits
        with reading(self._sessions) as session:
            now = self._clock()
            row = store.read_budget(session)
            bucket = rules.full(now, limits) if row is None else _bucket(row)
            pending, watched = store.active_counts(session, now)
            oldest = store.longest_wait_since(session)
        bucket = rules.refill(bucket, now, limits)
        return BudgetStatus(
            max_rps=limits.max_rps,
            rate=rules.current_rate(bucket, now),
            factor=bucket.factor,
            throttled=bucket.throttled(now),
            paused_until=bucket.paused_until if bucket.paused(now) else None,
            reason=bucket.reason,
            throttled_at=bucket.throttled_at,
            pending=pending,
            watched=watched,
            floor=rules.floor_seconds(pending, limits),
            longest_wait=None if oldest is None else max(0.0, (now - oldest).total_seconds()),
        )

    def _period(self, due: DueEnrolment, now: datetime, floor: float, watchers: int) -> timedelta:
        seconds = rules.next_period(
            watched=due.watched,
            scanned=due.scanned,
            age=now - due.issued_at,
            limits=self.limits,
            floor=floor,
            watchers=watchers,
        )
        return timedelta(seconds=seconds)

    def _push_period(self, due: DuePush, watchers: int, pending: int) -> timedelta:
        limits = self.limits
        seconds = push_period(
            watched=due.watched,
            watchers=watchers,
            pending=pending,
            max_rps=limits.max_rps,
            watched_rps=limits.watched_rps,
            interval=limits.interval,
        )
        return timedelta(seconds=seconds)

    def _pushes(self, session: Session, now: datetime) -> tuple[int, int]:
        with self._lock:
            cached = self._push_counts
        if cached is not None and timedelta(0) <= now - cached[0] < COUNTS_MAX_AGE:
            return cached[1], cached[2]
        pending, watched = push_queries.active_counts(session, now)
        with self._lock:
            self._push_counts = (now, pending, watched)
        return pending, watched

    def forget_push_counts(self) -> None:
        """A push was just sent or watched here: count again on the next claim."""
        with self._lock:
            self._push_counts = None

    def _active(self, session: Session, now: datetime) -> tuple[int, int]:
        with self._lock:
            cached = self._counts
        if cached is not None and timedelta(0) <= now - cached[0] < COUNTS_MAX_AGE:
            return cached[1], cached[2]
        pending, watched = store.active_counts(session, now)
        with self._lock:
            self._counts = (now, pending, watched)
        return pending, watched

    def _update(self, change: Callable[[Bucket, datetime], Bucket]) -> None:
        with writing(self._sessions) as session:
            now = self._clock()
            row = store.locked_budget(session, now, self.limits.burst)
            _store(row, change(rules.refill(_bucket(row), now, self.limits), now))


_FIELDS = tuple(f.name for f in fields(Bucket))


def _bucket(row: PollBudget) -> Bucket:
    return Bucket(**{name: getattr(row, name) for name in _FIELDS})


def _store(row: PollBudget, bucket: Bucket) -> None:
    for name in _FIELDS:
        setattr(row, name, getattr(bucket, name))
