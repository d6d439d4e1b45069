"""Queries and writes over the tables. Every function takes a Session; the caller owns the
transaction (begins, commits, rolls back) and, on SQLite, declares writes with
``db.engine.begin_write`` first.

The enrolments table is read through ``EnrolmentFilter`` + ``EnrolmentSort`` with ``page`` /
``count`` / ``stream``; rows come back as ``EnrolmentRow`` (no QR image, no ORM object).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from db.models import ACTIVE_STATUSES, Account, Enrolment, EnrolmentEvent

SortColumn = Literal["issued_at", "username", "status", "expires_at", "finished_at", "id"]
SORT_COLUMNS: tuple[str, ...] = get_args(SortColumn)
STREAM_BATCH = 500
AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class EnrolmentFilter:
    """Which enrolments to show; empty fields match everything.

    ``username`` is matched as a substring of ``accounts.username_key`` (the normalised,
    case-folded form), so callers pass it through the same normalisation first; the use-case
    layer does. ``issued_from`` is inclusive, ``issued_to`` exclusive. ``campaign_id`` keeps
    the enrolments issued in that campaign.
    """

    statuses: frozenset[str] = frozenset()
    username: str = ""
    issued_from: datetime | None = None
    issued_to: datetime | None = None
    campaign_id: int | None = None


@dataclass(frozen=True)
class EnrolmentSort:
    """Order of the enrolments table: one whitelisted column, then id as the tie-breaker."""

    column: SortColumn = "issued_at"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.column not in SORT_COLUMNS:
            raise ValueError(f"cannot sort by {self.column!r}; choose one of {SORT_COLUMNS}")


@dataclass(frozen=True)
class EnrolmentRow:
    """One line of the enrolments table."""

    id: int
    account_id: uuid.UUID
    username: str
    status: str
    api_status: str | None
    issued_at: datetime
    expires_at: datetime
    finished_at: datetime | None
    device_name: str | None
    last_error: str | None
    issued_by: str


@dataclass(frozen=True)
class AccountRow:
    """An account with its newest enrolment's id and status (None when it has none)."""

    account: Account
    latest_enrolment_id: int | None
    latest_status: str | None


# --- accounts -------------------------------------------------------------------------------


def add_account(session: Session, account: Account) -> Account:
    """Insert ``account`` (flushed, so a duplicate key raises here)."""
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, account_id: uuid.UUID, *, lock: bool = False) -> Account | None:
    """The account, or None; ``lock`` takes a row lock (PostgreSQL) until the transaction ends."""
    query = select(Account).where(Account.id == account_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def find_account(session: Session, username_key: str) -> Account | None:
    """The account whose normalised username is ``username_key``."""
    return session.scalars(select(Account).where(Account.username_key == username_key)).first()


def search_accounts(session: Session, key_contains: str, limit: int) -> list[AccountRow]:
    """Accounts whose ``username_key`` contains ``key_contains``, by name, with latest status."""
    latest_id = (
        select(func.max(Enrolment.id))
        .where(Enrolment.account_id == Account.id)
        .correlate(Account)
        .scalar_subquery()
    )
    query = (
        select(Account, Enrolment.id, Enrolment.status)
        .outerjoin(Enrolment, Enrolment.id == latest_id)
        .order_by(Account.username_key)
        .limit(limit)
    )
    if key_contains:
        query = query.where(Account.username_key.contains(key_contains, autoescape=True))
    return [AccountRow(a, eid, status) for a, eid, status in session.execute(query)]


def latest_enrolment_of(session: Session, account_id: uuid.UUID) -> tuple[int, str] | None:
    """(id, status) of the account's newest enrolment."""
    row = session.execute(
        select(Enrolment.id, Enrolment.status)
        .where(Enrolment.account_id == account_id)
        .order_by(Enrolment.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


# --- enrolments -----------------------------------------------------------------------------


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


def claim_due(
    session: Session,
    now: datetime,
    until: datetime,
    limit: int,
    expired_after: datetime | None = None,
) -> list[tuple[int, uuid.UUID]]:
    """Claim up to ``limit`` active enrolments due at ``now``: push them to ``until``.

    One statement, ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``:
    on PostgreSQL concurrent claimers skip each other's rows instead of waiting or taking them
    twice; SQLite has a single writer, so the same statement without the lock clause is safe.
    Returns (enrolment id, account id) pairs, most overdue first. Enrolments whose QR code
    expired are left alone, except those that expired after ``expired_after`` (default
    ``now``): the service may still report that they were enrolled at the last moment.
    """
    due = (
        select(Enrolment.id)
        .where(
            Enrolment.status.in_(ACTIVE_STATUSES),
            Enrolment.next_poll_at <= now,
            Enrolment.expires_at > (now if expired_after is None else expired_after),
        )
        .order_by(Enrolment.next_poll_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(Enrolment)
        .where(Enrolment.id.in_(due.scalar_subquery()))
        .values(next_poll_at=until)
        .returning(Enrolment.id, Enrolment.account_id)
        .execution_options(synchronize_session=False)
    )
    return [(row[0], row[1]) for row in session.execute(statement)]


# --- events ---------------------------------------------------------------------------------


def add_event(session: Session, event: EnrolmentEvent) -> EnrolmentEvent:
    """Append ``event`` to its enrolment's history."""
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, enrolment_id: int) -> list[EnrolmentEvent]:
    """The enrolment's history, oldest first."""
    query = select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment_id)
    return list(session.scalars(query.order_by(EnrolmentEvent.id)))


# --- the enrolments table -------------------------------------------------------------------


def page(
    session: Session, where: EnrolmentFilter, sort: EnrolmentSort, limit: int, offset: int = 0
) -> list[EnrolmentRow]:
    """One page of the enrolments table."""
    query = _ordered(_filtered(_rows(), where), sort).limit(limit).offset(offset)
    return [EnrolmentRow(*row) for row in session.execute(query)]


def count(session: Session, where: EnrolmentFilter, cap: int | None = None) -> int:
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


def stream(session: Session, where: EnrolmentFilter, sort: EnrolmentSort) -> Iterator[EnrolmentRow]:
    """Every matching row, fetched in batches (a server-side cursor on PostgreSQL)."""
    query = _ordered(_filtered(_rows(), where), sort).execution_options(yield_per=STREAM_BATCH)
    for row in session.execute(query):
        yield EnrolmentRow(*row)


def _rows() -> AnySelect:
    return select(
        Enrolment.id,
        Enrolment.account_id,
        Account.username,
        Enrolment.status,
        Enrolment.api_status,
        Enrolment.issued_at,
        Enrolment.expires_at,
        Enrolment.finished_at,
        Enrolment.device_name,
        Enrolment.last_error,
        Enrolment.issued_by,
    ).join(Account, Account.id == Enrolment.account_id)


def _filtered(query: AnySelect, where: EnrolmentFilter) -> AnySelect:
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


def _ordered(query: AnySelect, sort: EnrolmentSort) -> AnySelect:
    if sort.column not in SORT_COLUMNS:
        raise ValueError(f"cannot sort by {sort.column!r}")
    column = Account.username_key if sort.column == "username" else getattr(Enrolment, sort.column)
    keys: Sequence[Any] = (column, Enrolment.id) if sort.column != "id" else (Enrolment.id,)
    if sort.descending:
        keys = [key.desc() for key in keys]
    if sort.column == "finished_at":
        # NULLs (unfinished) last either way, on both backends.
        keys = [Enrolment.finished_at.is_(None), *keys]
    return query.order_by(*keys)
