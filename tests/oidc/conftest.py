"""One oidc-provider for the client-credentials suite, configured with the clients it needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import oidc
from tests.support.oidc import credentials_config


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oidc.RunningProvider]:
    """oidc-provider with the suite's clients (``credentials_config``), for this module."""
    running = oidc.start(credentials_config(), tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()
