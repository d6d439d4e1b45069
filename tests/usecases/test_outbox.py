"""The outbox against a real SMTP server on loopback (aiosmtpd) and a real database: a mail goes
out with a working link whose hash alone is kept, in the invitation's language; a 451 is retried
and sent; the last attempt leaves it FAILED with the error shown, and an operator's retry sends
it with a new link; ended or expired invitations are skipped; without a server nothing is lost;
and two outboxes on one database never send one mail twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.domain.invitations import token_hash
from dashboard.domain.outbox import MailStatus
from dashboard.errors import ConflictError, NotFoundError
from dashboard.mail.smtp import SmtpSender
from dashboard.settings import SmtpSettings
from dashboard.usecases.database import Database
from dashboard.usecases.outbox import Outbox
from db.models import Invitation, InvitationEvent, Mail
from tests.support.factories import T0, account, invitation, mail
from tests.support.mailserver import MailServer, mail_server

NOW = T0 + timedelta(hours=1)
PUBLIC = "https://enrol.example.com"
BACKOFF = timedelta(seconds=30)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.open(database_url)
    yield db
    db.close()


def seed(
    database: Database, name: str, *, display: str | None = None, step: int = 0, **options: Any
) -> int:
    """An account ``name`` with an invitation and its mail ``step`` QUEUED; the mail's id."""
    with database.sessions.begin() as session:
        owner = account(name)
        owner.display_name = display
        session.add(owner)
        session.flush()
        row = invitation(owner, **options)
        session.add(row)
        session.flush()
        item = mail(row, step)
        session.add(item)
        session.flush()
        return item.id


def outbox(database: Database, server: MailServer | None, **options: Any) -> Outbox:
    sender = None
    if server is not None:
        smtp = SmtpSettings(host=server.host, port=server.port, security="none", timeout=5)
        sender = SmtpSender(smtp)
    return Outbox(
        database.sessions, sender, public_url=PUBLIC + "/", base_backoff=BACKOFF, **options
    )


def row(database: Database, mail_id: int) -> Mail:
    with database.sessions() as session:
        found = session.get(Mail, mail_id)
        assert found is not None
        return found


def events(database: Database) -> list[tuple[str, str, str]]:
    with database.sessions() as session:
        found = session.scalars(select(InvitationEvent).order_by(InvitationEvent.id))
        return [(e.kind, e.actor, e.detail) for e in found]


def link_in(message: EmailMessage) -> str:
    plain = message.get_body(preferencelist=("plain",))
    assert isinstance(plain, EmailMessage)
    text: str = plain.get_content()
    (found,) = [line for line in text.splitlines() if line.startswith(PUBLIC)]
    return found


def test_a_mail_goes_out_and_only_its_token_hash_is_kept(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    ident = seed(database, "ann", display="Ann de Vries", language="nl")
    caplog.set_level(logging.DEBUG)
    with mail_server() as server:
        assert outbox(database, server).send_due(NOW) == 1
        (got,) = server.received
    link = link_in(got)
    token = link.removeprefix(PUBLIC + "/i/")
    assert len(token) == 43
    assert link == f"{PUBLIC}/i/{token}"
    assert got["To"] == "Ann de Vries <ann@example.com>"
    assert got["Subject"] == "Ann de Vries, registreer je telefoon om in te loggen"
    sent = row(database, ident)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == ("SENT", 1, NOW, None)
    assert sent.token_hash == token_hash(token)
    assert sent.subject == got["Subject"]
    assert events(database) == [("SENT", "mailer", "invitation")]
    stored = " ".join(str(v) for v in vars(sent).values()) + str(events(database))
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("dashboard", "db"))]
    assert ours
    assert token not in stored
    assert not any(token in line for line in ours)


def test_a_reminder_is_a_reminder(database: Database) -> None:
    seed(database, "bob", step=1)
    with mail_server() as server:
        outbox(database, server).send_due(NOW)
        (got,) = server.received
    assert got["Subject"] == "Reminder: bob, enrol your phone for sign-in"
    assert events(database) == [("SENT", "mailer", "reminder 1")]


def test_a_451_is_retried_after_the_backoff_and_sent(database: Database) -> None:
    ident = seed(database, "cat")
    with mail_server(answers=["451 4.3.0 Mailbox busy, try later"]) as server:
        box = outbox(database, server)
        assert box.send_due(NOW) == 0
        waiting = row(database, ident)
        assert (waiting.status, waiting.attempts) == ("QUEUED", 1)
        assert waiting.next_attempt_at == NOW + BACKOFF
        assert waiting.last_error is not None
        assert "451 4.3.0 Mailbox busy" in waiting.last_error
        assert box.send_due(NOW + BACKOFF / 2) == 0  # not due yet
        assert box.send_due(NOW + BACKOFF) == 1
        (got,) = server.received
    sent = row(database, ident)
    assert (sent.status, sent.attempts, sent.last_error) == ("SENT", 2, None)
    assert sent.token_hash == token_hash(link_in(got).rsplit("/", 1)[1])
    kinds = [(kind, detail.split(":")[0]) for kind, _, detail in events(database)]
    assert kinds == [("SEND_FAILED", "invitation, attempt 1"), ("SENT", "invitation")]


def test_failed_after_the_last_attempt_then_retried_with_a_new_link(database: Database) -> None:
    ident = seed(database, "dan")
    with mail_server(answers=["451 4.7.1 Greylisted"] * 3) as server:
        later = NOW + timedelta(hours=5)
        box = outbox(database, server, max_attempts=3, clock=lambda: later)
        at = NOW
        for _ in range(3):
            box.send_due(at)
            at += timedelta(hours=1)
        failed = row(database, ident)
        assert (failed.status, failed.attempts, failed.next_attempt_at) == ("FAILED", 3, None)
        assert box.send_due(at) == 0  # a FAILED mail waits for an operator
        (shown,) = box.list(status=MailStatus.FAILED)
        assert shown.last_error is not None
        assert "451 4.7.1 Greylisted" in shown.last_error
        assert box.summary().count(MailStatus.FAILED) == 1
        box.retry(ident, actor="oscar@example.com")
        with pytest.raises(ConflictError, match="has not failed"):
            box.retry(ident, actor="oscar@example.com")
        assert box.send_due() == 1  # due at once, on the outbox's own clock
        (got,) = server.received
    sent = row(database, ident)
    assert sent.status == "SENT"
    assert sent.attempts == 1
    assert sent.token_hash == token_hash(link_in(got).rsplit("/", 1)[1])
    assert sent.token_hash != failed.token_hash  # the failed attempts' link is not this one
    assert [kind for kind, _, _ in events(database)] == [
        "SEND_FAILED", "SEND_FAILED", "SEND_FAILED", "RETRIED", "SENT"
    ]  # fmt: skip
    assert ("RETRIED", "oscar@example.com", "invitation") in events(database)


def test_a_permanent_refusal_fails_at_once(database: Database) -> None:
    ident = seed(database, "eve")
    with mail_server(answers=["550 5.1.1 No such user here"]) as server:
        outbox(database, server).send_due(NOW)
    failed = row(database, ident)
    assert failed.status == "FAILED"
    assert failed.last_error is not None
    assert "550 5.1.1 No such user here" in failed.last_error


def test_ended_or_expired_invitations_are_skipped(database: Database) -> None:
    revoked = seed(database, "fay", outcome="REVOKED")
    expired = seed(database, "gus", days=0.01)
    with mail_server() as server:
        assert outbox(database, server).send_due(NOW) == 0
        assert server.received == []
    assert row(database, revoked).status == row(database, expired).status == "SKIPPED"
    assert "revoked" in str(row(database, revoked).last_error)
    assert "expired" in str(row(database, expired).last_error)


def test_a_name_that_cannot_go_in_a_mail_fails_with_the_reason(database: Database) -> None:
    ident = seed(database, "hal", display="Hal\r\nBcc: everyone@example.com")
    with mail_server() as server:
        outbox(database, server).send_due(NOW)
        assert server.received == []
    failed = row(database, ident)
    assert failed.status == "FAILED"
    assert "control character" in str(failed.last_error)


def test_without_a_mail_server_nothing_is_lost(database: Database) -> None:
    ident = seed(database, "ida")
    box = outbox(database, None)
    assert box.send_due(NOW) == 0
    assert row(database, ident).status == "QUEUED"
    summary = box.summary()
    assert summary.problem is not None
    assert "Set SMTP_HOST" in summary.problem
    assert summary.count(MailStatus.QUEUED) == 1
    with pytest.raises(NotFoundError):
        box.retry(ident + 1000, actor="oscar@example.com")


def test_two_outboxes_on_one_database_never_send_a_mail_twice(
    database: Database, database_url: str
) -> None:
    ids = [seed(database, f"p{n:02d}") for n in range(24)]
    other = Database.open(database_url)
    try:
        with mail_server() as server:
            boxes = [outbox(database, server, batch=3), outbox(other, server, batch=3)]
            start = threading.Barrier(len(boxes))
            errors: list[BaseException] = []

            def drain(box: Outbox) -> None:
                start.wait()
                try:
                    for _ in range(40):
                        box.send_due(NOW)
                except BaseException as exc:  # reported below
                    errors.append(exc)

            threads = [threading.Thread(target=drain, args=(b,)) for b in boxes]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert not errors, errors
            recipients = [str(m["To"]) for m in server.received]
    finally:
        other.close()
    assert len(recipients) == len(ids) == len(set(recipients))
    assert {row(database, i).status for i in ids} == {"SENT"}
    with database.sessions() as session:
        assert session.scalar(select(Invitation.id).limit(1)) is not None
        sent = [e for e in session.scalars(select(InvitationEvent)) if e.kind == "SENT"]
    assert len(sent) == len(ids)
