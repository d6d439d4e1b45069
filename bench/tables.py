"""Seeded databases, reused between runs, and an offline use-case layer over them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.seed import seed
from dashboard.usecases.table import EnrolmentTable
from db.engine import create_engine_for, session_factory, upgrade
from db.models import Enrolment


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


def offline_table(url: str) -> tuple[EnrolmentTable, Engine]:
    """The enrolments table's use-case over ``url`` (no API needed), and its engine."""
    engine = create_engine_for(url)
    return EnrolmentTable(session_factory(engine)), engine


def _count(url: str) -> int:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Enrolment)) or 0)
    finally:
        engine.dispose()
