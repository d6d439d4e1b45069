"""Fixtures for the reliability tests: the real app (AppTest) on a SQLite file, talking to the
real simulator with short timeouts, and a seeder Console on the same database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from simulator.embedded import RunningSimulator
from tests.console_support import Console, Phone, open_console
from tests.pages.conftest import Env
from tests.reliability.support import Controls

#: Short enough that a ``delay`` fault of 1.5 s is a timeout, long enough for a loaded machine.
OMI_TIMEOUT = "1"


def console_env(sim: RunningSimulator, database_url: str, poll: str = "0.2") -> dict[str, str]:
    """The environment a console process needs to talk to ``sim`` quickly."""
    return {
        "DATABASE_URL": database_url,
        "OMI_BASE_URL": sim.base_url,
        "OMI_CLIENT_ID": sim.client_id,
        "OMI_CLIENT_SECRET": sim.client_secret,
        "OMI_TIMEOUT": OMI_TIMEOUT,
        "OMI_MAX_RETRIES": "1",
        "OMI_BACKOFF": "0.01",
        "POLL_INTERVAL": poll,
    }


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OMI_/SIM_ settings leak in from the shell; cached services are dropped afterwards."""
    for name in list(os.environ):
        if name.startswith(("OMI_", "SIM_")) or name in ("DATABASE_URL", "POLL_INTERVAL"):
            monkeypatch.delenv(name)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simulator: RunningSimulator) -> Env:
    """The app configured for a temporary SQLite file and the test's simulator."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    for name, value in console_env(simulator, url).items():
        monkeypatch.setenv(name, value)
    return Env(url, simulator)


@pytest.fixture
def seeder(env: Env) -> Iterator[Console]:
    """A second Console on the same database and simulator (migrates the database first)."""
    assert env.simulator is not None
    with open_console(env.database_url, env.simulator) as console:
        yield console


@pytest.fixture
def controls(env: Env) -> Iterator[Controls]:
    """The simulator's ``/_sim/`` controls and the phone, over plain HTTP."""
    assert env.simulator is not None
    with Controls(env.simulator) as found:
        yield found


@pytest.fixture
def phone(controls: Controls, seeder: Console) -> Phone:
    """The person's phone, acting on the simulator's device pages."""
    return Phone(controls.api, seeder)
