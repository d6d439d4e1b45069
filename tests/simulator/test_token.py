"""The token endpoint: client credentials, both client-auth methods, RFC 6749 §5.2 errors."""

from __future__ import annotations

import httpx2
import pytest

from simulator.embedded import RunningSimulator
from tests.support.simulator import (
    DEVICE_SCOPES,
    ENROL_SCOPE,
    SCIM_SCOPES,
    STATUS_SCOPE,
    TOKEN,
    Simulator,
    StartSimulator,
)


def assert_oauth_error(response: httpx2.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    assert response.headers["cache-control"] == "no-store"


def test_client_secret_post_grants_every_allowed_scope(api: Simulator) -> None:
    response = api.request_token()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {ENROL_SCOPE, STATUS_SCOPE, *DEVICE_SCOPES, *SCIM_SCOPES}
    assert len(body["access_token"]) >= 22  # at least 128 random bits, url-safe base64


def test_client_secret_basic(api: Simulator, simulator: RunningSimulator) -> None:
    response = api.http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": STATUS_SCOPE},
        auth=(simulator.client_id, simulator.client_secret),
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == STATUS_SCOPE


def test_tokens_are_distinct(api: Simulator) -> None:
    assert len({api.token() for _ in range(5)}) == 5


def test_requested_scopes_are_granted(api: Simulator) -> None:
    response = api.request_token(scope=f"{STATUS_SCOPE} {ENROL_SCOPE}")
    assert response.json()["scope"] == f"{STATUS_SCOPE} {ENROL_SCOPE}"


def test_scope_not_allowed(api: Simulator) -> None:
    response = api.request_token(scope=f"{STATUS_SCOPE} admin:everything")
    assert_oauth_error(response, 400, "invalid_scope")


def test_scope_outside_a_narrower_client(start_simulator: StartSimulator) -> None:
    with Simulator(start_simulator(allowed_scopes=(STATUS_SCOPE,))) as api:
        assert api.request_token().json()["scope"] == STATUS_SCOPE
        assert_oauth_error(api.request_token(scope=ENROL_SCOPE), 400, "invalid_scope")


def test_unsupported_grant_type(api: Simulator) -> None:
    assert_oauth_error(api.request_token(grant_type="password"), 400, "unsupported_grant_type")


def test_missing_grant_type(api: Simulator, simulator: RunningSimulator) -> None:
    data = {"client_id": simulator.client_id, "client_secret": simulator.client_secret}
    assert_oauth_error(api.http.post(TOKEN, data=data), 400, "invalid_request")


@pytest.mark.parametrize("method", ["post", "basic"])
def test_wrong_secret(api: Simulator, simulator: RunningSimulator, method: str) -> None:
    if method == "post":
        response = api.request_token(client_secret="wrong")
    else:
        response = api.http.post(
            TOKEN, data={"grant_type": "client_credentials"}, auth=(simulator.client_id, "wrong")
        )
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")
    assert simulator.client_secret not in response.text


def test_unknown_client(api: Simulator) -> None:
    assert_oauth_error(api.request_token(client_id="someone-else"), 401, "invalid_client")


def test_missing_client_authentication(api: Simulator) -> None:
    response = api.http.post(TOKEN, data={"grant_type": "client_credentials"})
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_malformed_basic_header(api: Simulator) -> None:
    response = api.http.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic not-base64!"},
    )
    assert_oauth_error(response, 401, "invalid_client")


def test_two_authentication_methods_at_once(api: Simulator, simulator: RunningSimulator) -> None:
    response = api.http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_secret": simulator.client_secret},
        auth=(simulator.client_id, simulator.client_secret),
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_json_body_is_refused(api: Simulator, simulator: RunningSimulator) -> None:
    response = api.http.post(
        TOKEN,
        json={
            "grant_type": "client_credentials",
            "client_id": simulator.client_id,
            "client_secret": simulator.client_secret,
        },
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_get_is_not_allowed(api: Simulator) -> None:
    assert api.http.get(TOKEN).status_code == 405


def test_generated_secret_and_repr(start_simulator: StartSimulator) -> None:
    sim = start_simulator(client_secret="")
    assert len(sim.client_secret) >= 32
    assert sim.client_secret not in repr(sim)
    assert sim.client_secret not in repr(sim.config)
    with Simulator(sim) as api:
        assert api.request_token().status_code == 200
