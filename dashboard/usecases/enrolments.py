"""The enrolment lifecycle: issue (and re-issue) QR codes, cancel, read, and apply statuses.

Issuing supersedes the account's active enrolment; statuses from the API go through the state
machine in ``dashboard.domain.statuses``; overdue enrolments expire on the local clock. Each
call opens its own short session, so one ``Enrolments`` serves every thread of a process;
SQLAlchemy errors come out as the console's own (``dashboard.usecases.transactions``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import iso, utc_now
from dashboard.domain.records import EnrolmentView, EventView
from dashboard.domain.statuses import ACTIVE, TERMINAL, Status, can_move, remote_target
from dashboard.errors import ConflictError, NotFoundError
from dashboard.omi.client import OmiClient
from dashboard.omi.records import RemoteStatus
from dashboard.usecases import inputs
from dashboard.usecases.transactions import reading, writing
from db import accounts, events
from db import enrolments as queries
from db.enrolments import EnrolmentRow
from db.models import API_STATUS_LENGTH, DEVICE_NAME_LENGTH, Enrolment, EnrolmentEvent

_LOCK_STRIPES = 64


class Enrolments:
    """The enrolment use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        omi: OmiClient,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._omi = omi
        self._clock = clock
        # Issuing for one account is serialised within the process, so the API's notion of the
        # account's current QR and the database's agree (the API supersedes in call order).
        self._issue_locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def issue(
        self, account_id: uuid.UUID | str, *, actor: str, campaign_id: int | None = None
    ) -> EnrolmentView:
        """Ask the API for a QR code and store a PENDING enrolment with it (in the campaign
        ``campaign_id``, if given); the account's active enrolment, if any, becomes SUPERSEDED
        (kept, with an event)."""
        who = inputs.actor(actor)
        ident = inputs.account_id(account_id)
        with self._issue_locks[hash(ident) % _LOCK_STRIPES]:
            with reading(self._sessions) as session:
                found = accounts.get_account(session, ident)
                if found is None:
                    raise NotFoundError(f"There is no account {ident}.")
                reference = found.reference  # the tenant's id, or the local UUID (older rows)
            qr = self._omi.enrol(reference)
            with writing(self._sessions) as session:
                account = accounts.get_account(session, ident, lock=True)
                if account is None:
                    raise NotFoundError(f"There is no account {ident}.")
                now = self._clock()
                old = queries.active_enrolments(session, ident, lock=True)
                for row in old:
                    self._move(session, row, Status.SUPERSEDED, who, "A new QR code was issued.")
                session.flush()
                row = queries.add_enrolment(
                    session,
                    Enrolment(
                        account_id=ident,
                        status=Status.PENDING.value,
                        issued_at=now,
                        expires_at=qr.expires_at,
                        updated_at=now,
                        issued_by=who,
                        qr_png=qr.png,
                        next_poll_at=now,
                        poll_failures=0,
                        campaign_id=campaign_id,
                    ),
                )
                detail = f"QR code issued; it expires at {iso(qr.expires_at)}."
                if old:
                    detail += " Supersedes " + ", ".join(f"#{o.id}" for o in old) + "."
                self._event(session, row, None, Status.PENDING, who, detail)
                return enrolment_view(row, account.username)

    def active(self, account_id: uuid.UUID | str) -> EnrolmentView | None:
        """The account's PENDING or SCANNED enrolment, if any."""
        with reading(self._sessions) as session:
            rows = queries.active_enrolments(session, inputs.account_id(account_id))
            return enrolment_view(rows[-1], rows[-1].account.username) if rows else None

    def latest(self, account_id: uuid.UUID | str) -> EnrolmentView | None:
        """The account's newest enrolment, whatever its status."""
        with reading(self._sessions) as session:
            row = queries.latest_enrolment(session, inputs.account_id(account_id))
            return None if row is None else enrolment_view(row, row.account.username)

    def get(self, enrolment_id: int) -> EnrolmentView:
        """The enrolment, or ``NotFoundError``."""
        with reading(self._sessions) as session:
            row = find(session, enrolment_id)
            return enrolment_view(row, row.account.username)

    def qr_png(self, enrolment_id: int) -> bytes | None:
        """The QR image while the enrolment is active and unexpired; None afterwards."""
        with reading(self._sessions) as session:
            row = find(session, enrolment_id)
            if Status(row.status) not in ACTIVE or row.expires_at <= self._clock():
                return None
            return row.qr_png

    def events(self, enrolment_id: int) -> list[EventView]:
        """The enrolment's history, oldest first."""
        with reading(self._sessions) as session:
            find(session, enrolment_id)
            return [
                EventView(e.at, e.from_status, e.to_status, e.actor, e.detail)
                for e in events.list_events(session, enrolment_id)
            ]

    def cancel(self, enrolment_id: int, *, actor: str) -> EnrolmentView:
        """Cancel an active enrolment; ``ConflictError`` when it has already finished.

        The API has no cancel call: the QR code itself stays valid at the service until it
        expires, but the console no longer polls it and records the enrolment as cancelled.
        """
        who = inputs.actor(actor)
        with writing(self._sessions) as session:
            row = find(session, enrolment_id, lock=True)
            current = Status(row.status)
            if current in TERMINAL:
                raise ConflictError(
                    f"Enrolment #{row.id} is already {current.value.lower()}; "
                    "only a pending or scanned enrolment can be cancelled."
                )
            self._move(session, row, Status.CANCELLED, who, "Cancelled by an operator.")
            return enrolment_view(row, row.account.username)

    def note(self, enrolment_id: int, detail: str, *, actor: str) -> None:
        """Record an operator's action on the enrolment's timeline, its status unchanged (a
        re-issue from the pending queue of one that had ended, say)."""
        who = inputs.actor(actor)
        with writing(self._sessions) as session:
            row = find(session, enrolment_id, lock=True)
            current = Status(row.status)
            self._event(session, row, current, current, who, detail)

    def apply_status(
        self, enrolment_id: int, remote: RemoteStatus, *, actor: str = "poller"
    ) -> EnrolmentView:
        """Record a status from the API: legal transitions move the enrolment (with an event),
        anything else keeps its state; an unknown or refused value is stored in ``api_status``
        and gets an event the first time it is seen. A finished enrolment never changes."""
        who = inputs.actor(actor)
        with writing(self._sessions) as session:
            row = find(session, enrolment_id, lock=True)
            current = Status(row.status)
            if current in TERMINAL:
                return enrolment_view(row, row.account.username)
            now = self._clock()
            value = remote.value.strip()[:API_STATUS_LENGTH]
            first_time = value != row.api_status
            row.api_status = value
            row.last_polled_at = now
            row.poll_failures = 0
            row.last_error = None
            if remote.device_name:
                row.device_name = remote.device_name[:DEVICE_NAME_LENGTH]
            target = remote_target(value, remote.outcome)
            if target is None:
                if first_time:
                    detail = f"The service reported an unknown status {value!r}; kept {current}."
                    self._event(session, row, current, current, who, detail)
            elif target is not current:
                if can_move(current, target):
                    detail = f"The service reported {value!r}."
                    if target is Status.ENROLLED and row.device_name:
                        detail += f" Device: {row.device_name}."
                    self._move(session, row, target, who, detail)
                elif first_time:
                    detail = (
                        f"The service reported {value!r}, but {current} → {target} "
                        f"is not a legal change; kept {current}."
                    )
                    self._event(session, row, current, current, who, detail)
            return enrolment_view(row, row.account.username)

    def expire_overdue(self, grace: timedelta = timedelta(0)) -> int:
        """Mark active enrolments whose QR code expired more than ``grace`` ago as EXPIRED
        (no API call needed). The poller gives a grace: a phone may enrol in the code's last
        second, and until the service answers the console cannot know."""
        with writing(self._sessions) as session:
            rows = queries.overdue_enrolments(session, self._clock() - grace)
            for row in rows:
                detail = f"The QR code expired at {iso(row.expires_at)} without an enrolment."
                self._move(session, row, Status.EXPIRED, "expiry", detail)
            return len(rows)

    def _move(
        self, session: Session, row: Enrolment, target: Status, actor: str, detail: str
    ) -> None:
        current = Status(row.status)
        if not can_move(current, target):
            raise ConflictError(f"Enrolment #{row.id} cannot go from {current} to {target}.")
        now = self._clock()
        row.status = target.value
        row.updated_at = now
        if target in TERMINAL:
            row.finished_at = now
            row.qr_png = None
            row.next_poll_at = None
        self._event(session, row, current, target, actor, detail)

    def _event(
        self,
        session: Session,
        row: Enrolment,
        frm: Status | None,
        to: Status,
        actor: str,
        detail: str,
    ) -> None:
        event = EnrolmentEvent(
            enrolment_id=row.id,
            at=self._clock(),
            from_status=None if frm is None else frm.value,
            to_status=to.value,
            actor=actor,
            detail=detail,
        )
        events.add_event(session, event)


def find(session: Session, enrolment_id: int, *, lock: bool = False) -> Enrolment:
    """The enrolment (row-locked with ``lock``), or ``NotFoundError``."""
    row = queries.get_enrolment(session, int(enrolment_id), lock=lock)
    if row is None:
        raise NotFoundError(f"There is no enrolment #{enrolment_id}.")
    return row


def enrolment_view(
    row: Enrolment | EnrolmentRow, username: str, email: str | None = None
) -> EnrolmentView:
    """The record pages get for an enrolment's row (with the account's e-mail, if given)."""
    status = Status(row.status)
    finished = row.finished_at
    return EnrolmentView(
        id=row.id,
        account_id=row.account_id,
        username=username,
        status=status,
        api_status=row.api_status,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        finished_at=finished,
        device_name=row.device_name,
        last_error=row.last_error,
        issued_by=row.issued_by,
        time_to_enrol=finished - row.issued_at
        if status is Status.ENROLLED and finished is not None
        else None,
        email=email,
    )
