"""The devices and push routes as docs/omi-devices.md says, over plain HTTP: a user's devices
filled by the phone's confirm, pushes and their states, the removal route, and the strictness
of a tenant (scopes, unknown users, pushes nobody sent, removed devices)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.phone import Phone
from tests.support.simulator import (
    DEVICES,
    DEVICES_SCOPE,
    PUSH,
    PUSH_DEVICE_SCOPE,
    PUSH_SCOPE,
    PUSH_STATUS,
    PUSH_STATUS_SCOPE,
    Simulator,
    StartSimulator,
)
from tests.support.waiting import wait_until


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_confirmed_enrolment_adds_a_device(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    listed = api.devices(user)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"devices": []}
    device_id = phone.enrol(user, "Ada's Pixel")
    response = api.devices(user)
    assert response.headers["cache-control"] == "no-store"
    [device] = response.json()["devices"]
    assert device["id"] == device_id
    assert device_id.startswith("dev-")
    assert (device["name"], device["platform"]) == ("Ada's Pixel", "Simulated")
    assert moment(device["enrolledAt"]).tzinfo is not None
    assert device["lastUsedAt"] is None
    second = phone.enrol(user, "Tablet")
    assert [d["id"] for d in api.devices(user).json()["devices"]] == [device_id, second]


def test_a_declined_enrolment_adds_no_device(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    api.device_url(user)
    phone.scan(user)
    phone.finish(user, "decline")
    assert api.devices(user).json() == {"devices": []}


def test_the_platform_comes_from_the_phones_browser(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
    api.http.post(url, data={"action": "confirm"}, headers={"User-Agent": agent})
    [device] = api.devices(user).json()["devices"]
    assert (device["name"], device["platform"]) == ("Simulated phone", "iOS")


def test_a_push_is_pending_until_a_device_approves(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    device_id = phone.enrol(user)
    response = api.push(user, message="Sign in to Payroll?")
    assert response.status_code == 200, response.text
    body = response.json()
    push_id = body["pushId"]
    assert body["status"] == "PENDING"
    assert moment(body["expiresAt"]).tzinfo is not None
    status = api.push_status(push_id).json()
    assert (status["pushId"], status["status"], status["deviceId"]) == (push_id, "PENDING", None)
    assert phone.approve_push(user) == push_id
    answered = api.push_status(push_id).json()
    assert (answered["status"], answered["deviceId"]) == ("APPROVED", device_id)
    [device] = api.devices(user).json()["devices"]
    assert device["lastUsedAt"] == answered["updatedAt"]
    assert api.phones(user)[0]["pendingPush"] is None


def test_a_denied_push_is_denied(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    device_id = phone.enrol(user)
    push_id = api.push_id(user)
    phone.deny_push(user)
    status = api.push_status(push_id).json()
    assert (status["status"], status["deviceId"]) == ("DENIED", device_id)


def test_any_device_of_the_user_may_answer_a_push_to_all(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    phone.enrol(user, "Phone")
    tablet = phone.enrol(user, "Tablet")
    push_id = api.push_id(user)
    assert all(d["pendingPush"] == push_id for d in api.phones(user))
    phone.approve_push(user, tablet)
    assert api.push_status(push_id).json()["deviceId"] == tablet
    assert all(d["pendingPush"] is None for d in api.phones(user))


def test_a_push_to_one_device_reaches_only_that_device(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    first = phone.enrol(user, "Phone")
    tablet = phone.enrol(user, "Tablet")
    push_id = api.push_id(user, tablet)
    pending = {d["id"]: d["pendingPush"] for d in api.phones(user)}
    assert pending == {first: None, tablet: push_id}
    phone.approve_push(user)
    assert api.push_status(push_id).json()["deviceId"] == tablet


def test_an_unanswered_push_expires(start_simulator: StartSimulator) -> None:
    with Simulator(start_simulator(push_ttl=0.5)) as api:
        phone = Phone(api)
        user = api.new_user()
        phone.enrol(user)
        push_id = api.push_id(user)
        wait_until(lambda: api.push_state(push_id) == "EXPIRED", what="the push expired")
        status = api.push_status(push_id).json()
        assert status["updatedAt"] == status["expiresAt"]
        assert api.phones(user)[0]["pendingPush"] is None
        url = phone.phone_url(user)
        late = api.http.post(url, data={"action": "approve", "push": push_id})
        assert late.headers["location"].endswith("done=gone")
        assert api.push_state(push_id) == "EXPIRED"


def test_an_answered_push_cannot_be_answered_again(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    phone.enrol(user)
    push_id = api.push_id(user)
    phone.approve_push(user)
    again = api.http.post(phone.phone_url(user), data={"action": "deny", "push": push_id})
    assert again.status_code == 303
    assert again.headers["location"].endswith("done=gone")
    assert api.push_state(push_id) == "APPROVED"


def test_a_removed_device_is_gone_and_cannot_be_pushed(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    kept = phone.enrol(user, "Phone")
    lost = phone.enrol(user, "Lost phone")
    lost_page = phone.phone_url(user, lost)
    removed = api.remove_device(user, lost)
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"removed": lost}
    assert [d["id"] for d in api.devices(user).json()["devices"]] == [kept]
    refused = api.push(user, lost)
    assert (refused.status_code, refused.json()) == (404, {"error": "device_not_found"})
    assert api.http.get(lost_page).status_code == 410
    again = api.remove_device(user, lost)
    assert (again.status_code, again.json()) == (404, {"error": "device_not_found"})
    assert api.remove_device(user, kept).status_code == 200
    nothing = api.push(user)
    assert (nothing.status_code, nothing.json()) == (404, {"error": "no_device"})


def test_a_user_the_store_does_not_hold_is_user_not_found(api: Simulator) -> None:
    stranger = "0123456789abcdef0123456789abcdef"
    for response in (
        api.devices(stranger),
        api.push(stranger),
        api.push(stranger, "dev-1"),
        api.remove_device(stranger, "dev-1"),
    ):
        assert (response.status_code, response.json()) == (404, {"error": "user_not_found"})
    assert api.enrol(stranger).json() == {"error": "user_not_found"}  # the same as enrol


def test_an_unknown_push_is_not_found(api: Simulator) -> None:
    response = api.push_status("push-nobody-sent")
    assert (response.status_code, response.json()) == (404, {"error": "not_found"})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "userId is missing"),
        ({"userId": "not-a-uuid"}, "userId must be a UUID"),
        ({"userId": "NEW", "message": 7}, "message must be text"),
    ],
)
def test_bad_push_requests_are_invalid_request(
    api: Simulator, body: dict[str, object], reason: str
) -> None:
    headers = {"Authorization": f"Bearer {api.token()}"}
    if body.get("userId") == "NEW":
        body = {**body, "userId": api.new_user()}
    response = api.http.post(PUSH, json=body, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": reason}


def test_other_bad_requests_are_invalid_request(api: Simulator) -> None:
    user = api.new_user()
    headers = {"Authorization": f"Bearer {api.token()}"}
    cases = [
        api.http.post(PUSH, content=b"{", headers={**headers, "Content-Type": "application/json"}),
        api.http.post(PUSH, content=b"userId=1", headers=headers),
        api.http.post(PUSH, json=[user], headers=headers),
        api.push(user, ""),
        api.http.get(DEVICES, headers=headers),
        api.http.get(PUSH_STATUS, headers=headers),
        api.remove_device(user, ""),
    ]
    for response in cases:
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("scope", "call"),
    [
        (DEVICES_SCOPE, "devices"),
        (PUSH_SCOPE, "push"),
        (PUSH_DEVICE_SCOPE, "push_device"),
        (PUSH_STATUS_SCOPE, "push_status"),
        (DEVICES_SCOPE, "remove"),
    ],
)
def test_each_route_needs_its_scope(api: Simulator, scope: str, call: str) -> None:
    user = api.new_user()
    others = "credential:omi:enrol:qr:admin:post credential:omi:enrol:status:get"
    token = api.token(others)
    response = {
        "devices": lambda: api.devices(user, token),
        "push": lambda: api.push(user, token=token),
        "push_device": lambda: api.push(user, "dev-1", token=token),
        "push_status": lambda: api.push_status("push-1", token),
        "remove": lambda: api.remove_device(user, "dev-1", token),
    }[call]()
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert f'scope="{scope}"' in response.headers["www-authenticate"]
    assert api.devices(user, "not-a-token").status_code == 401


def test_the_routes_are_counted_and_reset(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    phone.enrol(user)
    api.devices(user)
    api.push_status(api.push_id(user))
    assert api.counts(f"GET {DEVICES}") == {"200": 1}
    assert api.counts(f"POST {PUSH}") == {"200": 1}
    assert api.counts(f"GET {PUSH_STATUS}") == {"200": 1}
    assert api.http.post("/_sim/reset").status_code == 204
    assert api.http.get(f"/_sim/devices/{user}").json() == []
