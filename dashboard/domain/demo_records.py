"""The plain records of a demo history (``dashboard.domain.demo_history`` makes them, the
use-case writes them): people, campaigns, enrolments with their events, invitations with their
events and mails, and the people whose QR code is issued live at the end.

Records refer to each other by position (``DemoEnrolment.account`` is an index into
``DemoHistory.accounts``): the database ids exist only once the rows are written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dashboard.domain.statuses import Status

#: The simulator's default QR lifetime (``SIM_QR_TTL``) and the ``INVITE_*`` defaults.
QR_LIFETIME = timedelta(minutes=5)
INVITE_LIFETIME = timedelta(days=7)
REMINDERS = (timedelta(days=2), timedelta(days=5))


@dataclass(frozen=True)
class DemoRules:
    """What the history must agree with: the QR codes' lifetime, the invitations' lifetime
    and reminder schedule (the console's settings), how many days it spans."""

    qr_lifetime: timedelta = QR_LIFETIME
    invite_lifetime: timedelta = INVITE_LIFETIME
    reminders: tuple[timedelta, ...] = REMINDERS
    days: int = 60


@dataclass(frozen=True)
class DemoAccount:
    """A person, with the tenant id the simulator's SCIM store is told."""

    id: uuid.UUID
    tenant_id: str
    username: str
    display_name: str
    email: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class DemoCampaign:
    """A named batch of enrolments."""

    name: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class DemoEvent:
    """One step of an enrolment, as ``Enrolments`` records it."""

    at: datetime
    from_status: Status | None
    to_status: Status
    actor: str
    detail: str


@dataclass(frozen=True)
class DemoEnrolment:
    """One issued QR code and where it went; ``supersedes`` is the enrolment it replaced
    (its issue event names it once the ids exist)."""

    account: int
    campaign: int | None
    status: Status
    api_status: str | None
    issued_at: datetime
    expires_at: datetime
    finished_at: datetime
    device_name: str | None
    issued_by: str
    events: tuple[DemoEvent, ...]
    supersedes: int | None = None


@dataclass(frozen=True)
class DemoInvitationEvent:
    """One step of an invitation; ``enrolment`` is the QR code it issued or ended with."""

    at: datetime
    kind: str
    actor: str
    detail: str
    enrolment: int | None = None


@dataclass(frozen=True)
class DemoMail:
    """One mail of an invitation: step 0 the invitation, n its n-th reminder. No token hash:
    a made-up history holds no working link."""

    step: int
    subject: str
    created_at: datetime
    created_by: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None = None


@dataclass(frozen=True)
class DemoInvitation:
    """An e-mailed invitation, its events and its mails, oldest first."""

    account: int
    campaign: int | None
    email: str
    language: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    opened_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    outcome: str | None
    events: tuple[DemoInvitationEvent, ...]
    mails: tuple[DemoMail, ...]

    @property
    def reminders_sent(self) -> int:
        """How many reminders were queued (the mails after step 0)."""
        return max(mail.step for mail in self.mails)


@dataclass(frozen=True)
class DemoPending:
    """A person whose QR code is issued now, through the API, by ``issued_by``."""

    account: int
    campaign: int | None
    issued_by: str


@dataclass(frozen=True)
class DemoHistory:
    """Everything a demo history holds, each list oldest first."""

    accounts: tuple[DemoAccount, ...]
    campaigns: tuple[DemoCampaign, ...]
    enrolments: tuple[DemoEnrolment, ...]
    invitations: tuple[DemoInvitation, ...]
    pending: tuple[DemoPending, ...]
    operators: tuple[str, ...]


@dataclass(frozen=True)
class DemoFilled:
    """What a fill wrote: counts, and the live codes issued (or why they stopped)."""

    accounts: int
    campaigns: int
    enrolments: int
    invitations: int
    mails: int
    operators: int
    days: int
    pending: int
    by_status: dict[Status, int] = field(default_factory=dict)
    stopped: str | None = None

    def sentence(self) -> str:
        """What was filled, for the page and the command line."""
        text = (
            f"Filled a demo history of the last {self.days} days: {self.enrolments} enrolments "
            f"of {self.accounts} people in {self.campaigns} campaigns and walk-ins, by "
            f"{self.operators} operators, with {self.invitations} invitations and "
            f"{self.mails} mails"
        )
        text += f"; {self.pending} QR codes are pending now." if self.pending else "."
        if self.stopped is not None:
            text += f" Issuing today's live QR codes stopped: {self.stopped}"
        return text
