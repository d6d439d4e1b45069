"""Test pushes: a sign-in request sent to an enrolled person's devices, and its outcome.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

WHEN = sa.DateTime(timezone=True)
ACTIVE = sa.text("status = 'PENDING'")


def upgrade() -> None:
    op.create_table(
        "test_pushes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.String(200), nullable=True),
        sa.Column("device_name", sa.String(200), nullable=True),
        sa.Column("push_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("api_status", sa.String(100), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("next_poll_at", WHEN, nullable=True),
        sa.Column("watched_until", WHEN, nullable=True),
        sa.Column("poll_failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_test_pushes_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name="fk_test_pushes_enrolment_id_enrolments",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_test_pushes_campaign_id_campaigns",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_test_pushes"),
    )
    op.create_index("ix_test_pushes_account_id", "test_pushes", ["account_id"])
    op.create_index("ix_test_pushes_campaign_id", "test_pushes", ["campaign_id"])
    op.create_index("ix_test_pushes_account_id_id", "test_pushes", ["account_id", "id"])
    op.create_index(
        "ix_test_pushes_due",
        "test_pushes",
        ["next_poll_at"],
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_table("test_pushes")
