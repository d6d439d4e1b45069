"""The outbox's queries over ``mails`` (with their invitation and account where a mail needs
them); every function takes a Session and the caller owns the transaction (on SQLite:
``db.engine.begin_write`` first).

A claim moves due QUEUED mails, and SENDING ones whose lease ran out (their process stopped
mid-send), to SENDING with a lease of their own and counts the attempt; PostgreSQL locks them
``FOR UPDATE SKIP LOCKED``, SQLite has one writer. The writes after it are conditional on the
lease still being the claimer's, so a mailer that outlived its lease changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from db.models import Account, Invitation, InvitationEvent, Mail

QUEUED, SENDING, SENT, FAILED, SKIPPED = "QUEUED", "SENDING", "SENT", "FAILED", "SKIPPED"


@dataclass(frozen=True)
class Claimed:
    """A mail just claimed: its id, the attempt this is (1 for the first) and its lease."""

    id: int
    attempts: int
    lease: datetime


@dataclass(frozen=True)
class MailContext:
    """What rendering a mail needs: the mail, its invitation and the person."""

    id: int
    invitation_id: int
    step: int
    to_address: str
    language: str
    username: str
    display_name: str | None
    expires_at: datetime
    outcome: str | None


@dataclass(frozen=True)
class MailRow:
    """One mail of the outbox as the page lists it (``dashboard.domain.outbox.OutboxMail``)."""

    id: int
    invitation_id: int
    step: int
    to_address: str
    username: str
    subject: str | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None


def claim_due(session: Session, now: datetime, limit: int, lease: datetime) -> list[Claimed]:
    """Claim up to ``limit`` mails due at ``now`` (oldest due first) until ``lease``."""
    due = or_(
        and_(
            Mail.status == QUEUED,
            or_(Mail.next_attempt_at.is_(None), Mail.next_attempt_at <= now),
        ),
        and_(Mail.status == SENDING, Mail.claimed_until <= now),
    )
    query = (
        select(Mail.id, Mail.attempts)
        .where(due)
        .order_by(func.coalesce(Mail.next_attempt_at, Mail.created_at), Mail.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.execute(query))
    if rows:
        session.execute(
            update(Mail)
            .where(Mail.id.in_([ident for ident, _ in rows]))
            .values(status=SENDING, claimed_until=lease, attempts=Mail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    return [Claimed(ident, attempts + 1, lease) for ident, attempts in rows]


def context(session: Session, mail_id: int) -> MailContext | None:
    """The mail with its invitation's expiry and outcome and the person's names."""
    row = session.execute(
        select(
            Mail.id,
            Mail.invitation_id,
            Mail.step,
            Mail.to_address,
            func.coalesce(Mail.language, Invitation.language),
            Account.username,
            Account.display_name,
            Invitation.expires_at,
            Invitation.outcome,
        )
        .join(Invitation, Invitation.id == Mail.invitation_id)
        .join(Account, Account.id == Invitation.account_id)
        .where(Mail.id == mail_id)
    ).first()
    return None if row is None else MailContext(*row)


def _held(claim: Claimed) -> ColumnElement[bool]:
    return and_(Mail.id == claim.id, Mail.status == SENDING, Mail.claimed_until == claim.lease)


def set_token(session: Session, claim: Claimed, token_hash: str, subject: str) -> bool:
    """Store the hash of the token the mail is about to carry, and its subject; False when
    the claim is no longer held (another mailer took the mail over)."""
    result = session.execute(
        update(Mail)
        .where(_held(claim))
        .values(token_hash=token_hash, subject=subject)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session,
    claim: Claimed,
    status: str,
    *,
    error: str | None = None,
    sent_at: datetime | None = None,
    next_attempt_at: datetime | None = None,
) -> bool:
    """End the claim: SENT (``sent_at``), QUEUED again (``next_attempt_at``), FAILED or
    SKIPPED (``error`` says why); False when the claim is no longer held."""
    result = session.execute(
        update(Mail)
        .where(_held(claim))
        .values(
            status=status,
            claimed_until=None,
            last_error=error,
            sent_at=sent_at,
            next_attempt_at=next_attempt_at,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def requeue(session: Session, mail_id: int, now: datetime) -> bool:
    """A FAILED mail QUEUED again, due at ``now``, with its attempts counted afresh; False
    when it is not FAILED (retried already, or never failed)."""
    result = session.execute(
        update(Mail)
        .where(Mail.id == mail_id, Mail.status == FAILED)
        .values(status=QUEUED, attempts=0, next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def invitation_of(session: Session, mail_id: int) -> tuple[int, int] | None:
    """(invitation id, step) of the mail, or None when there is no such mail."""
    row = session.execute(select(Mail.invitation_id, Mail.step).where(Mail.id == mail_id)).first()
    return None if row is None else (row[0], row[1])


def add_event(
    session: Session,
    invitation_id: int,
    kind: str,
    at: datetime,
    actor: str,
    detail: str = "",
) -> None:
    """Append one event to the invitation's history."""
    session.add(
        InvitationEvent(invitation_id=invitation_id, kind=kind, at=at, actor=actor, detail=detail)
    )


def rows(
    session: Session,
    limit: int,
    *,
    statuses: tuple[str, ...] = (),
    account: uuid.UUID | None = None,
) -> list[MailRow]:
    """The newest ``limit`` mails (of ``statuses``, of ``account``; empty: all)."""
    query = (
        select(
            Mail.id,
            Mail.invitation_id,
            Mail.step,
            Mail.to_address,
            Account.username,
            Mail.subject,
            Mail.status,
            Mail.attempts,
            Mail.last_error,
            Mail.created_at,
            Mail.next_attempt_at,
            Mail.sent_at,
        )
        .join(Invitation, Invitation.id == Mail.invitation_id)
        .join(Account, Account.id == Invitation.account_id)
        .order_by(Mail.created_at.desc(), Mail.id.desc())
        .limit(limit)
    )
    if statuses:
        query = query.where(Mail.status.in_(statuses))
    if account is not None:
        query = query.where(Invitation.account_id == account)
    return [MailRow(**row._asdict()) for row in session.execute(query)]


def counts(session: Session) -> dict[str, int]:
    """How many mails are in each status."""
    query = select(Mail.status, func.count()).group_by(Mail.status)
    return {status: int(n) for status, n in session.execute(query)}
