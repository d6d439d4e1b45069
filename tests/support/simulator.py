"""Talking to a running simulator over plain httpx2 (no project client code): the contract's
calls and its ``/_sim/`` controls."""

from __future__ import annotations

import io
import uuid
from base64 import b64decode
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx2
import zxingcpp
from PIL import Image

from simulator.embedded import RunningSimulator

StartSimulator = Callable[..., RunningSimulator]
TOKEN = "/auth/oauth2.0/v1/token"
ENROL = "/omi/qr/enrol"
STATUS = "/omi/qr/enrol/status"
ENROL_SCOPE = "credential:omi:enrol:qr:admin:post"
STATUS_SCOPE = "credential:omi:enrol:status:get"
SCIM_SCOPES = ("SCIM:user:post", "SCIM:user:get", "SCIM:user:query")
DEVICES = "/omi/devices"
PUSH = "/omi/push"
PUSH_DEVICE = "/omi/push/device"
PUSH_STATUS = "/omi/push/status"
REMOVE = "/omi/sim/device"
DEVICES_SCOPE = "credential:omi:devices:get"
PUSH_SCOPE = "credential:omi:push-notification:post"
PUSH_DEVICE_SCOPE = "credential:omi:push-notification:device:post"
PUSH_STATUS_SCOPE = "credential:omi:push-notification:status:get"
DEVICE_SCOPES = (DEVICES_SCOPE, PUSH_SCOPE, PUSH_DEVICE_SCOPE, PUSH_STATUS_SCOPE)


def new_user() -> str:
    """A fresh account UUID (one the simulator's store does not hold: see
    ``Simulator.new_user``)."""
    return str(uuid.uuid4())


def decode_qr(png: bytes) -> str:
    """The text of the single QR code in ``png``."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, results
    return str(results[0].text)


class Simulator:
    """One running simulator: its API the way the contract says, and its ``/_sim/`` controls.

    Remembers every token it saw issued (revocation and reset forget them), for leak checks.
    """

    def __init__(self, running: RunningSimulator) -> None:
        self.running = running
        self.http = httpx2.Client(base_url=running.base_url, trust_env=False, timeout=10.0)
        self.tokens_seen: set[str] = set()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Note the live tokens one last time and close the HTTP client."""
        self.remember_tokens()
        self.http.close()

    # --- the contract ------------------------------------------------------------------------

    def request_token(self, **form: str) -> httpx2.Response:
        """POST the token endpoint with client_secret_post plus ``form``."""
        data = {
            "grant_type": "client_credentials",
            "client_id": self.running.client_id,
            "client_secret": self.running.client_secret,
            **form,
        }
        return self.http.post(TOKEN, data=data)

    def token(self, scope: str | None = None) -> str:
        """A fresh access token (all allowed scopes unless ``scope``)."""
        response = self.request_token(**({"scope": scope} if scope is not None else {}))
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def new_user(self) -> str:
        """A fresh user of the simulator's SCIM store (created as a tenant's would be): its id,
        32 hex digits. The simulator enrols only users its store holds."""
        headers = {"Authorization": f"Bearer {self.token('SCIM:user:post')}"}
        body = {"schemas": ["urn:scim:schemas:core:1.0"], "userName": f"u{uuid.uuid4().hex}"}
        response = self.http.post("/scim/v1/Users", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def enrol(self, user_id: str, token: str | None = None) -> httpx2.Response:
        """POST /omi/qr/enrol for ``user_id``."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.http.post(ENROL, json={"userId": user_id}, headers=headers)

    def status(self, user_id: str, token: str | None = None) -> httpx2.Response:
        """GET /omi/qr/enrol/status for ``user_id``."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.http.get(STATUS, params={"userId": user_id}, headers=headers)

    def status_value(self, user_id: str) -> str:
        """Just the status string (asserting a 200)."""
        response = self.status(user_id)
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    def device_url(self, user_id: str) -> str:
        """Enrol ``user_id`` and return the URL its QR code encodes."""
        response = self.enrol(user_id)
        assert response.status_code == 200, response.text
        return decode_qr(b64decode(response.json()["qrCode"]))

    def devices(self, user_id: str, token: str | None = None) -> httpx2.Response:
        """GET /omi/devices for ``user_id``."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.http.get(DEVICES, params={"userId": user_id}, headers=headers)

    def push(
        self,
        user_id: str,
        device_id: str | None = None,
        token: str | None = None,
        **fields: Any,
    ) -> httpx2.Response:
        """POST /omi/push (or /omi/push/device with ``device_id``) for ``user_id``."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        body = {"userId": user_id, **fields}
        if device_id is None:
            return self.http.post(PUSH, json=body, headers=headers)
        return self.http.post(PUSH_DEVICE, json={**body, "deviceId": device_id}, headers=headers)

    def push_id(self, user_id: str, device_id: str | None = None) -> str:
        """Send a push (asserting a 200) and return its id."""
        response = self.push(user_id, device_id)
        assert response.status_code == 200, response.text
        return str(response.json()["pushId"])

    def push_status(self, push_id: str, token: str | None = None) -> httpx2.Response:
        """GET /omi/push/status for ``push_id``."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.http.get(PUSH_STATUS, params={"pushId": push_id}, headers=headers)

    def push_state(self, push_id: str) -> str:
        """Just the push's status word (asserting a 200)."""
        response = self.push_status(push_id)
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    def remove_device(
        self, user_id: str, device_id: str, token: str | None = None
    ) -> httpx2.Response:
        """DELETE the simulator's own removal route for ``device_id`` of ``user_id``."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        params = {"userId": user_id, "deviceId": device_id}
        return self.http.delete(REMOVE, params=params, headers=headers)

    # --- the /_sim/ controls -----------------------------------------------------------------

    def phones(self, user_id: str) -> list[dict[str, Any]]:
        """The user's devices with ``phoneUrl`` and ``pendingPush`` (``GET /_sim/devices/...``)."""
        response = self.http.get(f"/_sim/devices/{user_id}")
        assert response.status_code == 200, response.text
        listing: list[dict[str, Any]] = response.json()
        return listing

    def fault(self, route: str, status: int | None = None, **spec: Any) -> None:
        """Queue a fault on ``route`` (token, enrol, status, scim_...); no ``status``: the
        simulator's default."""
        body = {"route": route, **({"status": status} if status is not None else {}), **spec}
        response = self.http.post("/_sim/faults", json=body)
        assert response.status_code == 201, response.text

    def clear(self) -> None:
        """Drop every queued fault: the service is well again."""
        assert self.http.delete("/_sim/faults").status_code == 204

    def revoke(self) -> None:
        """Revoke every token the service issued."""
        self.remember_tokens()
        assert self.http.post("/_sim/tokens/revoke").status_code == 200

    def stats(self) -> dict[str, dict[str, int]]:
        """The request counters: ``"METHOD /path"`` → counts by HTTP status."""
        self.remember_tokens()
        response = self.http.get("/_sim/stats")
        assert response.status_code == 200, response.text
        requests: dict[str, dict[str, int]] = response.json()["requests"]
        return requests

    def counts(self, key: str) -> dict[str, int]:
        """Counts by HTTP status for ``"METHOD /path"``."""
        return self.stats().get(key, {})

    def total(self, key: str) -> int:
        """How many requests ``"METHOD /path"`` got."""
        return sum(self.counts(key).values())

    def enrolments(self) -> dict[str, dict[str, Any]]:
        """The simulator's current enrolment of every user, by user id (hex, no dashes)."""
        response = self.http.get("/_sim/enrolments")
        assert response.status_code == 200, response.text
        return {uuid.UUID(e["userId"]).hex: e for e in response.json()}

    def enrolment(self, user_id: uuid.UUID | str) -> dict[str, Any]:
        """The simulator's current enrolment of ``user_id``."""
        response = self.http.get(f"/_sim/enrolments/{user_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def remember_tokens(self) -> None:
        """Note every live token."""
        store = self.running.store
        with store.lock:
            self.tokens_seen.update(store.tokens)

    def secrets(self) -> set[str]:
        """The client secret and every access token seen so far."""
        self.remember_tokens()
        return {self.running.client_secret, *self.tokens_seen}
