"""The tenant's id for each account: the identity store's reference, sent in enrol and status.

``accounts.tenant_id`` is kept exactly as the store gave it (32 hex, a dashed UUID or any
string SCIM 2.0 allows), unique where set. Accounts made before have none: the API is sent
their local UUID, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A nullable column needs no table rebuild, on SQLite either; a unique index allows many
    # NULLs on both SQLite and PostgreSQL.
    op.add_column("accounts", sa.Column("tenant_id", sa.String(256), nullable=True))
    op.create_index("ux_accounts_tenant_id", "accounts", ["tenant_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_accounts_tenant_id", table_name="accounts")
    # Batch mode: older SQLite cannot drop a column in place (db.engine.downgrade switches
    # foreign keys off first, so the rebuild does not cascade into enrolments).
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("tenant_id")
