"""The SMTP sender against a real server on loopback (aiosmtpd): plain, STARTTLS and implicit
TLS with a certificate the test made, verification on; sign-in; and every failure a sentence
that names the server and never the password."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from pydantic import SecretStr

from dashboard.domain.invitation_mail import message, render
from dashboard.errors import MailError
from dashboard.mail.catcher import free_port
from dashboard.mail.smtp import SmtpSender
from dashboard.settings import SmtpSettings
from dashboard.settings_types import SmtpSecurity
from tests.support.mailserver import PASSWORD, USER, Certificates, mail_server, make_certificates

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LINK = "http://127.0.0.1:8601/i/" + "A" * 43


def invitation(to: str = "ann@example.com", language: str = "en") -> EmailMessage:
    mail = render(
        name="Ann", link=LINK, expires_at=NOW + timedelta(days=7), step=0, language=language
    )
    return message(mail, sender="Console <no-reply@example.com>", to=to, name="Ann", now=NOW)


def settings(
    port: int,
    security: SmtpSecurity = "none",
    *,
    user: str | None = None,
    password: str | None = None,
    host: str = "127.0.0.1",
) -> SmtpSettings:
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        password=SecretStr(password) if password is not None else None,
        timeout=5,
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


def test_a_plain_server_receives_both_parts() -> None:
    with mail_server() as server:
        SmtpSender(settings(server.port)).send(invitation())
        (got,) = server.received
    assert got["To"] == "Ann <ann@example.com>"
    assert got["Subject"] == "Ann, enrol your phone for sign-in"
    assert server.recorder.envelopes[0].rcpt_tos == ["ann@example.com"]
    plain, html = (got.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert plain is not None
    assert LINK in plain.get_content()
    assert html is not None
    assert f'href="{LINK}"' in html.get_content()


def test_starttls_with_sign_in(certs: Certificates) -> None:
    with mail_server(starttls=certs, auth=True) as server:
        sender = SmtpSender(
            settings(server.port, "starttls", user=USER, password=PASSWORD),
            context=certs.client_context(),
        )
        sender.send(invitation())
        assert len(server.received) == 1


def test_implicit_tls(certs: Certificates) -> None:
    with mail_server(implicit_tls=certs) as server:
        SmtpSender(settings(server.port, "tls"), context=certs.client_context()).send(invitation())
        assert len(server.received) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_unknown_certificate_is_refused_by_default(
    certs: Certificates, security: SmtpSecurity
) -> None:
    """Verification is on unless a test hands the sender its CA: the system's trust store does
    not know the test's CA."""
    tls = {"starttls": certs} if security == "starttls" else {"implicit_tls": certs}
    with mail_server(**tls) as server:  # type: ignore[arg-type]
        with pytest.raises(MailError, match="certificate") as caught:
            SmtpSender(settings(server.port, security)).send(invitation())
        assert not server.received
    assert f"127.0.0.1:{server.port}" in str(caught.value)


def test_starttls_not_offered_is_a_sentence() -> None:
    with mail_server() as server:
        with pytest.raises(MailError, match="does not offer STARTTLS"):
            SmtpSender(settings(server.port, "starttls")).send(invitation())
        assert not server.received


def test_a_wrong_password_names_the_user_not_the_password(certs: Certificates) -> None:
    wrong = PASSWORD + "-wrong"
    with mail_server(starttls=certs, auth=True) as server:
        sender = SmtpSender(
            settings(server.port, "starttls", user=USER, password=wrong),
            context=certs.client_context(),
        )
        with pytest.raises(MailError) as caught:
            sender.send(invitation())
        assert not server.received
    text = str(caught.value)
    assert "refused the sign-in" in text
    assert repr(USER) in text
    assert "535" in text
    assert wrong not in text
    assert PASSWORD not in text
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is not None
    assert wrong not in repr(sender)
    assert wrong not in repr(sender._settings)


def test_a_refused_connection_names_the_server() -> None:
    port = free_port()
    with pytest.raises(MailError, match=f"127.0.0.1:{port} refused the connection"):
        SmtpSender(settings(port)).send(invitation())


def test_a_temporary_answer_is_temporary_and_a_permanent_one_is_not() -> None:
    with mail_server(answers=["451 4.3.0 Try again later", "550 5.1.1 No such user"]) as server:
        sender = SmtpSender(settings(server.port))
        with pytest.raises(MailError, match=r"451 4\.3\.0 Try again later") as first:
            sender.send(invitation())
        with pytest.raises(MailError, match=r"550 5\.1\.1 No such user") as second:
            sender.send(invitation())
        sender.send(invitation())
        assert len(server.received) == 1
    assert first.value.temporary
    assert not second.value.temporary


def test_an_unresolvable_name_is_a_sentence() -> None:
    sender = SmtpSender(settings(25, host="no-such-host.invalid"))
    with pytest.raises(MailError, match="could not be resolved"):
        sender.send(invitation())


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        quick = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=0.3)
        with pytest.raises(MailError, match=r"did not answer within 0\.3 s"):
            SmtpSender(quick).send(invitation())
