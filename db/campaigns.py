"""Queries and writes for campaigns (named batches of enrolments from bulk onboarding).

Like ``db.enrolments``, every function takes a Session and the caller owns the transaction.
A campaign's *members* are the accounts with at least one enrolment in it; a member's standing
is its newest enrolment in the campaign.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.models import ACTIVE_STATUSES, Account, Campaign, Enrolment

#: Keys per ``IN (...)`` list: well under every backend's limit on bound parameters.
KEY_CHUNK = 500


@dataclass(frozen=True)
class Member:
    """An account in a campaign with its newest campaign enrolment; ``latest_overall_id`` is
    the account's newest enrolment of all (newer than ``enrolment_id`` when it was issued
    outside the campaign since)."""

    account_id: uuid.UUID
    username: str
    display_name: str | None
    enrolment_id: int
    status: str
    expires_at: datetime
    latest_overall_id: int


@dataclass(frozen=True)
class QrSheet:
    """One active campaign enrolment with its QR image, for the printable sheets."""

    account_id: uuid.UUID
    username: str
    display_name: str | None
    enrolment_id: int
    expires_at: datetime
    png: bytes


def add_campaign(session: Session, campaign: Campaign) -> Campaign:
    """Insert ``campaign`` (flushed, so a taken name raises here)."""
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign, or None."""
    return session.get(Campaign, campaign_id)


def find_campaign(session: Session, name: str) -> Campaign | None:
    """The campaign called exactly ``name``, or None."""
    return session.scalars(select(Campaign).where(Campaign.name == name)).first()


def list_campaigns(session: Session, limit: int = 500) -> list[Campaign]:
    """Campaigns, newest first."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    return list(session.scalars(query.limit(limit)))


def accounts_by_key(session: Session, keys: Collection[str]) -> dict[str, Account]:
    """The accounts whose ``username_key`` is one of ``keys``, by key."""
    wanted = sorted(set(keys))
    found: dict[str, Account] = {}
    for start in range(0, len(wanted), KEY_CHUNK):
        chunk = wanted[start : start + KEY_CHUNK]
        for account in session.scalars(select(Account).where(Account.username_key.in_(chunk))):
            found[account.username_key] = account
    return found


def members(session: Session, campaign_id: int) -> list[Member]:
    """Every member of the campaign with its newest campaign enrolment, by username."""
    newest = (
        select(func.max(Enrolment.id).label("id"))
        .where(Enrolment.campaign_id == campaign_id)
        .group_by(Enrolment.account_id)
        .subquery()
    )
    other = aliased(Enrolment)
    latest_overall = (
        select(func.max(other.id))
        .where(other.account_id == Enrolment.account_id)
        .correlate(Enrolment)
        .scalar_subquery()
    )
    query = (
        select(
            Enrolment.account_id,
            Account.username,
            Account.display_name,
            Enrolment.id,
            Enrolment.status,
            Enrolment.expires_at,
            latest_overall,
        )
        .join(newest, newest.c.id == Enrolment.id)
        .join(Account, Account.id == Enrolment.account_id)
        .order_by(Account.username_key)
    )
    return [Member(*row) for row in session.execute(query)]


def member_counts(session: Session, campaign_id: int) -> tuple[dict[str, int], int]:
    """How many members stand at each status (by their newest campaign enrolment), and how
    many enrolments (QR codes) the campaign issued in all."""
    newest = (
        select(func.max(Enrolment.id))
        .where(Enrolment.campaign_id == campaign_id)
        .group_by(Enrolment.account_id)
    )
    by_status = {
        status: int(n)
        for status, n in session.execute(
            select(Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.id.in_(newest))
            .group_by(Enrolment.status)
        )
    }
    issued = session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.campaign_id == campaign_id)
    )
    return by_status, int(issued or 0)


def qr_sheets(session: Session, campaign_id: int, now: datetime) -> list[QrSheet]:
    """The campaign's active, unexpired enrolments with their QR images, by username."""
    query = (
        select(
            Enrolment.account_id,
            Account.username,
            Account.display_name,
            Enrolment.id,
            Enrolment.expires_at,
            Enrolment.qr_png,
        )
        .join(Account, Account.id == Enrolment.account_id)
        .where(
            Enrolment.campaign_id == campaign_id,
            Enrolment.status.in_(ACTIVE_STATUSES),
            Enrolment.expires_at > now,
            Enrolment.qr_png.is_not(None),
        )
        .order_by(Account.username_key)
    )
    return [
        QrSheet(account_id, username, display_name, enrolment_id, expires_at, png)
        for account_id, username, display_name, enrolment_id, expires_at, png in session.execute(
            query
        )
        if png is not None
    ]
