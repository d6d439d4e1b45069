"""The Pending queue page as plain data: the actions a role may take, each age group's title
and table, the confirmation's sentence and what an action did. No Streamlit here.

``ACTIONS`` lists the bulk actions in the order their buttons stand; one that is added to
``dashboard.domain.queue.QueueAction`` (and handled by the use-case) is one more entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from dashboard.domain.queue import (
    ACTION_PERMISSIONS,
    ActionOutcome,
    ActionResult,
    AgeGroup,
    QueueAction,
    QueueFilter,
    QueueGroup,
    QueueItem,
    QueueSnapshot,
)
from dashboard.domain.roles import Permission
from dashboard.views.invitations import state_label
from dashboard.views.looks import look

INTRO = (
    "Everyone whose enrolment is unfinished: waiting for the phone (pending, scanned), ended "
    "without an enrolment (expired, declined, failed) and not re-issued since, or invited by "
    "e-mail with no QR code yet (not opened, opened, or expired and not re-sent). Grouped by "
    "how long ago their current QR code or invitation was issued."
)
VIEW_ONLY = "Your role can look at the queue; acting on it needs the operator role."
ANY_OPERATOR = "Any operator"
GROUP_LABELS: dict[AgeGroup, str] = {
    AgeGroup.UNDER_15_MIN: "Under 15 minutes",
    AgeGroup.UNDER_1_H: "Under an hour",
    AgeGroup.UNDER_1_DAY: "Under a day",
    AgeGroup.OLDER: "Older",
}


@dataclass(frozen=True)
class ActionLook:
    """A bulk action's button, and what its confirmation asks."""

    action: QueueAction
    label: str
    icon: str
    question: str
    """The confirmation's question, with ``{n}`` for how many items are selected."""
    kind: Literal["primary", "secondary"] = "secondary"

    @property
    def permission(self) -> Permission:
        return ACTION_PERMISSIONS[self.action]


ACTIONS: tuple[ActionLook, ...] = (
    ActionLook(
        QueueAction.REISSUE,
        "Re-issue",
        ":material/refresh:",
        "Issue a new QR code to {n} person(s)? A waiting code of theirs is replaced.",
        "primary",
    ),
    ActionLook(
        QueueAction.CANCEL,
        "Cancel",
        ":material/cancel:",
        "Cancel {n} enrolment(s)? Waiting codes stop being watched; ended ones are skipped.",
    ),
    ActionLook(
        QueueAction.INVITE,
        "Send / re-send invitation",
        ":material/forward_to_inbox:",
        "E-mail an invitation to {n} person(s)? A live invitation of theirs is replaced; "
        "people without an address or already enrolled are skipped.",
    ),
    ActionLook(
        QueueAction.REVOKE,
        "Revoke invitation",
        ":material/link_off:",
        "Revoke the invitation of {n} person(s)? Their links stop working at once.",
    ),
)


def permitted(may: Callable[[Permission], bool]) -> list[ActionLook]:
    """The actions whose permission the role has, in button order."""
    return [a for a in ACTIONS if may(a.permission)]


def action_look(action: QueueAction) -> ActionLook:
    """The look of ``action``."""
    return next(a for a in ACTIONS if a.action is action)


def operator_choices(operators: Iterable[str]) -> dict[str, str]:
    """The operator filter's choices by value, "any" first."""
    return {"": ANY_OPERATOR, **{name: name for name in operators}}


def query(issued_by: str | None, campaign_id: int | None) -> QueueFilter:
    """The filter for the widgets' values."""
    return QueueFilter(issued_by or "", campaign_id)


def summary(snapshot: QueueSnapshot) -> str:
    """How many are in the queue."""
    if not snapshot.total:
        return "Nothing is unfinished: the queue is empty."
    return f"{snapshot.total} person(s) unfinished."


def group_title(group: QueueGroup) -> str:
    """An age group's heading, with its count."""
    return f"{GROUP_LABELS[group.group]} · {group.total}"


def capped_caption(group: QueueGroup) -> str | None:
    """What to say when a group lists only its newest items."""
    if not group.capped:
        return None
    return (
        f"The newest {len(group.items)} of {group.total} are listed; narrow the filters "
        "(operator, campaign) to reach the others."
    )


def age(value: timedelta) -> str:
    """A coarse age: minutes, hours and minutes, or days and hours."""
    minutes = max(0, int(value.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def rows(
    items: Iterable[QueueItem], now: datetime, campaigns: Mapping[int, str]
) -> list[dict[str, Any]]:
    """One table row per item."""
    return [
        {
            "#": item.enrolment_id,
            "Username": item.username,
            "Display name": item.display_name or "",
            "E-mail": item.email or "",
            "Status": state_label(item.invitation)
            if item.status is None
            else look(item.status).label,
            "Invitation": _invitation(item),
            "Age": age(now - item.issued_at),
            "Issued": item.issued_at,
            "Expires": item.expires_at,
            "Issued by": item.issued_by,
            "Campaign": "" if item.campaign_id is None else campaigns.get(item.campaign_id, ""),
        }
        for item in items
    ]


def _invitation(item: QueueItem) -> str:
    if item.invitation is None:
        return ""
    return f"#{item.invitation_id} · {state_label(item.invitation)}"


def picked(group: QueueGroup, selected_rows: Sequence[int]) -> list[str]:
    """The keys (``QueueItem.key``) of a group's selected table rows."""
    return [group.items[i].key for i in selected_rows if 0 <= i < len(group.items)]


def question(shown: ActionLook, count: int) -> str:
    """The confirmation's question for ``count`` selected items."""
    return shown.question.format(n=count)


def named(keys: Sequence[int | str], snapshot: QueueSnapshot, most: int = 20) -> list[str]:
    """Who the selected items are (``most`` of them, then how many more), for the dialog: an
    enrolment's row as ``#<id> <username>``, an invitation's as ``invitation #<id> ...``."""
    by_key = {i.key: i for i in snapshot.items}
    shown = []
    for key in keys[:most]:
        item = by_key.get(key if isinstance(key, str) else f"e{key}")
        if item is None:
            shown.append(f"#{key}")
        elif item.enrolment_id is None:
            shown.append(f"invitation #{item.invitation_id} {item.username}")
        else:
            shown.append(f"#{item.enrolment_id} {item.username}")
    if len(keys) > most:
        shown.append(f"… and {len(keys) - most} more")
    return shown


def tally(results: Sequence[ActionResult]) -> tuple[Literal["success", "warning"], str]:
    """The box kind and the sentence for what one action did."""
    counts = {o: sum(r.outcome is o for r in results) for o in ActionOutcome}
    text = (
        f"{counts[ActionOutcome.DONE]} done, {counts[ActionOutcome.SKIPPED]} skipped, "
        f"{counts[ActionOutcome.FAILED]} failed."
    )
    clean = counts[ActionOutcome.DONE] == len(results)
    return ("success" if clean else "warning"), text


def result_rows(results: Iterable[ActionResult]) -> list[dict[str, Any]]:
    """One row per item an action took."""
    return [
        {
            "#": r.enrolment_id,
            "Invitation": r.invitation_id,
            "Username": r.username,
            "Outcome": r.outcome.value,
            "Message": r.message,
            "New #": r.new_enrolment_id,
        }
        for r in results
    ]
