"""The enrolments table: one page of it with a (capped) count, and every row of it as CSV.

The CSV's columns are ``CSV_COLUMNS``, one (header, value) pair each, so the header and the
fields cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import usernames
from dashboard.domain.clock import iso
from dashboard.domain.csv_text import csv_line
from dashboard.domain.records import SORT_COLUMNS, EnrolmentFilter, EnrolmentSort, EnrolmentView
from dashboard.domain.statuses import Status
from dashboard.errors import InputError
from dashboard.usecases.enrolments import enrolment_view
from dashboard.usecases.transactions import reading
from db import enrolments as queries

#: The most rows one page holds.
MAX_PAGE = 1000


def _seconds(view: EnrolmentView) -> str:
    return "" if view.time_to_enrol is None else f"{view.time_to_enrol.total_seconds():.1f}"


#: The export's columns: the header, and how a row's field is written.
CSV_COLUMNS: tuple[tuple[str, Callable[[EnrolmentView], str]], ...] = (
    ("enrolment_id", lambda v: str(v.id)),
    ("username", lambda v: v.username),
    ("email", lambda v: v.email or ""),
    ("account_id", lambda v: str(v.account_id)),
    ("status", lambda v: v.status.value),
    ("api_status", lambda v: v.api_status or ""),
    ("issued_at", lambda v: iso(v.issued_at)),
    ("expires_at", lambda v: iso(v.expires_at)),
    ("finished_at", lambda v: iso(v.finished_at)),
    ("time_to_enrol_seconds", _seconds),
    ("device_name", lambda v: v.device_name or ""),
    ("issued_by", lambda v: v.issued_by),
    ("last_error", lambda v: v.last_error or ""),
)
CSV_HEADER = tuple(header for header, _ in CSV_COLUMNS)


class EnrolmentTable:
    """Reads the enrolments table; one per process, safe to share between threads."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def page(
        self,
        filter: EnrolmentFilter,
        sort: EnrolmentSort,
        limit: int = 50,
        offset: int = 0,
        *,
        count_cap: int | None = None,
    ) -> tuple[list[EnrolmentView], int]:
        """One page of the enrolments table, and how many rows match in all; with
        ``count_cap``, a count above the cap only means "more than ``count_cap``" (counting
        stops there, so the cost no longer grows with the table)."""
        where = _normalised(filter)
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InputError(f"A page holds 1 to {MAX_PAGE} rows from offset 0 or more.")
        with reading(self._sessions) as session:
            rows = queries.page(session, where, _checked(sort), limit, offset)
            total = queries.count(session, where, count_cap)
        return [enrolment_view(row, row.username, row.email) for row in rows], total

    def export_csv(self, filter: EnrolmentFilter, sort: EnrolmentSort) -> Iterator[str]:
        """Every matching enrolment as CSV lines (header first), read from the database in
        batches while the caller consumes them."""
        where, order = _normalised(filter), _checked(sort)
        yield csv_line(CSV_HEADER)
        with reading(self._sessions) as session:
            for row in queries.stream(session, where, order):
                view = enrolment_view(row, row.username, row.email)
                yield csv_line(field(view) for _, field in CSV_COLUMNS)


def _normalised(where: EnrolmentFilter) -> EnrolmentFilter:
    for name, moment in (("from", where.issued_from), ("to", where.issued_to)):
        if moment is not None and moment.tzinfo is None:
            raise InputError(f"The 'issued {name}' date needs a time zone.")
    unknown = {str(s) for s in where.statuses} - {s.value for s in Status}
    if unknown:
        raise InputError(f"Unknown status filter: {', '.join(sorted(unknown))}.")
    return replace(where, username=usernames.search_key(where.username))


def _checked(sort: EnrolmentSort) -> EnrolmentSort:
    if sort.column not in SORT_COLUMNS:
        raise InputError(f"The table can be sorted by {', '.join(SORT_COLUMNS)} only.")
    return sort
