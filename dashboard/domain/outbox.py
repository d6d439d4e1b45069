"""The outbox of invitation mails: a mail's statuses, its retry schedule, and the records the
Outbox page shows (the outbox's mails, its counts, and the demo catcher's messages).

A mail is QUEUED until a mailer claims it (SENDING, for a lease), then SENT; a failed attempt
puts it back to QUEUED with ``next_attempt_at`` pushed out exponentially, and after
``MAX_ATTEMPTS`` it is FAILED until an operator retries it. A mail whose invitation ended or
expired before it went is SKIPPED (never sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

#: Attempts before a mail is FAILED.
MAX_ATTEMPTS = 5
#: The wait after the first failed attempt; each further failure doubles it.
BASE_BACKOFF = timedelta(seconds=30)
#: The longest wait between two attempts.
MAX_BACKOFF = timedelta(hours=1)


class MailStatus(StrEnum):
    """Where a mail of the outbox is (``mails.status``)."""

    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


def backoff(attempts: int, base: timedelta = BASE_BACKOFF) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: base, 2·base, 4·base…
    capped at ``MAX_BACKOFF``."""
    factor: int = 2 ** max(0, min(attempts - 1, 20))
    return min(base * factor, MAX_BACKOFF)


def step_label(step: int) -> str:
    """What a mail of ``step`` is: "invitation" (step 0) or "reminder n" (the event detail)."""
    return "invitation" if step == 0 else f"reminder {step}"


@dataclass(frozen=True)
class OutboxMail:
    """One mail of the outbox, as the page lists it."""

    id: int
    invitation_id: int
    step: int
    to_address: str
    username: str
    subject: str | None
    status: MailStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True)
class OutboxSummary:
    """How many mails are in each status, and why none can go, if that is so."""

    counts: Mapping[MailStatus, int] = field(default_factory=dict)
    problem: str | None = None

    def count(self, status: MailStatus) -> int:
        """The number of mails in ``status``."""
        return self.counts.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CaughtMail:
    """One message the demo mail catcher received (newest first on the page). ``link`` is the
    invitation link found in it, if any; it and the parts holding it stay out of the repr."""

    key: str
    to: str
    subject: str
    date: datetime | None
    text: str = field(repr=False)
    html: str | None = field(repr=False)
    link: str | None = field(default=None, repr=False)
