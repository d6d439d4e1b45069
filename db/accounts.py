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


def find_by_tenant_id(session: Session, tenant_id: str) -> Account | None:
    """The account linked to the tenant's user ``tenant_id`` (compared exactly)."""
    return session.scalars(select(Account).where(Account.tenant_id == tenant_id)).first()


def linked_tenant_ids(session: Session, tenant_ids: list[str]) -> dict[str, Account]:
    """The accounts linked to any of ``tenant_ids``, by tenant id."""
    if not tenant_ids:
        return {}
    rows = session.scalars(select(Account).where(Account.tenant_id.in_(tenant_ids)))
    return {a.tenant_id: a for a in rows if a.tenant_id is not None}


def accounts_by_keys(session: Session, username_keys: list[str]) -> dict[str, Account]:
    """The accounts whose normalised usernames are any of ``username_keys``, by key."""
    if not username_keys:
        return {}
    rows = session.scalars(select(Account).where(Account.username_key.in_(username_keys)))
    return {a.username_key: a for a in rows}


def all_accounts(session: Session) -> list[Account]:
    """Every account, oldest first."""
    return list(session.scalars(select(Account).order_by(Account.created_at, Account.id)))


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
