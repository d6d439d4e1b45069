"""The invitation link's side of an invitation: what the public enrolment page shows for a
token, the QR code it issues there and then, the code's live status, and the two jobs the
mailer thread runs each cycle (settle ended invitations, queue due reminders).

A link works until its invitation ends: every mail of the invitation (the first one and each
reminder) carries its own token, and each opens the page while the invitation is live. Once the
person enrolled (through the link or any other way), an operator revoked it, a newer invitation
superseded it or it expired, every link of it gets ``None`` here, which the page turns into its
one neutral answer. Nothing here says why.

Each call opens its own short sessions, so one ``InvitationLinks`` serves every thread of a
process; a token never appears in a message or a log line (only its hash reaches the database).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import iso, utc_now
from dashboard.domain.invitations import language_or_default, looks_like_token, token_hash
from dashboard.domain.statuses import ACTIVE, Status
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.transactions import reading, writing
from dashboard.usecases.watching import Watching
from db import invitation_links as queries
from db.models import ACTOR_LENGTH, Enrolment, InvitationEvent

#: Who the events of the person's own actions name.
INVITEE = "invitee"
#: How long a page left open on a used link still shows that the person enrolled.
USED_GRACE = timedelta(minutes=5)
_LOCK_STRIPES = 64


class PublicState(StrEnum):
    """Where the person stands, as the public page words it."""

    WAITING = "waiting"  # no QR code yet
    PENDING = "pending"  # the code waits for a scan
    SCANNED = "scanned"  # scanned: confirm on the phone
    ENROLLED = "enrolled"
    EXPIRED = "expired"  # this code no longer works; the page fetches a fresh one by itself
    DECLINED = "declined"  # declined on the phone; a new code on request
    FAILED = "failed"  # the service failed the enrolment; a new code on request


_STATES = {
    Status.PENDING: PublicState.PENDING,
    Status.SCANNED: PublicState.SCANNED,
    Status.ENROLLED: PublicState.ENROLLED,
    Status.DECLINED: PublicState.DECLINED,
    Status.FAILED: PublicState.FAILED,
}


@dataclass(frozen=True)
class PublicStatus:
    """The live status of the person's current QR code."""

    state: PublicState
    device_name: str | None = None


@dataclass(frozen=True)
class PublicView:
    """What the public page shows of a live invitation: the person's name (the display name,
    else the username), the language to speak, and the status of the current code."""

    name: str
    language: str
    expires_at: datetime
    status: PublicStatus


@dataclass(frozen=True)
class PublicQr:
    """The current QR code (a PNG) and the enrolment it belongs to."""

    png: bytes
    enrolment_id: int
    expires_at: datetime


@dataclass(frozen=True)
class Settled:
    """What one settle run ended: invitations now ENROLLED, and those it wrote EXPIRED for."""

    enrolled: list[int]
    expired: list[int]


class InvitationLinks:
    """The link's use-cases; one per process, safe to share between threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        enrolments: Enrolments,
        watching: Watching,
        *,
        reminders: Sequence[timedelta] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._enrolments = enrolments
        self._watching = watching
        self._reminders = tuple(reminders)
        self._clock = clock
        # One check-then-issue at a time per invitation in this process: the page and its
        # image asking at once get one code, not two.
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    def open(self, token: str) -> PublicView | None:
        """The page of a live invitation (its first opening is recorded); None for a
        malformed, unknown, ended or expired link."""
        link = self._live(token)
        if link is None:
            return None
        with writing(self._sessions) as session:
            now = self._clock()
            if queries.settle_enrolled(session, now, link.invitation_id):
                return None  # used: the person enrolled
            queries.record_opened(session, link.invitation_id, now, INVITEE)
            status = _status(queries.issued_enrolment(session, link.invitation_id), now)
        return PublicView(
            name=link.display_name or link.username,
            language=language_or_default(link.language),
            expires_at=link.expires_at,
            status=status,
        )

    def qr(self, token: str) -> PublicQr | None:
        """The person's current QR code: the account's active one (named on the invitation's
        timeline the first time it is shown here), else a fresh one from the API with a
        QR_ISSUED event; None for a link that is not live or an invitation whose enrolment
        finished. The API's failures come out as ``ApiError`` (a sentence, no secret)."""
        link = self._live(token)
        if link is None:
            return None
        with self._locks[link.invitation_id % _LOCK_STRIPES]:
            with reading(self._sessions) as session:
                issued = queries.issued_enrolment(session, link.invitation_id)
                named = None if issued is None else issued.id
                if issued is not None and issued.status == Status.ENROLLED:
                    return None
            active = self._enrolments.active(link.account_id)
            png = None if active is None else self._enrolments.qr_png(active.id)
            if active is not None and png is not None:
                if active.id != named:
                    detail = f"The account's current QR code #{active.id} is shown on the page."
                    self._issued(link.invitation_id, active.id, detail)
                self._watching.watch(active.id)
                return PublicQr(png, active.id, active.expires_at)
            actor = f"invitation ({link.created_by})"[:ACTOR_LENGTH]
            made = self._enrolments.issue(
                link.account_id, actor=actor, campaign_id=link.campaign_id
            )
            detail = f"QR code #{made.id} issued on the page; it expires at {iso(made.expires_at)}."
            self._issued(link.invitation_id, made.id, detail)
            png = self._enrolments.qr_png(made.id)
            if png is None:  # expired in the instant since (a clock far ahead of the API's)
                return None
            self._watching.watch(made.id)
            return PublicQr(png, made.id, made.expires_at)

    def status(self, token: str) -> PublicStatus | None:
        """The live status of the link's current QR code, for the page's refresh; renews the
        enrolment's watch so the poller polls it first. An enrolment that reached ENROLLED ends
        the invitation there and then; a page left open keeps seeing ENROLLED for
        ``USED_GRACE`` (whichever process settled it), while opening the link again is refused."""
        link = self._live(token, used_since=self._clock() - USED_GRACE)
        if link is None:
            return None
        with reading(self._sessions) as session:
            now = self._clock()
            issued = queries.issued_enrolment(session, link.invitation_id)
            status = _status(issued, now)
        if issued is not None and Status(issued.status) in ACTIVE:
            self._watching.watch(issued.id)
        if status.state is PublicState.ENROLLED:
            with writing(self._sessions) as session:
                queries.settle_enrolled(session, self._clock(), link.invitation_id)
        return status

    def settle(self, now: datetime | None = None) -> Settled:
        """End the live invitations whose person enrolled (outcome ENROLLED and an event), then
        write the EXPIRED event of those past their expiry, once each (a mailer-thread job)."""
        with writing(self._sessions) as session:
            at = now or self._clock()
            enrolled = queries.settle_enrolled(session, at)
            expired = queries.settle_expired(session, at)
        return Settled(enrolled, expired)

    def remind_due(self, now: datetime | None = None) -> list[tuple[int, int]]:
        """Queue the reminder mails that are due (``INVITE_REMINDERS``), each step once whatever
        the processes; (invitation id, step) pairs (a mailer-thread job)."""
        if not self._reminders:
            return []
        with writing(self._sessions) as session:
            return queries.queue_reminders(session, self._reminders, now or self._clock())

    def _live(self, token: str, *, used_since: datetime | None = None) -> queries.LiveLink | None:
        if not isinstance(token, str) or not looks_like_token(token):
            return None  # malformed: refused without asking the database
        with reading(self._sessions) as session:
            return queries.live_link(
                session, token_hash(token), self._clock(), used_since=used_since
            )

    def _issued(self, invitation_id: int, enrolment_id: int, detail: str) -> None:
        with writing(self._sessions) as session:
            queries.add_event(
                session,
                InvitationEvent(
                    invitation_id=invitation_id,
                    at=self._clock(),
                    kind=queries.QR_ISSUED,
                    actor=INVITEE,
                    detail=detail,
                    enrolment_id=enrolment_id,
                ),
            )


def _status(issued: Enrolment | None, now: datetime) -> PublicStatus:
    """The public status of the invitation's newest issued enrolment at ``now``."""
    if issued is None:
        return PublicStatus(PublicState.WAITING)
    current = Status(issued.status)
    if current in ACTIVE and issued.expires_at <= now:
        return PublicStatus(PublicState.EXPIRED)  # the sweeper has not caught up yet
    state = _STATES.get(current, PublicState.EXPIRED)
    device = issued.device_name if state is PublicState.ENROLLED else None
    return PublicStatus(state, device)
