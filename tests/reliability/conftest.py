"""The reliability tests run the app as the page tests do, but quick to call a slow API a
timeout."""

from __future__ import annotations

import pytest

from tests.support.apptest import OMI_TIMEOUT


@pytest.fixture(autouse=True)
def _short_omi_timeout(isolated_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs isolated, with a ``delay`` fault of 1.5 s being a timeout."""
    monkeypatch.setenv("OMI_TIMEOUT", OMI_TIMEOUT)
