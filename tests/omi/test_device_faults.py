"""Faults on the device and push calls, injected through the simulator: each becomes a sentence
in the project's error tree (the harness checks no secret is in any of them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from dashboard.errors import (
    ApiAuthError,
    ApiForbidden,
    ApiNotFound,
    ApiProtocolError,
    ApiRateLimited,
    ApiUnavailable,
)
from dashboard.omi.client import OmiClient
from dashboard.omi.devices import PushState
from tests.support.omi import Harness, Sim
from tests.support.phone import Phone
from tests.support.simulator import (
    DEVICES,
    DEVICES_SCOPE,
    PUSH,
    PUSH_DEVICE_SCOPE,
    PUSH_SCOPE,
    PUSH_STATUS,
    PUSH_STATUS_SCOPE,
    REMOVE,
)
from tests.support.waiting import wait_until

USER = str(uuid.uuid4())
#: Each call, the simulator's fault route for it, its counter key and its scope.
CALLS: dict[str, tuple[str, str, str]] = {
    "devices": ("devices", f"GET {DEVICES}", DEVICES_SCOPE),
    "push": ("push", f"POST {PUSH}", PUSH_SCOPE),
    "push_device": ("push_device", f"POST {PUSH}/device", PUSH_DEVICE_SCOPE),
    "push_status": ("push_status", f"GET {PUSH_STATUS}", PUSH_STATUS_SCOPE),
    "remove": ("device_remove", f"DELETE {REMOVE}", DEVICES_SCOPE),
}


def call(client: OmiClient, name: str) -> Callable[[], object]:
    """The client call ``name`` on a user, device and push that need not exist."""
    return {
        "devices": lambda: client.devices(USER),
        "push": lambda: client.push(USER),
        "push_device": lambda: client.push(USER, device_id="dev-1"),
        "push_status": lambda: client.push_status("push-1"),
        "remove": lambda: client.remove_device(USER, "dev-1"),
    }[name]


@pytest.fixture
def removing(harness: Harness, sim: Sim) -> OmiClient:
    """A client with the simulator's removal route configured."""
    return harness.client(sim, device_remove_path=REMOVE)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_403_names_the_scope_and_the_client(
    harness: Harness, sim: Sim, removing: OmiClient, name: str
) -> None:
    route, key, scope = CALLS[name]
    sim.fault(route, 403)
    error = harness.raises(ApiForbidden, call(removing, name))
    assert error.scope == scope
    assert scope in str(error)
    assert "OMI_CLIENT_ID" in str(error)
    assert sim.running.client_id in str(error)
    assert "OMI_DEVICES_SCOPES" in str(error)
    assert sim.total(key) == 1, "403 is not retried"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_401_twice_is_an_auth_error(
    harness: Harness, sim: Sim, removing: OmiClient, name: str
) -> None:
    route, key, _ = CALLS[name]
    sim.fault(route, 401, count=2)
    error = harness.raises(ApiAuthError, call(removing, name), match="401")
    assert error.status_code == 401
    assert sim.counts(key) == {"401": 2}


def test_a_revoked_token_is_renewed_once(sim: Sim, client: OmiClient) -> None:
    client.devices(USER)
    sim.revoke()
    assert client.devices(USER) == []
    assert sim.counts(f"GET {DEVICES}") == {"200": 2, "401": 1}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_429_after_the_retries_is_rate_limited_with_retry_after(
    harness: Harness, sim: Sim, name: str
) -> None:
    route, key, _ = CALLS[name]
    client = harness.client(sim, device_remove_path=REMOVE, max_retries=1)
    sim.fault(route, 429, count=2, retry_after=0)
    error = harness.raises(ApiRateLimited, call(client, name))
    assert error.retry_after == 0
    assert sim.counts(key) == {"429": 2}


def test_429_honours_retry_after_then_succeeds(sim: Sim, client: OmiClient) -> None:
    sim.fault("devices", 429, retry_after=1)
    assert client.devices(USER) == []
    assert sim.counts(f"GET {DEVICES}") == {"200": 1, "429": 1}


@pytest.mark.parametrize("code", [500, 502, 503])
def test_5xx_after_the_retries_is_unavailable(harness: Harness, sim: Sim, code: int) -> None:
    client = harness.client(sim, max_retries=1)
    sim.fault("push", code, count=2)
    harness.raises(ApiUnavailable, lambda: client.push(USER), match=str(code))
    assert sim.counts(f"POST {PUSH}") == {str(code): 2}


def test_push_status_is_sent_once_when_asked(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, max_retries=3)
    sim.fault("push_status", 503, count=5)
    harness.raises(ApiUnavailable, lambda: client.push_status("push-1", retries=0))
    assert sim.counts(f"GET {PUSH_STATUS}") == {"503": 1}
    sim.clear()
    sim.fault("push_status", 500, count=1)
    harness.raises(ApiNotFound, lambda: client.push_status("push-1"), match="no push")
    assert sim.counts(f"GET {PUSH_STATUS}") == {"503": 1, "500": 1, "404": 1}


def test_a_timeout_is_retried_for_reads_and_not_for_a_push(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, timeout=0.3, max_retries=1)
    sim.fault("devices", 200, delay=1.0)
    assert client.devices(USER) == []
    sim.fault("push", 200, delay=1.0)
    harness.raises(ApiUnavailable, lambda: client.push(USER), match=r"within 0\.3 s")
    wait_until(lambda: sim.total(f"POST {PUSH}") >= 1)
    assert sim.total(f"POST {PUSH}") == 1, "a push is not resent: the phone would ring twice"


def test_an_unreachable_api_is_unavailable(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim)
    client.devices(USER)  # the token is had; then the service goes away
    sim.running.stop()
    error = harness.raises(ApiUnavailable, lambda: client.push_status("push-1", retries=0))
    assert error.__cause__ is None
    assert error.__context__ is None


MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    ("devices", {"body": "{not json"}, "not JSON"),
    ("devices", {"json": ["dev-1"]}, "not a JSON object"),
    ("devices", {"json": {"devices": {"id": "dev-1"}}}, "no devices list"),
    ("devices", {"json": {}}, "no devices list"),
    ("devices", {"json": {"devices": ["dev-1"]}}, "not a JSON object"),
    ("devices", {"json": {"devices": [{"name": "x"}]}}, "no id text"),
    ("devices", {"json": {"devices": [{"id": 7}]}}, "no id text"),
    ("devices", {"json": {"devices": [{"id": "d", "name": 3}]}}, "no name text"),
    ("devices", {"json": {"devices": [{"id": "d", "enrolledAt": "soon"}]}}, "RFC 3339"),
    ("push", {"json": {"status": "PENDING"}}, "no pushId"),
    ("push", {"body": "<html>"}, "not JSON"),
    ("push_status", {"json": {"pushId": "p"}}, "no status"),
    ("push_status", {"json": {"status": "MAYBE"}}, "unknown push status 'MAYBE'"),
    ("push_status", {"json": {"status": "APPROVED", "deviceId": 5}}, "deviceId"),
]


@pytest.mark.parametrize(("route", "fault", "match"), MALFORMED)
def test_a_malformed_answer_is_a_protocol_error(
    harness: Harness, sim: Sim, client: OmiClient, route: str, fault: dict[str, Any], match: str
) -> None:
    sim.fault(route, 200, **fault)
    name = {"device_remove": "remove"}.get(route, route)
    harness.raises(ApiProtocolError, call(client, name), match=match)


def test_an_unexpected_status_is_a_protocol_error(
    harness: Harness, sim: Sim, removing: OmiClient
) -> None:
    sim.fault("device_remove", 418, json={"error": "teapot"})
    error = harness.raises(ApiProtocolError, lambda: removing.remove_device(USER, "d"))
    assert error.status_code == 418
    assert "OMI_BASE_URL" in str(error)


def test_a_tenants_synonyms_for_push_states_are_understood(sim: Sim, client: OmiClient) -> None:
    for word, state in [("accepted", PushState.APPROVED), ("REJECTED", PushState.DENIED)]:
        sim.fault("push_status", 200, json={"status": word, "deviceId": "dev-9"})
        status = client.push_status("push-1")
        assert (status.state, status.api_status, status.device_id) == (state, word, "dev-9")
    sim.fault("push_status", 200, json={"status": "timed out"})
    assert client.push_status("push-1").state is PushState.EXPIRED


def test_a_fault_clears_and_the_calls_work_again(sim: Sim, client: OmiClient) -> None:
    sim.fault("devices", 500, count=10)
    with pytest.raises(ApiUnavailable):
        client.devices(USER)
    sim.clear()
    Phone(sim).enrol(USER)
    assert len(client.devices(USER)) == 1


def test_a_wrong_path_says_to_check_the_paths(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, devices_path="/omi/nowhere", push_status_path="/omi/nope")
    error = harness.raises(ApiProtocolError, lambda: client.devices(USER), match="API paths")
    assert error.status_code == 404
    harness.raises(ApiProtocolError, lambda: client.push_status("push-1"), match="API paths")
