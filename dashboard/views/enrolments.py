"""The enrolments table as the Enrolments page shows it: the filter from widget values, the
rows as displayed, the event timeline, and the CSV download as a spooled file.

Plain data in, plain data out; no Streamlit here, so it is testable on its own.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO, Any

from dashboard.domain.clock import utc_day_range
from dashboard.domain.records import EnrolmentFilter, EnrolmentView, EventView
from dashboard.domain.statuses import Status
from dashboard.views.looks import duration, look

#: Sortable columns as the page offers them: label → column of ``EnrolmentSort``.
SORTS: dict[str, str] = {
    "Issued": "issued_at",
    "Username": "username",
    "Status": "status",
    "Expires": "expires_at",
    "Finished": "finished_at",
    "Enrolment #": "id",
}
PAGE_SIZES = (25, 50, 100, 200)
#: The table counts matches up to here and pages through at most this many rows: an exact
#: count grows with the table (a million rows took 44 ms against 1.4 ms for a thousand);
#: past the cap the operator narrows the filters, and the CSV still has every row.
COUNT_CAP = 10_000
SPOOL_IN_MEMORY = 1024 * 1024  # a bigger export goes to a temporary file on disk


def enrolment_filter(
    statuses: Iterable[Status], username: str, issued: Sequence[date | None] | date | None
) -> EnrolmentFilter:
    """The filter for the chosen statuses, username text and issue-date range (UTC days,
    both ends included; one date means that day onwards, none means any day)."""
    issued_from, issued_to = utc_day_range(issued)
    return EnrolmentFilter(
        statuses=frozenset(s.value for s in statuses),
        username=username.strip(),
        issued_from=issued_from,
        issued_to=issued_to,
    )


def table_rows(views: Iterable[EnrolmentView]) -> list[dict[str, Any]]:
    """The rows of the table, one dict per enrolment, in display order."""
    return [
        {
            "#": view.id,
            "Username": view.username,
            "Status": look(view.status).label,
            "Issued": view.issued_at,
            "Expires": view.expires_at,
            "Finished": view.finished_at,
            "Time to enrol": duration(view.time_to_enrol),
            "Issued by": view.issued_by,
            "Last error": view.last_error or "",
        }
        for view in views
    ]


def timeline_rows(events: Iterable[EventView]) -> list[dict[str, Any]]:
    """An enrolment's history as table rows, oldest first."""
    return [
        {
            "At": event.at,
            "From": _label(event.from_status),
            "To": _label(event.to_status),
            "By": event.actor,
            "What happened": event.detail,
        }
        for event in events
    ]


def csv_file(lines: Iterable[str]) -> SpooledFile:
    """``lines`` as a UTF-8 file, rewound: in memory up to 1 MiB, on disk beyond."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b")  # noqa: SIM115
    try:
        for line in lines:
            spool.write(line.encode("utf-8"))
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return SpooledFile(spool)


class SpooledFile(io.RawIOBase):
    """A spooled temporary file as a raw binary stream: the kind of file object
    ``st.download_button`` accepts (it refuses ``SpooledTemporaryFile`` itself)."""

    def __init__(self, spool: IO[bytes]) -> None:
        super().__init__()
        self._spool = spool

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._spool.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._spool.seek(offset, whence)

    def tell(self) -> int:
        return self._spool.tell()

    def close(self) -> None:
        self._spool.close()
        super().close()


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` rows ``total`` rows fill (at least one)."""
    return max(1, -(-total // size))


def match_caption(total: int, first: int, shown: int, cap: int = COUNT_CAP) -> str:
    """The line above the table: how many match and which are shown. Above ``cap`` the count
    reads "More than <cap>" and says how to see the rest."""
    more = total > cap
    text = f"More than {cap:,} enrolments match" if more else f"{total} enrolment(s) match"
    text += f"; showing {first}–{first + shown - 1}." if shown else "."
    if more:
        text += f" Pages stop at {cap:,} rows: narrow the filters, or download the CSV for all."
    return text


def _label(status: str | None) -> str:
    if status is None:
        return ""
    try:
        return look(Status(status)).label
    except ValueError:
        return status
