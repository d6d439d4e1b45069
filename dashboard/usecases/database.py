"""The console's database as the use-cases share it: one engine and its session factory.

``Database.open(url)`` connects and runs the migrations to head; its errors, like every
database error the use-cases meet, come out as the console's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.errors import ConsoleError
from dashboard.usecases.transactions import translated
from db.engine import create_engine_for, schema_version, session_factory, upgrade


@dataclass(frozen=True)
class Database:
    """An engine and the sessions bound to it."""

    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", session_factory(self.engine))

    @classmethod
    def open(cls, url: str) -> Database:
        """The database at ``url``, migrated to the newest schema; ``ConsoleError`` when it
        cannot be reached or upgraded (nothing is left open then)."""
        engine = create_engine_for(url)
        try:
            with translated():
                upgrade(engine)
        except ConsoleError:
            engine.dispose()
            raise
        return cls(engine)

    def schema_version(self) -> str | None:
        """The Alembic revision the database is at; ``ConsoleError`` when it cannot be read."""
        with translated():
            return schema_version(self.engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
