"""Queries and writes over the enrolments table; every function takes a Session, the caller owns
the transaction (on SQLite: ``db.engine.begin_write`` first).

The table is read with a filter and a sort (the use-case layer's records) through ``page`` /
``count`` / ``stream`` as ``EnrolmentRow``s, built by keyword from one labelled select. Queries
of active enrolments use ``ACTIVE_STATUSES``, the predicate of the partial indexes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.models import ACTIVE_STATUSES, Account, Enrolment

STREAM_BATCH = 500
AnySelect = Select[*tuple[Any, ...]]


class TableFilter(Protocol):
    """Which rows to read; empty fields match everything. ``username`` is matched as a
    substring of ``accounts.username_key``; ``issued_from`` is inclusive, ``issued_to``
    exclusive."""

    @property
    def statuses(self) -> Collection[str]: ...
    @property
    def username(self) -> str: ...
    @property
    def issued_from(self) -> datetime | None: ...
    @property
    def issued_to(self) -> datetime | None: ...
    @property
    def campaign_id(self) -> int | None: ...


class TableSort(Protocol):
    """One column of ``SORTABLE``, then id as the tie-breaker."""

    @property
    def column(self) -> str: ...
    @property
    def descending(self) -> bool: ...


@dataclass(frozen=True)
class EnrolmentRow:
    """One line of the enrolments table; each field is the column of the same name."""

    id: int
    account_id: uuid.UUID
    username: str
    email: str | None
    status: str
    api_status: str | None
    issued_at: datetime
    expires_at: datetime
    finished_at: datetime | None
    device_name: str | None
    last_error: str | None
    issued_by: str


#: The table's sortable columns by name.
SORTABLE: dict[str, InstrumentedAttribute[Any]] = {
    "issued_at": Enrolment.issued_at,
    "username": Account.username_key,
    "status": Enrolment.status,
    "expires_at": Enrolment.expires_at,
    "finished_at": Enrolment.finished_at,
    "id": Enrolment.id,
}


def add_enrolment(session: Session, enrolment: Enrolment) -> Enrolment:
    """Insert ``enrolment`` (flushed, so its id is known)."""
    session.add(enrolment)
    session.flush()
    return enrolment


def get_enrolment(session: Session, enrolment_id: int, *, lock: bool = False) -> Enrolment | None:
    """The enrolment, or None; ``lock`` takes a row lock (PostgreSQL)."""
    query = select(Enrolment).where(Enrolment.id == enrolment_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def latest_enrolment(session: Session, account_id: uuid.UUID) -> Enrolment | None:
    """The account's newest enrolment, whatever its status."""
    return session.scalars(
        select(Enrolment)
        .where(Enrolment.account_id == account_id)
        .order_by(Enrolment.id.desc())
        .limit(1)
    ).first()


def active_enrolments(
    session: Session, account_id: uuid.UUID, *, lock: bool = False
) -> list[Enrolment]:
    """The account's active (PENDING/SCANNED) enrolments: at most one, by a unique index."""
    query = select(Enrolment).where(
        Enrolment.account_id == account_id, Enrolment.status.in_(ACTIVE_STATUSES)
    )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query.order_by(Enrolment.id)))


def overdue_enrolments(session: Session, now: datetime, limit: int = 1000) -> list[Enrolment]:
    """Active enrolments whose QR expired at or before ``now`` (row-locked on PostgreSQL)."""
    query = (
        select(Enrolment)
        .where(Enrolment.status.in_(ACTIVE_STATUSES), Enrolment.expires_at <= now)
        .order_by(Enrolment.expires_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def count_active(session: Session) -> int:
    """How many enrolments are PENDING or SCANNED."""
    query = select(func.count()).where(Enrolment.status.in_(ACTIVE_STATUSES))
    return int(session.scalar(query.select_from(Enrolment)) or 0)


@dataclass(frozen=True)
class DueEnrolment:
    """An active enrolment a poller has just claimed, with what its next due time depends on."""

    id: int
    account_id: uuid.UUID
    user_id: str  # what the API knows the account by (``Account.reference``)
    scanned: bool
    watched: bool
    issued_at: datetime


def claim_due(
    session: Session,
    now: datetime,
    limit: int,
    *,
    horizon: datetime,
    starving_before: datetime,
    recent_after: datetime,
    expired_after: datetime | None = None,
) -> list[DueEnrolment]:
    """Lock up to ``limit`` active enrolments due by ``horizon``, most urgent first, and mark
    them claimed at ``now``; the caller then sets when each is due again (``reschedule``).
    Order (``dashboard.domain.budget.Priority``): watched, last claimed (or issued) at or before
    ``starving_before``, SCANNED, issued after ``recent_after``, the rest; most overdue first.
    PostgreSQL locks them ``FOR UPDATE SKIP LOCKED``; SQLite has one writer. QR codes expired
    before ``expired_after`` (default ``now``) are left: a last-moment enrolment may show."""
    watched = Enrolment.watched_until > now
    priority = case(
        (watched, 0),
        (func.coalesce(Enrolment.claimed_at, Enrolment.issued_at) <= starving_before, 1),
        (Enrolment.status == "SCANNED", 2),
        (Enrolment.issued_at > recent_after, 3),
        else_=4,
    )
    due = (
        select(
            Enrolment.id,
            Enrolment.account_id,
            Account.tenant_id,
            Enrolment.status,
            func.coalesce(watched, False),
            Enrolment.issued_at,
        )
        .join(Account, Account.id == Enrolment.account_id)
        .where(
            Enrolment.status.in_(ACTIVE_STATUSES),
            Enrolment.next_poll_at <= horizon,
            Enrolment.expires_at > (now if expired_after is None else expired_after),
        )
        .order_by(priority, Enrolment.next_poll_at, Enrolment.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=Enrolment)
    claimed = [
        DueEnrolment(id, account, tenant or str(account), status == "SCANNED", bool(seen), issued)
        for id, account, tenant, status, seen, issued in session.execute(due)
    ]
    if claimed:
        session.execute(
            update(Enrolment)
            .where(Enrolment.id.in_([c.id for c in claimed]))
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return claimed


def reschedule(session: Session, due_at: Mapping[int, datetime]) -> None:
    """Set when each claimed enrolment (by id) is next due."""
    if due_at:
        session.execute(
            update(Enrolment).execution_options(synchronize_session=False),
            [{"id": ident, "next_poll_at": at} for ident, at in due_at.items()],
        )


def watch(
    session: Session, enrolment_id: int, now: datetime, until: datetime, due_by: datetime
) -> None:
    """Watched until ``until``; due now if it was unwatched at ``now``, else by ``due_by``."""
    due, watched = Enrolment.next_poll_at, Enrolment.watched_until
    lapsed = (watched.is_(None) | (watched <= now)) & (due > now)
    session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.status.in_(ACTIVE_STATUSES))
        .values(
            watched_until=until, next_poll_at=case((lapsed, now), (due > due_by, due_by), else_=due)
        )
        .execution_options(synchronize_session=False)
    )


# --- the enrolments table -------------------------------------------------------------------


def page(
    session: Session, where: TableFilter, sort: TableSort, limit: int, offset: int = 0
) -> list[EnrolmentRow]:
    """One page of the enrolments table."""
    query = _ordered(_filtered(rows(), where), sort).limit(limit).offset(offset)
    return [EnrolmentRow(**row._mapping) for row in session.execute(query)]


def count(session: Session, where: TableFilter, cap: int | None = None) -> int:
    """How many enrolments match ``where``. With ``cap``, counting stops after ``cap + 1``
    matches (a result above ``cap`` means "more than ``cap``"), so its cost follows the cap,
    not the size of the table: an exact count visits every matching index entry."""
    if cap is not None:
        matching = _filtered(select(Enrolment.id).select_from(Enrolment), where)
        if where.username:
            matching = matching.join(Account, Account.id == Enrolment.account_id)
        capped = select(func.count()).select_from(matching.limit(cap + 1).subquery())
        return int(session.scalar(capped) or 0)
    query = _filtered(select(func.count(Enrolment.id)).select_from(Enrolment), where)
    if where.username:
        query = query.join(Account, Account.id == Enrolment.account_id)
    return int(session.scalar(query) or 0)


def stream(session: Session, where: TableFilter, sort: TableSort) -> Iterator[EnrolmentRow]:
    """Every matching row, fetched in batches (a server-side cursor on PostgreSQL)."""
    query = _ordered(_filtered(rows(), where), sort).execution_options(yield_per=STREAM_BATCH)
    for row in session.execute(query):
        yield EnrolmentRow(**row._mapping)


def rows() -> AnySelect:
    """The select of every ``EnrolmentRow``, each column labelled with its field's name."""
    of_account = {"username": Account.username, "email": Account.email}
    columns = [
        (of_account[f.name] if f.name in of_account else getattr(Enrolment, f.name)).label(f.name)
        for f in fields(EnrolmentRow)
    ]
    return select(*columns).join(Account, Account.id == Enrolment.account_id)


def _filtered(query: AnySelect, where: TableFilter) -> AnySelect:
    if where.statuses:
        query = query.where(Enrolment.status.in_(sorted(where.statuses)))
    if where.username:
        query = query.where(Account.username_key.contains(where.username, autoescape=True))
    if where.issued_from is not None:
        query = query.where(Enrolment.issued_at >= where.issued_from)
    if where.issued_to is not None:
        query = query.where(Enrolment.issued_at < where.issued_to)
    if where.campaign_id is not None:
        query = query.where(Enrolment.campaign_id == where.campaign_id)
    return query


def _ordered(query: AnySelect, sort: TableSort) -> AnySelect:
    column = SORTABLE.get(sort.column)
    if column is None:
        raise ValueError(f"cannot sort by {sort.column!r}")
    keys: Sequence[Any] = (column, Enrolment.id) if sort.column != "id" else (Enrolment.id,)
    if sort.descending:
        keys = [key.desc() for key in keys]
    if sort.column == "finished_at":
        # NULLs (unfinished) last either way, on both backends.
        keys = [Enrolment.finished_at.is_(None), *keys]
    return query.order_by(*keys)
