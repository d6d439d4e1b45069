"""A real SMTP server for the mail tests (aiosmtpd on a free loopback port): it keeps what it
receives, answers DATA as scripted (``451`` first, say), and speaks STARTTLS or implicit TLS with
a certificate made for the test by its own CA (``cryptography``), with optional sign-in."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dashboard.mail.catcher import free_port

USER, PASSWORD = "mailer", "p@ss:w0rd/with#reserved%chars"


@dataclass
class Recorder:
    """The handler: keeps every accepted message; ``answers`` are given to DATA first, in
    order (``"451 4.3.0 Try again later"``), then every message is accepted."""

    answers: list[str] = field(default_factory=list)
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.answers:
            self.refused += 1
            return self.answers.pop(0)
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accepts ``USER`` with ``PASSWORD`` only."""
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@dataclass(frozen=True)
class Certificates:
    """A CA and a server certificate for 127.0.0.1 and localhost, as files."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA (verification on, as by default)."""
        return ssl.create_default_context(cafile=str(self.ca))


def make_certificates(folder: Path) -> Certificates:
    """A fresh CA and a server certificate signed by it, under ``folder``."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mail test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class MailServer:
    """A running server: where it listens and what it received."""

    host: str
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[EmailMessage]:
        return self.recorder.received


@contextmanager
def mail_server(
    *,
    answers: list[str] | None = None,
    starttls: Certificates | None = None,
    implicit_tls: Certificates | None = None,
    auth: bool = False,
) -> Iterator[MailServer]:
    """An SMTP server on a free loopback port until the block ends."""
    recorder = Recorder(answers=list(answers or []))
    options: dict[str, Any] = {"server_hostname": "mail.test.localhost"}
    if starttls is not None:
        options["tls_context"] = starttls.server_context()
        options["require_starttls"] = True
    if implicit_tls is not None:
        options["ssl_context"] = implicit_tls.server_context()
    if auth:
        options["authenticator"] = authenticator
        # Sign-in only after STARTTLS, as a real server wants; plain sign-in for the others.
        options["auth_require_tls"] = starttls is not None
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield MailServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()
