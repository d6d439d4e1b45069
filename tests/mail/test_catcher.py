"""The demo mail catcher: a real SMTP server on loopback keeping a Maildir, read back newest
first with both parts and the invitation link, and its log free of the links' tokens."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from dashboard.domain.invitation_mail import message, render
from dashboard.mail.catcher import MailCatcher, read_maildir
from dashboard.mail.smtp import SmtpSender

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TOKEN = "T" * 43


def invitation(name: str, step: int = 0) -> EmailMessage:
    link = f"http://127.0.0.1:8601/i/{TOKEN[:-2]}{step:02d}"
    mail = render(
        name=name, link=link, expires_at=NOW + timedelta(days=7), step=step, language="en"
    )
    return message(
        mail, sender="Console <no-reply@localhost>", to=f"{name}@example.com", name=name, now=NOW
    )


def test_it_keeps_what_it_receives_newest_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    catcher = MailCatcher(tmp_path / "data" / "mail").start()
    try:
        assert catcher.running
        assert catcher.port > 0
        sender = SmtpSender(catcher.smtp_settings("Console <no-reply@localhost>"))
        assert sender.where == f"127.0.0.1:{catcher.port}"
        for step, name in enumerate(["ann", "bob", "cat"]):
            sender.send(invitation(name, step))
        caught = catcher.caught()
    finally:
        catcher.stop()
    assert not catcher.running
    assert [m.to for m in caught] == [
        "cat <cat@example.com>", "bob <bob@example.com>", "ann <ann@example.com>"
    ]  # fmt: skip
    newest = caught[0]
    assert newest.subject == "Reminder: cat, enrol your phone for sign-in"
    assert newest.link == f"http://127.0.0.1:8601/i/{TOKEN[:-2]}02"
    assert newest.link in newest.text
    assert newest.html is not None
    assert newest.link in newest.html
    assert newest.date == NOW
    assert newest.link not in repr(newest)
    assert TOKEN[:-2] not in caplog.text  # aiosmtpd's DEBUG lines of DATA are kept out
    assert read_maildir(tmp_path / "data" / "mail", limit=1) == caught[:1]


def test_a_message_from_elsewhere_reads_safely(tmp_path: Path) -> None:
    """Anyone on the machine can send to the catcher: a bare text mail, no link, reads."""
    catcher = MailCatcher(tmp_path / "mail").start()
    try:
        with smtplib.SMTP(catcher.host, catcher.port, timeout=5) as smtp:
            smtp.sendmail("x@localhost", ["y@localhost"], b"Subject: hi\r\n\r\nno link here\r\n")
        (got,) = catcher.caught()
    finally:
        catcher.stop()
    assert (got.subject, got.link, got.html) == ("hi", None, None)
    assert got.text.strip() == "no link here"
    assert got.date is None


def test_an_empty_or_missing_maildir_reads_as_nothing(tmp_path: Path) -> None:
    assert read_maildir(tmp_path / "nowhere") == []
