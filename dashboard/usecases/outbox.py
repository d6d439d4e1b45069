"""The outbox: invitation mails go out from here, one claimed mail at a time.

``send_due`` (the mailer thread runs it every few seconds) claims the mails that are due
(``db.mails.claim_due``: a lease, so two processes never send one mail), and for each mints a
fresh token, stores only its hash (and the subject) and commits, renders the mail with the link
``<public url>/i/<token>`` and hands it to the SMTP server, then marks it SENT with a SENT event
("invitation" or "reminder n"). A failure keeps the sentence in ``last_error``, writes a
SEND_FAILED event and queues the mail again after a backoff; after ``MAX_ATTEMPTS`` (or at once
when the server refused it for good, or its name or address cannot go in a mail) it is FAILED,
shown on the Outbox page, where an operator may ``retry`` it. A retried mail gets a new token,
so the outbox never holds a working link, and the token is never logged. A mail whose
invitation ended or expired before it went is SKIPPED, not sent.

Without a sender (no ``SMTP_HOST`` outside demo mode) nothing is claimed: the mails wait QUEUED
and ``summary`` says what to set. Sending is at least once: a process that stops between the
server's answer and the SENT write leaves a lease that runs out, and the mail goes again.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import invitation_mail
from dashboard.domain.clock import utc_now
from dashboard.domain.invitations import new_token, token_hash
from dashboard.domain.outbox import (
    BASE_BACKOFF,
    MAX_ATTEMPTS,
    CaughtMail,
    MailStatus,
    OutboxMail,
    OutboxSummary,
    backoff,
    step_label,
)
from dashboard.errors import ConflictError, InputError, MailError, NotFoundError
from dashboard.usecases.transactions import reading, writing
from db import mails as queries

log = logging.getLogger(__name__)

#: Who the outbox's events are by.
MAILER_ACTOR = "mailer"
#: How long a claim holds a mail: well over a send's SMTP timeouts.
LEASE = timedelta(minutes=2)
BATCH = 20
LISTED = 200
#: How a skipped mail's invitation had ended (``Invitation.outcome``, or past its expiry).
_ENDED = {
    "ENROLLED": "used (the person enrolled)",
    "REVOKED": "revoked",
    "SUPERSEDED": "replaced by a newer one",
    "EXPIRED": "expired",
}


class MailSender(Protocol):
    """What sends a mail (``dashboard.mail.smtp.SmtpSender``)."""

    @property
    def from_address(self) -> str: ...

    def send(self, message: EmailMessage) -> None: ...


class Outbox:
    """The outbox's use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sender: MailSender | None,
        *,
        public_url: str,
        unavailable: str = "",
        inbox: Callable[[int], list[CaughtMail]] | None = None,
        clock: Callable[[], datetime] = utc_now,
        lease: timedelta = LEASE,
        base_backoff: timedelta = BASE_BACKOFF,
        max_attempts: int = MAX_ATTEMPTS,
        batch: int = BATCH,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._public_url = public_url.rstrip("/")
        self._unavailable = unavailable or (
            "Invitations cannot be sent: no mail server is configured. Set SMTP_HOST (and "
            "SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_PASSWORD, SMTP_FROM_ADDRESS as needed); "
            "until then the mails wait in the outbox."
        )
        self._inbox = inbox
        self._clock = clock
        self._lease = lease
        self._base_backoff = base_backoff
        self._max_attempts = max_attempts
        self._batch = batch

    def __repr__(self) -> str:
        return f"Outbox({self._sender!r}, public_url={self._public_url!r})"

    @property
    def can_send(self) -> bool:
        """Whether a mail server is configured."""
        return self._sender is not None

    @property
    def catching(self) -> bool:
        """Whether mails go to the demo mail catcher (``caught`` lists them)."""
        return self._inbox is not None

    def send_due(self, now: datetime | None = None) -> int:
        """Send the mails due at ``now`` (default: the clock); returns how many went."""
        if self._sender is None:
            return 0
        now = now or self._clock()
        with writing(self._sessions) as session:
            claimed = queries.claim_due(session, now, self._batch, now + self._lease)
        return sum(self._send(claim, now) for claim in claimed)

    def retry(self, mail_id: int, actor: str) -> None:
        """Queue a FAILED mail again for ``actor`` (it goes with a new link)."""
        now = self._clock()
        with writing(self._sessions) as session:
            found = queries.invitation_of(session, mail_id)
            if found is None:
                raise NotFoundError(f"There is no mail #{mail_id} in the outbox.")
            if not queries.requeue(session, mail_id, now):
                raise ConflictError(
                    f"Mail #{mail_id} has not failed (it was retried or sent meanwhile)."
                )
            invitation_id, step = found
            queries.add_event(session, invitation_id, "RETRIED", now, actor, step_label(step))

    def list(
        self, limit: int = LISTED, *, status: MailStatus | None = None
    ) -> builtins.list[OutboxMail]:
        """The newest ``limit`` mails (of ``status``), newest first."""
        wanted = (status.value,) if status is not None else ()
        with reading(self._sessions) as session:
            found = queries.rows(session, max(1, min(limit, 1000)), statuses=wanted)
        return [OutboxMail(**{**vars(row), "status": MailStatus(row.status)}) for row in found]

    def summary(self) -> OutboxSummary:
        """The counts by status, and why nothing can be sent, if that is so."""
        with reading(self._sessions) as session:
            found = queries.counts(session)
        counts = {MailStatus(status): n for status, n in found.items()}
        return OutboxSummary(counts, None if self.can_send else self._unavailable)

    def caught(self, limit: int = 50) -> builtins.list[CaughtMail]:
        """What the demo mail catcher received, newest first (empty without a catcher)."""
        return [] if self._inbox is None else self._inbox(limit)

    # --- one mail ---------------------------------------------------------------------------

    def _send(self, claim: queries.Claimed, now: datetime) -> bool:
        assert self._sender is not None
        with reading(self._sessions) as session:
            mail = queries.context(session, claim.id)
        if mail is None:
            return False
        label = step_label(mail.step)
        if mail.outcome is not None or now >= mail.expires_at:
            why = _ENDED.get(mail.outcome or "EXPIRED", "ended")
            self._skip(claim, f"Not sent: the invitation was {why} first.")
            return False
        if claim.attempts > self._max_attempts:  # its process kept stopping mid-send
            self._failed(
                claim, mail.invitation_id, label, "A console stopped while sending it.", now
            )
            return False
        token = new_token()
        name = mail.display_name or mail.username
        try:
            rendered = invitation_mail.render(
                name=name,
                link=f"{self._public_url}/i/{token}",
                expires_at=mail.expires_at,
                step=mail.step,
                language=mail.language,
            )
            message = invitation_mail.message(
                rendered, sender=self._sender.from_address, to=mail.to_address, name=name, now=now
            )
        except InputError as exc:  # the name or address will not change by waiting
            self._failed(claim, mail.invitation_id, label, str(exc), now, final=True)
            return False
        with writing(self._sessions) as session:
            if not queries.set_token(session, claim, token_hash(token), rendered.subject):
                return False  # the lease ran out and another mailer has it
        try:
            self._sender.send(message)
        except MailError as exc:
            self._failed(claim, mail.invitation_id, label, str(exc), now, final=not exc.temporary)
            return False
        with writing(self._sessions) as session:
            if queries.finish(session, claim, MailStatus.SENT, sent_at=now):
                queries.add_event(session, mail.invitation_id, "SENT", now, MAILER_ACTOR, label)
        log.info("mail #%d (%s) sent", claim.id, label)
        return True

    def _failed(
        self, claim: queries.Claimed, invitation_id: int, label: str, error: str, now: datetime,
        *, final: bool = False,
    ) -> None:  # fmt: skip
        last = final or claim.attempts >= self._max_attempts
        detail = f"{label}, attempt {claim.attempts}: {error}"
        log.warning("mail #%d: %s", claim.id, detail)
        with writing(self._sessions) as session:
            held = queries.finish(
                session,
                claim,
                MailStatus.FAILED if last else MailStatus.QUEUED,
                error=error,
                next_attempt_at=None if last else now + backoff(claim.attempts, self._base_backoff),
            )
            if held:
                queries.add_event(session, invitation_id, "SEND_FAILED", now, MAILER_ACTOR, detail)

    def _skip(self, claim: queries.Claimed, why: str) -> None:
        with writing(self._sessions) as session:
            queries.finish(session, claim, MailStatus.SKIPPED, error=why)
        log.info("mail #%d skipped: %s", claim.id, why)
