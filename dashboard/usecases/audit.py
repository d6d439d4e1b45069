"""The audit trail use-case: what people did in the console, filtered, paged and as CSV.

Derived from the tables (``db.audit``): account creations and enrolment events whose actor is
a person (an operator's e-mail address, "local" in demo mode, or the registration demo),
never the poller's or the expiry sweep's. A status the poller records is what the service
reported a device (or the service itself) did; those are in each enrolment's timeline instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.audit_log import AuditEntry, AuditQuery
from dashboard.domain.csv_text import csv_line
from dashboard.domain.devices import REMOVED_PREFIX, SENT_PREFIX
from dashboard.domain.roles import SYSTEM_ACTORS
from dashboard.domain.statuses import Status
from dashboard.errors import InputError
from dashboard.usecases.transactions import reading
from db import audit as trail
from db.audit import AuditFilter

MAX_PAGE = 1000
#: An event moving an enrolment to one of these statuses is that operator action.
STATUS_ACTIONS = ((Status.SUPERSEDED.value, "supersede"), (Status.CANCELLED.value, "cancel"))
#: An operator's device action, recorded on the enrolled enrolment with its status kept.
DETAIL_ACTIONS = ((SENT_PREFIX, "test_push"), (REMOVED_PREFIX, "remove_device"))
CSV_HEADER = ("at", "actor", "action", "username", "account_id", "enrolment_id", "detail")


def audit_filter(query: AuditQuery) -> AuditFilter:
    """The database filter for ``query``; machine actors are always left out."""
    return AuditFilter(
        actors=query.actors,
        actions=query.actions,
        since=query.since,
        until=query.until,
        exclude_actors=frozenset(SYSTEM_ACTORS),
        status_actions=STATUS_ACTIONS,
        detail_actions=DETAIL_ACTIONS,
    )


class AuditTrail:
    """Reads the audit trail; one per process, safe to share between threads."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def entries(
        self, query: AuditQuery, limit: int = 50, offset: int = 0
    ) -> tuple[list[AuditEntry], int]:
        """One page of matching actions, newest first, and how many match in all."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InputError(f"A page holds 1 to {MAX_PAGE} rows from offset 0 or more.")
        where = audit_filter(query)
        with self._read() as session:
            rows = trail.page(session, where, limit, offset)
            total = trail.count(session, where)
        return [_entry(row) for row in rows], total

    def actors(self) -> list[str]:
        """Every person who appears in the trail, in name order."""
        with self._read() as session:
            return trail.actors(session, frozenset(SYSTEM_ACTORS))

    def export_csv(self, query: AuditQuery) -> Iterator[str]:
        """Every matching action as CSV lines (header first), read while consumed."""
        yield csv_line(CSV_HEADER)
        with self._read() as session:
            for row in trail.stream(session, audit_filter(query)):
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
