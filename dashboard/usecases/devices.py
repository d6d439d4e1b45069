"""An enrolled account's devices as the service lists them, their removal (where the tenant's
removal path is configured), and a campaign's bulk verify: a test push to every enrolled
account of the campaign, paced by the deployment's request budget.

A removal is recorded with the operator as an event on the account's enrolled enrolment, so
its timeline and the Audit trail show who removed which device.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.domain.devices import (
    REMOVED_PREFIX,
    DeviceRecord,
    PushOutcome,
    VerifyFailure,
    VerifyProgress,
    VerifyReport,
)
from dashboard.domain.statuses import Status
from dashboard.errors import ConsoleError, NotFoundError
from dashboard.omi.client import OmiClient
from dashboard.usecases import inputs
from dashboard.usecases.budget import Budget
from dashboard.usecases.pushes import Pushes
from dashboard.usecases.transactions import reading, writing
from db import accounts, events
from db import pushes as queries
from db.models import EnrolmentEvent

#: A bulk verify waits this long for a permit when the budget has none (seconds).
PERMIT_WAIT = 0.05
Progress = Callable[[int, int, str], None]


class Devices:
    """The device use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        omi: OmiClient,
        pushes: Pushes,
        budget: Budget,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sessions = sessions
        self._omi = omi
        self._pushes = pushes
        self._budget = budget
        self._clock = clock
        self._sleep = sleep

    @property
    def can_remove(self) -> bool:
        """Whether the tenant's removal path is configured (``OMI_DEVICE_REMOVE_PATH``)."""
        return self._omi.can_remove_devices

    def of(self, account_id: uuid.UUID | str) -> list[DeviceRecord]:
        """The account's devices as the service lists them (an API fault is a sentence)."""
        reference = self._reference(inputs.account_id(account_id))
        return [
            DeviceRecord(d.id, d.name, d.platform, d.enrolled_at, d.last_used_at)
            for d in self._omi.devices(reference)
        ]

    def remove(self, account_id: uuid.UUID | str, device: DeviceRecord, *, actor: str) -> None:
        """Remove ``device`` from the account at the service and record who did it."""
        who = inputs.actor(actor)
        ident = inputs.account_id(account_id)
        self._omi.remove_device(self._reference(ident), device.id)
        with writing(self._sessions) as session:
            enrolment = queries.enrolled_enrolment(session, ident)
            if enrolment is None:
                return
            status = Status.ENROLLED.value
            detail = f"{REMOVED_PREFIX}{device.name} ({device.platform}, id {device.id})."
            events.add_event(
                session,
                EnrolmentEvent(
                    enrolment_id=enrolment.id,
                    at=self._clock(),
                    from_status=status,
                    to_status=status,
                    actor=who,
                    detail=detail,
                ),
            )

    def verify_campaign(
        self, campaign_id: int, *, actor: str, progress: Progress | None = None
    ) -> VerifyReport:
        """Send a test push to every enrolled account of the campaign, one permit of the
        request budget each (so it never outruns the poller's budget, and waits while the
        API's back-off holds); an account the push fails for is reported with the reason."""
        who = inputs.actor(actor)
        with reading(self._sessions) as session:
            members = [(a.id, a.username) for a in queries.enrolled_accounts(session, campaign_id)]
        failures: list[VerifyFailure] = []
        sent = 0
        for done, (ident, username) in enumerate(members):
            if progress is not None:
                progress(done, len(members), username)
            while self._budget.take(1) < 1:
                self._sleep(PERMIT_WAIT)
            try:
                self._pushes.send(ident, actor=who, campaign_id=campaign_id)
                sent += 1
            except ConsoleError as exc:
                failures.append(VerifyFailure(username, str(exc)))
        if progress is not None:
            progress(len(members), len(members), "")
        return VerifyReport(campaign_id, len(members), sent, tuple(failures))

    def campaign_progress(self, campaign_id: int) -> VerifyProgress:
        """The campaign's test pushes by outcome (the newest per account counts)."""
        with reading(self._sessions) as session:
            newest: dict[uuid.UUID, str] = {}
            for row in queries.campaign_pushes(session, campaign_id):
                newest[row.account_id] = row.status
        counts = {o: 0 for o in PushOutcome}
        for status in newest.values():
            counts[PushOutcome(status)] += 1
        return VerifyProgress(campaign_id, tuple((o, n) for o, n in counts.items() if n))

    def _reference(self, ident: uuid.UUID) -> str:
        with reading(self._sessions) as session:
            account = accounts.get_account(session, ident)
            if account is None:
                raise NotFoundError(f"There is no account {ident}.")
            return account.reference
