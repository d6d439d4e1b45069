"""The pending queue: the people whose enrolment is unfinished, grouped by how long ago their
current QR code was issued, and the actions an operator takes on many of them at once.

A person is in the queue when their account's newest enrolment is still waiting (pending,
scanned) or ended without an enrolment and nothing was issued since (expired, declined,
failed). A cancelled one is not: an operator ended it on purpose. Superseded ones never are
(something newer exists). A person invited by e-mail with no QR code issued since is in it by
the invitation (invited, opened, or expired and not re-sent); a revoked one is not. One row per
person: their newest step, the QR code or the invitation. Plain data, no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from dashboard.domain.invitations import InvitationState
from dashboard.domain.roles import Permission
from dashboard.domain.statuses import Status

#: The statuses of a newest enrolment that keep a person in the queue.
QUEUED: tuple[Status, ...] = (
    Status.PENDING,
    Status.SCANNED,
    Status.EXPIRED,
    Status.DECLINED,
    Status.FAILED,
)


class AgeGroup(StrEnum):
    """How long ago the person's current QR code was issued."""

    UNDER_15_MIN = "under 15 min"
    UNDER_1_H = "under 1 h"
    UNDER_1_DAY = "under a day"
    OLDER = "older"


#: The upper bound of each group's age (exclusive); ``OLDER`` has none.
AGE_LIMITS: dict[AgeGroup, timedelta] = {
    AgeGroup.UNDER_15_MIN: timedelta(minutes=15),
    AgeGroup.UNDER_1_H: timedelta(hours=1),
    AgeGroup.UNDER_1_DAY: timedelta(days=1),
}


def age_group(age: timedelta) -> AgeGroup:
    """The group of an item issued ``age`` ago (a clock behind the database counts as new)."""
    return next((group for group, limit in AGE_LIMITS.items() if age < limit), AgeGroup.OLDER)


def issued_between(group: AgeGroup, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The ``issued_at`` range of ``group`` at ``now``: (after, exclusive; up to, inclusive),
    so an item is in the group ``age_group`` gives its age."""
    groups = list(AgeGroup)
    at = groups.index(group)
    upper = AGE_LIMITS.get(group)
    lower = AGE_LIMITS.get(groups[at - 1]) if at else None
    return (None if upper is None else now - upper, None if lower is None else now - lower)


class QueueAction(StrEnum):
    """What an operator may do to the selected items; each needs ``ACTION_PERMISSIONS``."""

    REISSUE = "re-issue"
    CANCEL = "cancel"
    INVITE = "send invitation"
    REVOKE = "revoke invitation"


ACTION_PERMISSIONS: dict[QueueAction, Permission] = {
    QueueAction.REISSUE: Permission.REISSUE,
    QueueAction.CANCEL: Permission.CANCEL,
    QueueAction.INVITE: Permission.INVITE,
    QueueAction.REVOKE: Permission.INVITE,
}


@dataclass(frozen=True)
class QueueFilter:
    """Which items to list: issued by this operator, in this campaign (empty: any)."""

    issued_by: str = ""
    campaign_id: int | None = None


@dataclass(frozen=True)
class QueueItem:
    """One person in the queue, by their newest enrolment, or by their invitation when no QR
    code was issued since it was sent (``enrolment_id`` and ``status`` None; ``issued_at``,
    ``expires_at`` and ``issued_by`` are then the invitation's). ``invitation`` is the state
    of the person's newest invitation, if they have one."""

    enrolment_id: int | None
    account_id: uuid.UUID
    username: str
    display_name: str | None
    email: str | None
    status: Status | None
    issued_at: datetime
    expires_at: datetime
    issued_by: str
    campaign_id: int | None
    invitation_id: int | None = None
    invitation: InvitationState | None = None

    @property
    def key(self) -> str:
        """The item's name in a selection: ``e<enrolment id>`` or ``i<invitation id>``."""
        if self.enrolment_id is not None:
            return f"{ENROLMENT_KEY}{self.enrolment_id}"
        return f"{INVITATION_KEY}{self.invitation_id}"


ENROLMENT_KEY = "e"
INVITATION_KEY = "i"


def parse_key(key: int | str) -> tuple[str, int] | None:
    """(kind, id) of an item's key (a plain number is an enrolment's id); None if malformed."""
    text = str(key).strip()
    kind = text[:1] if text[:1] in (ENROLMENT_KEY, INVITATION_KEY) else ENROLMENT_KEY
    digits = text[1:] if text[:1] in (ENROLMENT_KEY, INVITATION_KEY) else text
    return (kind, int(digits)) if digits.isdigit() else None


@dataclass(frozen=True)
class QueueGroup:
    """One age group: how many items it holds in all, and the newest of them (capped)."""

    group: AgeGroup
    total: int
    items: tuple[QueueItem, ...]

    @property
    def capped(self) -> bool:
        """Whether some of the group's items are not listed."""
        return self.total > len(self.items)


@dataclass(frozen=True)
class QueueSnapshot:
    """The queue at ``at``: every age group, youngest first, empty ones too."""

    at: datetime
    groups: tuple[QueueGroup, ...]

    @property
    def total(self) -> int:
        """Items in the queue (listed or not)."""
        return sum(g.total for g in self.groups)

    @property
    def items(self) -> tuple[QueueItem, ...]:
        """The listed items of every group, youngest group first."""
        return tuple(item for g in self.groups for item in g.items)


class ActionOutcome(StrEnum):
    """What one action did to one item."""

    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class ActionResult:
    """One item's result: its enrolment (None: an invitation's row), the person, what happened
    and the sentence; for a re-issue, the new enrolment's id; for an invitation's row or an
    invitation action, the invitation's id (the new one's, for a send)."""

    enrolment_id: int | None
    username: str
    outcome: ActionOutcome
    message: str
    new_enrolment_id: int | None = None
    invitation_id: int | None = None
