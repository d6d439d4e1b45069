"""The poller's side of the use-cases: claim the enrolments that are due, ask the API for one's
status and apply it (or record the failure and back off), expire the overdue, count the active.

Claims are leases in the database, so several console processes poll each enrolment once per
interval between them (``db.enrolments.claim_due``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.domain.statuses import TERMINAL, Status
from dashboard.errors import ApiError
from dashboard.omi.client import OmiClient
from dashboard.usecases.enrolments import Enrolments, find
from dashboard.usecases.transactions import reading, writing
from db import accounts
from db import enrolments as queries

#: The longest error message stored on an enrolment.
ERROR_LENGTH = 500


class Polling:
    """What the poller uses; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        omi: OmiClient,
        enrolments: Enrolments,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._omi = omi
        self._enrolments = enrolments
        self._clock = clock

    def claim_due(
        self, limit: int, lease: timedelta, grace: timedelta = timedelta(0)
    ) -> list[tuple[int, str]]:
        """Claim up to ``limit`` due active enrolments for this poller for ``lease``:
        (enrolment id, the user id the API knows the account by) pairs. Several processes
        never claim the same one. Enrolments whose QR code expired less than ``grace`` ago are
        still claimed."""
        with writing(self._sessions) as session:
            now = self._clock()
            claimed = queries.claim_due(session, now, now + lease, limit, expired_after=now - grace)
            references = accounts.references(session, {account for _, account in claimed})
            return [(enrolment, references[account]) for enrolment, account in claimed]

    def poll(
        self, enrolment_id: int, user_id: str, *, backoff: Callable[[int], timedelta]
    ) -> str | None:
        """Ask the API for one enrolment's status (``user_id``: the account's ``reference``) and
        apply it; on an API error store it and push the next poll out by ``backoff(failures in
        a row)``. Returns the error, or None."""
        try:
            remote = self._omi.status(user_id)
        except ApiError as exc:
            message = str(exc) or type(exc).__name__
            self._record_failure(enrolment_id, message, backoff)
            return message
        self._enrolments.apply_status(enrolment_id, remote)
        return None

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
