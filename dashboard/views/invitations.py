"""Invitations as the operator's pages show them, plain data (no Streamlit): the states' and
steps' labels, the language choice, what an invite or a revoke did, the sentence about mails
waiting for a mail server, and the merged timeline's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from dashboard.domain.invitation_records import (
    InvitationView,
    InviteReport,
    RevokeResult,
    StepSource,
    TimelineStep,
)
from dashboard.domain.invitations import LANGUAGES, InvitationState
from dashboard.domain.statuses import Status
from dashboard.views.looks import look

STATE_LABELS: dict[InvitationState, str] = {
    InvitationState.INVITED: "Invited, not opened",
    InvitationState.OPENED: "Opened",
    InvitationState.ENROLLED: "Used: enrolled",
    InvitationState.EXPIRED: "Invitation expired",
    InvitationState.REVOKED: "Revoked",
    InvitationState.SUPERSEDED: "Replaced by a newer one",
}
#: An invitation event's kind as its timeline step reads.
STEP_LABELS: dict[str, str] = {
    "CREATED": "Invitation created",
    "SENT": "Invitation sent",
    "SEND_FAILED": "Sending failed",
    "RETRIED": "Sending retried",
    "OPENED": "Link opened",
    "QR_ISSUED": "QR code issued",
    "ENROLLED": "Invitation used",
    "EXPIRED": "Invitation expired",
    "REVOKED": "Invitation revoked",
    "SUPERSEDED": "Invitation replaced",
}
LANGUAGE_HELP = "The language of the mail and of the page its link opens."
SEND_LABEL = "Send invitation"
SEND_HELP = (
    "E-mails a link that opens a page with the person's QR code; it works until the invitation "
    "expires, is used or revoked. A live invitation of theirs is replaced."
)
VIEW_ONLY = "Your role can see invitations; sending them needs the operator role."


def state_label(value: InvitationState | None) -> str:
    """An invitation state as a table cell (empty: none)."""
    return "" if value is None else STATE_LABELS[value]


def languages() -> dict[str, str]:
    """The language choices by code, in the order offered."""
    return dict(LANGUAGES)


def mail_note(smtp_host: str | None, demo_mode: bool) -> str | None:
    """What to say when mails cannot go out yet (no ``SMTP_HOST`` on a real tenant)."""
    if smtp_host or demo_mode:
        return None
    return (
        "No mail server is configured (SMTP_HOST): invitations are queued and wait in the "
        "Outbox until one is; none is lost."
    )


def current(invitation: InvitationView | None) -> str:
    """One line on the account's newest invitation."""
    if invitation is None:
        return "Not invited by e-mail yet."
    sent = f"{invitation.created_at:%Y-%m-%d %H:%M} UTC by {invitation.created_by}"
    return (
        f"Invitation #{invitation.id} to {invitation.email} ({invitation.language}), sent "
        f"{sent}: {STATE_LABELS[invitation.state].lower()}."
    )


def report(result: InviteReport) -> tuple[Literal["success", "warning"], str]:
    """The box kind and the sentence for what an invite did."""
    invited, skipped = len(result.invited), len(result.skipped)
    text = f"{invited} invitation(s) queued for sending"
    if skipped:
        text += f"; {skipped} skipped"
    return ("warning" if skipped or not invited else "success"), text + "."


def saved(address: str | None) -> str:
    """What saving an address did."""
    if address is None:
        return "The e-mail address is removed; invitations need one."
    return f"The e-mail address is now {address}."


def skipped_rows(result: InviteReport) -> list[dict[str, str]]:
    """One row per account an invite skipped, with why."""
    return [{"Account": s.account, "Why": s.sentence} for s in result.skipped]


def revoked(results: Sequence[RevokeResult]) -> tuple[Literal["success", "warning"], str]:
    """The box kind and the sentence for what a revoke did."""
    done = sum(r.done for r in results)
    text = " ".join(r.message for r in results) if len(results) == 1 else f"{done} revoked."
    return ("success" if done == len(results) else "warning"), text


def step_label(step: TimelineStep) -> str:
    """What one timeline step was: the invitation's step, or the enrolment's new status."""
    if step.source is StepSource.INVITATION:
        if step.step == "SENT" and step.detail.startswith("reminder"):
            return "Reminder sent"
        return STEP_LABELS.get(step.step, step.step.replace("_", " ").capitalize())
    return _status(step.step)


def timeline_rows(steps: Iterable[TimelineStep]) -> list[dict[str, Any]]:
    """A merged timeline as table rows, oldest first: an enrolment's step goes from one status
    to another, an invitation's step is named in "To"."""
    return [
        {
            "At": step.at,
            "Of": _of(step),
            "From": _status(step.from_status) if step.from_status else "",
            "To": step_label(step),
            "By": step.actor,
            "What happened": step.detail,
        }
        for step in steps
    ]


def timeline_table(steps: Iterable[TimelineStep]) -> list[dict[str, str]]:
    """A merged timeline as the rows of a plain table (a few steps: text, times to the
    second)."""
    return [{**row, "At": f"{row['At']:%Y-%m-%d %H:%M:%S}"} for row in timeline_rows(steps)]


def _status(value: str) -> str:
    try:
        return look(Status(value)).label
    except ValueError:
        return value


def _of(step: TimelineStep) -> str:
    if step.source is StepSource.INVITATION:
        return f"Invitation #{step.invitation_id}"
    return f"QR code #{step.enrolment_id}"
