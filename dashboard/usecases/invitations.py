"""Invitations by e-mail, the operator's side: invite accounts (one, a list, a campaign), revoke,
read an account's invitation, keep its address, and the merged timeline of an enrolment or an
account.

An invite writes the invitation, its CREATED event and its first mail (QUEUED) in one
transaction per batch of accounts and sends nothing: the mailer thread does (the outbox), so an
invitation made while no mail server is configured waits in the outbox and is never lost. Each
call opens its own short session; SQLAlchemy errors come out as the console's own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import emails
from dashboard.domain.clock import utc_now
from dashboard.domain.invitation_records import (
    InvitationView,
    Invited,
    InviteReport,
    RevokeResult,
    Skipped,
    SkipReason,
    StepSource,
    TimelineStep,
    merged,
)
from dashboard.domain.invitations import DEFAULT_LANGUAGE, LANGUAGES, InvitationState, state
from dashboard.domain.statuses import Status
from dashboard.errors import InputError, NotFoundError
from dashboard.usecases import inputs
from dashboard.usecases.transactions import reading, writing
from db import accounts as account_queries
from db import campaigns as campaign_queries
from db import events as enrolment_events
from db import invitations as queries
from db.invitations import NewInvitation
from db.models import Account, Enrolment, Invitation

log = logging.getLogger(__name__)

#: Accounts per transaction: a campaign of thousands is a few short transactions.
BATCH = 500
#: The most accounts one invite takes.
MAX_ACCOUNTS = 5000


class Invitations:
    """The invitation use-cases; one per process, safe to share between threads.

    ``lifetime`` is how long a link lives (``INVITE_DAYS``), ``language`` the mail's default
    language (``INVITE_LANGUAGE``).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lifetime: timedelta = timedelta(days=7),
        language: str = DEFAULT_LANGUAGE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._lifetime = lifetime
        self._language = language
        self._clock = clock

    def invite(
        self,
        account_ids: Collection[uuid.UUID | str],
        *,
        actor: str,
        language: str | None = None,
        campaign_id: int | None = None,
    ) -> InviteReport:
        """Invite each account (in the order given): a new invitation replaces its live one.
        Skipped, with the reason: an account without a usable address, one already enrolled
        (its newest enrolment), an unknown or malformed id. Nothing is sent here."""
        who = inputs.actor(actor)
        lang = self._language_of(language)
        asked = list(dict.fromkeys(account_ids))
        if not asked:
            raise InputError("Say whom to invite: no account was given.")
        if len(asked) > MAX_ACCOUNTS:
            raise InputError(f"One invite takes at most {MAX_ACCOUNTS} accounts; select fewer.")
        invited: list[Invited] = []
        skipped: list[Skipped] = []
        ids: list[uuid.UUID] = []
        for value in asked:
            try:
                ids.append(inputs.account_id(value))
            except InputError as exc:
                skipped.append(Skipped(str(value)[:80], SkipReason.UNKNOWN, str(exc)))
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), BATCH):
            done, missed = self._batch(ids[start : start + BATCH], who, lang, campaign_id)
            invited += done
            skipped += missed
        log.info("invited %d account(s), skipped %d", len(invited), len(skipped))
        return InviteReport(tuple(invited), tuple(skipped))

    def invite_campaign(
        self, campaign_id: int, *, actor: str, language: str | None = None
    ) -> InviteReport:
        """Invite every member of the campaign (each account with a QR code in it), the
        invitations counted in the campaign; members without an address are skipped."""
        with reading(self._sessions) as session:
            if campaign_queries.get_campaign(session, campaign_id) is None:
                raise NotFoundError(f"There is no campaign #{campaign_id}.")
            members = [m.account_id for m in campaign_queries.members(session, campaign_id)]
        if not members:
            raise InputError("The campaign has nobody in it to invite.")
        return self.invite(members, actor=actor, language=language, campaign_id=campaign_id)

    def revoke(self, invitation_ids: Collection[int], *, actor: str) -> list[RevokeResult]:
        """Revoke each live invitation (its link stops working), recording the operator; an
        ended or unknown one is reported, not changed."""
        who = inputs.actor(actor)
        ids = list(dict.fromkeys(int(i) for i in invitation_ids))
        if not ids:
            raise InputError("Say which invitation to revoke: none was given.")
        results = []
        with writing(self._sessions) as session:
            now = self._clock()
            for ident in ids:
                row = queries.get(session, ident, lock=True)
                if row is None:
                    missing = f"There is no invitation #{ident}."
                    results.append(RevokeResult(ident, "", False, missing))
                    continue
                name = _username(session, row.account_id)
                if row.outcome is not None:
                    shown = self._state(row, now).value.lower()
                    message = f"Already {shown}: there is nothing to revoke."
                    results.append(RevokeResult(ident, name, False, message))
                    continue
                queries.revoke(session, ident, now=now, actor=who)
                results.append(
                    RevokeResult(ident, name, True, "Revoked: its link no longer works.")
                )
        return results

    def current(self, account_id: uuid.UUID | str) -> InvitationView | None:
        """The account's newest invitation, in its state now (None: never invited)."""
        ident = inputs.account_id(account_id)
        with reading(self._sessions) as session:
            row = queries.newest_of(session, [ident]).get(ident)
            return None if row is None else self._view(row)

    def set_address(
        self, account_id: uuid.UUID | str, email: str | None, *, actor: str
    ) -> str | None:
        """Keep ``email`` (normalised; blank removes it) as the account's address; the address
        it now has. ``InputError`` names what is wrong with a malformed one. Invitations sent
        already keep the address they were sent to."""
        who = inputs.actor(actor)
        ident = inputs.account_id(account_id)
        mail = emails.normalise(email)
        with writing(self._sessions) as session:
            row = account_queries.get_account(session, ident, lock=True)
            if row is None:
                raise NotFoundError(f"There is no account {ident}.")
            row.email = mail
            log.info("%s set the address of account %s", who, ident)
            return mail

    def timeline(
        self, *, enrolment_id: int | None = None, account_id: uuid.UUID | str | None = None
    ) -> list[TimelineStep]:
        """The steps of an enrolment (with the invitation that issued it, if one did) or of
        an account (every invitation and every enrolment of it), oldest first."""
        if (enrolment_id is None) == (account_id is None):
            raise InputError("Say whose timeline: an enrolment or an account.")
        with reading(self._sessions) as session:
            if enrolment_id is not None:
                enrolment = session.get(Enrolment, int(enrolment_id))
                if enrolment is None:
                    raise NotFoundError(f"There is no enrolment #{enrolment_id}.")
                behind = queries.of_enrolment(session, enrolment.id)
                invitation_ids = [] if behind is None else [behind.id]
                enrolment_ids = [enrolment.id]
            else:
                ident = inputs.account_id(account_id or "")
                if account_queries.get_account(session, ident) is None:
                    raise NotFoundError(f"There is no account {ident}.")
                invitation_ids = [i.id for i in queries.of_account(session, ident)]
                query = select(Enrolment.id).where(Enrolment.account_id == ident)
                enrolment_ids = list(session.scalars(query.order_by(Enrolment.id)))
            invitation_steps = [
                TimelineStep(e.at, StepSource.INVITATION, e.kind, e.actor, e.detail,
                             e.invitation_id, e.enrolment_id)
                for e in queries.events_of(session, invitation_ids)
            ]  # fmt: skip
            enrolment_steps = [
                TimelineStep(e.at, StepSource.ENROLMENT, e.to_status, e.actor, e.detail,
                             None, e.enrolment_id, e.from_status)
                for ident_ in enrolment_ids
                for e in enrolment_events.list_events(session, ident_)
            ]  # fmt: skip
        return merged(invitation_steps, enrolment_steps)

    # --- the steps ------------------------------------------------------------------------

    def _language_of(self, language: str | None) -> str:
        if language is None or not language.strip():
            return self._language
        if language.strip() not in LANGUAGES:
            raise InputError(
                f"Invitations are written in {', '.join(LANGUAGES)}; {language[:20]!r} is not one."
            )
        return language.strip()

    def _batch(
        self, ids: Sequence[uuid.UUID], who: str, lang: str, campaign_id: int | None
    ) -> tuple[list[Invited], list[Skipped]]:
        skipped: list[Skipped] = []
        wanted: list[tuple[Account, str]] = []
        with writing(self._sessions) as session:
            found = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}
            newest = _newest_statuses(session, ids)
            for ident in ids:
                account = found.get(ident)
                if account is None:
                    skipped.append(
                        Skipped(str(ident), SkipReason.UNKNOWN, f"There is no account {ident}.")
                    )
                elif not account.email:
                    skipped.append(Skipped(account.username, SkipReason.NO_ADDRESS))
                elif newest.get(ident) == Status.ENROLLED.value:
                    skipped.append(Skipped(account.username, SkipReason.ENROLLED))
                else:
                    try:
                        wanted.append((account, emails.normalise(account.email) or ""))
                    except InputError as exc:
                        skipped.append(Skipped(account.username, SkipReason.BAD_ADDRESS, str(exc)))
            now = self._clock()
            expires = now + self._lifetime
            made = queries.create_invitations(
                session,
                [NewInvitation(a.id, mail, lang, expires, campaign_id) for a, mail in wanted],
                now=now,
                actor=who,
            )
            invited = [
                Invited(a.id, a.username, m.invitation.email, m.invitation.id, m.superseded_id)
                for (a, _), m in zip(wanted, made, strict=True)
            ]
        return invited, skipped

    def _state(self, row: Invitation, now: datetime) -> InvitationState:
        return state(
            outcome=row.outcome, opened_at=row.opened_at, expires_at=row.expires_at, now=now
        )

    def _view(self, row: Invitation) -> InvitationView:
        return InvitationView(
            id=row.id,
            account_id=row.account_id,
            email=row.email,
            language=row.language,
            created_at=row.created_at,
            created_by=row.created_by,
            expires_at=row.expires_at,
            opened_at=row.opened_at,
            campaign_id=row.campaign_id,
            state=self._state(row, self._clock()),
        )


def _username(session: Session, account_id: uuid.UUID) -> str:
    account = account_queries.get_account(session, account_id)
    return "" if account is None else account.username


def _newest_statuses(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each account's newest enrolment's status."""
    query = select(Enrolment.account_id, Enrolment.status).where(Enrolment.account_id.in_(ids))
    rows = session.execute(query.order_by(Enrolment.account_id, Enrolment.id))
    return {account_id: status for account_id, status in rows}
