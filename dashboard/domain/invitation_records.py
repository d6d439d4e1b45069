"""The records the invitation use-cases answer with: what an invite did for each account, an
invitation as pages show it, one step of a merged timeline, and the rule that merges one.

An enrolment's timeline is its invitation's steps (sent, opened, QR issued, ...) and the
enrolment's own changes (scanned, enrolled, ...) in one list, oldest first. Plain data, no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dashboard.domain.invitations import InvitationState


class SkipReason(StrEnum):
    """Why an account was not invited."""

    NO_ADDRESS = "no e-mail address"
    BAD_ADDRESS = "the e-mail address is not usable"
    ENROLLED = "already enrolled"
    UNKNOWN = "account unknown"


@dataclass(frozen=True)
class Invited:
    """An account that got an invitation (queued for the mailer)."""

    account_id: uuid.UUID
    username: str
    email: str
    invitation_id: int
    superseded_id: int | None = None
    """The account's live invitation this one replaced, if it had one."""


@dataclass(frozen=True)
class Skipped:
    """An account that got no invitation, and why (``detail``: the sentence, if more is
    to say than the reason)."""

    account: str
    """The username, or the id as given when there is no such account."""
    reason: SkipReason
    detail: str = ""

    @property
    def sentence(self) -> str:
        """The reason as a person reads it."""
        return self.detail or self.reason.value.capitalize() + "."


@dataclass(frozen=True)
class InviteReport:
    """What one invite did: the accounts invited and those skipped, in the order asked."""

    invited: tuple[Invited, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class InvitationView:
    """An invitation as pages show it, with its state at ``state``'s reading."""

    id: int
    account_id: uuid.UUID
    email: str
    language: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    opened_at: datetime | None
    campaign_id: int | None
    state: InvitationState

    @property
    def live(self) -> bool:
        """Whether its link still works (invited or opened, not expired)."""
        return self.state in (InvitationState.INVITED, InvitationState.OPENED)


@dataclass(frozen=True)
class RevokeResult:
    """What a revoke did to one invitation: ``done`` or not, and the sentence."""

    invitation_id: int
    username: str
    done: bool
    message: str


class StepSource(StrEnum):
    """Where a timeline step comes from."""

    INVITATION = "invitation"
    ENROLMENT = "enrolment"


@dataclass(frozen=True)
class TimelineStep:
    """One line of a merged timeline. ``step`` is the invitation event's kind (SENT,
    OPENED, ...) or the enrolment's new status (PENDING, SCANNED, ...); ``from_status`` is
    the enrolment's status before, for an enrolment's step."""

    at: datetime
    source: StepSource
    step: str
    actor: str
    detail: str
    invitation_id: int | None = None
    enrolment_id: int | None = None
    from_status: str | None = None


def merged(*sources: Iterable[TimelineStep]) -> list[TimelineStep]:
    """The steps of every source (each oldest first) in one list, oldest first; at one
    moment the earlier source's steps come first (the invitation's before what it caused)."""
    keyed = [
        ((step.at, rank, n), step)
        for rank, source in enumerate(sources)
        for n, step in enumerate(source)
    ]
    return [step for _, step in sorted(keyed, key=lambda pair: pair[0])]
