"""Engines, sessions and schema migrations.

SQLite is configured for several threads and processes sharing one file: WAL, ``synchronous=
NORMAL``, foreign keys on and a busy timeout on every connection. SQLAlchemy drives the
transactions itself (the driver's own implicit BEGIN is switched off) so that a session which
will write can start with ``BEGIN IMMEDIATE`` (see ``begin_write``): a deferred transaction that
reads first and writes later fails at once with "database is locked" when another connection
wrote in between, and no busy timeout helps it. Read-only sessions keep a plain ``BEGIN`` and
never wait for writers.

The schema is Alembic's alone: ``upgrade`` runs the migrations to head; nothing calls
``create_all`` outside tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "console_write"


def create_engine_for(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; for a SQLite file, creates its folder and tunes every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event below emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded values after commit (views are built late)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Declare that ``session``'s transaction will write; call it before the first query.

    On SQLite this takes the write lock up front (``BEGIN IMMEDIATE``, waiting up to the busy
    timeout); on other backends it changes nothing.
    """
    session.connection(execution_options={WRITE_OPTION: True})


def alembic_config() -> Config:
    """Alembic's configuration, built in code (no alembic.ini to find at run time)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    _migrate(engine_or_url, lambda config: command.upgrade(config, revision))


def downgrade(engine_or_url: Engine | str | URL, revision: str) -> None:
    """Migrate the database back to ``revision`` (``"base"`` drops everything)."""
    _migrate(engine_or_url, lambda config: command.downgrade(config, revision))


def schema_version(engine: Engine) -> str | None:
    """The database's current Alembic revision, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _migrate(engine_or_url: Engine | str | URL, run: Callable[[Config], None]) -> None:
    owned = not isinstance(engine_or_url, Engine)
    engine = (
        engine_or_url if isinstance(engine_or_url, Engine) else create_engine_for(engine_or_url)
    )
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            if sqlite:
                # Batch mode rebuilds tables on SQLite (copy, drop, rename); with foreign keys on,
                # dropping the old table fires ON DELETE CASCADE and empties its children. The
                # pragma is ignored inside a transaction, so it is set before BEGIN.
                raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                connection = connection.execution_options(**{WRITE_OPTION: True})
                config = alembic_config()
                config.attributes["connection"] = connection
                run(config)
                connection.commit()
            finally:
                if sqlite:
                    connection.rollback()
                    raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    finally:
        if owned:
            engine.dispose()
