"""Injected faults through POST /_sim/faults: every shape, delay, count, FIFO, Retry-After."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.simulator import ENROL_SCOPE, Simulator


def test_default_fault_is_one_500(api: Simulator) -> None:
    api.fault(route="status")
    user = api.new_user()
    token = api.token()
    failed = api.status(user, token)
    assert failed.status_code == 500
    assert failed.json() == {"error": "server_error"}
    assert api.status(user, token).status_code == 404  # handled normally again


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_enrol(api: Simulator, status: int) -> None:
    api.fault(route="enrol", status=status)
    token = api.token()
    response = api.enrol(api.new_user(), token)
    assert response.status_code == status
    assert response.json() == {"error": "server_error"}
    assert api.enrol(api.new_user(), token).status_code == 200


def test_401_fault_on_a_resource_route(api: Simulator) -> None:
    api.fault(route="enrol", status=401)
    response = api.enrol(api.new_user())
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_403_fault_names_the_scope(api: Simulator) -> None:
    api.fault(route="enrol", status=403)
    response = api.enrol(api.new_user())
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert f'scope="{ENROL_SCOPE}"' in response.headers["www-authenticate"]


def test_401_fault_on_the_token_route(api: Simulator) -> None:
    api.fault(route="token", status=401)
    response = api.request_token()
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    assert api.request_token().status_code == 200


def test_429_defaults_retry_after_to_one(api: Simulator) -> None:
    api.fault(route="token", status=429)
    response = api.request_token()
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]


def test_429_with_retry_after(api: Simulator) -> None:
    api.fault(route="status", status=429, retry_after=7)
    response = api.status(api.new_user())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


def test_retry_after_on_any_status(api: Simulator) -> None:
    api.fault(route="status", status=503, retry_after=2)
    response = api.status(api.new_user())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"


def test_json_body(api: Simulator) -> None:
    api.fault(route="enrol", status=200, json={"qrCode": "not a png", "expiresIn": 5})
    response = api.enrol(api.new_user())
    assert response.status_code == 200
    assert response.json() == {"qrCode": "not a png", "expiresIn": 5}


def test_raw_body(api: Simulator) -> None:
    api.fault(route="status", status=200, body="{truncated")
    response = api.status(api.new_user())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == "{truncated"


def test_delay_then_normal_handling(api: Simulator) -> None:
    user = api.new_user()
    token = api.token()
    api.fault(route="enrol", status=200, delay=0.3)
    started = time.monotonic()
    response = api.enrol(user, token)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert set(response.json()) == {"qrCode", "expiresIn", "expiresAt"}
    assert api.status_value(user) == "PENDING"


def test_delay_then_error(api: Simulator) -> None:
    api.fault(route="token", status=503, delay=0.2)
    started = time.monotonic()
    assert api.request_token().status_code == 503
    assert time.monotonic() - started >= 0.2


def test_count_and_fifo(api: Simulator) -> None:
    api.fault(route="status", status=503, count=2)
    api.fault(route="status", status=429, retry_after=3)
    api.fault(route="enrol", status=502)
    token = api.token()
    user = api.new_user()
    seen = [api.status(user, token).status_code for _ in range(4)]
    assert seen == [503, 503, 429, 404]
    assert api.enrol(user, token).status_code == 502


def test_faults_on_one_route_leave_the_others_alone(api: Simulator) -> None:
    api.fault(route="enrol", status=500, count=3)
    assert api.request_token().status_code == 200
    assert api.status(api.new_user()).status_code == 404


def test_delete_clears_faults(api: Simulator) -> None:
    api.fault(route="token", status=500, count=5)
    api.fault(route="status", status=500)
    assert api.http.delete("/_sim/faults").status_code == 204
    assert api.request_token().status_code == 200
    assert api.status(api.new_user()).status_code == 404


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"route": "nowhere"},
        {"route": "token", "status": 99},
        {"route": "token", "status": 600},
        {"route": "token", "status": "500"},
        {"route": "token", "count": 0},
        {"route": "token", "delay": -1},
        {"route": "token", "delay": "slow"},
        {"route": "token", "retry_after": -1},
        {"route": "token", "body": 5},
        {"route": "token", "colour": "red"},
        [],
    ],
)
def test_bad_fault_specs(api: Simulator, spec: Any) -> None:
    response = api.http.post("/_sim/faults", json=spec)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert api.request_token().status_code == 200


def test_fault_body_must_be_json(api: Simulator) -> None:
    response = api.http.post("/_sim/faults", content=b"route=token")
    assert response.status_code == 400


def test_no_content_status_never_carries_a_body(api: Simulator) -> None:
    api.fault(route="status", status=204, json={"ignored": True})
    response = api.status(api.new_user())
    assert response.status_code == 204
    assert response.content == b""
