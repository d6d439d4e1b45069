"""The Outbox page's view-model: counts per status, table rows, failed mails' sentences, and a
caught message's link offered only when it is a web address."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.domain.outbox import CaughtMail, MailStatus, OutboxMail, OutboxSummary
from dashboard.views import outbox as view

AT = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)


def mail(ident: int, status: MailStatus, step: int = 0, error: str | None = None) -> OutboxMail:
    return OutboxMail(
        id=ident,
        invitation_id=ident,
        step=step,
        to_address=f"p{ident}@example.com",
        username=f"p{ident}",
        subject="Subject",
        status=status,
        attempts=5 if status is MailStatus.FAILED else 1,
        last_error=error,
        created_at=AT,
        next_attempt_at=AT,
        sent_at=AT if status is MailStatus.SENT else None,
    )


def test_counts_and_the_problem() -> None:
    summary = OutboxSummary({MailStatus.SENT: 3, MailStatus.FAILED: 1}, "Set SMTP_HOST.")
    shown = {m.label: m.value for m in view.metrics(summary)}
    assert shown == {"Waiting": 0, "Sending": 0, "Sent": 3, "Failed": 1, "Skipped": 0}
    notice = view.problem(summary)
    assert notice is not None
    assert (notice.kind, notice.text, notice.own) == ("warning", "Set SMTP_HOST.", False)
    assert view.problem(OutboxSummary()) is None


def test_rows_and_failed_mails() -> None:
    mails = [mail(2, MailStatus.FAILED, step=1, error="550 No such user"), mail(1, MailStatus.SENT)]
    first, second = view.rows(mails)
    assert (first["Kind"], first["Status"], first["Next attempt"]) == ("reminder 1", "Failed", None)
    assert second["Sent at"] == AT.replace(microsecond=0)
    (failed,) = view.failed(mails)
    assert failed.mail_id == 2
    assert failed.sentence == (
        "Mail #2 (reminder 1) to p2@example.com failed after 5 attempt(s): 550 No such user"
    )


def test_a_caught_link_must_be_a_web_address() -> None:
    def caught(link: str | None) -> CaughtMail:
        return CaughtMail("k", "a@example.com", "Hi", AT, "text", None, link)

    good, bad, none = view.caught([caught("http://x/i/t"), caught("javascript:x"), caught(None)])
    assert good.link == "http://x/i/t"
    assert bad.link is None
    assert none.link is None
    assert good.heading == "Hi · a@example.com · 2026-12-01 12:00:00 UTC"


def test_the_mailer_line_says_whether_it_runs_and_its_last_error() -> None:
    at = datetime(2026, 12, 1, 12, 0, 5, tzinfo=UTC)
    assert view.mailer_line(True, 2.0, at, None) == (
        "The mailer runs every 2 s; its last round ended 12:00:05 UTC."
    )
    assert view.mailer_line(True, 2.0, None, "MailError").endswith("Its last error: MailError")
    assert "not running" in view.mailer_line(False, 2.0, at, None)
