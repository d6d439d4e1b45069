"""The deployment's request budget for status calls, shared by every console process through
one row in the database (``db.budget``), and the claim that spends it.

``claim`` is one short write transaction: lock the row, refill the bucket by the time that
passed (``dashboard.domain.budget``), claim as many due enrolments as it holds permits for, in
priority order, set when each is due again, store the bucket. Processes therefore take turns
on the row, never poll more than the budget between them and never claim one enrolment twice.
A 429 or a burst of server errors seen by any process slows all of them (``rate_limited``,
``server_error``), and the rate recovers by itself.
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
from dashboard.usecases.transactions import reading, writing
from db import budget as store
from db import enrolments as queries
from db.enrolments import DueEnrolment
from db.models import PollBudget

#: The counts of active and watched enrolments (for the floor and the watched share) are
#: refreshed at most this often per process, not on every tick.
COUNTS_MAX_AGE = timedelta(seconds=1)


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

    def claim(
        self, limit: int, *, grace: timedelta = timedelta(0), ahead: timedelta = timedelta(0)
    ) -> list[DueEnrolment]:
        """Claim up to ``limit`` enrolments due within ``ahead``, as many as the budget allows
        now, most urgent first (``dashboard.domain.budget``); QR codes expired less than
        ``grace`` ago are still claimed."""
        limits = self.limits
        with writing(self._sessions) as session:
            now = self._clock()
            row = store.locked_budget(session, now, limits.burst)
            bucket = rules.refill(_bucket(row), now, limits)
            wanted = min(limit, rules.permits(bucket, now))
            claimed: list[DueEnrolment] = []
            if wanted > 0:
                pending, watchers = self._active(session, now)
                floor = rules.floor_seconds(pending, limits)
                claimed = queries.claim_due(
                    session,
                    now,
                    wanted,
                    horizon=now + ahead,
                    starving_before=now - timedelta(seconds=floor),
                    recent_after=now - rules.RECENT,
                    expired_after=now - grace,
                )
                queries.reschedule(session, {c.id: now + self._period(c, now, floor, watchers)
                                             for c in claimed})  # fmt: skip
            _store(row, rules.take(bucket, len(claimed), now))
            return claimed

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
