"""Queries of the enrolments table for the pending queue: each account's newest enrolment, when
its status is one of those given, with the account's name and address. Every read is bounded
(a ``limit``, or a count). The caller owns the transaction.

"Newest" is "no enrolment of the same account with a larger id": a ``NOT EXISTS`` on the
``(account_id, id)`` index, so the read starts from the statuses asked for (the
``(status, issued_at)`` index) rather than from every account. An account invited by e-mail
after its newest enrolment was issued is left out: the invitation is its row now
(``db.invitations.queue_rows``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from db.models import Account, Enrolment, Invitation


@dataclass(frozen=True)
class QueueRow:
    """One account's newest enrolment, with the account's names and address."""

    id: int
    account_id: uuid.UUID
    username: str
    display_name: str | None
    email: str | None
    status: str
    issued_at: datetime
    expires_at: datetime
    issued_by: str
    campaign_id: int | None


@dataclass(frozen=True)
class QueueWhere:
    """Which newest enrolments: of these statuses, issued by this operator, in this campaign,
    issued after ``issued_after`` and up to ``issued_until`` (None or empty: no bound)."""

    statuses: Sequence[str]
    issued_by: str = ""
    campaign_id: int | None = None
    issued_after: datetime | None = None
    issued_until: datetime | None = None


_OF_ACCOUNT = {
    "username": Account.username,
    "display_name": Account.display_name,
    "email": Account.email,
}


def queue_rows(session: Session, where: QueueWhere, limit: int) -> list[QueueRow]:
    """At most ``limit`` matching rows, newest issued first."""
    columns = [
        (_OF_ACCOUNT[f.name] if f.name in _OF_ACCOUNT else getattr(Enrolment, f.name)).label(f.name)
        for f in fields(QueueRow)
    ]
    query = _where(select(*columns).join(Account, Account.id == Enrolment.account_id), where)
    query = query.order_by(Enrolment.issued_at.desc(), Enrolment.id.desc()).limit(limit)
    return [QueueRow(**row._mapping) for row in session.execute(query)]


def queue_counts(session: Session, where: QueueWhere, edges: Sequence[datetime]) -> list[int]:
    """How many match in each span ascending ``edges`` cut ``issued_at`` into, oldest first:
    up to ``edges[0]``, then after each edge up to the next, then after the last
    (``len(edges) + 1`` counts)."""
    bounds = [None, *edges, None]
    spans = [
        func.coalesce(func.sum(case((_span(low, high), 1), else_=0)), 0)
        for low, high in pairwise(bounds)
    ]
    row = session.execute(_where(select(*spans).select_from(Enrolment), where)).one()
    return [int(n) for n in row]


def queue_operators(session: Session, statuses: Sequence[str], limit: int) -> list[str]:
    """The operators who issued the queue's items (at most ``limit``), by name."""
    query = _where(select(Enrolment.issued_by).distinct(), QueueWhere(statuses))
    return list(session.scalars(query.order_by(Enrolment.issued_by).limit(limit)))


def _span(low: datetime | None, high: datetime | None) -> Any:
    parts = []
    if low is not None:
        parts.append(Enrolment.issued_at > low)
    if high is not None:
        parts.append(Enrolment.issued_at <= high)
    return and_(*parts) if parts else Enrolment.id.is_not(None)


def _where(query: Select[Any], where: QueueWhere) -> Select[Any]:
    newer = aliased(Enrolment)
    query = query.where(
        Enrolment.status.in_(list(where.statuses)),
        ~exists().where(newer.account_id == Enrolment.account_id, newer.id > Enrolment.id),
        ~exists().where(
            Invitation.account_id == Enrolment.account_id,
            Invitation.created_at > Enrolment.issued_at,
        ),
    )
    if where.issued_by:
        query = query.where(Enrolment.issued_by == where.issued_by)
    if where.campaign_id is not None:
        query = query.where(Enrolment.campaign_id == where.campaign_id)
    if where.issued_after is not None:
        query = query.where(Enrolment.issued_at > where.issued_after)
    if where.issued_until is not None:
        query = query.where(Enrolment.issued_at <= where.issued_until)
    return query
