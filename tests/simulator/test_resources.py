"""POST /omi/qr/enrol and GET /omi/qr/enrol/status, with the RFC 6750 errors."""

from __future__ import annotations

import uuid
from base64 import b64decode
from datetime import UTC, datetime

import httpx2
import pytest

from tests.support.simulator import (
    ENROL,
    ENROL_SCOPE,
    STATUS,
    STATUS_SCOPE,
    Simulator,
    StartSimulator,
    decode_qr,
)
from tests.support.waiting import wait_until

INVALID_TOKEN = 'Bearer error="invalid_token"'


def assert_invalid_token(response: httpx2.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_token"
    assert response.headers["www-authenticate"] == INVALID_TOKEN


def assert_invalid_request(response: httpx2.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


def test_enrol_returns_a_png_qr_of_the_device_url(api: Simulator) -> None:
    before = datetime.now(UTC)
    response = api.enrol(api.new_user())
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"qrCode", "expiresIn", "expiresAt"}
    assert not body["qrCode"].startswith("data:")
    png = b64decode(body["qrCode"], validate=True)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    url = decode_qr(png)
    prefix = f"{api.running.public_url}/device/enrol/"
    assert url.startswith(prefix)
    assert len(url.removeprefix(prefix)) >= 32  # 24 random bytes, url-safe base64
    assert body["expiresIn"] == 300
    expires_at = datetime.fromisoformat(body["expiresAt"])
    assert expires_at.utcoffset() is not None
    assert 299 <= (expires_at - before).total_seconds() <= 301


def test_status_pending_after_enrol(api: Simulator) -> None:
    user = api.new_user()
    api.enrol(user)
    response = api.status(user)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "PENDING"
    assert "deviceName" not in body
    assert datetime.fromisoformat(body["updatedAt"]).utcoffset() is not None


def test_user_id_with_or_without_dashes(api: Simulator) -> None:
    user = uuid.UUID(api.new_user())
    assert api.enrol(user.hex.upper()).status_code == 200
    assert api.status_value(str(user)) == "PENDING"
    assert api.status_value(user.hex) == "PENDING"


def test_status_of_unknown_user_is_404(api: Simulator) -> None:
    response = api.status(api.new_user())
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


@pytest.mark.parametrize(
    "user_id", ["", "not-a-uuid", "123", "{12345678-1234-5678-1234-567812345678}", "g" * 32]
)
def test_malformed_user_id(api: Simulator, user_id: str) -> None:
    assert_invalid_request(api.enrol(user_id))
    assert_invalid_request(api.status(user_id))


def test_status_without_user_id(api: Simulator) -> None:
    headers = {"Authorization": f"Bearer {api.token()}"}
    assert_invalid_request(api.http.get(STATUS, headers=headers))


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"userId": 5}', "application/json"),
        (b'["' + str(uuid.uuid4()).encode() + b'"]', "application/json"),
        (b"{}", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"userId=" + str(uuid.uuid4()).encode(), "application/x-www-form-urlencoded"),
        (b"", "text/plain"),
    ],
)
def test_bad_enrol_bodies(api: Simulator, content: bytes, content_type: str) -> None:
    headers = {"Authorization": f"Bearer {api.token()}", "Content-Type": content_type}
    assert_invalid_request(api.http.post(ENROL, content=content, headers=headers))


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer unknown-token", "Basic abc"])
def test_missing_or_unknown_token(api: Simulator, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    user = api.new_user()
    assert_invalid_token(api.http.post(ENROL, json={"userId": user}, headers=headers))
    assert_invalid_token(api.http.get(STATUS, params={"userId": user}, headers=headers))


def test_expired_token(start_simulator: StartSimulator) -> None:
    with Simulator(start_simulator(token_ttl=0.3)) as api:
        token = api.token()
        user = api.new_user()
        assert api.enrol(user, token).status_code == 200
        wait_until(lambda: api.status(user, token).status_code == 401)
        assert_invalid_token(api.status(user, token))
        assert_invalid_token(api.enrol(user, token))
        assert api.status(user).status_code == 200  # a fresh token works


def test_revoked_token(api: Simulator) -> None:
    token = api.token()
    user = api.new_user()
    assert api.enrol(user, token).status_code == 200
    revoked = api.http.post("/_sim/tokens/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] >= 1
    assert_invalid_token(api.status(user, token))
    assert_invalid_token(api.enrol(user, token))
    assert api.status_value(user) == "PENDING"


def test_insufficient_scope(api: Simulator) -> None:
    user = api.new_user()
    status_only = api.token(STATUS_SCOPE)
    enrol_only = api.token(ENROL_SCOPE)
    refused = api.enrol(user, status_only)
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert refused.headers["www-authenticate"] == (
        f'Bearer error="insufficient_scope", scope="{ENROL_SCOPE}"'
    )
    assert api.enrol(user, enrol_only).status_code == 200
    refused = api.status(user, enrol_only)
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"] == (
        f'Bearer error="insufficient_scope", scope="{STATUS_SCOPE}"'
    )
    assert api.status(user, status_only).status_code == 200


def test_auth_is_checked_before_the_body(api: Simulator) -> None:
    response = api.http.post(ENROL, content=b"junk", headers={"Content-Type": "text/plain"})
    assert_invalid_token(response)


def test_deeply_nested_json_is_a_bad_request(api: Simulator) -> None:
    headers = {"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"}
    response = api.http.post(ENROL, content=b"[" * 100_000, headers=headers)
    assert_invalid_request(response)
