"""The console's only SMTP client: send one ``EmailMessage`` with the ``SMTP_*`` settings.

``security`` is ``starttls`` (plain connection upgraded with STARTTLS, refused when the server
does not offer it), ``tls`` (implicit TLS, ``SMTP_SSL``) or ``none``. The server's certificate
is verified against ``host`` with the system's trust store; a test passes an ``SSLContext``
that trusts its own CA instead, which is not a setting.

Every failure becomes one ``MailError`` sentence naming the host and the problem (refused
connection, timeout, sign-in, TLS, a 4xx or 5xx answer); the password never appears in it,
and an answer of the server that echoes it is masked. A failure is ``temporary`` unless the
server refused this mail for good (a 5xx answer to it): a setting fixed later, or a server back,
lets the mail go on its next attempt.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage

from dashboard.errors import MailError
from dashboard.settings import SmtpSettings

MASK = "***"
_REPLY_LIMIT = 200


class SmtpSender:
    """Sends mails through one SMTP server; safe to share (a connection per mail)."""

    def __init__(self, settings: SmtpSettings, *, context: ssl.SSLContext | None = None) -> None:
        if not settings.host:
            raise ValueError("SmtpSender needs SMTP_HOST")
        self._settings = settings
        self._host = settings.host
        self._port = settings.effective_port
        self._context = context

    @property
    def from_address(self) -> str:
        """The ``From`` of every mail (``SMTP_FROM_ADDRESS``)."""
        return self._settings.from_address

    @property
    def where(self) -> str:
        """``host:port``, as sentences name the server."""
        return f"{self._host}:{self._port}"

    def __repr__(self) -> str:
        return f"SmtpSender({self.where}, security={self._settings.security})"

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; ``MailError`` says why it did not take it."""
        try:
            self._send(message)
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"The mail server {self.where} refused the sign-in of SMTP_USER "
                f"{self._settings.user!r} ({self._reply(exc.smtp_code, exc.smtp_error)}); "
                "check SMTP_USER and SMTP_PASSWORD.",
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            (address, (code, reply)), *_ = exc.recipients.items()
            raise MailError(
                f"The mail server {self.where} refused the recipient {address} "
                f"({self._reply(code, reply)}).",
                temporary=400 <= code < 500,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(
                f"The mail server {self.where} answered "
                f"{self._reply(exc.smtp_code, exc.smtp_error)}.",
                temporary=400 <= exc.smtp_code < 500,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(
                f"The mail server {self.where} does not support what the mail needs ({exc}).",
                temporary=False,
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            if isinstance(exc.__context__, TimeoutError):  # how smtplib reports a read timeout
                raise self._timeout() from exc
            raise MailError(
                f"The mail server {self.where} closed the connection ({self._mask(str(exc))})."
            ) from exc
        except smtplib.SMTPException as exc:
            raise MailError(
                f"Sending through {self.where} failed ({type(exc).__name__}: "
                f"{self._mask(str(exc))})."
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailError(
                f"The certificate of the mail server {self.where} was not accepted "
                f"({exc.verify_message}); check SMTP_HOST is the name on its certificate."
            ) from exc
        except ssl.SSLError as exc:
            raise MailError(
                f"TLS with the mail server {self.where} failed ({exc.reason or exc}); check "
                "SMTP_SECURITY (starttls on 587, tls on 465) and SMTP_PORT."
            ) from exc
        except ConnectionRefusedError as exc:
            raise MailError(
                f"The mail server {self.where} refused the connection; check SMTP_HOST and "
                "SMTP_PORT, or whether the server is running."
            ) from exc
        except TimeoutError as exc:
            raise MailError(
                f"The mail server {self.where} did not answer within {self._settings.timeout:g} s."
            ) from exc
        except socket.gaierror as exc:
            raise MailError(
                f"The mail server's name {self._host!r} could not be resolved ({exc.strerror})."
            ) from exc
        except OSError as exc:
            raise MailError(
                f"The mail server {self.where} could not be reached "
                f"({exc.strerror or type(exc).__name__})."
            ) from exc

    def _send(self, message: EmailMessage) -> None:
        settings = self._settings
        context = self._context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(
                self._host, self._port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=settings.timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"The mail server {self.where} does not offer STARTTLS; set "
                        "SMTP_SECURITY=tls for implicit TLS (port 465), or none."
                    )
                smtp.starttls(context=context)
            if settings.user:
                password = settings.password.get_secret_value() if settings.password else ""
                smtp.login(settings.user, password)
            smtp.send_message(message)

    def _timeout(self) -> MailError:
        return MailError(
            f"The mail server {self.where} did not answer within {self._settings.timeout:g} s."
        )

    def _reply(self, code: int, reply: bytes | str) -> str:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"{code} {self._mask(text)}".strip()

    def _mask(self, text: str) -> str:
        """``text`` on one line, shortened, with the password masked should a server echo it."""
        password = self._settings.password
        secret = password.get_secret_value() if password is not None else ""
        masked = text.replace(secret, MASK) if secret else text
        return " ".join(masked.split())[:_REPLY_LIMIT]
