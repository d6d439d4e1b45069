"""Queries and writes over the accounts table. Every function takes a Session; the caller owns
the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, Enrolment


@dataclass(frozen=True)
class AccountRow:
    """An account with its newest enrolment's id and status (None when it has none)."""

    account: Account
    latest_enrolment_id: int | None
    latest_status: str | None


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
