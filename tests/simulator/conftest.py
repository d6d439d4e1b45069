"""Fixtures for the simulator's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.embedded import RunningSimulator
from tests.simulator.support import Api


@pytest.fixture
def api(simulator: RunningSimulator) -> Iterator[Api]:
    """An HTTP helper bound to the per-test ``simulator``."""
    with Api(simulator) as helper:
        yield helper
