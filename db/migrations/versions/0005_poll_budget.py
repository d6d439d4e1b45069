"""The request budget for status calls: one shared row every poller takes permits from, and on
each enrolment who is watching it (until when) and when a poller last claimed it.

Revision ID: 0005
Revises: 0003 (re-chained after 0004 at merge)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("watched_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "poll_budget",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("factor", sa.Float(), nullable=False, server_default=sa.text("1.0")),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("burst_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("burst_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("throttled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rate", sa.Float(), nullable=False, server_default=sa.text("0.0")),
        sa.PrimaryKeyConstraint("id", name="pk_poll_budget"),
    )
    # The row itself is created by the first poller that needs it (db.budget.locked_bucket).


def downgrade() -> None:
    op.drop_table("poll_budget")
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("watched_until")
