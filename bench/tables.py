"""Seeded databases, reused between runs, and an offline use-case layer over them."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

from bench.seed import seed
from dashboard.omi.client import OmiClient
from dashboard.settings import OmiSettings
from dashboard.usecases.console import Console
from db.engine import create_engine_for, session_factory, upgrade
from db.models import Enrolment

#: Never called: the table benchmarks read the database only.
NO_API = OmiSettings(base_url="http://127.0.0.1:9", client_id="bench", client_secret=SecretStr("-"))


def seeded(folder: Path, rows: int) -> str:
    """The URL of a SQLite file holding exactly ``rows`` seeded enrolments (reused if present,
    brought to the newest schema)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"seed-{rows}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        upgrade(url)
        if _count(url) == rows:
            return url
        for stale in folder.glob(f"seed-{rows}.db*"):
            stale.unlink()
    print(f"  seeding {rows:,} enrolments into {path} (once; later runs reuse it)", flush=True)
    seed(url, rows)
    return url


def offline_console(url: str) -> Console:
    """The use-cases over ``url`` with a client that is never used."""
    return Console(session_factory(create_engine_for(url)), OmiClient(NO_API))


def _count(url: str) -> int:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Enrolment)) or 0)
    finally:
        engine.dispose()
