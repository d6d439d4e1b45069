"""What the Overview page reports: counts, time to enrol, enrolments per day, the funnel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dashboard.domain.statuses import Status


@dataclass(frozen=True)
class Counts:
    """Headline numbers; ``pending`` is PENDING or SCANNED."""

    accounts: int
    pending: int
    enrolled: int
    expired_or_declined: int
    issued_today: int
    enrolled_today: int
    verified: int = 0
    """Accounts enrolled whose phone approved a test push (``dashboard.domain.devices``)."""


@dataclass(frozen=True)
class TimeToEnrol:
    """Issue-to-enrolled durations of the enrolments in the period (None without any)."""

    enrolled: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class DayOutcome:
    """How many enrolments issued on ``day`` (UTC) now stand at ``status``."""

    day: date
    status: Status
    count: int


@dataclass(frozen=True)
class Funnel:
    """Enrolments issued in the period, how many reached the phone, how many enrolled."""

    issued: int
    scanned: int
    enrolled: int


@dataclass(frozen=True)
class Overview:
    """Everything the overview page shows; ``since`` is the start of the period (None: all)."""

    counts: Counts
    time_to_enrol: TimeToEnrol
    per_day: tuple[DayOutcome, ...]
    funnel: Funnel
    since: datetime | None
    generated_at: datetime
