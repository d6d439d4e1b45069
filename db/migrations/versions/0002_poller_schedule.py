"""The poller's schedule: when each enrolment is next due, failures in a row, last answer;
and the partial indexes that find due and overdue active enrolments.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

ACTIVE = sa.text("status IN ('PENDING', 'SCANNED')")


def upgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("poll_failures", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True))
    # Active enrolments issued before this revision are due at once.
    enrolments = sa.table(
        "enrolments",
        sa.column("status", sa.String()),
        sa.column("issued_at", sa.DateTime(timezone=True)),
        sa.column("next_poll_at", sa.DateTime(timezone=True)),
    )
    op.execute(enrolments.update().where(ACTIVE).values(next_poll_at=enrolments.c.issued_at))
    op.create_index(
        "ix_enrolments_due",
        "enrolments",
        ["next_poll_at"],
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_enrolments_expiry",
        "enrolments",
        ["expires_at"],
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_enrolments_expiry", table_name="enrolments")
    op.drop_index("ix_enrolments_due", table_name="enrolments")
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("last_polled_at")
        batch.drop_column("poll_failures")
        batch.drop_column("next_poll_at")
