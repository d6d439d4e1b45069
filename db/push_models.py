"""The test pushes (revision 0008): a sign-in request the console sent to an enrolled
person's device(s) to prove the phone works, and what became of it.

A row is ``PENDING`` until the service reports ``APPROVED``, ``DENIED`` or ``EXPIRED``; the
console gives up on its own clock (``EXPIRED`` too) when the service never says, and a push the
API refused is ``ERROR`` from the start. The poller asks for the status of PENDING rows within
the deployment's request budget, like enrolments (``next_poll_at``, ``watched_until``).

The model lives beside ``db.models`` (same ``Base``, so the metadata and Alembic see it);
``db/__init__`` imports it, so whoever imports any of ``db`` has the whole schema.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import (
    ACTOR_LENGTH,
    API_STATUS_LENGTH,
    DEVICE_NAME_LENGTH,
    STATUS_LENGTH,
    Base,
)
from db.types import UtcDateTime

#: The statuses a push is still asked about (the partial index's predicate).
PUSH_ACTIVE_SQL = "status = 'PENDING'"
PUSH_ID_LENGTH = 200
DEVICE_ID_LENGTH = 200


class TestPush(Base):
    """One test push: to one device (``device_id``) or to all of the account's (None)."""

    __tablename__ = "test_pushes"
    __test__ = False  # not a pytest class, whatever its name

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrolments.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    device_id: Mapped[str | None] = mapped_column(String(DEVICE_ID_LENGTH))
    device_name: Mapped[str | None] = mapped_column(String(DEVICE_NAME_LENGTH))
    push_id: Mapped[str | None] = mapped_column(String(PUSH_ID_LENGTH))
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    api_status: Mapped[str | None] = mapped_column(String(API_STATUS_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    watched_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    poll_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_test_pushes_account_id_id", "account_id", "id"),
        Index(
            "ix_test_pushes_due",
            "next_poll_at",
            sqlite_where=text(PUSH_ACTIVE_SQL),
            postgresql_where=text(PUSH_ACTIVE_SQL),
        ),
    )
