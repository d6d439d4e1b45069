"""Rows for the database tests, written straight through the models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.domain.invitations import new_token, token_hash
from db.models import Account, Enrolment, EnrolmentEvent, Invitation, Mail

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def account(name: str, *, at: datetime = T0) -> Account:
    """An account named ``name`` (its key is just the lower-case name here)."""
    return Account(
        id=uuid.uuid4(), username=name, username_key=name.lower(), created_at=at, created_by="t"
    )


def enrolment(
    owner: Account, status: str = "PENDING", *, issued: datetime = T0, ttl: float = 300
) -> Enrolment:
    """An enrolment of ``owner`` issued at ``issued``; active ones are due at once."""
    active = status in ("PENDING", "SCANNED")
    return Enrolment(
        account_id=owner.id,
        status=status,
        api_status=status,
        issued_at=issued,
        expires_at=issued + timedelta(seconds=ttl),
        finished_at=None if active else issued + timedelta(seconds=30),
        updated_at=issued,
        issued_by="t",
        qr_png=b"\x89PNG" if active else None,
        next_poll_at=issued if active else None,
        poll_failures=0,
    )


def event(row: Enrolment, to: str, *, frm: str | None = None) -> EnrolmentEvent:
    """An event on ``row``."""
    return EnrolmentEvent(
        enrolment_id=row.id, at=row.issued_at, from_status=frm, to_status=to, actor="t", detail=""
    )


def invitation(
    owner: Account,
    *,
    at: datetime = T0,
    days: float = 7,
    language: str = "en",
    outcome: str | None = None,
) -> Invitation:
    """A live invitation of ``owner`` (to their address, or ``<username>@example.com``) made at
    ``at``, expiring ``days`` later; ``outcome`` ends it."""
    return Invitation(
        account_id=owner.id,
        email=owner.email or f"{owner.username}@example.com",
        language=language,
        created_at=at,
        created_by="t",
        expires_at=at + timedelta(days=days),
        outcome=outcome,
        ended_at=None if outcome is None else at,
    )


def mail(row: Invitation, step: int = 0, *, status: str = "QUEUED") -> Mail:
    """Mail ``step`` of the invitation ``row`` (flushed, so it has an id), due at once."""
    return Mail(
        invitation_id=row.id,
        step=step,
        to_address=row.email,
        language=row.language,
        created_at=row.created_at,
        created_by="t",
        status=status,
        attempts=0,
    )


def _live_invitation(
    account_id: uuid.UUID,
    *,
    created: datetime = T0,
    days: float = 7.0,
    language: str = "en",
    email: str = "person@example.com",
    by: str = "op@example.com",
    campaign_id: int | None = None,
) -> Invitation:
    """A live invitation of ``account_id`` made at ``created``, expiring ``days`` later."""
    return Invitation(
        account_id=account_id,
        campaign_id=campaign_id,
        email=email,
        language=language,
        created_at=created,
        created_by=by,
        expires_at=created + timedelta(days=days),
        reminders_sent=0,
    )


def _sent_mail(row: Invitation, *, step: int = 0, token: str | None = None) -> Mail:
    """Mail ``step`` of ``row``, sent, carrying ``token``'s hash (no token: none yet)."""
    return Mail(
        invitation_id=row.id,
        step=step,
        to_address=row.email,
        language=row.language,
        created_at=row.created_at,
        created_by=row.created_by,
        status="SENT" if token is not None else "QUEUED",
        attempts=1 if token is not None else 0,
        sent_at=row.created_at if token is not None else None,
        token_hash=None if token is None else token_hash(token),
    )


def invite(
    session: Session,
    account_id: uuid.UUID,
    *,
    created: datetime = T0,
    days: float = 7.0,
    language: str = "en",
    campaign_id: int | None = None,
) -> tuple[int, str]:
    """Insert an invitation of ``account_id`` and its first mail, sent with a freshly minted
    token: (invitation id, the token, as its link carries it)."""
    row = _live_invitation(
        account_id, created=created, days=days, language=language, campaign_id=campaign_id
    )
    session.add(row)
    session.flush()
    token = new_token()
    session.add(_sent_mail(row, token=token))
    session.flush()
    return row.id, token


def remind(session: Session, invitation_id: int, step: int) -> str:
    """Give the invitation's mail ``step`` a token (as sending it does): the token."""
    row = session.get_one(Invitation, invitation_id)
    token = new_token()
    session.add(_sent_mail(row, step=step, token=token))
    session.flush()
    return token
