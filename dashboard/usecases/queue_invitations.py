"""The pending queue's invitations: the rows of people invited with no QR code issued since,
the invitation state beside everyone else's row, and the two invitation actions (send or
re-send, revoke), each recorded on the invitation and on the enrolment of the row it touched.
``dashboard.usecases.queue`` reads and acts through these; they take its session and clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.domain.invitations import InvitationState, state
from dashboard.domain.queue import ActionOutcome, ActionResult, QueueFilter, QueueItem
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.invitations import Invitations
from db import accounts as account_queries
from db import invitations as queries
from db.models import Enrolment, Invitation

#: The states of an invitation whose link still works.
LIVE = (InvitationState.INVITED, InvitationState.OPENED)


def where(
    given: QueueFilter, low: datetime | None = None, high: datetime | None = None
) -> queries.QueueInvitationWhere:
    """The invitation rows' filter for the queue's filter and an age group's range."""
    return queries.QueueInvitationWhere(given.issued_by.strip(), given.campaign_id, low, high)


def items(
    session: Session, given: queries.QueueInvitationWhere, limit: int, now: datetime
) -> list[QueueItem]:
    """At most ``limit`` invitation rows, newest sent first."""
    return [
        QueueItem(
            None,
            row.account_id,
            row.username,
            row.display_name,
            row.email,
            None,
            row.created_at,
            row.expires_at,
            row.created_by,
            row.campaign_id,
            row.id,
            _state(row.outcome, row.opened_at, row.expires_at, now),
        )
        for row in queries.queue_rows(session, given, limit)
    ]


def with_invitations(
    session: Session, listed: Sequence[QueueItem], now: datetime
) -> list[QueueItem]:
    """``listed`` with each person's newest invitation and its state beside their row."""
    newest = queries.newest_of(session, {i.account_id for i in listed if i.invitation_id is None})
    shown = []
    for item in listed:
        row = newest.get(item.account_id)
        if row is not None and item.invitation_id is None:
            item = replace(item, invitation_id=row.id, invitation=_row_state(row, now))
        shown.append(item)
    return shown


def current(session: Session, invitation_id: int, now: datetime) -> QueueItem | ActionResult:
    """The invitation's row as it stands now, or why it is no longer in the queue."""
    row = queries.get(session, invitation_id)
    if row is None:
        return _result(
            None,
            "",
            ActionOutcome.FAILED,
            f"There is no invitation #{invitation_id}.",
            invitation_id,
        )
    account = account_queries.get_account(session, row.account_id)
    assert account is not None  # an invitation's account is deleted with it
    item = QueueItem(None, row.account_id, account.username, account.display_name, row.email,
                     None, row.created_at, row.expires_at, row.created_by, row.campaign_id,
                     row.id, _row_state(row, now))  # fmt: skip
    newest = queries.newest_of(session, [row.account_id]).get(row.account_id)
    latest = account_queries.latest_enrolment_of(session, row.account_id)
    if newest is not None and newest.id != row.id:
        return _skip(item, f"Skipped: a newer invitation (#{newest.id}) was sent since.")
    if latest is not None and _issued_since(session, latest[0], row):
        return _skip(item, f"Skipped: a QR code (#{latest[0]}) was issued since.")
    if item.invitation not in (*LIVE, InvitationState.EXPIRED):
        return _skip(item, f"Skipped: it is {_said(item.invitation)} now.")
    return item


def send(
    invitations: Invitations, enrolments: Enrolments, item: QueueItem, who: str
) -> ActionResult:
    """Send the person a new invitation (a live one of theirs is replaced)."""
    report = invitations.invite([item.account_id], actor=who, campaign_id=item.campaign_id)
    if report.skipped:
        return _skip(item, f"Not sent: {report.skipped[0].sentence}")
    made = report.invited[0]
    if item.enrolment_id is not None:
        note = f"Invitation #{made.invitation_id} sent to {made.email} from the pending queue."
        enrolments.note(item.enrolment_id, note, actor=who)
    verb = "re-sent" if made.superseded_id is not None or item.invitation_id is not None else "sent"
    message = f"Invitation #{made.invitation_id} {verb}: queued for {made.email}."
    return _result(
        item.enrolment_id, item.username, ActionOutcome.DONE, message, made.invitation_id
    )


def revoke(
    invitations: Invitations, enrolments: Enrolments, item: QueueItem, who: str
) -> ActionResult:
    """Revoke the person's live invitation, if they have one."""
    if item.invitation_id is None or item.invitation not in LIVE:
        shown = (
            "no invitation"
            if item.invitation is None
            else f"an invitation that is {_said(item.invitation)}"
        )
        return _skip(item, f"Skipped: {item.username} has {shown}; there is nothing to revoke.")
    done = invitations.revoke([item.invitation_id], actor=who)[0]
    if not done.done:
        return _skip(item, done.message)
    if item.enrolment_id is not None:
        note = f"Invitation #{item.invitation_id} revoked from the pending queue."
        enrolments.note(item.enrolment_id, note, actor=who)
    return _result(
        item.enrolment_id, item.username, ActionOutcome.DONE, done.message, item.invitation_id
    )


def operators(session: Session, limit: int) -> list[str]:
    """Who sent the invitations the queue lists."""
    return queries.queue_senders(session, limit)


def not_invitable(item: QueueItem, action: str) -> ActionResult:
    """The sentence for an enrolment action on a row that has no QR code."""
    return _skip(item, f"Invited by e-mail, no QR code yet: there is nothing to {action} (send "
                       "or revoke the invitation instead).")  # fmt: skip


def _issued_since(session: Session, enrolment_id: int, row: Invitation) -> bool:
    enrolment = session.get(Enrolment, enrolment_id)
    return enrolment is not None and enrolment.issued_at >= row.created_at


def _row_state(row: Invitation, now: datetime) -> InvitationState:
    return _state(row.outcome, row.opened_at, row.expires_at, now)


def _state(
    outcome: str | None, opened_at: datetime | None, expires_at: datetime, now: datetime
) -> InvitationState:
    return state(outcome=outcome, opened_at=opened_at, expires_at=expires_at, now=now)


def _said(value: InvitationState | None) -> str:
    return "none" if value is None else value.value.lower()


def _skip(item: QueueItem, message: str) -> ActionResult:
    return _result(
        item.enrolment_id, item.username, ActionOutcome.SKIPPED, message, item.invitation_id
    )


def _result(enrolment_id: int | None, username: str, outcome: ActionOutcome, message: str,
            invitation_id: int | None) -> ActionResult:  # fmt: skip
    return ActionResult(enrolment_id, username, outcome, message, None, invitation_id)
