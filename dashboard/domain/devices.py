"""An enrolled person's devices and the test pushes that prove one works: pure records.

A test push is a sign-in request sent to the person's device(s); the person approves or denies
it on the phone, or lets it lapse. ``PushOutcome`` is the console's word for where a push is:
the service's four (``PENDING``, ``APPROVED``, ``DENIED``, ``EXPIRED``) and ``ERROR`` for one
the API refused to send. An approved push is what "verified" means.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class PushOutcome(StrEnum):
    """Where a test push is."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"
    ERROR = "ERROR"

    @property
    def finished(self) -> bool:
        return self is not PushOutcome.PENDING


#: The console stops asking about a push after this long and records it EXPIRED (the service's
#: own lifetime is shorter; this only ends a push whose status the service never gave).
PUSH_GIVE_UP = timedelta(minutes=5)
#: How the timeline's records of an operator's test push and device removal begin (the Audit
#: trail names those actions by them).
SENT_PREFIX = "Test push sent to "
REMOVED_PREFIX = "Removed the device "
#: A push the console sends without a device names this.
ALL_DEVICES = "all devices"


@dataclass(frozen=True)
class DeviceRecord:
    """One device on the account, as the service lists it."""

    id: str
    name: str
    platform: str
    enrolled_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class PushRecord:
    """One test push as the console recorded it."""

    id: int
    account_id: uuid.UUID
    device_id: str | None
    device_name: str | None
    status: PushOutcome
    api_status: str | None
    created_at: datetime
    created_by: str
    finished_at: datetime | None
    last_error: str | None

    @property
    def target(self) -> str:
        """The device it went to, in words."""
        return self.device_name or (self.device_id or ALL_DEVICES)


@dataclass(frozen=True)
class VerifyFailure:
    """One account a bulk verify could not push to, and why (a sentence)."""

    username: str
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    """What a campaign's bulk verify did: pushes sent, accounts left out and why."""

    campaign_id: int
    accounts: int
    sent: int
    failures: tuple[VerifyFailure, ...]


@dataclass(frozen=True)
class VerifyProgress:
    """A campaign's verification so far: its pushes by outcome."""

    campaign_id: int
    by_outcome: tuple[tuple[PushOutcome, int], ...]

    def count(self, outcome: PushOutcome) -> int:
        return dict(self.by_outcome).get(outcome, 0)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_outcome)


def verified_detail(device: str) -> str:
    """The timeline's line for an approved test push."""
    return f"Verified on {device}: the test push was approved on the phone."


def push_period(
    *,
    watched: bool,
    watchers: int,
    pending: int,
    max_rps: float,
    watched_rps: float,
    interval: float,
) -> float:
    """Seconds until a push just polled is due again: a watched one at ``watched_rps`` (all
    watched ones together at most half the budget), the others every ``interval``, slower when
    many are pending so that they together take at most half the budget."""
    if watched:
        return max(1.0 / watched_rps, 2.0 * max(1, watchers) / max_rps)
    return max(interval, 2.0 * pending / max_rps)
