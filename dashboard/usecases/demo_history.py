"""Fill an empty demo console with a past (``DemoHistory.fill``): the records of
``dashboard.domain.demo_history`` written in a few bulk inserts, the simulator told the new
accounts, and today's pending QR codes issued through ``Enrolments`` against the simulator, so
the poller polls real enrolments.

Refused against a real tenant (made-up people must never reach it) and on a database that
holds anything already, so a demo history never mixes with real data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import usernames
from dashboard.domain.clock import utc_now
from dashboard.domain.demo_cast import DEFAULT_SEED
from dashboard.domain.demo_history import demo_history, issue_detail
from dashboard.domain.demo_records import (
    DemoEnrolment,
    DemoFilled,
    DemoRules,
)
from dashboard.domain.demo_records import (
    DemoHistory as History,
)
from dashboard.domain.statuses import Status
from dashboard.errors import ConfigError, ConflictError, ConsoleError
from dashboard.settings import Settings
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.transactions import reading, writing
from db.models import (
    Account,
    Campaign,
    Enrolment,
    EnrolmentEvent,
    Invitation,
    InvitationEvent,
    Mail,
)

__all__ = ["DEFAULT_SEED", "ONLY_DEMO", "DemoHistory", "DemoRules", "rules_from"]

ONLY_DEMO = (
    "A demo history is filled only in demo mode (the embedded simulator): this console talks "
    "to a real tenant (OMI_BASE_URL), which must never see made-up people."
)
#: How many QR codes are issued live at the end, when the console can issue them.
PENDING_NOW = 5
Register = Callable[[Iterable[tuple[str, str, str | None]]], int]
_TABLES = (Account, Campaign, Enrolment, Invitation)


def rules_from(settings: Settings) -> DemoRules:
    """The history's rules from the console's settings: the simulator's QR lifetime, the
    invitations' lifetime and reminders."""
    return DemoRules(
        qr_lifetime=timedelta(seconds=float(settings.simulator.qr_ttl)),
        invite_lifetime=settings.invite.lifetime,
        reminders=settings.invite.reminders,
    )


class DemoHistory:
    """Fills a demo history; ``issuer`` (the console's ``Enrolments``) issues today's live
    codes and ``register`` tells the embedded simulator the accounts (None: neither, e.g. from
    the command line, whose simulator would not outlive it)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        demo_mode: bool,
        rules: DemoRules = DemoRules(),  # noqa: B008 - frozen
        issuer: Enrolments | None = None,
        register: Register | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._demo_mode = demo_mode
        self._rules = rules
        self._issuer = issuer
        self._register = register
        self._clock = clock

    def holds_history(self) -> str | None:
        """Why the database cannot take a demo history (what it holds), or None when empty."""
        with reading(self._sessions) as session:
            return _held(session)

    def fill(self, *, seed: int = DEFAULT_SEED, pending: int | None = None) -> DemoFilled:
        """Write a demo history for ``seed`` (and ``pending`` live codes, by default
        ``PENDING_NOW`` when there is an issuer); ``ConfigError`` outside demo mode,
        ``ConflictError`` when the database holds anything already."""
        if not self._demo_mode:
            raise ConfigError(ONLY_DEMO)
        live = (PENDING_NOW if self._issuer is not None else 0) if pending is None else pending
        if live and self._issuer is None:
            raise ConfigError("Live QR codes need the console's running simulator.")
        history = demo_history(self._clock(), seed=seed, pending=live, rules=self._rules)
        conflict = "Someone filled the database at the same moment; nothing was added."
        with writing(self._sessions, conflict) as session:
            held = _held(session)
            if held is not None:
                raise ConflictError(held)
            campaign_ids = _write(session, history)
        if self._register is not None:
            self._register([(a.tenant_id, a.username, a.display_name) for a in history.accounts])
        issued, stopped = self._issue_live(history, campaign_ids)
        statuses = Counter(e.status for e in history.enrolments)
        if issued:
            statuses[Status.PENDING] += issued
        return DemoFilled(
            accounts=len(history.accounts),
            campaigns=len(history.campaigns),
            enrolments=len(history.enrolments) + issued,
            invitations=len(history.invitations),
            mails=sum(len(i.mails) for i in history.invitations),
            operators=len(history.operators),
            days=self._rules.days,
            pending=issued,
            by_status=dict(statuses),
            stopped=stopped,
        )

    def _issue_live(self, history: History, campaign_ids: list[int]) -> tuple[int, str | None]:
        issued = 0
        for live in history.pending:
            assert self._issuer is not None
            campaign = None if live.campaign is None else campaign_ids[live.campaign]
            try:
                self._issuer.issue(
                    history.accounts[live.account].id, actor=live.issued_by, campaign_id=campaign
                )
            except ConsoleError as exc:  # the history stands; say why the live codes stopped
                return issued, str(exc)
            issued += 1
        return issued, None


def _held(session: Session) -> str | None:
    counts = {
        model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in _TABLES
    }
    if not any(counts.values()):
        return None
    held = ", ".join(f"{n} {table}" for table, n in counts.items() if n)
    return (
        f"The database already holds {held}: a demo history is filled only into an empty "
        "console, so it never mixes with real data (start from a new DATABASE_URL)."
    )


def _write(session: Session, history: History) -> list[int]:
    """Every row of ``history`` in a few bulk inserts; the campaigns' ids."""
    session.execute(
        insert(Account),
        [
            {
                "id": a.id,
                "username": a.username,
                "username_key": usernames.key(a.username),
                "created_at": a.created_at,
                "created_by": a.created_by,
                "display_name": a.display_name,
                "tenant_id": a.tenant_id,
                "email": a.email,
            }
            for a in history.accounts
        ],
    )
    campaign_ids = _ids(
        session,
        Campaign,
        [{"name": c.name, "created_at": c.created_at, "created_by": c.created_by}
         for c in history.campaigns],
    )  # fmt: skip
    account_ids = [a.id for a in history.accounts]
    enrolment_ids = _ids(
        session, Enrolment, [_enrolment(e, account_ids, campaign_ids) for e in history.enrolments]
    )
    events: list[dict[str, Any]] = [
        {
            "enrolment_id": enrolment_ids[number],
            "at": event.at,
            "from_status": None if event.from_status is None else event.from_status.value,
            "to_status": event.to_status.value,
            "actor": event.actor,
            "detail": issue_detail(e.expires_at, enrolment_ids[e.supersedes])
            if event.from_status is None and e.supersedes is not None
            else event.detail,
        }
        for number, e in enumerate(history.enrolments)
        for event in e.events
    ]
    # Oldest first across enrolments too, so event ids follow time as the console's would.
    session.execute(insert(EnrolmentEvent), sorted(events, key=lambda row: row["at"]))
    invitation_ids = _ids(
        session,
        Invitation,
        [
            {
                "account_id": account_ids[i.account],
                "campaign_id": None if i.campaign is None else campaign_ids[i.campaign],
                "email": i.email,
                "language": i.language,
                "created_at": i.created_at,
                "created_by": i.created_by,
                "expires_at": i.expires_at,
                "opened_at": i.opened_at,
                "ended_at": i.ended_at,
                "ended_by": i.ended_by,
                "outcome": i.outcome,
                "reminders_sent": i.reminders_sent,
            }
            for i in history.invitations
        ],
    )
    notes: list[dict[str, Any]] = [
        {
            "invitation_id": invitation_ids[number],
            "at": note.at,
            "kind": note.kind,
            "actor": note.actor,
            "detail": note.detail,
            "enrolment_id": None if note.enrolment is None else enrolment_ids[note.enrolment],
        }
        for number, i in enumerate(history.invitations)
        for note in i.events
    ]
    session.execute(insert(InvitationEvent), sorted(notes, key=lambda row: row["at"]))
    mails = [
        {
            "invitation_id": invitation_ids[number],
            "step": mail.step,
            "to_address": i.email,
            "language": i.language,
            "subject": mail.subject,
            "created_at": mail.created_at,
            "created_by": mail.created_by,
            "status": mail.status,
            "attempts": mail.attempts,
            "last_error": mail.last_error,
            "sent_at": mail.sent_at,
            "token_hash": None,  # no working link is made up
        }
        for number, i in enumerate(history.invitations)
        for mail in i.mails
    ]
    session.execute(insert(Mail), mails)
    return campaign_ids


def _ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in one statement; their new ids, in order."""
    if not rows:
        return []
    query = insert(model).returning(model.id, sort_by_parameter_order=True)
    return [int(i) for i in session.scalars(query, rows)]


def _enrolment(e: DemoEnrolment, accounts: list[Any], campaigns: list[int]) -> dict[str, Any]:
    return {
        "account_id": accounts[e.account],
        "status": e.status.value,
        "api_status": e.api_status,
        "issued_at": e.issued_at,
        "expires_at": e.expires_at,
        "finished_at": e.finished_at,
        "updated_at": e.finished_at,
        "device_name": e.device_name,
        "last_error": None,
        "issued_by": e.issued_by,
        "qr_png": None,
        "next_poll_at": None,
        "poll_failures": 0,
        "last_polled_at": e.finished_at,
        "campaign_id": None if e.campaign is None else campaigns[e.campaign],
    }
