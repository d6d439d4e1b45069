"""Campaigns: a named batch of enrolments (bulk onboarding), and an account's display name.

``enrolments.campaign_id`` is nullable (enrolments issued one by one belong to no campaign);
deleting a campaign leaves its enrolments in place, detached.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("name", name="uq_campaigns_name"),
    )
    # Batch mode: SQLite cannot add a foreign key to an existing table, so it rebuilds it
    # (db.engine.upgrade switches foreign keys off first, or the rebuild would cascade).
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_enrolments_campaign_id_campaigns",
            "campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_enrolments_campaign_id", ["campaign_id"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("display_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("display_name")
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_index("ix_enrolments_campaign_id")
        batch.drop_constraint("fk_enrolments_campaign_id_campaigns", type_="foreignkey")
        batch.drop_column("campaign_id")
    op.drop_table("campaigns")
