"""The identity stores the SCIM client tests run against, on loopback, and a token source.

* SCIM 1.1: the project's simulator (its ``/scim/v1``), faults through ``/_sim/faults``.
* SCIM 2.0: ``scim2-server`` (a server nobody here wrote) in a thread, optionally handing out
  the ids a test chooses, so ids that are not UUIDs can be checked end to end.

The test modules turn these into fixtures (``tests/omi/conftest.py`` belongs to the client's
own tests).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx2
from scim2_models import ResourceType, ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.testserver.cli import ThreadingWSGIServer
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

from simulator.embedded import RunningSimulator

TOKEN_PATH = "/auth/oauth2.0/v1/token"
SCIM_SCOPES = "SCIM:user:post SCIM:user:get SCIM:user:query"


class SimulatorTokens:
    """Client-credentials tokens from the simulator, fetched lazily; counts its fetches."""

    def __init__(self, sim: RunningSimulator, scope: str = SCIM_SCOPES) -> None:
        self.sim, self.scope = sim, scope
        self.fetched: list[str] = []
        self._current: str | None = None

    def bearer(self) -> str:
        if self._current is None:
            form = {
                "grant_type": "client_credentials",
                "client_id": self.sim.client_id,
                "client_secret": self.sim.client_secret,
                "scope": self.scope,
            }
            response = httpx2.post(self.sim.base_url + TOKEN_PATH, data=form, trust_env=False)
            assert response.status_code == 200, response.text
            self._current = str(response.json()["access_token"])
            self.fetched.append(self._current)
        return self._current

    def drop(self, token: str) -> None:
        if self._current == token:
            self._current = None


def fault(sim: RunningSimulator, **spec: Any) -> None:
    """Queue a fault on the simulator (``route="scim_create"``, ``status=500``, ...)."""
    response = httpx2.post(f"{sim.base_url}/_sim/faults", json=spec, trust_env=False)
    assert response.status_code == 201, response.text


def requests_to(sim: RunningSimulator, key: str) -> dict[str, int]:
    """The simulator's counter for ``"METHOD /path"`` by status."""
    stats = httpx2.get(f"{sim.base_url}/_sim/stats", trust_env=False).json()["requests"]
    counts: dict[str, int] = stats.get(key, {})
    return counts


class ChosenIds(InMemoryStorage):
    """An in-memory store that gives new resources the ids a test queued (then its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.next_ids: list[str] = []

    def generate_id(self, resource_type: ResourceType, resource: Any) -> str:
        if self.next_ids:
            return self.next_ids.pop(0)
        return super().generate_id(resource_type, resource)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


@dataclass
class Scim2Server:
    """A running scim2-server: ``base_url`` is what ``/Users`` hangs off."""

    base_url: str
    token: str
    storage: ChosenIds
    thread: threading.Thread = field(repr=False)


@contextmanager
def serve_scim2() -> Iterator[Scim2Server]:
    """scim2-server on a free loopback port, accepting one random token; stopped afterwards."""
    token = secrets.token_urlsafe(16)
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    storage = ChosenIds()
    app = BearerTokenApplication(
        storage, provider, service=ScimService(provider), bearer_tokens=[token]
    )
    with make_server(
        "127.0.0.1", 0, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    ) as server:
        thread = threading.Thread(target=server.serve_forever, name="scim2-server", daemon=True)
        thread.start()
        try:
            yield Scim2Server(f"http://127.0.0.1:{server.server_port}/v2", token, storage, thread)
        finally:
            server.shutdown()
            thread.join(10)
