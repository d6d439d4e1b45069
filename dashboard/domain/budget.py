"""The request budget for status calls and the poll schedule inside it: pure rules, no I/O.

One token bucket per deployment (its state is a row in the database, ``db.budget``): it refills
at ``max_rps × factor`` permits per second, holds at most ``burst`` of them, and every status
call takes one. ``factor`` is the global back-off: a 429 halves it and pauses the bucket for the
``Retry-After`` the API asked for; a burst of server errors halves it too; it climbs back to 1
by itself (linearly, ``RECOVERY_SECONDS`` from 0 to full rate), so nobody has to reset it.

Inside the budget, enrolments are claimed in this order (``Priority``): watched (someone has it
open right now), starving (waited longer than the fairness floor), SCANNED, recently issued,
the rest; the most overdue first within each. How soon each is due again is ``next_period``:
watched ones at ``watched_rps`` each (all of them together at most half the budget), SCANNED
and recent ones every ``interval``, older ones more slowly as they age, never slower than the
floor. The floor is ``max(interval, 2 × pending ÷ budget)``: polling every pending enrolment
once per floor costs half the budget, and watched ones take at most the other half, so no
enrolment waits longer than the floor (plus a tick) however the budget is shared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum

#: How long the bucket may save up: a burst is at most this many seconds of the budget.
BURST_SECONDS = 0.5
#: From no rate to the full rate again after a slow-down, in seconds (linear).
RECOVERY_SECONDS = 30.0
#: The back-off never slows the poller below this fraction of the budget.
MIN_FACTOR = 0.05
#: A 429 without a usable Retry-After pauses this long; a longer request is capped.
DEFAULT_PAUSE = 2.0
MAX_PAUSE = 60.0
#: This many server errors (5xx, timeouts) within BURST_WINDOW seconds halve the rate.
BURST_ERRORS = 5
BURST_WINDOW = 10.0
#: The measured rate is the permits taken over windows of this many seconds.
RATE_WINDOW = 5.0
#: Issued less than this long ago: "recently issued".
RECENT = timedelta(minutes=2)
#: An enrolment older than RECENT is due again after this fraction of its age (at least the
#: interval, at most the floor): a code issued 10 minutes ago is asked about every 30 s.
AGE_FRACTION = 0.05


class Priority(IntEnum):
    """The claim order, most urgent first."""

    WATCHED = 0
    STARVING = 1
    SCANNED = 2
    RECENT = 3
    REST = 4


@dataclass(frozen=True)
class Limits:
    """The deployment's budget (``POLL_MAX_RPS``), a watched enrolment's own limit
    (``POLL_WATCHED_RPS``) and the base period (``POLL_INTERVAL``)."""

    max_rps: float = 20.0
    watched_rps: float = 3.0
    interval: float = 1.0

    @property
    def burst(self) -> float:
        """The most permits the bucket holds."""
        return max(1.0, self.max_rps * BURST_SECONDS)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Bucket:
    """The shared bucket as the database stores it."""

    tokens: float
    refilled_at: datetime
    factor: float = 1.0
    paused_until: datetime | None = None
    burst_started_at: datetime | None = None
    burst_count: int = 0
    reason: str | None = None
    """Why the poller was last slowed down (kept after it recovered, with ``throttled_at``)."""
    throttled_at: datetime | None = None
    window_started_at: datetime | None = None
    window_count: int = 0
    rate: float = 0.0
    """Permits taken per second over the last whole window."""

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until

    def throttled(self, now: datetime) -> bool:
        """True while the API's back-off holds the rate below the budget."""
        return self.paused(now) or self.factor < 1.0


def full(now: datetime, limits: Limits) -> Bucket:
    """A new bucket, full."""
    return Bucket(tokens=limits.burst, refilled_at=now, window_started_at=now)


def refill(bucket: Bucket, now: datetime, limits: Limits) -> Bucket:
    """The bucket at ``now``: permits added at the current rate since it was last refilled
    (none while paused), the back-off recovered by the time that passed unpaused."""
    start = bucket.refilled_at
    if bucket.paused_until is not None and bucket.paused_until > start:
        start = min(bucket.paused_until, now)
    elapsed = max(0.0, (now - start).total_seconds())
    factor = min(1.0, bucket.factor + elapsed / RECOVERY_SECONDS)
    # The rate over the elapsed time: the mean of the factor before and after (it rose linearly).
    mean_factor = (bucket.factor + factor) / 2 if bucket.factor < 1.0 else 1.0
    tokens = min(limits.burst, bucket.tokens + elapsed * limits.max_rps * mean_factor)
    return replace(bucket, tokens=tokens, refilled_at=max(now, bucket.refilled_at), factor=factor)


def permits(bucket: Bucket, now: datetime) -> int:
    """How many status calls the (refilled) bucket allows right now."""
    return 0 if bucket.paused(now) else max(0, math.floor(bucket.tokens + 1e-9))


def take(bucket: Bucket, count: int, now: datetime) -> Bucket:
    """Spend ``count`` permits and count them towards the measured rate."""
    started = bucket.window_started_at or now
    taken = bucket.window_count + count
    elapsed = (now - started).total_seconds()
    if elapsed >= RATE_WINDOW:
        return replace(
            bucket,
            tokens=bucket.tokens - count,
            window_started_at=now,
            window_count=0,
            rate=taken / elapsed,
        )
    return replace(bucket, tokens=bucket.tokens - count, window_started_at=started,
                   window_count=taken)  # fmt: skip


def current_rate(bucket: Bucket, now: datetime) -> float:
    """Permits per second lately: the last whole window's, or the window so far when that is
    long enough or the last one is stale (nobody polled for a while)."""
    started = bucket.window_started_at
    if started is None:
        return bucket.rate
    elapsed = (now - started).total_seconds()
    if elapsed >= RATE_WINDOW or (bucket.rate == 0.0 and elapsed >= 1.0):
        return bucket.window_count / elapsed
    return bucket.rate


def rate_limited(bucket: Bucket, now: datetime, retry_after: float | None, reason: str) -> Bucket:
    """The API answered 429: pause everyone for ``retry_after`` (or ``DEFAULT_PAUSE``, at most
    ``MAX_PAUSE``), empty the bucket and halve the rate it comes back at."""
    pause = DEFAULT_PAUSE if retry_after is None else min(max(retry_after, 0.0), MAX_PAUSE)
    until = now + timedelta(seconds=pause)
    if bucket.paused_until is not None and bucket.paused_until > until:
        until = bucket.paused_until
    return replace(
        bucket,
        tokens=0.0,
        paused_until=until,
        factor=_halved(bucket, now),
        reason=reason,
        throttled_at=now,
    )


def server_error(bucket: Bucket, now: datetime, reason: str) -> Bucket:
    """A status call failed on the server's side (5xx, timeout): count it; the
    ``BURST_ERRORS``-th within ``BURST_WINDOW`` seconds halves the rate."""
    started = bucket.burst_started_at
    if started is None or (now - started).total_seconds() > BURST_WINDOW:
        started, count = now, 1
    else:
        count = bucket.burst_count + 1
    if count < BURST_ERRORS:
        return replace(bucket, burst_started_at=started, burst_count=count)
    return replace(
        bucket,
        tokens=min(bucket.tokens, 0.0),
        factor=_halved(bucket, now),
        burst_started_at=None,
        burst_count=0,
        reason=reason,
        throttled_at=now,
    )


def _halved(bucket: Bucket, now: datetime) -> float:
    # Two slow-downs within one pause count once: several workers see the same 429.
    if bucket.paused(now):
        return bucket.factor
    return max(MIN_FACTOR, bucket.factor / 2)


# --- the schedule ---------------------------------------------------------------------------


def floor_seconds(pending: int, limits: Limits) -> float:
    """The longest any pending enrolment waits between two polls (see the module's doc)."""
    return max(limits.interval, 2.0 * pending / limits.max_rps)


def watched_period(watched: int, limits: Limits) -> float:
    """How often one watched enrolment is polled: ``watched_rps``, unless the watched ones
    together would take more than half the budget."""
    return max(1.0 / limits.watched_rps, 2.0 * max(1, watched) / limits.max_rps)


def priority(
    *,
    watched: bool,
    scanned: bool,
    issued_at: datetime,
    last_claimed: datetime | None,
    now: datetime,
    floor: float,
) -> Priority:
    """The claim class of one enrolment (the database computes the same in ``claim_due``)."""
    if watched:
        return Priority.WATCHED
    if (now - (last_claimed or issued_at)).total_seconds() >= floor:
        return Priority.STARVING
    if scanned:
        return Priority.SCANNED
    return Priority.RECENT if now - issued_at < RECENT else Priority.REST


def next_period(
    *, watched: bool, scanned: bool, age: timedelta, limits: Limits, floor: float, watchers: int
) -> float:
    """Seconds until an enrolment just claimed is due again."""
    if watched:
        return watched_period(watchers, limits)
    if scanned or age < RECENT:
        return limits.interval
    return min(floor, max(limits.interval, age.total_seconds() * AGE_FRACTION))
