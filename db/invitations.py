"""Queries and writes over the invitations and their events: create (superseding the account's
live one, with its first mail), revoke, read an invitation's history, find the invitation behind
an enrolment, and the invitations the pending queue lists. Every function takes a Session; the
caller owns the transaction (on SQLite: ``db.engine.begin_write`` first).

"Live" here is ``outcome IS NULL``, the predicate of the one-live-per-account index: an
invitation past ``expires_at`` that nobody settled yet still counts, so a new one supersedes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import Account, Enrolment, Invitation, InvitationEvent, Mail

#: Keys per ``IN (...)`` list: well under every backend's limit on bound parameters.
CHUNK = 500
QUEUED = "QUEUED"
SUPERSEDED = "SUPERSEDED"
REVOKED = "REVOKED"
EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class NewInvitation:
    """What one invitation is made of."""

    account_id: uuid.UUID
    email: str
    language: str
    expires_at: datetime
    campaign_id: int | None = None


@dataclass(frozen=True)
class Made:
    """An invitation just inserted, and the live one it superseded (if any)."""

    invitation: Invitation
    superseded_id: int | None


def create_invitations(
    session: Session, wanted: Sequence[NewInvitation], *, now: datetime, actor: str
) -> list[Made]:
    """Insert an invitation per item, each with its CREATED event and its first mail (step 0,
    QUEUED, due now); each account's live invitation ends SUPERSEDED first, with an event.
    A few statements for the whole batch. The accounts' rows are locked (PostgreSQL) in id
    order, so two batches over the same accounts take turns rather than clash."""
    ids = sorted({w.account_id for w in wanted})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(
            select(Account.id).where(Account.id.in_(chunk)).order_by(Account.id).with_for_update()
        )
    old = {i.account_id: i for i in live_of(session, ids)}
    for row in old.values():
        row.outcome, row.ended_at, row.ended_by = SUPERSEDED, now, actor
    session.flush()
    rows = [
        Invitation(
            account_id=w.account_id,
            campaign_id=w.campaign_id,
            email=w.email,
            language=w.language,
            created_at=now,
            created_by=actor,
            expires_at=w.expires_at,
            reminders_sent=0,
        )
        for w in wanted
    ]
    session.add_all(rows)
    session.flush()
    made = []
    for row in rows:
        before = old.pop(row.account_id, None)
        if before is not None:
            note = f"Replaced by invitation #{row.id}."
            session.add(_event(before.id, SUPERSEDED, actor, note, now))
        session.add(_event(row.id, "CREATED", actor, f"Invitation to {row.email}.", now))
        session.add(
            Mail(
                invitation_id=row.id,
                step=0,
                to_address=row.email,
                language=row.language,
                created_at=now,
                created_by=actor,
                status=QUEUED,
                attempts=0,
                next_attempt_at=now,
            )
        )
        made.append(Made(row, None if before is None else before.id))
    session.flush()
    return made


def revoke(session: Session, invitation_id: int, *, now: datetime, actor: str) -> Invitation | None:
    """End the invitation as REVOKED (with an event) if it is live; the row either way (an
    ended one unchanged), None when there is no such invitation. Row-locked (PostgreSQL)."""
    row = get(session, invitation_id, lock=True)
    if row is None or row.outcome is not None:
        return row
    row.outcome, row.ended_at, row.ended_by = REVOKED, now, actor
    session.add(_event(row.id, REVOKED, actor, "Revoked by an operator.", now))
    session.flush()
    return row


def get(session: Session, invitation_id: int, *, lock: bool = False) -> Invitation | None:
    """The invitation, or None; ``lock`` takes a row lock (PostgreSQL)."""
    query = select(Invitation).where(Invitation.id == invitation_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def live_of(session: Session, account_ids: Collection[uuid.UUID]) -> list[Invitation]:
    """The live invitations (``outcome IS NULL``) of these accounts, at most one each."""
    ids = list(account_ids)
    found: list[Invitation] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = select(Invitation).where(
            Invitation.account_id.in_(chunk), Invitation.outcome.is_(None)
        )
        found.extend(session.scalars(query))
    return found


def newest_of(session: Session, account_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Invitation]:
    """Each account's newest invitation, whatever its outcome, by account id."""
    ids = list(account_ids)
    newer = aliased(Invitation)
    found: dict[uuid.UUID, Invitation] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(Invitation).where(
            Invitation.account_id.in_(ids[start : start + CHUNK]),
            ~exists().where(newer.account_id == Invitation.account_id, newer.id > Invitation.id),
        )
        found.update((row.account_id, row) for row in session.scalars(query))
    return found


def of_account(session: Session, account_id: uuid.UUID) -> list[Invitation]:
    """The account's invitations, oldest first."""
    query = select(Invitation).where(Invitation.account_id == account_id)
    return list(session.scalars(query.order_by(Invitation.id)))


def of_enrolment(session: Session, enrolment_id: int) -> Invitation | None:
    """The invitation whose QR_ISSUED event issued this enrolment, if one did."""
    query = (
        select(Invitation)
        .join(InvitationEvent, InvitationEvent.invitation_id == Invitation.id)
        .where(InvitationEvent.enrolment_id == enrolment_id, InvitationEvent.kind == "QR_ISSUED")
        .order_by(InvitationEvent.id)
        .limit(1)
    )
    return session.scalars(query).first()


def events_of(session: Session, invitation_ids: Collection[int]) -> list[InvitationEvent]:
    """The history of these invitations, oldest first."""
    if not invitation_ids:
        return []
    query = select(InvitationEvent).where(InvitationEvent.invitation_id.in_(list(invitation_ids)))
    return list(session.scalars(query.order_by(InvitationEvent.id)))


def _event(
    invitation_id: int,
    kind: str,
    actor: str,
    detail: str,
    at: datetime,
    enrolment_id: int | None = None,
) -> InvitationEvent:
    return InvitationEvent(
        invitation_id=invitation_id,
        at=at,
        kind=kind,
        actor=actor,
        detail=detail,
        enrolment_id=enrolment_id,
    )


# --- the pending queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueInvitation:
    """An account whose newest step is an unfinished invitation (nothing issued since)."""

    id: int
    account_id: uuid.UUID
    username: str
    display_name: str | None
    email: str
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    outcome: str | None
    created_by: str
    campaign_id: int | None


@dataclass(frozen=True)
class QueueInvitationWhere:
    """Which: sent by this operator, in this campaign, created after ``after`` and up to
    ``until`` (None or empty: no bound)."""

    created_by: str = ""
    campaign_id: int | None = None
    after: datetime | None = None
    until: datetime | None = None


_OF_ACCOUNT = {"username": Account.username, "display_name": Account.display_name}


def queue_rows(session: Session, where: QueueInvitationWhere, limit: int) -> list[QueueInvitation]:
    """At most ``limit`` of them, newest first."""
    columns = [
        (_OF_ACCOUNT.get(f.name) or getattr(Invitation, f.name)).label(f.name)
        for f in fields(QueueInvitation)
    ]
    query = _queue(select(*columns).join(Account, Account.id == Invitation.account_id), where)
    query = query.order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(limit)
    return [QueueInvitation(**row._mapping) for row in session.execute(query)]


def queue_counts(
    session: Session, where: QueueInvitationWhere, edges: Sequence[datetime]
) -> list[int]:
    """How many in each span ascending ``edges`` cut ``created_at`` into, oldest first
    (``len(edges) + 1`` counts), as ``db.queue.queue_counts`` does for enrolments."""
    bounds = [None, *edges, None]
    spans = []
    for low, high in pairwise(bounds):
        parts = [] if low is None else [Invitation.created_at > low]
        parts += [] if high is None else [Invitation.created_at <= high]
        hit = and_(*parts) if parts else Invitation.id.is_not(None)
        spans.append(func.coalesce(func.sum(case((hit, 1), else_=0)), 0))
    row = session.execute(_queue(select(*spans).select_from(Invitation), where)).one()
    return [int(n) for n in row]


def queue_senders(session: Session, limit: int) -> list[str]:
    """Who sent the invitations the queue lists (at most ``limit``), by name."""
    query = _queue(select(Invitation.created_by).distinct(), QueueInvitationWhere())
    return list(session.scalars(query.order_by(Invitation.created_by).limit(limit)))


def _queue(query: Select[Any], where: QueueInvitationWhere) -> Select[Any]:
    newer = aliased(Invitation)
    query = query.where(
        or_(Invitation.outcome.is_(None), Invitation.outcome == EXPIRED),
        ~exists().where(newer.account_id == Invitation.account_id, newer.id > Invitation.id),
        # A QR code issued since (through the link or at the desk) is the person's row now.
        ~exists().where(
            Enrolment.account_id == Invitation.account_id,
            Enrolment.issued_at >= Invitation.created_at,
        ),
    )
    if where.created_by:
        query = query.where(Invitation.created_by == where.created_by)
    if where.campaign_id is not None:
        query = query.where(Invitation.campaign_id == where.campaign_id)
    if where.after is not None:
        query = query.where(Invitation.created_at > where.after)
    if where.until is not None:
        query = query.where(Invitation.created_at <= where.until)
    return query
