"""Time as the console keeps it: aware datetimes in UTC, and UTC calendar days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def utc_day_range(
    days: Sequence[date | None] | date | None,
) -> tuple[datetime | None, datetime | None]:
    """A date-input's choice as a half-open UTC range: from the first day's midnight to the
    midnight after the last day (both days included; one date means that day onwards)."""
    picked = [days] if isinstance(days, date) else [d for d in days or () if d is not None]
    start = datetime.combine(picked[0], time(), tzinfo=UTC) if picked else None
    end = picked[1] + timedelta(days=1) if len(picked) > 1 else None
    return start, None if end is None else datetime.combine(end, time(), tzinfo=UTC)


def iso(moment: datetime | None) -> str:
    """``moment`` in UTC to the second, ISO 8601 (as CSV files and event details give it);
    empty for None."""
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")
