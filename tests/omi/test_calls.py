"""The client's calls on the happy path, its configuration and its connectivity check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from dashboard.domain.statuses import Outcome, classify
from dashboard.errors import ApiForbidden, ApiNotFound, ApiProtocolError
from dashboard.omi.client import OmiClient
from dashboard.omi.records import Connectivity, QrCode
from dashboard.settings import DEFAULT_DEVICES_SCOPES
from tests.support.omi import (
    ENROL,
    ENROL_SCOPE,
    STATUS_SCOPE,
    TOKEN,
    Harness,
    Sim,
    closed_port,
    enrolled_user,
)
from tests.support.simulator import decode_qr


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("ENROLLED", Outcome.SUCCESS),
        ("enrolled", Outcome.SUCCESS),
        ("Completed", Outcome.SUCCESS),
        ("CONFIRMED", Outcome.SUCCESS),
        ("success", Outcome.SUCCESS),
        (" ENROLLED ", Outcome.SUCCESS),
        ("EXPIRED", Outcome.FAILURE),
        ("declined", Outcome.FAILURE),
        ("Rejected", Outcome.FAILURE),
        ("FAILED", Outcome.FAILURE),
        ("cancelled", Outcome.FAILURE),
        ("PENDING", Outcome.IN_PROGRESS),
        ("SCANNED", Outcome.IN_PROGRESS),
        ("WAITING_FOR_PHONE", Outcome.IN_PROGRESS),
        ("", Outcome.IN_PROGRESS),
    ],
)
def test_classify(value: str, outcome: Outcome) -> None:
    assert classify(value) is outcome


def test_enrol_returns_a_png_that_decodes_to_the_device_url(sim: Sim, client: OmiClient) -> None:
    user = str(uuid.uuid4())
    before = datetime.now(UTC)
    qr = client.enrol(user)
    assert isinstance(qr, QrCode)
    assert qr.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert decode_qr(qr.png) == sim.enrolment(user)["deviceUrl"]
    assert qr.expires_at.tzinfo is not None
    assert qr.expires_at.utcoffset() == timedelta(0)
    assert before + timedelta(seconds=250) < qr.expires_at < before + timedelta(seconds=350)
    assert str(len(qr.png)) in repr(qr)
    assert "PNG" not in repr(qr)


def test_status_follows_the_device_from_pending_to_enrolled(sim: Sim, client: OmiClient) -> None:
    user = str(uuid.uuid4())
    url = decode_qr(client.enrol(user).png)
    pending = client.status(user)
    assert (pending.value, pending.outcome, pending.device_name) == (
        "PENDING",
        Outcome.IN_PROGRESS,
        None,
    )
    assert pending.updated_at is not None
    assert pending.updated_at.tzinfo is not None

    assert sim.http.get(url).status_code == 200  # the scan
    scanned = client.status(user)
    assert (scanned.value, scanned.outcome) == ("SCANNED", Outcome.IN_PROGRESS)

    answer = sim.http.post(url, data={"action": "confirm", "device_name": "Test phone"})
    assert answer.status_code == 200
    enrolled = client.status(user)
    assert (enrolled.value, enrolled.outcome) == ("ENROLLED", Outcome.SUCCESS)
    assert enrolled.device_name == "Test phone"


def test_decline_is_a_failure(sim: Sim, client: OmiClient) -> None:
    user = str(uuid.uuid4())
    url = decode_qr(client.enrol(user).png)
    sim.http.get(url)
    sim.http.post(url, data={"action": "decline"})
    declined = client.status(user)
    assert (declined.value, declined.outcome) == ("DECLINED", Outcome.FAILURE)


def test_re_enrolling_supersedes_the_first_qr(client: OmiClient) -> None:
    user = str(uuid.uuid4())
    first = decode_qr(client.enrol(user).png)
    second = decode_qr(client.enrol(user).png)
    assert first != second
    assert client.status(user).value == "PENDING"


def test_status_of_an_unknown_user_is_not_found(harness: Harness, client: OmiClient) -> None:
    user = str(uuid.uuid4())
    error = harness.raises(ApiNotFound, lambda: client.status(user), match=str(user))
    assert error.status_code == 404


def test_a_custom_user_id_field_and_paths_are_used(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, user_id_field="accountId")
    error = harness.raises(ApiProtocolError, lambda: client.enrol(str(uuid.uuid4())))
    assert "OMI_USER_ID_FIELD" in str(error)
    assert sim.counts(ENROL) == {"400": 1}

    client = harness.client(sim, enrol_path="/omi/v9/enrol")
    error = harness.raises(ApiProtocolError, lambda: client.enrol(str(uuid.uuid4())))
    assert "404" in str(error)
    assert "/omi/v9/enrol" in str(error)


def test_a_token_url_elsewhere_is_used(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, token_url=sim.running.base_url + "/auth/oauth2.0/v1/token")
    client.enrol(str(uuid.uuid4()))
    bad = harness.client(sim, token_url="/nowhere/token")
    error = harness.raises(ApiProtocolError, lambda: bad.enrol(str(uuid.uuid4())), match="404")
    assert "/nowhere/token" in str(error)


def test_the_configured_scopes_are_requested(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, scopes=(ENROL_SCOPE,), devices_scopes=())
    user = enrolled_user(client)
    error = harness.raises(ApiForbidden, lambda: client.status(user), match=STATUS_SCOPE)
    assert error.scope == STATUS_SCOPE
    assert error.status_code == 403
    checked = client.check()
    assert checked.ok
    assert checked.scopes == (ENROL_SCOPE,)


def test_check_reports_scopes_and_latency(client: OmiClient, sim: Sim) -> None:
    result = client.check()
    assert isinstance(result, Connectivity)
    assert result.ok
    assert set(result.scopes) == {ENROL_SCOPE, STATUS_SCOPE, *DEFAULT_DEVICES_SCOPES}
    assert result.latency_ms > 0
    assert sim.running.base_url in result.message
    client.check()
    assert sim.counts(TOKEN) == {"200": 2}, "check fetches a fresh token each time"


def test_check_never_raises(harness: Harness) -> None:
    sim = harness.sim(allowed_scopes=(ENROL_SCOPE,))
    refused = harness.client(sim).check()
    assert not refused.ok
    assert refused.scopes == ()
    assert "OMI_SCOPES" in refused.message

    wrong = harness.client(sim, client_secret=SecretStr("nope")).check()
    assert not wrong.ok
    assert "client id or secret was refused" in wrong.message

    nobody = harness.client(sim, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0)
    down = nobody.check()
    assert not down.ok
    assert "OMI_BASE_URL" in down.message
    harness.texts.extend([refused.message, wrong.message, down.message])


def test_repr_shows_base_url_and_client_id_only(sim: Sim, client: OmiClient) -> None:
    text = repr(client)
    assert sim.running.base_url in text
    assert sim.running.client_id in text
    assert sim.running.client_secret not in text


def test_the_client_is_a_context_manager(sim: Sim) -> None:
    with OmiClient(sim.settings()) as client:
        client.enrol(str(uuid.uuid4()))
    with pytest.raises(RuntimeError):
        client.enrol(str(uuid.uuid4()))
