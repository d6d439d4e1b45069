"""The poller's side of the use-cases: claim the enrolments that are due, ask the API for one's
status and apply it (or record the failure and back off), expire the overdue, count the active.

Claims spend the deployment's shared request budget (``dashboard.usecases.budget``), so several
console processes poll within one budget between them, the most urgent enrolments first. A
status call is sent once, without the client's own retries: the poller's schedule is the retry,
and a 429 or a burst of server errors slows every poller (the budget's back-off).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.budget import DEFAULT_LIMITS, Limits
from dashboard.domain.clock import utc_now
from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import ACTIVE, TERMINAL, Status
from dashboard.errors import ApiError, ApiRateLimited, ApiUnavailable
from dashboard.omi.client import OmiClient
from dashboard.usecases.budget import Budget
from dashboard.usecases.enrolments import Enrolments, find
from dashboard.usecases.pushes import Pushes
from dashboard.usecases.transactions import reading, writing
from dashboard.usecases.watching import Changes
from db import enrolments as queries

#: The longest error message stored on an enrolment.
ERROR_LENGTH = 500
#: How many enrolments' last polled state is kept (to wake pages only on a change).
LAST_SEEN = 10_000


class Polling:
    """What the poller uses; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        omi: OmiClient,
        enrolments: Enrolments,
        *,
        clock: Callable[[], datetime] = utc_now,
        limits: Limits = DEFAULT_LIMITS,
        changes: Changes | None = None,
        pushes: Pushes | None = None,
    ) -> None:
        self._sessions = sessions
        self._omi = omi
        self._enrolments = enrolments
        self._clock = clock
        self.budget = Budget(sessions, limits, clock=clock)
        self._changes = changes or Changes()
        self.pushes = pushes
        self._lock = threading.Lock()
        self._last: dict[int, EnrolmentView] = {}  # what each enrolment's last poll left

    def claim_due(
        self, limit: int, grace: timedelta = timedelta(0), ahead: timedelta = timedelta(0)
    ) -> list[tuple[int, str]]:
        """Claim up to ``limit`` active enrolments due within ``ahead``, as many as the budget
        allows now, most urgent first: (enrolment id, the user id the API knows the account by)
        pairs. Several processes never claim the same one. QR codes expired less than ``grace``
        ago are still claimed."""
        return [(c.id, c.user_id) for c in self.budget.claim(limit, grace=grace, ahead=ahead)]

    def claim_work(
        self, limit: int, grace: timedelta = timedelta(0), ahead: timedelta = timedelta(0)
    ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        """Like ``claim_due``, with the test pushes due from the same budget: (enrolment id,
        user id) pairs and (push row id, the API's push id) pairs."""
        work = self.budget.claim_work(
            limit, grace=grace, ahead=ahead, pushes=self.pushes is not None
        )
        return [(c.id, c.user_id) for c in work.enrolments], [
            (p.id, p.push_id) for p in work.pushes
        ]

    def poll_push(
        self, ident: int, push_id: str, *, backoff: Callable[[int], timedelta]
    ) -> str | None:
        """Ask the API for one test push's status and record it; on an API error keep it on
        the push, slow every poller down as a status call's error would, and ask again after
        ``backoff(failures in a row)``. Returns the error, or None."""
        assert self.pushes is not None
        try:
            status = self._omi.push_status(push_id, retries=0)
        except ApiError as exc:
            message = str(exc) or type(exc).__name__
            if isinstance(exc, ApiRateLimited):
                self.budget.rate_limited(exc.retry_after, message)
            elif isinstance(exc, ApiUnavailable):
                self.budget.server_error(message)
            self.pushes.record_failure(ident, message, backoff)
            return message
        self.pushes.apply(ident, status)
        return None

    def expire_pushes(self) -> int:
        """End the test pushes the service never answered about in time."""
        return 0 if self.pushes is None else self.pushes.expire_overdue()

    def poll(
        self, enrolment_id: int, user_id: str, *, backoff: Callable[[int], timedelta]
    ) -> str | None:
        """Ask the API for one enrolment's status (``user_id``: the account's ``reference``) and
        apply it; on an API error store it and push the next poll out by ``backoff(failures in
        a row)``. Returns the error, or None."""
        try:
            remote = self._omi.status(user_id, retries=0)
        except ApiError as exc:
            message = str(exc) or type(exc).__name__
            if isinstance(exc, ApiRateLimited):
                self.budget.rate_limited(exc.retry_after, message)
            elif isinstance(exc, ApiUnavailable):
                self.budget.server_error(message)
            self._record_failure(enrolment_id, message, backoff)
            self._changed(enrolment_id, None)
            return message
        self._changed(enrolment_id, self._enrolments.apply_status(enrolment_id, remote))
        return None

    def _changed(self, enrolment_id: int, now: EnrolmentView | None) -> None:
        """Wake the pages waiting on the enrolment, unless the poll left it as it was."""
        with self._lock:
            before = self._last.pop(enrolment_id, None)
            if now is not None and now.status in ACTIVE:
                if len(self._last) >= LAST_SEEN:
                    self._last.clear()
                self._last[enrolment_id] = now
        if now is None or now != before:
            self._changes.notify(enrolment_id)

    def expire_overdue(self, grace: timedelta) -> int:
        """Expire the enrolments whose QR code expired more than ``grace`` ago (see
        ``Enrolments.expire_overdue``)."""
        return self._enrolments.expire_overdue(grace)

    def count_active(self) -> int:
        """How many enrolments are PENDING or SCANNED."""
        with reading(self._sessions) as session:
            return queries.count_active(session)

    def _record_failure(
        self, enrolment_id: int, message: str, backoff: Callable[[int], timedelta]
    ) -> None:
        with writing(self._sessions) as session:
            row = find(session, enrolment_id, lock=True)
            if Status(row.status) in TERMINAL:
                return
            row.poll_failures += 1
            row.last_error = message[:ERROR_LENGTH]
            row.next_poll_at = self._clock() + backoff(row.poll_failures)
