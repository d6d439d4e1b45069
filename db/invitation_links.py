"""Queries and writes behind the public enrolment page and the invitation jobs: the live
invitation a link's token hash names, its first opening, its events, settling invitations that
ended (enrolled, expired) and queuing reminders. Every function takes a Session; the caller owns
the transaction (on SQLite: ``db.engine.begin_write`` first).

Each write that must happen once (the OPENED event, the ENROLLED outcome, the EXPIRED event, a
reminder step) is guarded by a conditional update or a row lock, so several processes on one
PostgreSQL database never write it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.orm import Session

from db.models import Account, Enrolment, Invitation, InvitationEvent, Mail

#: The enrolment status of success (``dashboard.domain.statuses.Status.ENROLLED``).
ENROLLED = "ENROLLED"
#: Event kinds written here (``docs/invitations.md``).
OPENED, QR_ISSUED, EXPIRED = "OPENED", "QR_ISSUED", "EXPIRED"
#: Who writes what no person did.
SETTLE_ACTOR, EXPIRY_ACTOR, REMINDER_ACTOR = "poller", "expiry", "reminders"
BATCH = 500


@dataclass(frozen=True)
class LiveLink:
    """A live invitation as its link sees it, with its account's names and tenant id."""

    invitation_id: int
    account_id: uuid.UUID
    campaign_id: int | None
    username: str
    display_name: str | None
    tenant_id: str | None
    language: str
    created_by: str
    opened_at: datetime | None
    expires_at: datetime


def live_link(
    session: Session, token_hash: str, now: datetime, *, used_since: datetime | None = None
) -> LiveLink | None:
    """The invitation whose mail carries ``token_hash``, if it has not ended nor expired (or,
    with ``used_since``, was used since then: a page left open still shows its end)."""
    live = Invitation.outcome.is_(None) & (Invitation.expires_at > now)
    if used_since is not None:
        live = live | ((Invitation.outcome == ENROLLED) & (Invitation.ended_at >= used_since))
    query = (
        select(Invitation, Account)
        .join(Mail, Mail.invitation_id == Invitation.id)
        .join(Account, Account.id == Invitation.account_id)
        .where(
            Mail.token_hash == token_hash,
            live,
        )
    )
    found = session.execute(query).first()
    if found is None:
        return None
    invitation, account = found
    return LiveLink(
        invitation_id=invitation.id,
        account_id=account.id,
        campaign_id=invitation.campaign_id,
        username=account.username,
        display_name=account.display_name,
        tenant_id=account.tenant_id,
        language=invitation.language,
        created_by=invitation.created_by,
        opened_at=invitation.opened_at,
        expires_at=invitation.expires_at,
    )


def add_event(session: Session, event: InvitationEvent) -> InvitationEvent:
    """Append ``event`` to its invitation's history."""
    session.add(event)
    session.flush()
    return event


def record_opened(session: Session, invitation_id: int, now: datetime, actor: str) -> bool:
    """Note the first opening of the invitation (``opened_at`` and an OPENED event); False when
    it had been opened before."""
    changed = _updated(
        session,
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.opened_at.is_(None))
        .values(opened_at=now),
    )
    if changed:
        add_event(session, _event(invitation_id, now, OPENED, actor, "The link was opened."))
    return changed


def issued_enrolment(session: Session, invitation_id: int) -> Enrolment | None:
    """The enrolment the invitation's newest QR_ISSUED event names, if any."""
    query = (
        select(Enrolment)
        .join(InvitationEvent, InvitationEvent.enrolment_id == Enrolment.id)
        .where(InvitationEvent.invitation_id == invitation_id, InvitationEvent.kind == QR_ISSUED)
        .order_by(InvitationEvent.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def settle_enrolled(session: Session, now: datetime, invitation_id: int | None = None) -> list[int]:
    """End live invitations (all, or just ``invitation_id``) whose account enrolled after the
    invitation was made, through its link or any other way, as ENROLLED with an ENROLLED event
    naming the enrolment; returns their ids."""
    query = (
        select(Invitation.id, Enrolment.id, Enrolment.device_name)
        .join(Enrolment, Enrolment.account_id == Invitation.account_id)
        .where(
            Invitation.outcome.is_(None),
            Enrolment.status == ENROLLED,
            Enrolment.finished_at >= Invitation.created_at,
        )
        .order_by(Invitation.id, Enrolment.id)
        .limit(BATCH)
    )
    if invitation_id is not None:
        query = query.where(Invitation.id == invitation_id)
    settled = []
    for ident, enrolment_id, device in session.execute(query):
        if ident in settled or not _updated(
            session,
            update(Invitation)
            .where(Invitation.id == ident, Invitation.outcome.is_(None))
            .values(outcome=ENROLLED, ended_at=now, ended_by=SETTLE_ACTOR),
        ):
            continue
        detail = f"Enrolled with enrolment #{enrolment_id}" + (f" on {device}." if device else ".")
        event = _event(ident, now, ENROLLED, SETTLE_ACTOR, detail)
        event.enrolment_id = enrolment_id
        add_event(session, event)
        settled.append(ident)
    return settled


def settle_expired(session: Session, now: datetime) -> list[int]:
    """Write one EXPIRED event for each live invitation past its ``expires_at`` that has none
    yet; returns their ids. The invitation's row is locked before its events are looked at
    again, so two processes never both write it."""
    written = exists().where(
        InvitationEvent.invitation_id == Invitation.id, InvitationEvent.kind == EXPIRED
    )
    candidates = session.scalars(
        select(Invitation.id)
        .where(Invitation.outcome.is_(None), Invitation.expires_at <= now, ~written)
        .order_by(Invitation.id)
        .limit(BATCH)
    ).all()
    expired = []
    for ident in candidates:
        row = session.scalars(
            select(Invitation).where(Invitation.id == ident).with_for_update()
        ).one()
        # A statement after the lock sees what the lock's previous holder committed.
        again = session.scalar(
            select(InvitationEvent.id)
            .where(InvitationEvent.invitation_id == ident, InvitationEvent.kind == EXPIRED)
            .limit(1)
        )
        if row.outcome is not None or again is not None:
            continue
        detail = "The invitation expired without an enrolment."
        add_event(session, _event(ident, row.expires_at, EXPIRED, EXPIRY_ACTOR, detail))
        expired.append(ident)
    return expired


def queue_reminders(
    session: Session, schedule: Sequence[timedelta], now: datetime
) -> list[tuple[int, int]]:
    """Queue the due reminder of each live invitation (step k of ``schedule`` is due at
    ``created_at + schedule[k-1]``): ``reminders_sent`` moves to k only if it still holds what
    was read, and the mail of step k is inserted in the same transaction, so each step is
    queued once however many processes run this. When several steps are due at once (the
    console was down) only the latest is queued: nobody gets two reminders in a row. Returns
    (invitation id, step) pairs."""
    if not schedule:
        return []
    candidates = session.scalars(
        select(Invitation)
        .where(
            Invitation.outcome.is_(None),
            Invitation.expires_at > now,
            Invitation.reminders_sent < len(schedule),
            Invitation.created_at <= now - schedule[0],
        )
        .order_by(Invitation.id)
        .limit(BATCH)
    ).all()
    queued = []
    for row in candidates:
        read = row.reminders_sent
        step = sum(1 for after in schedule if row.created_at + after <= now)
        if step <= read or not _updated(
            session,
            update(Invitation)
            .where(
                Invitation.id == row.id,
                Invitation.reminders_sent == read,
                Invitation.outcome.is_(None),
            )
            .values(reminders_sent=step),
        ):
            continue
        session.add(
            Mail(
                invitation_id=row.id,
                step=step,
                to_address=row.email,
                language=row.language,
                created_at=now,
                created_by=REMINDER_ACTOR,
                status="QUEUED",
                attempts=0,
                next_attempt_at=now,
            )
        )
        session.flush()
        queued.append((row.id, step))
    return queued


def _updated(session: Session, statement: Any) -> bool:
    """Run a conditional UPDATE of one row; whether it matched."""
    result = cast(
        CursorResult[Any],
        session.execute(statement.execution_options(synchronize_session=False)),
    )
    return result.rowcount == 1


def _event(invitation_id: int, at: datetime, kind: str, actor: str, detail: str) -> InvitationEvent:
    return InvitationEvent(
        invitation_id=invitation_id, at=at, kind=kind, actor=actor, detail=detail
    )
