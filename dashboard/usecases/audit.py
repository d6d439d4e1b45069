"""The audit trail use-case: what people did in the console, filtered, paged and as CSV.

Derived from the tables (``db.audit``): account creations and enrolment events whose actor is
a person (an operator's e-mail address, "local" in demo mode, or the registration demo),
never the poller's or the expiry sweep's. A status the poller records is what the service
reported a device (or the service itself) did; those are in each enrolment's timeline instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_day_range
from dashboard.domain.csv_text import csv_line
from dashboard.domain.roles import SYSTEM_ACTORS
from dashboard.domain.statuses import Status
from dashboard.errors import InputError
from dashboard.usecases.transactions import reading
from db import audit as trail
from db.audit import AuditFilter

__all__ = ["ACTION_LABELS", "CSV_HEADER", "AuditEntry", "AuditFilter", "AuditTrail", "make_filter"]

MAX_PAGE = 1000
#: Action kinds as the page names them.
ACTION_LABELS: dict[str, str] = {
    "create_account": "Created account",
    "issue": "Issued QR code",
    "supersede": "Superseded QR code (re-issue)",
    "cancel": "Cancelled enrolment",
    "other": "Other change",
}
#: An event moving an enrolment to one of these statuses is that operator action.
STATUS_ACTIONS = ((Status.SUPERSEDED.value, "supersede"), (Status.CANCELLED.value, "cancel"))
CSV_HEADER = ("at", "actor", "action", "username", "account_id", "enrolment_id", "detail")


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


def make_filter(
    actors: Sequence[str], actions: Sequence[str], days: Sequence[date | None] | date | None
) -> AuditFilter:
    """The filter for the chosen actors, action kinds and UTC days (both ends included; one
    date means that day onwards). Machine actors are always left out."""
    unknown = set(actions) - set(ACTION_LABELS)
    if unknown:
        raise InputError(f"Unknown action kind: {', '.join(sorted(unknown))}.")
    since, until = utc_day_range(days)
    return AuditFilter(
        actors=frozenset(actors),
        actions=frozenset(actions),
        since=since,
        until=until,
        exclude_actors=frozenset(SYSTEM_ACTORS),
        status_actions=STATUS_ACTIONS,
    )


class AuditTrail:
    """Reads the audit trail; one per process, safe to share between threads."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def entries(
        self, where: AuditFilter, limit: int = 50, offset: int = 0
    ) -> tuple[list[AuditEntry], int]:
        """One page of matching actions, newest first, and how many match in all."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InputError(f"A page holds 1 to {MAX_PAGE} rows from offset 0 or more.")
        with self._read() as session:
            rows = trail.page(session, where, limit, offset)
            total = trail.count(session, where)
        return [_entry(row) for row in rows], total

    def actors(self) -> list[str]:
        """Every person who appears in the trail, in name order."""
        with self._read() as session:
            return trail.actors(session, frozenset(SYSTEM_ACTORS))

    def export_csv(self, where: AuditFilter) -> Iterator[str]:
        """Every matching action as CSV lines (header first), read while consumed."""
        yield csv_line(CSV_HEADER)
        with self._read() as session:
            for row in trail.stream(session, where):
                entry = _entry(row)
                yield csv_line(
                    (
                        entry.at.astimezone(UTC).isoformat(timespec="seconds"),
                        entry.actor,
                        entry.action_label,
                        entry.username,
                        str(entry.account_id),
                        "" if entry.enrolment_id is None else str(entry.enrolment_id),
                        entry.detail,
                    )
                )

    def _read(self) -> AbstractContextManager[Session]:
        return reading(self._sessions)


def _entry(row: trail.AuditRow) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=row.actor,
        action=row.action,
        username=row.username,
        account_id=row.account_id,
        enrolment_id=row.enrolment_id,
        detail=row.detail,
    )
