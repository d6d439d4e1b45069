"""Faults on enrol and status: retries, renewal on 401, malformed answers."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from dashboard.domain.statuses import Outcome
from dashboard.errors import (
    ApiAuthError,
    ApiForbidden,
    ApiNotFound,
    ApiProtocolError,
    ApiRateLimited,
    ApiUnavailable,
)
from dashboard.omi.client import OmiClient
from dashboard.omi.records import RemoteStatus
from tests.support.omi import (
    ENROL,
    ENROL_SCOPE,
    GIF,
    STATUS,
    TOKEN,
    Harness,
    Sim,
    closed_port,
    enrolled_user,
    png_b64,
    real_png,
)
from tests.support.simulator import decode_qr
from tests.support.waiting import wait_until


def test_an_unreachable_api_is_unavailable(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=1)
    error = harness.raises(ApiUnavailable, lambda: client.enrol(str(uuid.uuid4())))
    assert "OMI_BASE_URL" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None


def test_enrol_after_revocation_renews_the_token_once(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim)
    client.enrol(str(uuid.uuid4()))
    sim.revoke()
    client.enrol(str(uuid.uuid4()))
    assert sim.counts(TOKEN) == {"200": 2}
    assert sim.counts(ENROL) == {"200": 2, "401": 1}


def test_enrol_401_after_a_fresh_token_is_an_auth_error(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 401, count=2)
    client = harness.client(sim)
    error = harness.raises(ApiAuthError, lambda: client.enrol(str(uuid.uuid4())), match="401")
    assert error.status_code == 401
    assert sim.counts(TOKEN) == {"200": 2}
    assert sim.counts(ENROL) == {"401": 2}


def test_enrol_403_names_the_missing_scope(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 403)
    client = harness.client(sim)
    error = harness.raises(ApiForbidden, lambda: client.enrol(str(uuid.uuid4())), match=ENROL_SCOPE)
    assert error.scope == ENROL_SCOPE
    assert sim.total(ENROL) == 1, "403 is not retried"


def test_enrol_429_honours_retry_after(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 429, retry_after=1)
    client = harness.client(sim, backoff=0.01)
    started = time.monotonic()
    client.enrol(str(uuid.uuid4()))
    assert time.monotonic() - started >= 1.0, "the client waited as Retry-After asked"
    assert sim.counts(ENROL) == {"200": 1, "429": 1}


def test_enrol_429_after_the_retries_is_rate_limited(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 429, count=5, retry_after=0)
    client = harness.client(sim, max_retries=2)
    error = harness.raises(ApiRateLimited, lambda: client.enrol(str(uuid.uuid4())))
    assert error.status_code == 429
    assert sim.counts(ENROL) == {"429": 3}


def test_enrol_500_then_success(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 500)
    qr = harness.client(sim).enrol(str(uuid.uuid4()))
    assert decode_qr(qr.png).startswith(sim.running.public_url)
    assert sim.counts(ENROL) == {"200": 1, "500": 1}


def test_enrol_5xx_after_the_retries_is_unavailable(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 502, count=4)
    client = harness.client(sim, max_retries=3)
    harness.raises(ApiUnavailable, lambda: client.enrol(str(uuid.uuid4())), match="502")
    assert sim.counts(ENROL) == {"502": 4}


def test_enrol_timeout_is_not_resent(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 200, delay=1.0)
    client = harness.client(sim, timeout=0.3, max_retries=3)
    harness.raises(
        ApiUnavailable,
        lambda: client.enrol(str(uuid.uuid4())),
        match=r"did not answer within 0\.3 s \(POST /omi/qr/enrol\)",
    )
    wait_until(lambda: sim.total(ENROL) >= 1)
    assert sim.total(ENROL) == 1


def test_enrol_unexpected_status_is_a_protocol_error(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 418, json={"error": "teapot"})
    client = harness.client(sim)
    error = harness.raises(ApiProtocolError, lambda: client.enrol(str(uuid.uuid4())), match="418")
    assert error.status_code == 418


@pytest.mark.parametrize(
    ("fault", "match"),
    [
        ({"body": "{not json"}, "not JSON"),
        ({"json": ["qrCode"]}, "not a JSON object"),
        ({"json": {"expiresIn": 300}}, "no qrCode"),
        ({"json": {"qrCode": 42, "expiresIn": 300}}, "no qrCode"),
        ({"json": {"qrCode": "%%% not base64 %%%", "expiresIn": 300}}, "not base64"),
        ({"json": {"qrCode": png_b64(GIF), "expiresIn": 300}}, "not a PNG.*signature"),
        ({"json": {"qrCode": png_b64(real_png()[:40]), "expiresIn": 300}}, "not a PNG"),
        (
            {"json": {"qrCode": png_b64(real_png()[:-5] + b"XXXXX"), "expiresIn": 300}},
            "not a PNG",
        ),
        ({"json": {"qrCode": png_b64(real_png())}}, "neither expiresAt nor expiresIn"),
        ({"json": {"qrCode": png_b64(real_png()), "expiresAt": "tomorrow"}}, "expiresAt"),
    ],
)
def test_a_malformed_enrol_answer_is_a_protocol_error(
    harness: Harness, sim: Sim, fault: dict[str, Any], match: str
) -> None:
    sim.fault("enrol", 200, **fault)
    client = harness.client(sim)
    error = harness.raises(ApiProtocolError, lambda: client.enrol(str(uuid.uuid4())), match=match)
    assert str(error).endswith(".")


def test_a_minimal_valid_enrol_answer_is_accepted(harness: Harness, sim: Sim) -> None:
    png = real_png()
    sim.fault("enrol", 200, json={"qrCode": png_b64(png), "expiresAt": "2031-01-02T03:04:05Z"})
    qr = harness.client(sim).enrol(str(uuid.uuid4()))
    assert qr.png == png
    assert qr.expires_at == datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_status_unknown_value_is_kept_and_in_progress(harness: Harness, sim: Sim) -> None:
    sim.fault("status", 200, json={"status": "Waiting_For_Phone"})
    status = harness.client(sim).status(str(uuid.uuid4()))
    assert status == RemoteStatus("Waiting_For_Phone", Outcome.IN_PROGRESS, None, None)


@pytest.mark.parametrize(
    ("fault", "match"),
    [
        ({"body": "PENDING"}, "not JSON"),
        ({"json": {"state": "PENDING"}}, "no status"),
        ({"json": {"status": 7}}, "no status"),
        ({"json": {"status": "PENDING", "updatedAt": "yesterday"}}, "updatedAt"),
        ({"json": {"status": "ENROLLED", "deviceName": 12}}, "deviceName"),
    ],
)
def test_a_malformed_status_answer_is_a_protocol_error(
    harness: Harness, sim: Sim, fault: dict[str, Any], match: str
) -> None:
    sim.fault("status", 200, **fault)
    client = harness.client(sim)
    harness.raises(ApiProtocolError, lambda: client.status(str(uuid.uuid4())), match=match)


def test_status_404_is_not_found(harness: Harness, sim: Sim, client: OmiClient) -> None:
    user = enrolled_user(client)
    sim.fault("status", 404)
    harness.raises(ApiNotFound, lambda: client.status(user))


def test_status_401_renews_once(sim: Sim, client: OmiClient) -> None:
    user = enrolled_user(client)
    sim.fault("status", 401)
    assert client.status(user).value == "PENDING"
    assert sim.counts(TOKEN) == {"200": 2}


@pytest.mark.parametrize("code", [429, 500, 503])
def test_status_429_and_5xx_then_success(sim: Sim, client: OmiClient, code: int) -> None:
    user = enrolled_user(client)
    sim.fault("status", code, count=2, retry_after=0)
    assert client.status(user).value == "PENDING"
    assert sim.counts(STATUS) == {"200": 1, str(code): 2}


def test_status_timeout_is_retried(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, timeout=0.3, max_retries=1)
    user = enrolled_user(client)
    sim.fault("status", 200, delay=1.0)
    assert client.status(user).value == "PENDING"
    sim.fault("status", 200, delay=1.0, count=2)
    harness.raises(ApiUnavailable, lambda: client.status(user), match="within 0.3 s")
