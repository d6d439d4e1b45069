"""The tables: accounts, their enrolments, each enrolment's append-only event history, and the
campaigns (named batches from bulk onboarding) enrolments may belong to, and the invitations by
e-mail with their history and their mails (the outbox).

Status values are plain strings here (the use-case layer owns their meaning); the database only
knows which of them are *active*, because two partial indexes depend on it: at most one active
enrolment per account, and the poller's index of due enrolments.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UtcDateTime

#: The database's one status fact (``dashboard.domain.statuses.ACTIVE``, checked by a test):
#: the partial indexes' predicate, so queries of active enrolments can use those indexes.
ACTIVE_STATUSES = ("PENDING", "SCANNED")
ACTIVE_SQL = "status IN (" + ", ".join(f"'{s}'" for s in ACTIVE_STATUSES) + ")"

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

USERNAME_LENGTH = 64
USERNAME_KEY_LENGTH = 256
STATUS_LENGTH = 16
API_STATUS_LENGTH = 100
DEVICE_NAME_LENGTH = 200
ACTOR_LENGTH = 100
DISPLAY_NAME_LENGTH = 200
CAMPAIGN_NAME_LENGTH = 100
TENANT_ID_LENGTH = 256
EMAIL_LENGTH = 254  # RFC 5321's path limit
LANGUAGE_LENGTH = 8
KIND_LENGTH = 16
TOKEN_HASH_LENGTH = 64  # SHA-256, hex


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING)


class Account(Base):
    """A person who can enrol a device. ``tenant_id`` is the identity store's id for them, as
    the store gave it: the user id sent to the API. Older or local-only accounts (revision 0004,
    ``SCIM_VERSION=off``) have none; the API is then sent ``str(id)``."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    username_key: Mapped[str] = mapped_column(String(USERNAME_KEY_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    # Revision 0003: the person's name as a bulk upload gave it (printed on their QR sheet).
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_LENGTH))
    # Revision 0004: the identity store's id (unique where set).
    tenant_id: Mapped[str | None] = mapped_column(String(TENANT_ID_LENGTH))
    # Revision 0006: the person's e-mail address, normalised (not unique).
    email: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))

    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="account", passive_deletes=True
    )

    __table_args__ = (Index("ux_accounts_tenant_id", "tenant_id", unique=True),)

    @property
    def reference(self) -> str:
        """The user id the API is sent: the tenant's id, or the local UUID for older rows."""
        return self.tenant_id if self.tenant_id is not None else str(self.id)


class Campaign(Base):
    """A named batch of enrolments issued together (bulk onboarding)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(CAMPAIGN_NAME_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))


class Enrolment(Base):
    """One issued QR code and where it went."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    api_status: Mapped[str | None] = mapped_column(String(API_STATUS_LENGTH))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    device_name: Mapped[str | None] = mapped_column(String(DEVICE_NAME_LENGTH))
    last_error: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Revision 0002, the poller's schedule: next due, failed polls in a row, last answer.
    next_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    poll_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_polled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Revision 0003: the campaign this enrolment was issued in, if any.
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    # Revision 0005: someone has it open until then (a page renews it on every refresh), and
    # when a poller last claimed it (the fairness floor counts from there).
    watched_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    account: Mapped[Account] = relationship(back_populates="enrolments")
    events: Mapped[list[EnrolmentEvent]] = relationship(
        back_populates="enrolment", passive_deletes=True, order_by="EnrolmentEvent.id"
    )

    __table_args__ = (
        Index("ix_enrolments_status_issued_at", "status", "issued_at"),
        Index("ix_enrolments_issued_at", "issued_at"),
        Index("ix_enrolments_account_id_id", "account_id", "id"),
        Index(
            "ux_enrolments_one_active",
            "account_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        Index(
            "ix_enrolments_due",
            "next_poll_at",
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        Index(
            "ix_enrolments_expiry",
            "expires_at",
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
    )


class PollBudget(Base):
    """The deployment's one request budget for status calls (revision 0005): a single row
    (``id`` 1) that every poller locks for a moment to take permits; the fields are
    ``dashboard.domain.budget.Bucket``'s."""

    __tablename__ = "poll_budget"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tokens: Mapped[float] = mapped_column(Float)
    refilled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    factor: Mapped[float] = mapped_column(Float, default=1.0, server_default=text("1.0"))
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    burst_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    burst_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    reason: Mapped[str | None] = mapped_column(Text)
    throttled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    window_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    rate: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0.0"))


class EnrolmentEvent(Base):
    """One change of an enrolment, or one operator action on it; never updated or deleted."""

    __tablename__ = "enrolment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    from_status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))
    to_status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    detail: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship(back_populates="events")

    __table_args__ = (Index("ix_enrolment_events_enrolment_id_id", "enrolment_id", "id"),)


class Invitation(Base):
    """An e-mailed invitation to enrol (revision 0007): the person opens its link on the public
    page, which issues their QR code there and then.

    It is live until ``expires_at`` or until it ends: ``outcome`` ENROLLED (used), REVOKED (by
    an operator) or SUPERSEDED (a newer invitation for the account). At most one live
    invitation per account. The link's token is never stored: each mail keeps only its hash.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    outcome: Mapped[str | None] = mapped_column(String(KIND_LENGTH))
    # The reminders already queued (the schedule's steps 1..n; step 0 is the invitation).
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (
        Index(
            "ux_invitations_one_live",
            "account_id",
            unique=True,
            sqlite_where=text("outcome IS NULL"),
            postgresql_where=text("outcome IS NULL"),
        ),
        Index("ix_invitations_outcome_created_at", "outcome", "created_at"),
    )


class InvitationEvent(Base):
    """One step of an invitation (CREATED, SENT, SEND_FAILED, OPENED, QR_ISSUED, ENROLLED,
    EXPIRED, REVOKED, ...); never updated or deleted. QR_ISSUED names the enrolment it issued,
    which is how an enrolment's timeline finds its invitation."""

    __tablename__ = "invitation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(KIND_LENGTH))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    detail: Mapped[str] = mapped_column(Text, default="")
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (Index("ix_invitation_events_invitation_id_id", "invitation_id", "id"),)


class Mail(Base):
    """One mail of an invitation in the outbox: ``step`` 0 is the invitation, n its n-th
    reminder (unique per invitation, so a step is queued once whatever the processes).

    ``status`` QUEUED → SENDING (claimed until ``claimed_until``) → SENT, or back to QUEUED
    with ``next_attempt_at`` after a failure, FAILED after the last attempt. The body is
    rendered at send time with a fresh token whose hash is ``token_hash``: the outbox holds no
    working link.
    """

    __tablename__ = "mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    to_address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH))
    subject: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    status: Mapped[str] = mapped_column(String(KIND_LENGTH))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    token_hash: Mapped[str | None] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)

    __table_args__ = (
        Index("ux_mails_invitation_id_step", "invitation_id", "step", unique=True),
        Index("ix_mails_status_next_attempt_at", "status", "next_attempt_at"),
    )
