"""The client's device and push calls against the simulator: devices, pushes to all devices or
one, their states as the phone answers, removal, the scopes the token asks for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.errors import ApiForbidden, ApiNotFound, ConfigError
from dashboard.omi.client import OmiClient
from dashboard.omi.devices import Device, PushState, PushStatus
from dashboard.settings import DEFAULT_DEVICES_SCOPES
from tests.support.omi import TOKEN, Harness, Sim
from tests.support.phone import Phone
from tests.support.simulator import DEVICES, DEVICES_SCOPE, PUSH, PUSH_DEVICE, REMOVE
from tests.support.waiting import wait_until

NOW_ISH = timedelta(minutes=5)


@pytest.fixture
def phone(sim: Sim) -> Phone:
    return Phone(sim)


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def test_devices_lists_what_the_phone_enrolled(client: OmiClient, phone: Phone, user: str) -> None:
    assert client.devices(user) == []
    device_id = phone.enrol(user, "Ada's Pixel")
    [device] = client.devices(user)
    assert isinstance(device, Device)
    assert (device.id, device.name, device.platform) == (device_id, "Ada's Pixel", "Simulated")
    assert device.enrolled_at is not None
    assert abs(device.enrolled_at - datetime.now(UTC)) < NOW_ISH
    assert device.last_used_at is None


def test_a_push_to_every_device_approved_on_the_phone(
    client: OmiClient, phone: Phone, user: str
) -> None:
    device_id = phone.enrol(user)
    push_id = client.push(user, message="Sign in to the console?")
    assert client.push_status(push_id) == PushStatus(PushState.PENDING, None, "PENDING")
    phone.approve_push(user)
    assert client.push_status(push_id) == PushStatus(PushState.APPROVED, device_id, "APPROVED")
    [device] = client.devices(user)
    assert device.last_used_at is not None


def test_a_push_to_one_device_denied_on_it(
    sim: Sim, client: OmiClient, phone: Phone, user: str
) -> None:
    phone.enrol(user, "Phone")
    tablet = phone.enrol(user, "Tablet")
    push_id = client.push(user, device_id=tablet)
    assert sim.counts(f"POST {PUSH_DEVICE}") == {"200": 1}
    assert sim.counts(f"POST {PUSH}") == {}
    phone.deny_push(user)
    status = client.push_status(push_id)
    assert (status.state, status.device_id) == (PushState.DENIED, tablet)


def test_an_unanswered_push_expires(harness: Harness, user: str) -> None:
    sim = harness.sim(push_ttl=0.5)
    client = harness.client(sim)
    Phone(sim).enrol(user)
    push_id = client.push(user)
    wait_until(lambda: client.push_status(push_id).state is PushState.EXPIRED, what="expired")
    assert client.push_status(push_id).device_id is None


def test_removal_is_off_unless_its_path_is_configured(
    harness: Harness, sim: Sim, phone: Phone, user: str
) -> None:
    device_id = phone.enrol(user)
    off = harness.client(sim)
    assert not off.can_remove_devices
    with pytest.raises(ConfigError, match="OMI_DEVICE_REMOVE_PATH"):
        off.remove_device(user, device_id)
    assert sim.total(f"DELETE {REMOVE}") == 0
    on = harness.client(sim, device_remove_path=REMOVE)
    assert on.can_remove_devices
    on.remove_device(user, device_id)
    assert on.devices(user) == []
    error = harness.raises(ApiNotFound, lambda: on.push(user, device_id=device_id))
    assert f"no device {device_id!r}" in str(error)
    harness.raises(ApiNotFound, lambda: on.remove_device(user, device_id), match="removed")
    harness.raises(ApiNotFound, lambda: on.push(user), match="no enrolled device")


def test_an_unknown_push_is_not_found(harness: Harness, client: OmiClient) -> None:
    error = harness.raises(ApiNotFound, lambda: client.push_status("push-nobody-sent"))
    assert error.status_code == 404
    assert "push-nobody-sent" in str(error)


def test_a_user_the_identity_store_lacks_is_named(harness: Harness, user: str) -> None:
    sim = harness.sim(accept_any_user=False)
    client = harness.client(sim)
    for call in (lambda: client.devices(user), lambda: client.push(user)):
        error = harness.raises(ApiNotFound, call, match="identity store holds no user")
        assert user in str(error)


def test_the_device_scopes_join_the_one_token(sim: Sim, client: OmiClient, user: str) -> None:
    assert client.scopes[2:6] == DEFAULT_DEVICES_SCOPES
    client.devices(user)
    client.enrol(user)
    assert sim.counts(TOKEN) == {"200": 1}, "one token for enrolment and devices"
    assert client.check().ok


def test_without_device_scopes_the_api_names_the_one_missing(harness: Harness, user: str) -> None:
    sim = harness.sim(allowed_scopes=("credential:omi:enrol:qr:admin:post",))
    client = harness.client(sim, scopes=("credential:omi:enrol:qr:admin:post",), devices_scopes=())
    client.enrol(user)
    error = harness.raises(ApiForbidden, lambda: client.devices(user))
    assert error.scope == DEVICES_SCOPE
    assert "OMI_CLIENT_ID" in str(error)
    assert "OMI_DEVICES_SCOPES" in str(error)
    assert sim.counts(f"GET {DEVICES}") == {"403": 1}


def test_a_token_answer_without_a_device_scope_stops_the_call_before_it_is_sent(
    harness: Harness, sim: Sim, user: str
) -> None:
    narrow = "credential:omi:enrol:qr:admin:post credential:omi:enrol:status:get"
    dropped = {"access_token": sim.token(narrow), "token_type": "Bearer", "scope": narrow}
    sim.fault("token", 200, json={**dropped, "expires_in": 600})
    client = harness.client(sim)
    error = harness.raises(ApiForbidden, lambda: client.devices(user))
    assert error.scope == DEVICES_SCOPE
    assert f"lacks the scope {DEVICES_SCOPE}" in str(error)
    assert "OMI_CLIENT_ID" in str(error)
    assert "OMI_DEVICES_SCOPES" in str(error)
    assert sim.total(f"GET {DEVICES}") == 0
    client.enrol(user)  # enrolment goes on with the token it has
