"""Shared fixtures: real databases (SQLite files, PostgreSQL when reachable), simulators, the
use-cases on them, the app under AppTest, and Chromium. Helpers live in ``tests.support``."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from simulator.config import SimConfig
from simulator.embedded import RunningSimulator
from simulator.embedded import start as start_embedded_simulator
from tests.support.apptest import POLL_INTERVAL, Env
from tests.support.console import Console, open_console
from tests.support.phone import Phone
from tests.support.required import CHROMIUM, POSTGRES_ADMIN_URL, skip_or_fail
from tests.support.simulator import Simulator, StartSimulator

# --- databases ----------------------------------------------------------------------------


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


# --- the simulator and the use-cases on it ------------------------------------------------


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


@pytest.fixture
def api(simulator: RunningSimulator) -> Iterator[Simulator]:
    """The per-test ``simulator``'s API and ``/_sim/`` controls, over plain HTTP."""
    with Simulator(simulator) as helper:
        yield helper


@pytest.fixture
def phone(api: Simulator, request: pytest.FixtureRequest) -> Phone:
    """The person's phone, acting on the simulator's device pages; it knows the tenant's id of
    a local account through the test's ``console`` or ``seeder``, if it has one."""
    for name in ("console", "seeder"):
        if name in request.fixturenames:
            return Phone(api, request.getfixturevalue(name))
    return Phone(api)


@pytest.fixture
def console(database_url: str, simulator: RunningSimulator) -> Iterator[Console]:
    """The use-cases on each database, talking to the per-test ``simulator``."""
    with open_console(database_url, simulator) as console:
        yield console


# --- the app under AppTest ----------------------------------------------------------------


@pytest.fixture
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OMI_/SIM_/ROLES_ settings leak in from the shell; cached services are dropped
    afterwards (clearing runs ``Services.close``: the poller and any embedded simulator stop)."""
    for name in list(os.environ):
        if name.startswith(("OMI_", "SIM_", "SCIM_", "ROLES_")) or name in (
            "DATABASE_URL",
            "POLL_INTERVAL",
            "ALLOW_UNAUTHENTICATED",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("POLL_INTERVAL", POLL_INTERVAL)
    monkeypatch.setenv("PUBLIC_PORT", "0")  # the public page on a free port, never a fixed one
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def env(
    isolated_environment: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    simulator: RunningSimulator,
) -> Iterator[Env]:
    """The console configured for a temporary database and the test's simulator (the app's
    services stop before the simulator does)."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("OMI_BASE_URL", simulator.base_url)
    monkeypatch.setenv("OMI_CLIENT_ID", simulator.client_id)
    monkeypatch.setenv("OMI_CLIENT_SECRET", simulator.client_secret)
    monkeypatch.setenv("OMI_MAX_RETRIES", "1")
    monkeypatch.setenv("OMI_BACKOFF", "0.05")
    yield Env(url, simulator)
    st.cache_resource.clear()


@pytest.fixture
def demo_env(isolated_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    """The console in demo mode (no OMI_BASE_URL: it starts its own simulator)."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return Env(url, None)


@pytest.fixture
def seeder(env: Env) -> Iterator[Console]:
    """A second Console on the same database and simulator, to put data in place directly.

    The database is migrated here, before the app starts, which the app then finds at head.
    """
    assert env.simulator is not None
    with open_console(env.database_url, env.simulator) as console:
        yield console


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; skips (or fails under REQUIRE_CHROMIUM=1) when absent."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"Chromium not found at {CHROMIUM}; apt-get install chromium", "REQUIRE_CHROMIUM"
        )
    return CHROMIUM
