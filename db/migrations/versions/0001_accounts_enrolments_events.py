"""Accounts, enrolments and the enrolment event history.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ACTIVE = sa.text("status IN ('PENDING', 'SCANNED')")


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """An aware UTC timestamp column (db.types.UtcDateTime stores into this)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("username_key", sa.String(256), nullable=False),
        timestamp("created_at"),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username_key", name="uq_accounts_username_key"),
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("api_status", sa.String(100), nullable=True),
        timestamp("issued_at"),
        timestamp("expires_at"),
        timestamp("finished_at", nullable=True),
        timestamp("updated_at"),
        sa.Column("device_name", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("qr_png", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_enrolments_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_enrolments"),
    )
    op.create_index("ix_enrolments_status_issued_at", "enrolments", ["status", "issued_at"])
    op.create_index("ix_enrolments_issued_at", "enrolments", ["issued_at"])
    op.create_index("ix_enrolments_account_id_id", "enrolments", ["account_id", "id"])
    op.create_index(
        "ux_enrolments_one_active",
        "enrolments",
        ["account_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "enrolment_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        timestamp("at"),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name="fk_enrolment_events_enrolment_id_enrolments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_enrolment_events"),
    )
    op.create_index(
        "ix_enrolment_events_enrolment_id_id", "enrolment_events", ["enrolment_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("enrolment_events")
    op.drop_table("enrolments")
    op.drop_table("accounts")
