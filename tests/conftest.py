"""Shared fixtures: real databases (SQLite files, PostgreSQL when reachable) and Chromium."""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.config import SimConfig
from simulator.embedded import RunningSimulator
from simulator.embedded import start as start_embedded_simulator

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _require(env: str) -> bool:
    return os.environ.get(env, "") not in ("", "0")


def skip_or_fail(reason: str, env: str) -> None:
    """Skip with ``reason``, or fail when ``env`` says this run must not skip (CI)."""
    if _require(env):
        pytest.fail(f"{reason} (and {env}=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file under ``tmp_path``."""
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards; skips when unreachable."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError:
        admin.dispose()
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}", "REQUIRE_POSTGRES")
    name = f"console_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each database test runs on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; skips (or fails under REQUIRE_CHROMIUM=1) when absent."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"Chromium not found at {CHROMIUM}; apt-get install chromium", "REQUIRE_CHROMIUM"
        )
    return CHROMIUM


StartSimulator = Callable[..., RunningSimulator]


@pytest.fixture
def start_simulator() -> Iterator[StartSimulator]:
    """Start simulators with ``SimConfig`` overrides (``qr_ttl=0.5``...); all stop at teardown."""
    started: list[RunningSimulator] = []

    def start(**overrides: Any) -> RunningSimulator:
        config = dataclasses.replace(SimConfig(), **overrides)
        running = start_embedded_simulator(config)
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        running.stop()


@pytest.fixture
def simulator(start_simulator: StartSimulator) -> RunningSimulator:
    """A fresh embedded simulator on a free loopback port, stopped after the test."""
    return start_simulator()
