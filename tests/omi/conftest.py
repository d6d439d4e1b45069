"""Fixtures for the Mobile Identity client, run against the real simulator on loopback.

Faults are injected through the simulator's ``/_sim/faults``; the shared token is counted
through ``/_sim/stats``. Every test also checks, at teardown, that neither a client secret nor
any token the simulator issued appears in the logs (every phase, every record attribute) or in
the errors raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from dashboard.omi.client import OmiClient
from tests.support.omi import Harness, Sim, logged
from tests.support.simulator import StartSimulator


@pytest.fixture
def harness(start_simulator: StartSimulator, caplog: pytest.LogCaptureFixture) -> Iterator[Harness]:
    """Simulators and clients for one test; fails the test if a secret leaked anywhere."""
    caplog.set_level(logging.DEBUG)
    harness = Harness(start_simulator)
    yield harness
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    leaked = harness.leaks(logged([*records, *caplog.get_records("teardown")]))
    assert not leaked, f"leaked into logs or errors: {leaked}"
    assert harness.sims, "the harness saw no simulator"


@pytest.fixture
def sim(harness: Harness) -> Sim:
    return harness.sim()


@pytest.fixture
def client(harness: Harness, sim: Sim) -> OmiClient:
    return harness.client(sim)
