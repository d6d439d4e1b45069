"""The audit trail's vocabulary: the kinds of action people take, one entry, and a query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dashboard.domain.clock import utc_day_range
from dashboard.errors import InputError

#: Action kinds as the page names them.
ACTION_LABELS: dict[str, str] = {
    "create_account": "Created account",
    "issue": "Issued QR code",
    "supersede": "Superseded QR code (re-issue)",
    "cancel": "Cancelled enrolment",
    "test_push": "Sent a test push",
    "remove_device": "Removed a device",
    "other": "Other change",
}


@dataclass(frozen=True)
class AuditEntry:
    """One action as the Audit page shows it."""

    at: datetime
    actor: str
    action: str
    username: str
    account_id: uuid.UUID
    enrolment_id: int | None
    detail: str

    @property
    def action_label(self) -> str:
        """The action in words."""
        return ACTION_LABELS.get(self.action, self.action)


@dataclass(frozen=True)
class AuditQuery:
    """Which actions to list; empty fields match everything. ``since`` is inclusive,
    ``until`` exclusive."""

    actors: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None


def audit_query(
    actors: Sequence[str], actions: Sequence[str], days: Sequence[date | None] | date | None
) -> AuditQuery:
    """The query for the chosen actors, action kinds and UTC days (both ends included; one
    date means that day onwards)."""
    unknown = set(actions) - set(ACTION_LABELS)
    if unknown:
        raise InputError(f"Unknown action kind: {', '.join(sorted(unknown))}.")
    since, until = utc_day_range(days)
    return AuditQuery(frozenset(actors), frozenset(actions), since, until)
