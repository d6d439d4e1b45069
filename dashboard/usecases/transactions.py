"""The use-case layer's one boundary with SQLAlchemy's errors.

Every use-case module reads and writes through ``translated()`` or ``reading()``, so a database
fault reaches a page as a ``ConsoleError`` sentence, never as a SQLAlchemy traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dashboard.errors import ConflictError, ConsoleError
from db.engine import begin_write


@contextmanager
def translated(conflict: str = "") -> Iterator[None]:
    """Turn SQLAlchemy errors raised inside into the console's own; ``conflict`` is the sentence
    for a unique-key clash (another session or process wrote the same thing first)."""
    try:
        yield
    except ConsoleError:
        raise
    except IntegrityError as exc:
        raise ConflictError(
            conflict or "Someone else changed this at the same moment; reload and try again."
        ) from exc
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else "no reason given"
        raise ConsoleError(
            f"The database is not available right now ({reason}); try again in a moment."
        ) from exc
    except SQLAlchemyError as exc:
        raise ConsoleError(
            f"The database refused the operation ({type(exc).__name__}); try again."
        ) from exc


@contextmanager
def reading(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only session whose database errors come out translated."""
    with translated(), sessions() as session:
        yield session


@contextmanager
def writing(sessions: sessionmaker[Session], conflict: str = "") -> Iterator[Session]:
    """A transaction that takes the write lock first (SQLite: no upgrade deadlock), committed
    on success, with its database errors translated."""
    with translated(conflict), sessions.begin() as session:
        begin_write(session)
        yield session
