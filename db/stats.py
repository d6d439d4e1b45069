"""Aggregate queries for the overview: counts, durations, enrolments per day, the funnel.

Every function takes a Session and answers with one or two aggregate statements; none loads a
table into memory. Status values are plain strings here, as in the models. Durations are
seconds from ``issued_at`` to ``finished_at``, computed by the database (``julianday`` on
SQLite, ``extract(epoch ...)`` on PostgreSQL); days are UTC calendar days.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, distinct, func, select
from sqlalchemy.orm import Session

from db.models import Account, Enrolment, EnrolmentEvent


@dataclass(frozen=True)
class DayCount:
    """How many enrolments issued on ``day`` (UTC) now have ``status``."""

    day: date
    status: str
    count: int


def count_accounts(session: Session) -> int:
    """How many accounts exist."""
    return int(session.scalar(select(func.count(Account.id))) or 0)


def count_by_status(session: Session, *, issued_from: datetime | None = None) -> dict[str, int]:
    """Enrolments per status, optionally only those issued at or after ``issued_from``."""
    query = select(Enrolment.status, func.count(Enrolment.id)).group_by(Enrolment.status)
    if issued_from is not None:
        query = query.where(Enrolment.issued_at >= issued_from)
    return {status: int(n) for status, n in session.execute(query)}


def count_finished_since(session: Session, status: str, since: datetime) -> int:
    """How many enrolments reached ``status`` (finished) at or after ``since``."""
    query = select(func.count(Enrolment.id)).where(
        Enrolment.status == status, Enrolment.finished_at >= since
    )
    return int(session.scalar(query) or 0)


def duration_percentiles(
    session: Session,
    status: str,
    fractions: Sequence[float],
    *,
    issued_from: datetime | None = None,
) -> tuple[int, list[float | None]]:
    """How many finished enrolments have ``status``, and the given percentiles (0 ≤ f ≤ 1) of
    their durations in seconds, interpolated like ``percentile_cont``; None when there are none.

    Each percentile reads at most two rows of the sorted durations (``LIMIT 2 OFFSET k``).
    """
    seconds = _seconds(session)
    where: list[ColumnElement[bool]] = [
        Enrolment.status == status,
        Enrolment.finished_at.is_not(None),
    ]
    if issued_from is not None:
        where.append(Enrolment.issued_at >= issued_from)
    total = int(session.scalar(select(func.count(Enrolment.id)).where(*where)) or 0)
    if total == 0:
        return 0, [None for _ in fractions]
    results: list[float | None] = []
    for fraction in fractions:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"a percentile is between 0 and 1, not {fraction}")
        position = fraction * (total - 1)
        lower = math.floor(position)
        values = [
            float(v)
            for v in session.scalars(
                select(seconds).where(*where).order_by(seconds).limit(2).offset(lower)
            )
        ]
        if len(values) == 1 or position == lower:
            results.append(values[0])
        else:
            results.append(values[0] + (values[1] - values[0]) * (position - lower))
    return total, results


def daily_by_status(session: Session, *, issued_from: datetime | None = None) -> list[DayCount]:
    """Enrolments (issued at or after ``issued_from``) per UTC day and current status."""
    day = _day(session)
    query = (
        select(day, Enrolment.status, func.count(Enrolment.id))
        .group_by(day, Enrolment.status)
        .order_by(day, Enrolment.status)
    )
    if issued_from is not None:
        query = query.where(Enrolment.issued_at >= issued_from)
    return [
        DayCount(date.fromisoformat(str(d)[:10]), status, int(n))
        for d, status, n in session.execute(query)
    ]


def count_issued(session: Session, *, issued_from: datetime | None = None) -> int:
    """How many enrolments were issued (at or after ``issued_from``)."""
    query = select(func.count(Enrolment.id))
    if issued_from is not None:
        query = query.where(Enrolment.issued_at >= issued_from)
    return int(session.scalar(query) or 0)


def count_reaching(
    session: Session, statuses: Collection[str], *, issued_from: datetime | None = None
) -> int:
    """How many enrolments have an event moving them to one of ``statuses`` in their history."""
    query = (
        select(func.count(distinct(EnrolmentEvent.enrolment_id)))
        .join(Enrolment, Enrolment.id == EnrolmentEvent.enrolment_id)
        .where(EnrolmentEvent.to_status.in_(sorted(statuses)))
    )
    if issued_from is not None:
        query = query.where(Enrolment.issued_at >= issued_from)
    return int(session.scalar(query) or 0)


def _seconds(session: Session) -> ColumnElement[Any]:
    if _dialect(session) == "sqlite":
        days = func.julianday(Enrolment.finished_at) - func.julianday(Enrolment.issued_at)
        return cast(days * 86400.0, Float)
    return cast(func.extract("epoch", Enrolment.finished_at - Enrolment.issued_at), Float)


def _day(session: Session) -> ColumnElement[Any]:
    if _dialect(session) == "sqlite":
        return func.date(Enrolment.issued_at)
    return func.to_char(func.timezone("UTC", Enrolment.issued_at), "YYYY-MM-DD")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
