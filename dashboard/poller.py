"""The background status poller: one daemon thread per process moves enrolments forward.

Every ``tick`` (``TICK``, fixed rate: tick n is at start + n·tick, so cycles never drift) the
poller claims the enrolments that are due, as many as the deployment's shared request budget
allows (``Polling.claim_due``: watched ones first, then starving, SCANNED, recent, the rest;
the claim sets when each is due again, and concurrent claimers in other processes take turns
on the budget's row, so they never poll one enrolment twice or exceed the budget together),
and the test pushes due (the same budget: watched pushes first, the others after the
enrolments), and asks the API for each one's status concurrently on a small thread pool (one
slow call delays nobody else). Every ``interval`` it also expires overdue enrolments (and test
pushes the service never answered about) on the local clock. An expired QR code is still
polled for a short grace first: the phone may have enrolled in its last second, which only the
service can tell. The tick is short so that a watched enrolment
can be polled at its own rate (3 a second by default); a tick that finds no permit or nothing
due costs one short transaction.

API trouble never stops it: ``Polling.poll`` stores the error on the enrolment and pushes its
next poll out exponentially (capped). Everything it needs lives in the database, so after a
restart it simply carries on. ``health()`` reports how it is doing for the System page.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

from dashboard.domain.clock import utc_now
from dashboard.errors import ConsoleError
from dashboard.usecases.polling import Polling

log = logging.getLogger(__name__)

#: The claim loop's period, in seconds: a twelfth of a second divides a watched enrolment's
#: third of a second into whole ticks. A tick claims what is due within half a tick, so an
#: enrolment due every 4 ticks is claimed every 4 ticks whatever the jitter.
TICK = 1 / 12
ERROR_WINDOW = 60.0
#: After a QR code's expiry the poller keeps asking the service for this many intervals (at
#: least EXPIRY_GRACE_MIN seconds) before it expires the enrolment on the local clock: a phone
#: that enrols in the code's last second must end ENROLLED, not EXPIRED (found by the soak).
EXPIRY_GRACE_INTERVALS = 3
EXPIRY_GRACE_MIN = 5.0


@dataclass(frozen=True)
class PollerHealth:
    """A snapshot of the poller for the System page."""

    running: bool
    interval: float
    cycles: int
    last_cycle_at: datetime | None
    cycle_duration: float | None
    """Seconds from a tick to the end of its last poll (None: still polling at the next tick)."""
    polled_last_cycle: int
    """Enrolments polled between the last two cycles (a cycle is one interval)."""
    pending_count: int
    recent_errors: int
    """Failed polls and cycles in the last minute."""
    last_error: str | None
    last_error_at: datetime | None


class Poller:
    """Polls every active enrolment once per interval, in a daemon thread."""

    def __init__(
        self,
        polling: Polling,
        *,
        interval: float = 1.0,
        workers: int = 8,
        batch: int = 500,
        backoff_cap: float = 30.0,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.polling = polling
        self.interval = interval
        # The poller's interval is the schedule's base period (POLL_INTERVAL either way).
        limits = polling.budget.limits
        if limits.interval != interval:
            polling.budget.limits = replace(limits, interval=interval)
        self._workers = workers
        self._batch = batch
        self._backoff_cap = backoff_cap
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._inflight: set[str] = set()  # what is being polled: "Enrolment #3"
        self._errors: deque[float] = deque(maxlen=10_000)
        self._cycles = 0
        self._last_cycle_at: datetime | None = None
        self._cycle_duration: float | None = None
        self._polled = 0
        self._polled_since = 0
        self._pending = 0
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the polling thread (once; a second call does nothing)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="status-poller", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop polling and wait (up to ``timeout``) for the calls in flight to finish."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    @property
    def running(self) -> bool:
        """True while the polling thread is alive."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def run_once(self) -> int:
        """One whole cycle, waiting for every poll; returns how many enrolments were polled."""
        return self._cycle(deadline=None, housekeeping=True)

    def health(self) -> PollerHealth:
        """How the poller is doing."""
        horizon = time.monotonic() - ERROR_WINDOW
        with self._lock:
            return PollerHealth(
                running=self.running,
                interval=self.interval,
                cycles=self._cycles,
                last_cycle_at=self._last_cycle_at,
                cycle_duration=self._cycle_duration,
                polled_last_cycle=self._polled,
                pending_count=self._pending,
                recent_errors=sum(1 for at in self._errors if at >= horizon),
                last_error=self._last_error,
                last_error_at=self._last_error_at,
            )

    # --- the loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        period = min(TICK, self.interval)
        tick = time.monotonic()
        housekeeping = tick
        while not self._stop.is_set():
            due = tick >= housekeeping
            if due:
                housekeeping = tick + self.interval - period / 2
            self._cycle(deadline=tick + period, housekeeping=due)
            tick += period
            late = time.monotonic() - tick
            if late > 0:  # overran: skip the missed ticks, keep the phase
                tick += math.ceil(late / period) * period
            self._stop.wait(max(0.0, tick - time.monotonic()))

    def _cycle(self, deadline: float | None, housekeeping: bool) -> int:
        started = time.monotonic()
        started_at = utc_now()
        futures: list[Future[None]] = []
        pending = self._pending
        try:
            grace = timedelta(seconds=max(EXPIRY_GRACE_MIN, self.interval * EXPIRY_GRACE_INTERVALS))
            ahead = timedelta(seconds=min(TICK, self.interval) / 2)
            claimed, pushes = self.polling.claim_work(self._batch, grace, ahead)
            work = [
                (f"Test push #{ident}", partial(self.polling.poll_push, ident, push_id))
                for ident, push_id in pushes
            ] + [
                (f"Enrolment #{ident}", partial(self.polling.poll, ident, user_id))
                for ident, user_id in claimed
            ]
            for what, call in work:
                with self._lock:
                    if what in self._inflight:
                        continue  # its previous call is still running
                    self._inflight.add(what)
                try:
                    futures.append(self._pool().submit(self._work, what, call))
                except RuntimeError:
                    # The interpreter is exiting (concurrent.futures refuses new work then):
                    # the claim lapses by itself and the next process picks the work up.
                    log.info("the process is shutting down; the poller stops")
                    self._stop.set()
                    with self._lock:
                        self._inflight.discard(what)
                    break
            if housekeeping:
                self.polling.expire_overdue(grace)
                self.polling.expire_pushes()
                pending = self.polling.count_active()
        except ConsoleError as exc:
            self._failed(f"Poll cycle failed: {exc}")
        except Exception as exc:  # never let the thread die
            log.exception("poll cycle failed")
            self._failed(f"Poll cycle failed unexpectedly ({type(exc).__name__}).")
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        _, unfinished = wait(futures, timeout=timeout)
        with self._lock:
            self._polled_since += len(futures)
            if housekeeping:
                self._cycles += 1
                self._last_cycle_at = started_at
                self._cycle_duration = None if unfinished else time.monotonic() - started
                self._polled, self._polled_since = self._polled_since, 0
                self._pending = pending
        return len(futures)

    def _work(self, what: str, call: Callable[..., str | None]) -> None:
        """Run one status call (``what``: "Enrolment #3", "Test push #5") on a worker."""
        try:
            error = call(backoff=self._backoff)
        except ConsoleError as exc:
            error = str(exc)
        except Exception as exc:  # a worker must never die silently
            log.exception("polling %s failed", what)
            error = f"unexpected {type(exc).__name__}"
        finally:
            with self._lock:
                self._inflight.discard(what)
        if error is not None:
            log.warning("polling %s: %s", what, error)
            self._failed(f"{what}: {error}")

    def _backoff(self, failures: int) -> timedelta:
        """Wait after ``failures`` failed polls in a row: 2, 4, 8... intervals, capped."""
        seconds = self.interval * 2 ** min(failures, 30)
        return timedelta(seconds=min(seconds, max(self._backoff_cap, self.interval)))

    def _failed(self, message: str) -> None:
        with self._lock:
            self._errors.append(time.monotonic())
            self._last_error = message
            self._last_error_at = utc_now()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="status-poll")
            return self._executor
