"""Writes and reads of the append-only enrolment history. Every function takes a Session; the
caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import EnrolmentEvent


def add_event(session: Session, event: EnrolmentEvent) -> EnrolmentEvent:
    """Append ``event`` to its enrolment's history."""
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, enrolment_id: int) -> list[EnrolmentEvent]:
    """The enrolment's history, oldest first."""
    query = select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment_id)
    return list(session.scalars(query.order_by(EnrolmentEvent.id)))
