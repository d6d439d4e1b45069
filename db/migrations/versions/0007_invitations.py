"""Invitations by e-mail: the invitations, each one's history, and the outbox of their mails.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("opened_at", WHEN, nullable=True),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_invitations_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_invitations_campaign_id_campaigns",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
    )
    op.create_index("ix_invitations_account_id", "invitations", ["account_id"])
    op.create_index("ix_invitations_campaign_id", "invitations", ["campaign_id"])
    op.create_index("ix_invitations_outcome_created_at", "invitations", ["outcome", "created_at"])
    op.create_index(
        "ux_invitations_one_live",
        "invitations",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )
    op.create_table(
        "invitation_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name="fk_invitation_events_invitation_id_invitations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name="fk_invitation_events_enrolment_id_enrolments",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitation_events"),
    )
    op.create_index(
        "ix_invitation_events_invitation_id_id", "invitation_events", ["invitation_id", "id"]
    )
    op.create_index("ix_invitation_events_enrolment_id", "invitation_events", ["enrolment_id"])
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name="fk_mails_invitation_id_invitations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mails"),
        sa.UniqueConstraint("token_hash", name="uq_mails_token_hash"),
    )
    op.create_index("ux_mails_invitation_id_step", "mails", ["invitation_id", "step"], unique=True)
    op.create_index("ix_mails_status_next_attempt_at", "mails", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("mails")
    op.drop_table("invitation_events")
    op.drop_table("invitations")
