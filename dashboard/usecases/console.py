"""The console's use-cases: the only place where the Mobile Identity API and the database meet.

``Console`` creates accounts (rules in ``dashboard.domain.usernames``), issues, supersedes and
cancels enrolment QR codes, applies statuses from the API through the state machine in
``dashboard.domain.statuses``, expires overdue enrolments on the local clock, and reads the
enrolments table. Each call opens its own short session, so one ``Console`` serves every thread of a
process. SQLAlchemy errors are translated here into the console's own (``dashboard.errors``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import usernames
from dashboard.domain.clock import utc_now
from dashboard.domain.csv_text import csv_line
from dashboard.domain.statuses import ACTIVE, TERMINAL, TRANSITIONS, Status, can_move, remote_target
from dashboard.errors import ApiError, ConflictError, InputError, NotFoundError
from dashboard.omi.client import OmiClient
from dashboard.omi.records import RemoteStatus
from dashboard.usecases.transactions import reading, writing
from db import models
from db import repository as repo
from db.models import Account, Enrolment, EnrolmentEvent
from db.repository import SORT_COLUMNS, EnrolmentFilter, EnrolmentRow, EnrolmentSort

__all__ = [
    "ACTIVE",
    "SORT_COLUMNS",
    "TERMINAL",
    "TRANSITIONS",
    "AccountView",
    "Console",
    "EnrolmentFilter",
    "EnrolmentSort",
    "EnrolmentView",
    "EventView",
    "Status",
]

MAX_PAGE = 1000
CSV_HEADER = (
    "enrolment_id",
    "username",
    "account_id",
    "status",
    "api_status",
    "issued_at",
    "expires_at",
    "finished_at",
    "time_to_enrol_seconds",
    "device_name",
    "issued_by",
    "last_error",
)
_LOCK_STRIPES = 64


@dataclass(frozen=True)
class AccountView:
    """An account as pages show it."""

    id: uuid.UUID
    username: str
    created_at: datetime
    created_by: str
    latest_status: Status | None
    latest_enrolment_id: int | None


@dataclass(frozen=True)
class EnrolmentView:
    """An enrolment as pages show it (without its QR image: see ``Console.qr_png``)."""

    id: int
    account_id: uuid.UUID
    username: str
    status: Status
    api_status: str | None
    issued_at: datetime
    expires_at: datetime
    finished_at: datetime | None
    device_name: str | None
    last_error: str | None
    issued_by: str
    time_to_enrol: timedelta | None


@dataclass(frozen=True)
class EventView:
    """One line of an enrolment's history."""

    at: datetime
    from_status: str | None
    to_status: str
    actor: str
    detail: str


class Console:
    """The use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        omi: OmiClient,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self.omi = omi
        self._clock = clock
        # Issuing for one account is serialised within the process, so the API's notion of the
        # account's current QR and the database's agree (the API supersedes in call order).
        self._issue_locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    @property
    def engine(self) -> Engine:
        """The engine the sessions are bound to."""
        bind = self._sessions.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    # --- accounts ---------------------------------------------------------------------------

    def create_account(
        self, username: str, *, actor: str, display_name: str | None = None
    ) -> AccountView:
        """Create an account; ``InputError`` names the rule a bad name broke, ``ConflictError``
        says the name (compared case-insensitively) is taken. ``display_name`` is optional."""
        name, key = usernames.normalise(username)
        shown = usernames.display_name(display_name)
        who = _actor(actor)
        taken = f"The username {name!r} is taken (usernames ignore case)."
        with self._write(conflict=taken) as session:
            if repo.find_account(session, key) is not None:
                raise ConflictError(taken)
            account = repo.add_account(
                session,
                Account(
                    id=uuid.uuid4(),
                    username=name,
                    username_key=key,
                    created_at=self._clock(),
                    created_by=who,
                    display_name=shown,
                ),
            )
        return _account_view(account, None)

    def get_account(self, account_id: uuid.UUID | str) -> AccountView:
        """The account; a malformed id is an ``InputError``, an unknown one ``NotFoundError``."""
        ident = _parse_account_id(account_id)
        with self._read() as session:
            account = repo.get_account(session, ident)
            if account is None:
                raise NotFoundError(f"There is no account {ident}.")
            return _account_view(account, repo.latest_enrolment_of(session, ident))

    def search_accounts(self, text: str = "", limit: int = 200) -> list[AccountView]:
        """Accounts whose name contains ``text`` (ignoring case), in name order."""
        needle = usernames.search_key(text or "")
        with self._read() as session:
            rows = repo.search_accounts(session, needle, max(1, min(limit, MAX_PAGE)))
        return [
            _account_view(
                row.account,
                None
                if row.latest_enrolment_id is None or row.latest_status is None
                else (row.latest_enrolment_id, row.latest_status),
            )
            for row in rows
        ]

    # --- enrolments -------------------------------------------------------------------------

    def issue_qr(
        self, account_id: uuid.UUID, *, actor: str, campaign_id: int | None = None
    ) -> EnrolmentView:
        """Ask the API for a QR code and store a PENDING enrolment with it (in the campaign
        ``campaign_id``, if given); the account's active enrolment, if any, becomes SUPERSEDED
        (kept, with an event)."""
        who = _actor(actor)
        ident = _parse_account_id(account_id)
        with self._issue_locks[hash(ident) % _LOCK_STRIPES]:
            self.get_account(ident)
            qr = self.omi.enrol(ident)
            with self._write() as session:
                account = repo.get_account(session, ident, lock=True)
                if account is None:
                    raise NotFoundError(f"There is no account {ident}.")
                now = self._clock()
                old = repo.active_enrolments(session, ident, lock=True)
                for row in old:
                    self._move(session, row, Status.SUPERSEDED, who, "A new QR code was issued.")
                session.flush()
                row = repo.add_enrolment(
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
                detail = f"QR code issued; it expires at {_iso(qr.expires_at)}."
                if old:
                    detail += " Supersedes " + ", ".join(f"#{o.id}" for o in old) + "."
                self._event(session, row, None, Status.PENDING, who, detail)
                return _view(row, account.username)

    def active_enrolment(self, account_id: uuid.UUID) -> EnrolmentView | None:
        """The account's PENDING or SCANNED enrolment, if any."""
        with self._read() as session:
            rows = repo.active_enrolments(session, _parse_account_id(account_id))
            return _view(rows[-1], rows[-1].account.username) if rows else None

    def latest_enrolment(self, account_id: uuid.UUID) -> EnrolmentView | None:
        """The account's newest enrolment, whatever its status."""
        with self._read() as session:
            row = repo.latest_enrolment(session, _parse_account_id(account_id))
            return None if row is None else _view(row, row.account.username)

    def get_enrolment(self, enrolment_id: int) -> EnrolmentView:
        """The enrolment, or ``NotFoundError``."""
        with self._read() as session:
            row = self._enrolment(session, enrolment_id)
            return _view(row, row.account.username)

    def qr_png(self, enrolment_id: int) -> bytes | None:
        """The QR image while the enrolment is active and unexpired; None afterwards."""
        with self._read() as session:
            row = self._enrolment(session, enrolment_id)
            if Status(row.status) not in ACTIVE or row.expires_at <= self._clock():
                return None
            return row.qr_png

    def cancel(self, enrolment_id: int, *, actor: str) -> EnrolmentView:
        """Cancel an active enrolment; ``ConflictError`` when it has already finished.

        The API has no cancel call: the QR code itself stays valid at the service until it
        expires, but the console no longer polls it and records the enrolment as cancelled.
        """
        who = _actor(actor)
        with self._write() as session:
            row = self._enrolment(session, enrolment_id, lock=True)
            current = Status(row.status)
            if current in TERMINAL:
                raise ConflictError(
                    f"Enrolment #{row.id} is already {current.value.lower()}; "
                    "only a pending or scanned enrolment can be cancelled."
                )
            self._move(session, row, Status.CANCELLED, who, "Cancelled by an operator.")
            return _view(row, row.account.username)

    def apply_status(
        self, enrolment_id: int, remote: RemoteStatus, *, actor: str = "poller"
    ) -> EnrolmentView:
        """Record a status from the API: legal transitions move the enrolment (with an event),
        anything else keeps its state; an unknown or refused value is stored in ``api_status``
        and gets an event the first time it is seen. A finished enrolment never changes."""
        who = _actor(actor)
        with self._write() as session:
            row = self._enrolment(session, enrolment_id, lock=True)
            current = Status(row.status)
            if current in TERMINAL:
                return _view(row, row.account.username)
            now = self._clock()
            value = remote.value.strip()[: models.API_STATUS_LENGTH]
            first_time = value != row.api_status
            row.api_status = value
            row.last_polled_at = now
            row.poll_failures = 0
            row.last_error = None
            if remote.device_name:
                row.device_name = remote.device_name[: models.DEVICE_NAME_LENGTH]
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
            return _view(row, row.account.username)

    def expire_overdue(self, grace: timedelta = timedelta(0)) -> int:
        """Mark active enrolments whose QR code expired more than ``grace`` ago as EXPIRED
        (no API call needed). The poller gives a grace: a phone may enrol in the code's last
        second, and until the service answers the console cannot know."""
        with self._write() as session:
            rows = repo.overdue_enrolments(session, self._clock() - grace)
            for row in rows:
                detail = f"The QR code expired at {_iso(row.expires_at)} without an enrolment."
                self._move(session, row, Status.EXPIRED, "expiry", detail)
            return len(rows)

    def events(self, enrolment_id: int) -> list[EventView]:
        """The enrolment's history, oldest first."""
        with self._read() as session:
            self._enrolment(session, enrolment_id)
            return [
                EventView(e.at, e.from_status, e.to_status, e.actor, e.detail)
                for e in repo.list_events(session, enrolment_id)
            ]

    # --- the poller's side ------------------------------------------------------------------

    def claim_due(
        self, limit: int, lease: timedelta, grace: timedelta = timedelta(0)
    ) -> list[tuple[int, uuid.UUID]]:
        """Claim up to ``limit`` due active enrolments for this poller for ``lease``:
        (enrolment id, account id) pairs. Several processes never claim the same one.
        Enrolments whose QR code expired less than ``grace`` ago are still claimed."""
        with self._write() as session:
            now = self._clock()
            return repo.claim_due(session, now, now + lease, limit, expired_after=now - grace)

    def poll(
        self, enrolment_id: int, account_id: uuid.UUID, *, backoff: Callable[[int], timedelta]
    ) -> str | None:
        """Ask the API for one enrolment's status and apply it; on an API error store it and
        push the next poll out by ``backoff(failures in a row)``. Returns the error, or None."""
        try:
            remote = self.omi.status(account_id)
        except ApiError as exc:
            message = str(exc) or type(exc).__name__
            self._record_failure(enrolment_id, message, backoff)
            return message
        self.apply_status(enrolment_id, remote)
        return None

    def count_active(self) -> int:
        """How many enrolments are PENDING or SCANNED."""
        with self._read() as session:
            return repo.count_active(session)

    def _record_failure(
        self, enrolment_id: int, message: str, backoff: Callable[[int], timedelta]
    ) -> None:
        with self._write() as session:
            row = self._enrolment(session, enrolment_id, lock=True)
            if Status(row.status) in TERMINAL:
                return
            row.poll_failures += 1
            row.last_error = message[:500]
            row.next_poll_at = self._clock() + backoff(row.poll_failures)

    # --- the enrolments table ---------------------------------------------------------------

    def list_enrolments(
        self,
        filter: EnrolmentFilter,
        sort: EnrolmentSort,
        limit: int = 50,
        offset: int = 0,
        *,
        count_cap: int | None = None,
    ) -> tuple[list[EnrolmentView], int]:
        """One page of the enrolments table, and how many rows match in all; with
        ``count_cap``, a count above the cap only means "more than ``count_cap``" (counting
        stops there, so the cost no longer grows with the table)."""
        where = _normalised(filter)
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InputError(f"A page holds 1 to {MAX_PAGE} rows from offset 0 or more.")
        with self._read() as session:
            rows = repo.page(session, where, _checked(sort), limit, offset)
            total = repo.count(session, where, count_cap)
        return [_view(row, row.username) for row in rows], total

    def export_csv(self, filter: EnrolmentFilter, sort: EnrolmentSort) -> Iterator[str]:
        """Every matching enrolment as CSV lines (header first), read from the database in
        batches while the caller consumes them."""
        where, order = _normalised(filter), _checked(sort)
        yield csv_line(CSV_HEADER)
        with self._read() as session:
            for row in repo.stream(session, where, order):
                yield csv_line(_csv_fields(_view(row, row.username)))

    # --- plumbing ---------------------------------------------------------------------------

    def _read(self) -> AbstractContextManager[Session]:
        return reading(self._sessions)

    def _write(self, conflict: str = "") -> AbstractContextManager[Session]:
        return writing(self._sessions, conflict)

    def _enrolment(self, session: Session, enrolment_id: int, *, lock: bool = False) -> Enrolment:
        row = repo.get_enrolment(session, int(enrolment_id), lock=lock)
        if row is None:
            raise NotFoundError(f"There is no enrolment #{enrolment_id}.")
        return row

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
        repo.add_event(session, event)


def _actor(actor: str) -> str:
    who = (actor or "").strip()
    if not who:
        raise InputError("Say who is acting: the operator name is empty.")
    return who[: models.ACTOR_LENGTH]


def _parse_account_id(account_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(account_id, uuid.UUID):
        return account_id
    try:
        return uuid.UUID(str(account_id).strip())
    except ValueError:
        raise InputError(
            f"{str(account_id)[:80]!r} is not an account id; an id looks like "
            "3f2b6c1e-0d4a-4c55-9a7e-2b1f0c9d8e7a."
        ) from None


def _normalised(where: EnrolmentFilter) -> EnrolmentFilter:
    for name, moment in (("from", where.issued_from), ("to", where.issued_to)):
        if moment is not None and moment.tzinfo is None:
            raise InputError(f"The 'issued {name}' date needs a time zone.")
    unknown = {str(s) for s in where.statuses} - {s.value for s in Status}
    if unknown:
        raise InputError(f"Unknown status filter: {', '.join(sorted(unknown))}.")
    return replace(where, username=usernames.search_key(where.username))


def _checked(sort: EnrolmentSort) -> EnrolmentSort:
    if sort.column not in SORT_COLUMNS:
        raise InputError(f"The table can be sorted by {', '.join(SORT_COLUMNS)} only.")
    return sort


def _account_view(account: Account, latest: tuple[int, str] | None) -> AccountView:
    return AccountView(
        id=account.id,
        username=account.username,
        created_at=account.created_at,
        created_by=account.created_by,
        latest_status=None if latest is None else Status(latest[1]),
        latest_enrolment_id=None if latest is None else latest[0],
    )


def _time_to_enrol(status: Status, issued: datetime, finished: datetime | None) -> timedelta | None:
    return finished - issued if status is Status.ENROLLED and finished is not None else None


def _view(row: Enrolment | EnrolmentRow, username: str) -> EnrolmentView:
    status = Status(row.status)
    return EnrolmentView(
        id=row.id,
        account_id=row.account_id,
        username=username,
        status=status,
        api_status=row.api_status,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        finished_at=row.finished_at,
        device_name=row.device_name,
        last_error=row.last_error,
        issued_by=row.issued_by,
        time_to_enrol=_time_to_enrol(status, row.issued_at, row.finished_at),
    )


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _csv_fields(view: EnrolmentView) -> tuple[str, ...]:
    seconds = "" if view.time_to_enrol is None else f"{view.time_to_enrol.total_seconds():.1f}"
    return (
        str(view.id),
        view.username,
        str(view.account_id),
        view.status.value,
        view.api_status or "",
        _iso(view.issued_at),
        _iso(view.expires_at),
        _iso(view.finished_at),
        seconds,
        view.device_name or "",
        view.issued_by,
        view.last_error or "",
    )
