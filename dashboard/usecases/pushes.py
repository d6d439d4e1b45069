"""Test pushes: send a sign-in request to an enrolled person's device(s), follow its status
(the poller asks, within the request budget), and record the outcome in the timeline.

A push is recorded with the operator who sent it, on the ``test_pushes`` table and as an event
on the account's enrolled enrolment (so the timeline and the Audit trail show it); the poller's
answer moves it to APPROVED ("verified on <device>"), DENIED or EXPIRED, also with an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.domain.devices import (
    ALL_DEVICES,
    PUSH_GIVE_UP,
    SENT_PREFIX,
    PushOutcome,
    PushRecord,
    verified_detail,
)
from dashboard.domain.roles import EXPIRY_ACTOR, POLLER_ACTOR
from dashboard.domain.statuses import Status
from dashboard.errors import ApiError, ConflictError, NotFoundError
from dashboard.omi.client import OmiClient
from dashboard.usecases import inputs
from dashboard.usecases.transactions import reading, writing
from db import accounts, events
from db import pushes as queries
from db.models import API_STATUS_LENGTH, DEVICE_NAME_LENGTH, Account, EnrolmentEvent
from db.push_models import TestPush

if TYPE_CHECKING:
    from dashboard.omi.devices import PushStatus

#: How long a page's look at a push keeps it polled first (renewed on every refresh).
WATCH_FOR = timedelta(seconds=3)
ERROR_LENGTH = 500
ENDED = {
    PushOutcome.DENIED: "The test push to {} was denied on the phone.",
    PushOutcome.EXPIRED: "The test push to {} expired unanswered.",
}


class Pushes:
    """The test-push use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        omi: OmiClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        sent: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._omi = omi
        self._clock = clock
        self._sent = sent or (lambda: None)  # tells the budget to count pushes again

    def send(
        self,
        account_id: uuid.UUID | str,
        *,
        actor: str,
        device_id: str | None = None,
        device_name: str | None = None,
        campaign_id: int | None = None,
    ) -> PushRecord:
        """Push a sign-in request to the account's device ``device_id`` (None: all of them)
        and record it PENDING; ``ConflictError`` when the account has nothing enrolled."""
        who = inputs.actor(actor)
        ident = inputs.account_id(account_id)
        with reading(self._sessions) as session:
            reference = _enrolled(session, ident).reference
        push_id = self._omi.push(reference, device_id=device_id)
        name = None if device_name is None else device_name[:DEVICE_NAME_LENGTH]
        with writing(self._sessions) as session:
            now = self._clock()
            enrolment = queries.enrolled_enrolment(session, ident)
            row = queries.add_push(
                session,
                TestPush(
                    account_id=ident,
                    enrolment_id=None if enrolment is None else enrolment.id,
                    campaign_id=campaign_id,
                    device_id=device_id,
                    device_name=name,
                    push_id=push_id,
                    status=PushOutcome.PENDING.value,
                    created_at=now,
                    created_by=who,
                    expires_at=now + PUSH_GIVE_UP,
                    next_poll_at=now,
                    poll_failures=0,
                ),
            )
            target = name or device_id or ALL_DEVICES
            self._event(session, row, who, f"{SENT_PREFIX}{target}.")
            record = push_record(row)
        self._sent()
        return record

    def latest(self, account_id: uuid.UUID | str, limit: int = 5) -> list[PushRecord]:
        """The account's newest test pushes first."""
        with reading(self._sessions) as session:
            rows = queries.account_pushes(session, inputs.account_id(account_id), limit)
            return [push_record(row) for row in rows]

    def get(self, ident: int) -> PushRecord:
        """The push, or ``NotFoundError``."""
        with reading(self._sessions) as session:
            return push_record(_find(session, ident))

    def watch(self, ident: int) -> None:
        """Someone has the push open: the poller asks about it first for a few seconds."""
        with writing(self._sessions) as session:
            now = self._clock()
            queries.watch(session, int(ident), now, now + WATCH_FOR)
        self._sent()

    def apply(self, ident: int, status: PushStatus, *, actor: str = POLLER_ACTOR) -> PushRecord:
        """Record the service's answer for a push; a finished push never changes."""
        with writing(self._sessions) as session:
            row = _find(session, ident, lock=True)
            if PushOutcome(row.status).finished:
                return push_record(row)
            row.api_status = status.api_status[:API_STATUS_LENGTH]
            row.poll_failures = 0
            row.last_error = None
            if status.device_id and not row.device_id:
                row.device_id = status.device_id
            outcome = PushOutcome(status.state.value)
            if outcome.finished:
                if outcome is PushOutcome.APPROVED and row.device_name is None:
                    row.device_name = self._device_name(session, row)
                self._finish(session, row, outcome, actor)
            return push_record(row)

    def record_failure(self, ident: int, message: str, delay: Callable[[int], timedelta]) -> None:
        """A status call failed: keep the message, ask again after ``delay(failures)``."""
        with writing(self._sessions) as session:
            row = _find(session, ident, lock=True)
            if PushOutcome(row.status).finished:
                return
            row.poll_failures += 1
            row.last_error = message[:ERROR_LENGTH]
            row.next_poll_at = self._clock() + delay(row.poll_failures)

    def expire_overdue(self) -> int:
        """End the pending pushes the service never answered about in time (EXPIRED)."""
        with writing(self._sessions) as session:
            rows = queries.overdue(session, self._clock())
            for row in rows:
                row.last_error = row.last_error or "No answer from the service in time."
                self._finish(session, row, PushOutcome.EXPIRED, EXPIRY_ACTOR)
            return len(rows)

    def _finish(self, session: Session, row: TestPush, outcome: PushOutcome, actor: str) -> None:
        row.status = outcome.value
        row.finished_at = self._clock()
        row.next_poll_at = None
        row.watched_until = None
        target = row.device_name or row.device_id or ALL_DEVICES
        if outcome is PushOutcome.APPROVED:
            detail = verified_detail(target)
        else:
            detail = ENDED[outcome].format(target)
        self._event(session, row, actor, detail)

    def _device_name(self, session: Session, row: TestPush) -> str | None:
        """The approving device's name from the service's list (the push went to all)."""
        account = session.get(Account, row.account_id)
        if account is None or row.device_id is None:
            return None
        try:
            listed = self._omi.devices(account.reference)
        except ApiError:
            return None  # the id names it then; the approval itself stands
        names = {d.id: d.name for d in listed}
        name = names.get(row.device_id)
        return None if name is None else name[:DEVICE_NAME_LENGTH]

    def _event(self, session: Session, row: TestPush, actor: str, detail: str) -> None:
        if row.enrolment_id is None:
            return
        status = Status.ENROLLED.value
        events.add_event(
            session,
            EnrolmentEvent(
                enrolment_id=row.enrolment_id,
                at=self._clock(),
                from_status=status,
                to_status=status,
                actor=actor,
                detail=detail,
            ),
        )


def _enrolled(session: Session, ident: uuid.UUID) -> Account:
    account = accounts.get_account(session, ident)
    if account is None:
        raise NotFoundError(f"There is no account {ident}.")
    if queries.enrolled_enrolment(session, ident) is None:
        raise ConflictError(
            f"{account.username} has no enrolled device yet: a test push needs one."
        )
    return account


def _find(session: Session, ident: int, *, lock: bool = False) -> TestPush:
    row = queries.get_push(session, int(ident), lock=lock)
    if row is None:
        raise NotFoundError(f"There is no test push #{ident}.")
    return row


def push_record(row: TestPush) -> PushRecord:
    """The record pages get for a push's row."""
    return PushRecord(
        id=row.id,
        account_id=row.account_id,
        device_id=row.device_id,
        device_name=row.device_name,
        status=PushOutcome(row.status),
        api_status=row.api_status,
        created_at=row.created_at,
        created_by=row.created_by,
        finished_at=row.finished_at,
        last_error=row.last_error,
    )
