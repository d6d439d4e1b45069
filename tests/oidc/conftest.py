"""One oidc-provider for the client-credentials suite, configured with the clients it needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.settings import DEFAULT_SCOPES
from tests.oidc import provider as oidc

#: What the console's client asks for by default, as the provider's scopes.
ENROL, STATUS = DEFAULT_SCOPES
#: Known to the provider but granted to no client: asking for it is invalid_scope.
AUDIT = "credential:omi:audit:get"
#: The Mobile Identity API as a resource server (RFC 8707 resource indicators).
API = "https://omi.test/"
#: Secrets as generated secrets look, with RFC 6749 §2.3.1's reserved characters.
SECRETS = {"plain": "plainSecret0123456789", "reserved": "a+b/c%d:e=f&g h+/%:=&"}
SHORT_TTL = 2

METHODS = ("client_secret_post", "client_secret_basic")


def client_id(kind: str, method: str) -> str:
    """The client registered for secret ``kind`` and auth ``method``."""
    return f"{kind}-{method.removeprefix('client_secret_')}"


def _client(client_id: str, secret: str, method: str = "client_secret_post") -> dict[str, object]:
    return {
        "client_id": client_id,
        "client_secret": secret,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
        "token_endpoint_auth_method": method,
        "scope": f"{ENROL} {STATUS}",
    }


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oidc.RunningProvider]:
    """oidc-provider with a client per secret kind and auth method, plus ones for token
    formats and lifetimes; a status route at the simulator's path that checks the tokens."""
    clients = [
        _client(client_id(kind, method), secret, method)
        for kind, secret in SECRETS.items()
        for method in METHODS
    ]
    clients += [
        _client("short-lived", SECRETS["plain"]),
        _client("opaque-api", SECRETS["plain"]),
        _client("jwt-api", SECRETS["plain"]),
    ]
    config = {
        "clients": clients,
        "scopes": [ENROL, STATUS, AUDIT],
        "token_ttl": {"short-lived": SHORT_TTL},
        "resource_servers": {
            API: {"scope": f"{ENROL} {STATUS}", "accessTokenFormat": "opaque"},
            f"{API}jwt": {"scope": f"{ENROL} {STATUS}", "accessTokenFormat": "jwt"},
        },
        "default_resource": {"opaque-api": API, "jwt-api": f"{API}jwt"},
        "api": {"path": "/omi/qr/enrol/status", "scope": STATUS, "audience": f"{API}jwt"},
    }
    running = oidc.start(config, tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()
