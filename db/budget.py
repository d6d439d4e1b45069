"""The shared request budget's row, and what the poller counts over the active enrolments.

The row (``PollBudget``, ``id`` 1) is locked for the length of one short transaction: ``SELECT
... FOR UPDATE`` on PostgreSQL; on SQLite the caller's ``BEGIN IMMEDIATE`` already holds the
database's one write lock. It is created on first use (``INSERT ... ON CONFLICT DO NOTHING``,
so two processes starting together do not clash).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import ACTIVE_STATUSES, Enrolment, PollBudget
from db.push_models import TestPush
from db.pushes import PENDING

BUDGET_ID = 1


def locked_budget(session: Session, now: datetime, tokens: float) -> PollBudget:
    """The budget row, locked for this transaction; created with ``tokens`` if missing."""
    query = select(PollBudget).where(PollBudget.id == BUDGET_ID)
    postgres = session.get_bind().dialect.name == "postgresql"
    row = session.scalars(query.with_for_update() if postgres else query).one_or_none()
    if row is not None:
        return row
    values = {"id": BUDGET_ID, "tokens": tokens, "refilled_at": now, "window_started_at": now}
    insert = postgresql.insert if postgres else sqlite.insert
    session.execute(insert(PollBudget).values(**values).on_conflict_do_nothing())
    return session.scalars(query.with_for_update() if postgres else query).one()


def read_budget(session: Session) -> PollBudget | None:
    """The budget row as it is, unlocked (None before any poller ran)."""
    return session.get(PollBudget, BUDGET_ID)


def active_counts(session: Session, now: datetime) -> tuple[int, int]:
    """(active enrolments, those of them watched at ``now``)."""
    watched = func.coalesce(func.sum(case((Enrolment.watched_until > now, 1), else_=0)), 0)
    row = session.execute(
        select(func.count(), watched)
        .select_from(Enrolment)
        .where(Enrolment.status.in_(ACTIVE_STATUSES))
    ).one()
    return int(row[0]), int(row[1])


def longest_wait_since(session: Session) -> datetime | None:
    """The oldest "last claimed" among active enrolments (issued, when never claimed): the one
    that has waited longest for a poll."""
    return session.scalar(
        select(func.min(func.coalesce(Enrolment.claimed_at, Enrolment.issued_at))).where(
            Enrolment.status.in_(ACTIVE_STATUSES)
        )
    )


def idle(session: Session, *, horizon: datetime, expired_after: datetime) -> bool:
    """Whether a claim would find nothing to do: no enrolment or test push due by ``horizon``
    and a budget row that already says its rate is nil (one read, no lock)."""
    enrolment = select(Enrolment.id).where(
        Enrolment.status.in_(ACTIVE_STATUSES),
        Enrolment.next_poll_at <= horizon,
        Enrolment.expires_at > expired_after,
    )
    push = select(TestPush.id).where(
        TestPush.status == PENDING,
        TestPush.push_id.is_not(None),
        TestPush.next_poll_at <= horizon,
    )
    rate = session.scalar(select(PollBudget.rate).where(PollBudget.id == BUDGET_ID))
    if rate is None or rate > 0:
        return False
    return session.scalar(enrolment.limit(1)) is None and session.scalar(push.limit(1)) is None
