"""The demo mail catcher: an SMTP server on loopback (aiosmtpd) that keeps every mail it
receives in a Maildir, and the reader the Outbox page shows them with, newest first.

It stands in for the people's mailboxes in demo mode, so what it keeps is what they would
receive, working links included; it listens on loopback only and the Maildir lives under the
console's data folder.
"""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass, field
from email import message_from_binary_file, policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from dashboard.domain.outbox import CaughtMail
from dashboard.settings import SmtpSettings

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
#: The newest messages the reader returns by default.
SHOWN = 50
_LINK = re.compile(r"https?://[^\s<>\"']+/i/[A-Za-z0-9_-]{43}")
_ANY_LINK = re.compile(r"https?://[^\s<>\"']+")
_STARTS = 5


def free_port(host: str = LOOPBACK) -> int:
    """A port free on ``host`` right now (aiosmtpd cannot listen on port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class MailCatcher:
    """An SMTP server on loopback storing what it receives in ``maildir``."""

    maildir: Path
    host: str = LOOPBACK
    port: int = 0
    _controller: Controller | None = field(default=None, init=False, repr=False)

    def start(self) -> MailCatcher:
        """Listen (on ``port``, or a free one) until ``stop``; returns itself."""
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        # aiosmtpd logs every line of DATA at DEBUG: the links' tokens must not reach the log.
        logging.getLogger("mail.log").setLevel(logging.INFO)
        tries = 1 if self.port else _STARTS
        for attempt in range(tries):
            port = self.port or free_port(self.host)
            controller = Controller(
                Mailbox(self.maildir),
                hostname=self.host,
                port=port,
                server_hostname="mail-catcher.localhost",
                ready_timeout=10.0,
            )
            try:
                controller.start()
            except (OSError, RuntimeError):
                if attempt == tries - 1:
                    raise
                continue  # someone took the free port in between: pick another
            self._controller, self.port = controller, port
            log.info("mail catcher on %s:%d, Maildir %s", self.host, port, self.maildir)
            return self
        raise RuntimeError("unreachable")

    def stop(self) -> None:
        """Stop listening (the Maildir stays)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def smtp_settings(self, from_address: str) -> SmtpSettings:
        """The ``SMTP_*`` settings that send to this catcher (plain SMTP on loopback)."""
        return SmtpSettings(
            host=self.host, port=self.port, security="none", from_address=from_address
        )

    def caught(self, limit: int = SHOWN) -> list[CaughtMail]:
        """The newest ``limit`` messages received, newest first."""
        return read_maildir(self.maildir, limit)


def read_maildir(maildir: Path, limit: int = SHOWN) -> list[CaughtMail]:
    """The newest ``limit`` messages of ``maildir`` (its ``new`` and ``cur``), newest first."""
    files = []
    for folder in ("new", "cur"):
        where = maildir / folder
        if where.is_dir():
            for path in where.iterdir():
                try:
                    files.append((path.stat().st_mtime_ns, path.name, path))
                except FileNotFoundError:
                    continue  # moved or removed while listing
    files.sort(reverse=True)
    found = []
    for _, name, path in files[: max(0, limit)]:
        try:
            with path.open("rb") as handle:
                parsed = message_from_binary_file(handle, policy=policy.default)
        except FileNotFoundError:
            continue
        found.append(caught_mail(name, parsed))
    return found


def caught_mail(key: str, parsed: Message) -> CaughtMail:
    """The fields of one received message the page shows."""
    text = html = None
    if isinstance(parsed, EmailMessage):
        plain = parsed.get_body(preferencelist=("plain",))
        rich = parsed.get_body(preferencelist=("html",))
        text = _content(plain)
        html = _content(rich)
    try:
        date = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
    except (TypeError, ValueError):
        date = None
    body = text or ""
    match = _LINK.search(body) or _ANY_LINK.search(body)
    return CaughtMail(
        key=key,
        to=str(parsed["To"] or ""),
        subject=str(parsed["Subject"] or ""),
        date=date,
        text=body,
        html=html,
        link=match[0] if match else None,
    )


def _content(part: Message | None) -> str | None:
    if not isinstance(part, EmailMessage):
        return None
    try:
        value = part.get_content()
    except (LookupError, ValueError):
        return None
    return value if isinstance(value, str) else None
