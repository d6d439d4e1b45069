"""Queries of the test pushes (``db.push_models.TestPush``). Every function takes a Session;
the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct, func, select, update
from sqlalchemy.orm import Session

from db.models import Account, Enrolment
from db.push_models import TestPush

PENDING = "PENDING"
APPROVED = "APPROVED"


@dataclass(frozen=True)
class DuePush:
    """A pending push a poller claimed: the row, the API's push id, whether someone watches it."""

    id: int
    push_id: str
    watched: bool


def add_push(session: Session, push: TestPush) -> TestPush:
    """Insert ``push`` and give it its id."""
    session.add(push)
    session.flush()
    return push


def get_push(session: Session, ident: int, *, lock: bool = False) -> TestPush | None:
    """The push by id (row-locked with ``lock`` on PostgreSQL)."""
    query = select(TestPush).where(TestPush.id == ident)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def account_pushes(session: Session, account_id: uuid.UUID, limit: int) -> list[TestPush]:
    """The account's newest pushes first."""
    query = select(TestPush).where(TestPush.account_id == account_id)
    return list(session.scalars(query.order_by(TestPush.id.desc()).limit(limit)))


def campaign_pushes(session: Session, campaign_id: int) -> list[TestPush]:
    """Every push of a campaign's bulk verify, oldest first."""
    query = select(TestPush).where(TestPush.campaign_id == campaign_id)
    return list(session.scalars(query.order_by(TestPush.id)))


def claim_due(
    session: Session, now: datetime, limit: int, *, horizon: datetime, watched: bool
) -> list[DuePush]:
    """Lock up to ``limit`` pending pushes due by ``horizon`` that are watched at ``now`` (or
    not, by ``watched``), most overdue first; the caller reschedules them (``reschedule``)."""
    if limit <= 0:
        return []
    seen = TestPush.watched_until > now
    query = (
        select(TestPush.id, TestPush.push_id, func.coalesce(seen, False))
        .where(
            TestPush.status == PENDING,
            TestPush.push_id.is_not(None),
            TestPush.next_poll_at <= horizon,
            seen if watched else (TestPush.watched_until.is_(None) | ~seen),
        )
        .order_by(TestPush.next_poll_at, TestPush.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=TestPush)
    return [DuePush(ident, str(push), bool(w)) for ident, push, w in session.execute(query)]


def reschedule(session: Session, due_at: Mapping[int, datetime]) -> None:
    """Set when each claimed push (by id) is next due."""
    if due_at:
        session.execute(
            update(TestPush).execution_options(synchronize_session=False),
            [{"id": ident, "next_poll_at": at} for ident, at in due_at.items()],
        )


def watch(session: Session, ident: int, now: datetime, until: datetime) -> None:
    """Watched until ``until``; due at once if it was not watched at ``now``."""
    lapsed = TestPush.watched_until.is_(None) | (TestPush.watched_until <= now)
    session.execute(
        update(TestPush)
        .where(TestPush.id == ident, TestPush.status == PENDING)
        .values(
            watched_until=until,
            next_poll_at=case((lapsed, now), else_=TestPush.next_poll_at),
        )
        .execution_options(synchronize_session=False)
    )


def active_counts(session: Session, now: datetime) -> tuple[int, int]:
    """(pending pushes, those of them watched at ``now``)."""
    seen = func.coalesce(func.sum(case((TestPush.watched_until > now, 1), else_=0)), 0)
    row = session.execute(
        select(func.count(), seen).select_from(TestPush).where(TestPush.status == PENDING)
    ).one()
    return int(row[0]), int(row[1])


def overdue(session: Session, now: datetime) -> list[TestPush]:
    """Pending pushes whose time ran out on the console's clock."""
    query = select(TestPush).where(TestPush.status == PENDING, TestPush.expires_at <= now)
    return list(session.scalars(query.order_by(TestPush.id)))


def verified_accounts(session: Session) -> int:
    """How many accounts have an approved test push and an enrolled enrolment."""
    enrolled = select(Enrolment.account_id).where(Enrolment.status == "ENROLLED")
    query = select(func.count(distinct(TestPush.account_id))).where(
        TestPush.status == APPROVED, TestPush.account_id.in_(enrolled)
    )
    return int(session.scalar(query) or 0)


def enrolled_accounts(session: Session, campaign_id: int | None = None) -> list[Account]:
    """Accounts with an enrolled enrolment (in the campaign, if given), by username."""
    enrolled = select(Enrolment.account_id).where(Enrolment.status == "ENROLLED")
    if campaign_id is not None:
        enrolled = enrolled.where(Enrolment.campaign_id == campaign_id)
    query = select(Account).where(Account.id.in_(enrolled)).order_by(Account.username)
    return list(session.scalars(query))


def enrolled_enrolment(session: Session, account_id: uuid.UUID) -> Enrolment | None:
    """The account's newest enrolled enrolment (where its timeline records a verification)."""
    query = select(Enrolment).where(
        Enrolment.account_id == account_id, Enrolment.status == "ENROLLED"
    )
    return session.scalars(query.order_by(Enrolment.id.desc()).limit(1)).one_or_none()
