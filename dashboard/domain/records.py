"""The records pages get from the use-cases: plain frozen dataclasses, no database objects.

``EnrolmentFilter`` and ``EnrolmentSort`` are what pages send back to ask for a page of the
enrolments table; the rest is what the use-cases answer with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from dashboard.domain.statuses import ENDED_OTHERWISE, REACHED_PHONE, Status

SortColumn = Literal["issued_at", "username", "status", "expires_at", "finished_at", "id"]
SORT_COLUMNS: tuple[str, ...] = get_args(SortColumn)


@dataclass(frozen=True)
class AccountView:
    """An account as pages show it."""

    id: uuid.UUID
    username: str
    created_at: datetime
    created_by: str
    latest_status: Status | None
    latest_enrolment_id: int | None
    tenant_id: str | None = None
    """The identity store's id for the person (None: an account the tenant was never told of)."""
    display_name: str | None = None
    email: str | None = None
    """The person's e-mail address, normalised (None: none known)."""

    @property
    def reference(self) -> str:
        """The user id the API is sent: the tenant's id, or the local UUID for older rows."""
        return self.tenant_id if self.tenant_id is not None else str(self.id)

    @property
    def on_tenant(self) -> bool:
        """Whether the account is linked to a user of the tenant's identity store."""
        return self.tenant_id is not None


@dataclass(frozen=True)
class EnrolmentView:
    """An enrolment as pages show it (without its QR image: see ``Enrolments.qr_png``)."""

    id: int
    account_id: uuid.UUID
    username: str
    status: Status
    api_status: str | None
    issued_at: datetime
    expires_at: datetime
    finished_at: datetime | None
    device_name: str | None
    last_error: str | None
    issued_by: str
    time_to_enrol: timedelta | None
    email: str | None = None
    """The account's e-mail address, where the read joined it (the table and its CSV)."""


@dataclass(frozen=True)
class EventView:
    """One line of an enrolment's history."""

    at: datetime
    from_status: str | None
    to_status: str
    actor: str
    detail: str


@dataclass(frozen=True)
class EnrolmentFilter:
    """Which enrolments the table shows; empty fields match everything.

    ``username`` is matched as a substring of the normalised, case-folded username (the
    use-case normalises it). ``issued_from`` is inclusive, ``issued_to`` exclusive.
    ``campaign_id`` keeps the enrolments issued in that campaign.
    """

    statuses: frozenset[str] = frozenset()
    username: str = ""
    issued_from: datetime | None = None
    issued_to: datetime | None = None
    campaign_id: int | None = None


@dataclass(frozen=True)
class EnrolmentSort:
    """Order of the enrolments table: one whitelisted column, then id as the tie-breaker."""

    column: SortColumn = "issued_at"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.column not in SORT_COLUMNS:
            raise ValueError(f"cannot sort by {self.column!r}; choose one of {SORT_COLUMNS}")


@dataclass(frozen=True)
class CampaignView:
    """A campaign as pages show it."""

    id: int
    name: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class ExistingAccount:
    """An account found by its username key."""

    id: uuid.UUID
    username: str


@dataclass(frozen=True)
class CampaignProgress:
    """Where a campaign's people stand, by their newest enrolment in it.

    ``people`` have had a QR code in the campaign; ``qr_codes`` counts every code issued in it
    (re-issues included); ``by_status`` counts people per status.
    """

    campaign: CampaignView
    people: int
    qr_codes: int
    by_status: dict[Status, int]

    def count(self, *statuses: Status) -> int:
        """How many people stand at any of ``statuses``."""
        return sum(self.by_status.get(s, 0) for s in statuses)

    @property
    def pending(self) -> int:
        """Issued, not scanned yet."""
        return self.count(Status.PENDING)

    @property
    def scanned(self) -> int:
        """Scanned, not confirmed yet."""
        return self.count(Status.SCANNED)

    @property
    def reached_phone(self) -> int:
        """Scanned, enrolled or declined: a phone can only enrol or decline after scanning."""
        return self.count(*REACHED_PHONE)

    @property
    def enrolled(self) -> int:
        """Enrolled a device."""
        return self.count(Status.ENROLLED)

    @property
    def expired(self) -> int:
        """Their QR code expired unused."""
        return self.count(Status.EXPIRED)

    @property
    def ended_otherwise(self) -> int:
        """Declined, failed, cancelled or superseded."""
        return self.count(*ENDED_OTHERWISE)


@dataclass(frozen=True)
class QrSheet:
    """One person's active QR code, for the printable sheets."""

    username: str
    display_name: str | None
    expires_at: datetime
    png: bytes
    account_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CampaignSheets:
    """A campaign's printable QR sheets, by username."""

    campaign: CampaignView
    sheets: tuple[QrSheet, ...]
