"""The invitation mail: its words in English and Dutch, a reminder's subject, every value escaped
in HTML, a long or right-to-left name shortened and isolated, and header injection refused."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from dashboard.domain.invitation_mail import (
    BODY_NAME,
    SUBJECT_NAME,
    message,
    render,
    sender_address,
)
from dashboard.errors import ConfigError, InputError

LINK = "https://enrol.example.com/i/" + "x" * 43
EXPIRES = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
SENDER = "Enrolment console <no-reply@example.com>"


def parsed(msg: EmailMessage) -> EmailMessage:
    """The message as a mail client gets it: its bytes, parsed again."""
    back = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(back, EmailMessage)
    return back


def parts(msg: EmailMessage) -> tuple[str, str]:
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(rich, EmailMessage)
    return plain.get_content(), rich.get_content()


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "Ann, enrol your phone for sign-in", "The link works until 8 December 2026, 14:30"),
        ("nl", "Ann, registreer je telefoon om in te loggen", "De link werkt tot 8 december 2026"),
        ("xx", "Ann, enrol your phone for sign-in", "Hello Ann"),  # unknown: the default
    ],
)
def test_an_invitation_in_its_language(language: str, subject: str, words: str) -> None:
    mail = render(name="Ann", link=LINK, expires_at=EXPIRES, step=0, language=language)
    got = parsed(message(mail, sender=SENDER, to="ann@example.com", name="Ann", now=NOW))
    text, rich = parts(got)
    assert got["Subject"] == subject == mail.subject
    assert words in text
    assert LINK in text
    assert f'href="{LINK}"' in rich
    assert f'lang="{mail.language}"' in rich
    assert got["Content-Language"] == mail.language
    assert got.get_content_type() == "multipart/alternative"
    assert got["From"] == SENDER
    assert got["To"] == "Ann <ann@example.com>"
    assert got["Message-ID"].endswith("@example.com>")
    assert got["Date"]


def test_a_reminder_says_so() -> None:
    en = render(name="Ann", link=LINK, expires_at=EXPIRES, step=2, language="en")
    nl = render(name="Ann", link=LINK, expires_at=EXPIRES, step=1, language="nl")
    assert en.subject.startswith("Reminder: ")
    assert "A reminder" in en.text
    assert nl.subject.startswith("Herinnering: ")
    assert "Een herinnering" in nl.text


def test_the_link_is_not_in_the_repr() -> None:
    mail = render(name="Ann", link=LINK, expires_at=EXPIRES, step=0, language="en")
    assert LINK not in repr(mail)
    assert "x" * 43 not in repr(mail)


def test_markup_in_a_name_is_escaped_in_html() -> None:
    name = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    mail = render(name=name, link=LINK, expires_at=EXPIRES, step=0, language="en")
    assert "<script" not in mail.html
    assert "<img" not in mail.html
    assert html.escape(name) in mail.html
    assert name in mail.text  # plain text shows it as typed


def test_a_very_long_name_is_shortened() -> None:
    name = "N" * 10_000
    mail = render(name=name, link=LINK, expires_at=EXPIRES, step=0, language="en")
    got = parsed(message(mail, sender=SENDER, to="n@example.com", name=name, now=NOW))
    assert "N" * SUBJECT_NAME not in got["Subject"]
    assert "N" * (SUBJECT_NAME - 1) in got["Subject"]
    assert "…" in got["Subject"]
    assert len(str(got["To"])) < 100
    assert "N" * BODY_NAME not in mail.html
    assert "N" * (BODY_NAME - 1) + "…" in mail.html
    assert "overflow-wrap:anywhere" in mail.html
    assert len(mail.text) < 1000
    assert LINK in mail.text


def test_a_right_to_left_name_is_isolated() -> None:
    name = "\u202egnp.exe"  # a right-to-left override that would turn what follows around
    mail = render(name=name, link=LINK, expires_at=EXPIRES, step=0, language="en")
    assert f"\u2068{name}\u2069" in mail.subject
    assert f"\u2068{name}\u2069" in mail.text
    assert f'<bdi dir="auto">{name}</bdi>' in mail.html
    hebrew = render(name="דנה", link=LINK, expires_at=EXPIRES, step=0, language="en")
    assert "\u2068דנה\u2069" in hebrew.subject
    plain = render(name="Ann", link=LINK, expires_at=EXPIRES, step=0, language="en")
    assert "\u2068" not in plain.subject  # isolates only where they matter


@pytest.mark.parametrize("bad", ["Ann\r\nBcc: all@example.com", "Ann\nX", "A\x00nn", "A\u2028B"])
def test_a_name_that_would_inject_headers_is_refused(bad: str) -> None:
    with pytest.raises(InputError, match="control character"):
        render(name=bad, link=LINK, expires_at=EXPIRES, step=0, language="en")


@pytest.mark.parametrize("bad", ["ann@example.com\r\nBcc: x@example.com", "ann@exa\x00mple.com"])
def test_an_address_that_would_inject_headers_is_refused(bad: str) -> None:
    mail = render(name="Ann", link=LINK, expires_at=EXPIRES, step=0, language="en")
    with pytest.raises(InputError, match="control character"):
        message(mail, sender=SENDER, to=bad, name="Ann", now=NOW)


@pytest.mark.parametrize("bad", ["Console\r\n <x@example.com>", "no address", ""])
def test_a_bad_sender_names_the_setting(bad: str) -> None:
    with pytest.raises(ConfigError, match="SMTP_FROM_ADDRESS"):
        sender_address(bad)


def test_a_link_must_be_a_web_address() -> None:
    with pytest.raises(InputError, match="http"):
        render(name="Ann", link="javascript:alert(1)", expires_at=EXPIRES, step=0, language="en")
