"""A small HTTP helper for the simulator tests (plain httpx2, no project client code)."""

from __future__ import annotations

import io
import time
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


def new_user() -> str:
    """A fresh account UUID (one the simulator's store does not hold: see ``Api.new_user``)."""
    return str(uuid.uuid4())


def decode_qr(png: bytes) -> str:
    """The text of the single QR code in ``png``."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, results
    return str(results[0].text)


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``check`` until true; fail after a generous deadline."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.05)


class Api:
    """Talks to one running simulator the way the contract says."""

    def __init__(self, sim: RunningSimulator) -> None:
        self.sim = sim
        self.http = httpx2.Client(base_url=sim.base_url, trust_env=False, timeout=10.0)

    def __enter__(self) -> Api:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.http.close()

    def request_token(self, **form: str) -> httpx2.Response:
        """POST the token endpoint with client_secret_post plus ``form``."""
        data = {
            "grant_type": "client_credentials",
            "client_id": self.sim.client_id,
            "client_secret": self.sim.client_secret,
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

    def fault(self, **spec: Any) -> None:
        """Queue a fault through /_sim/faults."""
        response = self.http.post("/_sim/faults", json=spec)
        assert response.status_code == 201, response.text

    def stats(self) -> dict[str, dict[str, int]]:
        """The request counters."""
        response = self.http.get("/_sim/stats")
        assert response.status_code == 200, response.text
        requests: dict[str, dict[str, int]] = response.json()["requests"]
        return requests
