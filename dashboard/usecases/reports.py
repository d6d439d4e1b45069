"""Reports for the overview page: counts, time to enrol, enrolments per day, the funnel.

``Reports(sessions).overview(days)`` reads everything in one short read-only session through the
aggregate queries of ``db.stats``; the answer is frozen plain data. Times are UTC: "today" is
the UTC calendar day, and the period is the last ``days`` UTC days including today.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.domain.overview import Counts, DayOutcome, Funnel, Overview, TimeToEnrol
from dashboard.domain.statuses import ACTIVE, REACHED_PHONE, Status
from dashboard.errors import InputError
from dashboard.usecases.transactions import reading
from db import pushes, stats

MAX_DAYS = 3660


class Reports:
    """Read-only reports over the console's database; safe to share between threads."""

    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def overview(self, days: int | None = 30) -> Overview:
        """The overview for the last ``days`` UTC days (today included); None means all time.
        Counts of accounts, pending and enrolled are all-time; "today" is the UTC day."""
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InputError(f"The period is 1 to {MAX_DAYS} days.")
        now = self._clock()
        today = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
        since = None if days is None else today - timedelta(days=days - 1)
        with self._read() as session:
            by_status = stats.count_by_status(session)
            counts = Counts(
                accounts=stats.count_accounts(session),
                pending=sum(by_status.get(s.value, 0) for s in ACTIVE),
                enrolled=by_status.get(Status.ENROLLED.value, 0),
                expired_or_declined=by_status.get(Status.EXPIRED.value, 0)
                + by_status.get(Status.DECLINED.value, 0),
                issued_today=stats.count_issued(session, issued_from=today),
                enrolled_today=stats.count_finished_since(session, Status.ENROLLED.value, today),
                verified=pushes.verified_accounts(session),
            )
            enrolled, (median, p90) = stats.duration_percentiles(
                session, Status.ENROLLED.value, (0.5, 0.9), issued_from=since
            )
            per_day = tuple(
                DayOutcome(row.day, Status(row.status), row.count)
                for row in stats.daily_by_status(session, issued_from=since)
            )
            funnel = Funnel(
                issued=stats.count_issued(session, issued_from=since),
                scanned=stats.count_reaching(
                    session, [s.value for s in REACHED_PHONE], issued_from=since
                ),
                enrolled=stats.count_reaching(session, [Status.ENROLLED.value], issued_from=since),
            )
        return Overview(
            counts=counts,
            time_to_enrol=TimeToEnrol(enrolled, _delta(median), _delta(p90)),
            per_day=per_day,
            funnel=funnel,
            since=since,
            generated_at=now,
        )

    def _read(self) -> AbstractContextManager[Session]:
        return reading(self._sessions)


def _delta(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)
