"""The invitation views as plain data: the merged timeline's rows, what an invite said, and the
note about mails waiting for a mail server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from dashboard.domain.invitation_records import (
    Invited,
    InviteReport,
    Skipped,
    SkipReason,
    StepSource,
    TimelineStep,
    merged,
)
from dashboard.views import invitations as view

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def test_a_merged_timeline_is_oldest_first_the_invitation_first_at_a_tie() -> None:
    sent = TimelineStep(T, StepSource.INVITATION, "SENT", "mailer", "invitation", 3)
    issued = TimelineStep(T + S, StepSource.INVITATION, "QR_ISSUED", "page", "", 3, 7)
    pending = TimelineStep(T + S, StepSource.ENROLMENT, "PENDING", "page", "", None, 7)
    enrolled = TimelineStep(T + 9 * S, StepSource.ENROLMENT, "ENROLLED", "poller", "", None, 7,
                            "PENDING")  # fmt: skip
    steps = merged([sent, issued], [pending, enrolled])
    assert steps == [sent, issued, pending, enrolled]
    rows = view.timeline_rows(steps)
    assert [(r["Of"], r["From"], r["To"]) for r in rows] == [
        ("Invitation #3", "", "Invitation sent"),
        ("Invitation #3", "", "QR code issued"),
        ("QR code #7", "", "Pending"),
        ("QR code #7", "Pending", "Enrolled"),
    ]
    odd = TimelineStep(T, StepSource.INVITATION, "SOMETHING_NEW", "x", "")
    assert view.step_label(odd) == "Something new"


def test_what_an_invite_says_and_when_mails_wait() -> None:
    one = Invited(uuid.uuid4(), "ann", "ann@example.com", 1)
    assert view.report(InviteReport((one,), ())) == (
        "success",
        "1 invitation(s) queued for sending.",
    )
    skipped = Skipped("bob", SkipReason.NO_ADDRESS)
    assert view.report(InviteReport((one,), (skipped,))) == (
        "warning",
        "1 invitation(s) queued for sending; 1 skipped.",
    )
    assert view.skipped_rows(InviteReport((), (skipped,))) == [
        {"Account": "bob", "Why": "No e-mail address."}
    ]
    note = view.mail_note(None, demo_mode=False)
    assert note is not None
    assert "SMTP_HOST" in note
    assert view.mail_note("smtp.example.com", demo_mode=False) is None
    assert view.mail_note(None, demo_mode=True) is None  # the built-in mail catcher takes them
