"""The Outbox page as plain data: the counts, the table of mails, the failed ones with what
their retry says, and (in demo mode) the messages the mail catcher received. No Streamlit.

Everything shown comes from outside the console's own words (names, addresses, the mail
server's answers), so it goes out as ``Notice``s that are not ``own`` and table cells; a
caught message's link is offered only when it is an http(s) URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dashboard.domain.outbox import (
    CaughtMail,
    MailStatus,
    OutboxMail,
    OutboxSummary,
    step_label,
)
from dashboard.domain.roles import Permission
from dashboard.views.blocks import Metric, Notice

INTRO = (
    "The invitation mails: waiting, sent, or failed. A failed send is tried again by itself "
    "(up to five attempts, waiting longer each time); after the last one it stays here until "
    "someone retries it. Each mail carries a link of its own; only its hash is kept."
)
CAUGHT_INTRO = (
    "Demo mode: no mail server is configured, so the built-in mail catcher receives every mail "
    "the console sends. This is what the people would find in their mailbox."
)
NOTHING = "No invitation mails yet."
NOTHING_CAUGHT = "The mail catcher has received nothing yet."
VIEW_ONLY = "Retrying a failed mail needs the operator role."
#: Who may retry a failed mail: whoever may issue (an invitation is the way to a QR code).
RETRY_PERMISSION = Permission.ISSUE
#: Seconds between the page's refreshes (the mailer sends in the background).
REFRESH = 3.0
_COUNTED = (
    (MailStatus.QUEUED, "Waiting", "Queued, or waiting for their next attempt."),
    (MailStatus.SENDING, "Sending", "Being handed to the mail server right now."),
    (MailStatus.SENT, "Sent", "The mail server took them."),
    (MailStatus.FAILED, "Failed", "Not sent after the last attempt: retry them below."),
    (MailStatus.SKIPPED, "Skipped", "Not sent: the invitation ended or expired first."),
)


@dataclass(frozen=True)
class FailedLook:
    """A failed mail: the sentence that says what happened, and its retry button's key."""

    mail_id: int
    sentence: str
    key: str


@dataclass(frozen=True)
class CaughtLook:
    """A message the catcher received: its heading, the parts, and the link to open."""

    key: str
    heading: str
    text: str
    html: str | None
    link: str | None


def metrics(summary: OutboxSummary) -> list[Metric]:
    """One metric per status."""
    return [Metric(label, summary.count(status), help=tip) for status, label, tip in _COUNTED]


def problem(summary: OutboxSummary) -> Notice | None:
    """Why no mail can be sent, as a warning, if that is so."""
    return (
        None
        if summary.problem is None
        else Notice("warning", summary.problem, ":material/mail_lock:")
    )


def _when(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(microsecond=0)


def rows(mails: Sequence[OutboxMail]) -> list[dict[str, Any]]:
    """The table: one row per mail, newest first."""
    return [
        {
            "Mail": f"#{m.id}",
            "To": m.to_address,
            "Account": m.username,
            "Kind": step_label(m.step),
            "Subject": m.subject or "",
            "Status": m.status.value.capitalize(),
            "Attempts": m.attempts,
            "Last error": m.last_error or "",
            "Queued at": _when(m.created_at),
            "Next attempt": _when(m.next_attempt_at) if m.status is MailStatus.QUEUED else None,
            "Sent at": _when(m.sent_at),
        }
        for m in mails
    ]


def failed(mails: Sequence[OutboxMail]) -> list[FailedLook]:
    """The FAILED mails, each with a sentence naming the person and the error."""
    return [
        FailedLook(
            m.id,
            f"Mail #{m.id} ({step_label(m.step)}) to {m.to_address} failed after "
            f"{m.attempts} attempt(s): {m.last_error or 'no reason was given'}",
            f"outbox-retry-{m.id}",
        )
        for m in mails
        if m.status is MailStatus.FAILED
    ]


def retried(mail_id: int) -> str:
    """What a retry says."""
    return f"Mail #{mail_id} is queued again; it goes within seconds, with a new link."


def caught(mails: Sequence[CaughtMail]) -> list[CaughtLook]:
    """The catcher's messages, newest first."""
    return [
        CaughtLook(
            key=m.key,
            heading=" · ".join(
                part
                for part in (
                    m.subject or "(no subject)",
                    m.to,
                    m.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if m.date else "",
                )
                if part
            ),
            text=m.text,
            html=m.html,
            link=m.link if m.link and m.link.startswith(("http://", "https://")) else None,
        )
        for m in mails
    ]


def mailer_line(
    running: bool, interval: float, last_cycle_at: datetime | None, last_error: str | None
) -> str:
    """One line on the mailer thread of this process (it settles, reminds and sends)."""
    if not running:
        return "The mailer of this console process is not running: nothing is sent from here."
    line = f"The mailer runs every {interval:g} s"
    line += f"; its last round ended {last_cycle_at:%H:%M:%S} UTC" if last_cycle_at else ""
    return line + (f". Its last error: {last_error}" if last_error else ".")
