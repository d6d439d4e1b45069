"""Alembic environment: runs on the connection that ``db.engine.upgrade`` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from db.engine import create_engine_for
from db.models import Base


def run(connection: Connection) -> None:
    """Run the pending migrations on ``connection`` (batch mode, for SQLite's ALTER TABLE)."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Use the caller's connection, or open ``sqlalchemy.url`` when run from the CLI."""
    given = context.config.attributes.get("connection")
    if given is not None:
        run(given)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url, or migrate with db.engine.upgrade()")
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
main()
