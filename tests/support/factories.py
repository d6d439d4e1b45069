"""Rows for the database tests, written straight through the models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from db.models import Account, Enrolment, EnrolmentEvent

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
