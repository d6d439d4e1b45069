"""An e-mail address for each account (optional): typed, from a bulk upload, or the identity
store's when an account is linked. Kept normalised (``dashboard.domain.emails``), not unique:
two accounts of one person (or a shared team mailbox) may share an address.

Revision ID: 0006
Revises: 0004 (re-chained onto 0005 when that revision lands)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A nullable column needs no table rebuild, on SQLite either.
    op.add_column("accounts", sa.Column("email", sa.String(254), nullable=True))


def downgrade() -> None:
    # Batch mode: older SQLite cannot drop a column in place (db.engine.downgrade switches
    # foreign keys off first, so the rebuild does not cascade into enrolments).
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email")
