"""The pending queue: read it by age group (bounded), and act on many of its items at once.

The read is capped per age group (``GROUP_CAP`` newest items each, with the group's exact
count), so a campaign that leaves thousands unfinished costs four bounded selects and one
count; the page says when a group holds more than it lists and the filters narrow it.

People invited by e-mail with no QR code issued since are rows of their invitation
(``dashboard.usecases.queue_invitations``), merged into the same age groups by when it was
sent; everyone else's row carries the state of their newest invitation.

Each action is one handler in ``Queue._handlers``, keyed by ``QueueAction``. Every item is
re-read before it is acted on, so an item someone else re-issued or that finished meanwhile
is skipped with a sentence rather than acted on twice; every change is recorded on each
enrolment and invitation it touched, with the operator.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.domain.queue import (
    AGE_LIMITS,
    INVITATION_KEY,
    QUEUED,
    ActionOutcome,
    ActionResult,
    AgeGroup,
    QueueAction,
    QueueFilter,
    QueueGroup,
    QueueItem,
    QueueSnapshot,
    issued_between,
    parse_key,
)
from dashboard.domain.statuses import ACTIVE, Status
from dashboard.errors import ApiAuthError, ApiError, ApiForbidden, ConsoleError, InputError
from dashboard.usecases import inputs
from dashboard.usecases import queue_invitations as invited
from dashboard.usecases.bulk import STOP_AFTER
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.invitations import Invitations
from dashboard.usecases.transactions import reading
from db import accounts as account_queries
from db import enrolments as enrolment_queries
from db import invitations as invitation_queries
from db import queue as queries

#: The most items listed per age group.
GROUP_CAP = 200
#: The most items one action takes.
MAX_BATCH = 1000
#: The most operators offered as a filter.
MAX_OPERATORS = 200
_STATUSES = tuple(s.value for s in QUEUED)

Handler = Callable[[QueueItem, str], ActionResult]


class Queue:
    """The pending queue's use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        enrolments: Enrolments,
        invitations: Invitations,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._enrolments = enrolments
        self._invitations = invitations
        self._clock = clock
        self._handlers: dict[QueueAction, Handler] = {
            QueueAction.REISSUE: self._reissue,
            QueueAction.CANCEL: self._cancel,
            QueueAction.INVITE: lambda item, who: invited.send(invitations, enrolments, item, who),
            QueueAction.REVOKE: lambda item, who: invited.revoke(
                invitations, enrolments, item, who
            ),
        }

    def snapshot(self, where: QueueFilter | None = None, *, cap: int = GROUP_CAP) -> QueueSnapshot:
        """The queue now, by age group (youngest first): each group's count and its newest
        ``cap`` items."""
        where = where or QueueFilter()
        now = self._clock()
        limit = max(1, min(cap, GROUP_CAP))
        edges = sorted(now - age for age in AGE_LIMITS.values())  # the oldest edge first
        with reading(self._sessions) as session:
            counts = queries.queue_counts(session, _where(where), edges)[::-1]  # youngest first
            sent = invitation_queries.queue_counts(session, invited.where(where), edges)[::-1]
            built = []
            for group, total, invites in zip(AgeGroup, counts, sent, strict=True):
                low, high = issued_between(group, now)
                rows = queries.queue_rows(session, _where(where, low, high), limit) if total else []
                listed = [_item(r) for r in rows]
                if invites:
                    listed += invited.items(session, invited.where(where, low, high), limit, now)
                listed.sort(key=lambda i: (i.issued_at, i.key), reverse=True)
                shown = invited.with_invitations(session, listed[:limit], now)
                built.append(QueueGroup(group, total + invites, tuple(shown)))
        return QueueSnapshot(now, tuple(built))

    def operators(self) -> list[str]:
        """Who issued the items in the queue, by name (for the filter)."""
        with reading(self._sessions) as session:
            names = queries.queue_operators(session, _STATUSES, MAX_OPERATORS)
            names += invited.operators(session, MAX_OPERATORS)
        return sorted(set(names))[:MAX_OPERATORS]

    def act(
        self, action: QueueAction, keys: Collection[int | str], *, actor: str
    ) -> list[ActionResult]:
        """Take ``action`` on each item (by its key, ``QueueItem.key``, or its enrolment id,
        in the order given), recording the operator ``actor`` on every enrolment and
        invitation it touches. Items no longer in the queue are skipped; when the API refuses
        the console's credentials, or fails ``STOP_AFTER`` times in a row, the items after are
        not attempted (failed, with the reason)."""
        who = inputs.actor(actor)
        ids = list(dict.fromkeys(_parsed(k) for k in keys))
        if not ids:
            raise InputError("Select at least one item of the queue.")
        if len(ids) > MAX_BATCH:
            raise InputError(f"One action takes at most {MAX_BATCH} items; select fewer.")
        handler = self._handlers[QueueAction(action)]
        results: list[ActionResult] = []
        in_a_row = 0
        for at, ident in enumerate(ids):
            item = self._current(ident)
            if isinstance(item, ActionResult):
                results.append(item)
                continue
            try:
                results.append(handler(item, who))
                in_a_row = 0
            except ApiError as exc:
                results.append(_result(item, ActionOutcome.FAILED, str(exc)))
                in_a_row += 1
                # As a bulk run does: a refused credential stops at once, an outage soon.
                if isinstance(exc, ApiAuthError | ApiForbidden) or in_a_row >= STOP_AFTER:
                    stopped = "Not attempted: the service failed on the items before."
                    results.extend(_missed(key, stopped) for key in ids[at + 1 :])
                    break
            except ConsoleError as exc:
                results.append(_result(item, ActionOutcome.FAILED, str(exc)))
        return results

    # --- the actions ----------------------------------------------------------------------

    def _reissue(self, item: QueueItem, who: str) -> ActionResult:
        if item.enrolment_id is None:
            return invited.not_invitable(item, "re-issue")
        made = self._enrolments.issue(item.account_id, actor=who, campaign_id=item.campaign_id)
        if item.status not in ACTIVE:  # an active one was superseded, with an event, by issue
            detail = f"Re-issued from the pending queue: new QR code #{made.id}."
            self._enrolments.note(item.enrolment_id, detail, actor=who)
        message = f"New QR code #{made.id} issued."
        return _result(item, ActionOutcome.DONE, message, made.id)

    def _cancel(self, item: QueueItem, who: str) -> ActionResult:
        if item.enrolment_id is None or item.status is None:
            return invited.not_invitable(item, "cancel")
        if item.status not in ACTIVE:
            shown = item.status.value.lower()
            message = f"Already {shown}: there is nothing to cancel (re-issue it instead)."
            return _result(item, ActionOutcome.SKIPPED, message)
        self._enrolments.cancel(item.enrolment_id, actor=who)
        return _result(item, ActionOutcome.DONE, "Cancelled.")

    def _current(self, key: tuple[str, int]) -> QueueItem | ActionResult:
        """The item as it stands now, or why it is no longer in the queue."""
        kind, ident = key
        with reading(self._sessions) as session:
            if kind == INVITATION_KEY:
                return invited.current(session, ident, self._clock())
            row = enrolment_queries.get_enrolment(session, ident)
            if row is None:
                return _missed(key, f"There is no enrolment #{ident}.")
            account = account_queries.get_account(session, row.account_id)
            newest = account_queries.latest_enrolment_of(session, row.account_id)
            assert account is not None  # an enrolment's account is deleted with it
            item = QueueItem(
                row.id,
                row.account_id,
                account.username,
                account.display_name,
                account.email,
                Status(row.status),
                row.issued_at,
                row.expires_at,
                row.issued_by,
                row.campaign_id,
            )
            item = invited.with_invitations(session, [item], self._clock())[0]
        if newest is not None and newest[0] != row.id:
            message = f"Skipped: a newer QR code (#{newest[0]}) was issued since."
            return _result(item, ActionOutcome.SKIPPED, message)
        if item.status not in QUEUED:
            message = f"Skipped: it is {Status(row.status).value.lower()} now."
            return _result(item, ActionOutcome.SKIPPED, message)
        return item


def _where(
    where: QueueFilter, low: datetime | None = None, high: datetime | None = None
) -> queries.QueueWhere:
    return queries.QueueWhere(_STATUSES, where.issued_by.strip(), where.campaign_id, low, high)


def _item(row: queries.QueueRow) -> QueueItem:
    return QueueItem(
        row.id,
        row.account_id,
        row.username,
        row.display_name,
        row.email,
        Status(row.status),
        row.issued_at,
        row.expires_at,
        row.issued_by,
        row.campaign_id,
    )


def _result(
    item: QueueItem, outcome: ActionOutcome, message: str, new_id: int | None = None
) -> ActionResult:
    invitation = item.invitation_id if item.enrolment_id is None else None
    return ActionResult(item.enrolment_id, item.username, outcome, message, new_id, invitation)


def _missed(key: tuple[str, int], message: str) -> ActionResult:
    kind, ident = key
    if kind == INVITATION_KEY:
        return ActionResult(None, "", ActionOutcome.FAILED, message, invitation_id=ident)
    return ActionResult(ident, "", ActionOutcome.FAILED, message)


def _parsed(key: int | str) -> tuple[str, int]:
    parsed = parse_key(key)
    if parsed is None:
        raise InputError(f"{str(key)[:40]!r} is not an item of the queue.")
    return parsed
