"""The Mobile Identity client against the real simulator on a loopback port (no mocks).

Faults are injected through the simulator's ``/_sim/faults``; the shared token is counted
through ``/_sim/stats``. Every test also checks, at teardown, that neither the client secret
nor any token the simulator issued appears in the captured logs or in the errors raised.
"""

from __future__ import annotations

import base64
import io
import logging
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx2
import pytest
import zxingcpp
from PIL import Image

from dashboard.domain.statuses import Outcome, classify
from dashboard.errors import (
    ApiAuthError,
    ApiError,
    ApiForbidden,
    ApiNotFound,
    ApiProtocolError,
    ApiRateLimited,
    ApiUnavailable,
)
from dashboard.omi.client import OmiClient
from dashboard.omi.records import Connectivity, QrCode, RemoteStatus
from dashboard.settings import ClientAuth, OmiSettings, Secret
from simulator.embedded import RunningSimulator
from tests.conftest import StartSimulator

TOKEN = "POST /auth/oauth2.0/v1/token"
ENROL = "POST /omi/qr/enrol"
STATUS = "GET /omi/qr/enrol/status"
ENROL_SCOPE = "credential:omi:enrol:qr:admin:post"
STATUS_SCOPE = "credential:omi:enrol:status:get"
E = TypeVar("E", bound=ApiError)


def decode_qr(png: bytes) -> str:
    """The text of the one QR code in ``png``."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, found
    return str(found[0].text)


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``check`` until true; fail after a generous deadline."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.02)


class Sim:
    """One running simulator plus a plain httpx2 client for its ``/_sim/`` controls."""

    def __init__(self, running: RunningSimulator) -> None:
        self.running = running
        self.http = httpx2.Client(base_url=running.base_url, trust_env=False, timeout=10.0)
        self.tokens_seen: set[str] = set()

    def settings(self, **overrides: Any) -> OmiSettings:
        """Client settings for this simulator: fast backoff and short timeouts for faults."""
        values: dict[str, Any] = {
            "base_url": self.running.base_url,
            "client_id": self.running.client_id,
            "client_secret": Secret(self.running.client_secret),
            "timeout": 5.0,
            "max_retries": 2,
            "backoff": 0.01,
        }
        values.update(overrides)
        return OmiSettings(**values)

    def fault(self, route: str, status: int = 500, **fields: Any) -> None:
        """Queue a fault on ``route`` (token, enrol, status)."""
        response = self.http.post("/_sim/faults", json={"route": route, "status": status, **fields})
        assert response.status_code == 201, response.text

    def stats(self, key: str) -> dict[str, int]:
        """Counts by HTTP status for ``"METHOD /path"``."""
        self.remember_tokens()
        response = self.http.get("/_sim/stats")
        assert response.status_code == 200
        counts: dict[str, int] = response.json()["requests"].get(key, {})
        return counts

    def total(self, key: str) -> int:
        return sum(self.stats(key).values())

    def revoke(self) -> None:
        self.remember_tokens()
        assert self.http.post("/_sim/tokens/revoke").status_code == 200

    def enrolment(self, user_id: uuid.UUID) -> dict[str, Any]:
        response = self.http.get(f"/_sim/enrolments/{user_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def remember_tokens(self) -> None:
        """Note every live token (the leak check looks for them in logs and errors)."""
        app: Any = self.running.server.config.app  # the simulator's Starlette app
        store = app.state.store
        with store.lock:
            self.tokens_seen.update(store.tokens)

    def close(self) -> None:
        self.remember_tokens()
        self.http.close()


class Harness:
    """Starts simulators with a per-test secret and collects everything the leak check scans."""

    def __init__(self, start: StartSimulator) -> None:
        self._start = start
        self.secret = "sek-" + secrets.token_hex(20)
        self.sims: list[Sim] = []
        self.clients: list[OmiClient] = []
        self.texts: list[str] = []

    def sim(self, **config: Any) -> Sim:
        sim = Sim(self._start(client_secret=self.secret, **config))
        self.sims.append(sim)
        return sim

    def client(self, sim: Sim, **overrides: Any) -> OmiClient:
        client = OmiClient(sim.settings(**overrides))
        self.clients.append(client)
        return client

    def raises(self, kind: type[E], call: Callable[[], object], match: str | None = None) -> E:
        """Run ``call``, expect ``kind``; keep its texts (and its chain's) for the leak check."""
        with pytest.raises(kind, match=match) as caught:
            call()
        self.note(caught.value)
        return caught.value

    def note(self, exc: BaseException | object) -> None:
        seen: set[int] = set()
        item: BaseException | None = exc if isinstance(exc, BaseException) else None
        if item is None:
            self.texts.extend([str(exc), repr(exc)])
        while item is not None and id(item) not in seen:
            seen.add(id(item))
            self.texts.extend([str(item), repr(item), *map(repr, item.args)])
            item = item.__cause__ or item.__context__

    def leaks(self, log_text: str) -> list[str]:
        for sim in self.sims:
            sim.close()
        self.texts.extend(repr(client) for client in self.clients)
        for client in self.clients:
            client.close()
        haystack = "\n".join([log_text, *self.texts])
        tokens = set().union(*(sim.tokens_seen for sim in self.sims))
        return [
            f"{'secret' if s == self.secret else 'token'} {s[:6]}…"
            for s in {self.secret, *tokens}
            if s in haystack
        ]


@pytest.fixture
def harness(start_simulator: StartSimulator, caplog: pytest.LogCaptureFixture) -> Iterator[Harness]:
    """Simulators and clients for one test; fails the test if a secret leaked anywhere."""
    caplog.set_level(logging.DEBUG)
    harness = Harness(start_simulator)
    yield harness
    leaked = harness.leaks(caplog.text)
    assert not leaked, f"leaked into logs or errors: {leaked}"
    assert harness.sims, "the harness saw no simulator"


@pytest.fixture
def sim(harness: Harness) -> Sim:
    return harness.sim()


@pytest.fixture
def client(harness: Harness, sim: Sim) -> OmiClient:
    return harness.client(sim)


def enrolled_user(client: OmiClient) -> uuid.UUID:
    user = uuid.uuid4()
    client.enrol(user)
    return user


def png_b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---- classification --------------------------------------------------------------------


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


# ---- the happy path --------------------------------------------------------------------


def test_enrol_returns_a_png_that_decodes_to_the_device_url(sim: Sim, client: OmiClient) -> None:
    user = uuid.uuid4()
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
    user = uuid.uuid4()
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
    user = uuid.uuid4()
    url = decode_qr(client.enrol(user).png)
    sim.http.get(url)
    sim.http.post(url, data={"action": "decline"})
    declined = client.status(user)
    assert (declined.value, declined.outcome) == ("DECLINED", Outcome.FAILURE)


def test_re_enrolling_supersedes_the_first_qr(client: OmiClient) -> None:
    user = uuid.uuid4()
    first = decode_qr(client.enrol(user).png)
    second = decode_qr(client.enrol(user).png)
    assert first != second
    assert client.status(user).value == "PENDING"


def test_status_of_an_unknown_user_is_not_found(harness: Harness, client: OmiClient) -> None:
    user = uuid.uuid4()
    error = harness.raises(ApiNotFound, lambda: client.status(user), match=str(user))
    assert error.status_code == 404


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_both_client_auth_methods(harness: Harness, sim: Sim, method: ClientAuth) -> None:
    client = harness.client(sim, client_auth=method)
    user = enrolled_user(client)
    assert client.status(user).value == "PENDING"
    assert sim.stats(TOKEN) == {"200": 1}

    wrong = harness.client(sim, client_auth=method, client_secret=Secret("wrong-" + method))
    error = harness.raises(ApiAuthError, lambda: wrong.enrol(uuid.uuid4()))
    assert "client id or secret was refused" in str(error)
    assert sim.stats(TOKEN)["401"] == 1, "a refused client is not retried"


def test_a_custom_user_id_field_and_paths_are_used(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, user_id_field="accountId")
    error = harness.raises(ApiProtocolError, lambda: client.enrol(uuid.uuid4()))
    assert "OMI_USER_ID_FIELD" in str(error)
    assert sim.stats(ENROL) == {"400": 1}

    client = harness.client(sim, enrol_path="/omi/v9/enrol")
    error = harness.raises(ApiProtocolError, lambda: client.enrol(uuid.uuid4()))
    assert "404" in str(error)
    assert "/omi/v9/enrol" in str(error)


def test_a_token_url_elsewhere_is_used(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, token_url=sim.running.base_url + "/auth/oauth2.0/v1/token")
    client.enrol(uuid.uuid4())
    bad = harness.client(sim, token_url="/nowhere/token")
    error = harness.raises(ApiProtocolError, lambda: bad.enrol(uuid.uuid4()), match="404")
    assert "/nowhere/token" in str(error)


# ---- scopes ----------------------------------------------------------------------------


def test_the_configured_scopes_are_requested(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, scopes=(ENROL_SCOPE,))
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
    assert set(result.scopes) == {ENROL_SCOPE, STATUS_SCOPE}
    assert result.latency_ms > 0
    assert sim.running.base_url in result.message
    client.check()
    assert sim.stats(TOKEN) == {"200": 2}, "check fetches a fresh token each time"


def test_check_never_raises(harness: Harness) -> None:
    sim = harness.sim(allowed_scopes=(ENROL_SCOPE,))
    refused = harness.client(sim).check()
    assert not refused.ok
    assert refused.scopes == ()
    assert "OMI_SCOPES" in refused.message

    wrong = harness.client(sim, client_secret=Secret("nope")).check()
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


# ---- faults on the token endpoint ------------------------------------------------------


def test_token_500_is_retried(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 500)
    harness.client(sim).enrol(uuid.uuid4())
    assert sim.stats(TOKEN) == {"200": 1, "500": 1}


def test_token_500_after_the_retries_is_unavailable(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 503, count=3)
    client = harness.client(sim, max_retries=2)
    error = harness.raises(ApiUnavailable, lambda: client.enrol(uuid.uuid4()), match="503")
    assert error.status_code == 503
    assert sim.stats(TOKEN) == {"503": 3}
    assert sim.total(ENROL) == 0


def test_token_timeout_is_unavailable(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 200, delay=1.0)
    client = harness.client(sim, timeout=0.3, max_retries=0)
    harness.raises(ApiUnavailable, lambda: client.enrol(uuid.uuid4()), match="within 0.3 s")


def test_token_invalid_client_is_an_auth_error(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 401)
    client = harness.client(sim)
    error = harness.raises(ApiAuthError, lambda: client.enrol(uuid.uuid4()))
    assert "client id or secret was refused" in str(error)
    assert error.status_code == 401


def test_token_429_after_the_retries_is_rate_limited(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 429, count=2, retry_after=0)
    client = harness.client(sim, max_retries=1)
    harness.raises(ApiRateLimited, lambda: client.status(uuid.uuid4()))
    assert sim.stats(TOKEN) == {"429": 2}


@pytest.mark.parametrize(
    ("fault", "match"),
    [
        ({"body": "<html>oops</html>"}, "not a JSON token"),
        ({"json": {"token_type": "Bearer", "expires_in": 60}}, "no access_token"),
        ({"json": {"access_token": "x", "token_type": "MAC", "expires_in": 60}}, "Bearer"),
        ({"json": {"access_token": "x", "expires_in": "soon"}}, "expires_in"),
    ],
)
def test_a_malformed_token_answer_is_a_protocol_error(
    harness: Harness, sim: Sim, fault: dict[str, Any], match: str
) -> None:
    sim.fault("token", 200, **fault)
    client = harness.client(sim)
    harness.raises(ApiProtocolError, lambda: client.enrol(uuid.uuid4()), match=match)


def test_an_unreachable_api_is_unavailable(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=1)
    error = harness.raises(ApiUnavailable, lambda: client.enrol(uuid.uuid4()))
    assert "OMI_BASE_URL" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None


# ---- faults on enrol -------------------------------------------------------------------


def test_enrol_after_revocation_renews_the_token_once(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim)
    client.enrol(uuid.uuid4())
    sim.revoke()
    client.enrol(uuid.uuid4())
    assert sim.stats(TOKEN) == {"200": 2}
    assert sim.stats(ENROL) == {"200": 2, "401": 1}


def test_enrol_401_after_a_fresh_token_is_an_auth_error(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 401, count=2)
    client = harness.client(sim)
    error = harness.raises(ApiAuthError, lambda: client.enrol(uuid.uuid4()), match="401")
    assert error.status_code == 401
    assert sim.stats(TOKEN) == {"200": 2}
    assert sim.stats(ENROL) == {"401": 2}


def test_enrol_403_names_the_missing_scope(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 403)
    client = harness.client(sim)
    error = harness.raises(ApiForbidden, lambda: client.enrol(uuid.uuid4()), match=ENROL_SCOPE)
    assert error.scope == ENROL_SCOPE
    assert sim.total(ENROL) == 1, "403 is not retried"


def test_enrol_429_honours_retry_after(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 429, retry_after=1)
    client = harness.client(sim, backoff=0.01)
    started = time.monotonic()
    client.enrol(uuid.uuid4())
    assert time.monotonic() - started >= 1.0, "the client waited as Retry-After asked"
    assert sim.stats(ENROL) == {"200": 1, "429": 1}


def test_enrol_429_after_the_retries_is_rate_limited(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 429, count=5, retry_after=0)
    client = harness.client(sim, max_retries=2)
    error = harness.raises(ApiRateLimited, lambda: client.enrol(uuid.uuid4()))
    assert error.status_code == 429
    assert sim.stats(ENROL) == {"429": 3}


def test_enrol_500_then_success(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 500)
    qr = harness.client(sim).enrol(uuid.uuid4())
    assert decode_qr(qr.png).startswith(sim.running.public_url)
    assert sim.stats(ENROL) == {"200": 1, "500": 1}


def test_enrol_5xx_after_the_retries_is_unavailable(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 502, count=4)
    client = harness.client(sim, max_retries=3)
    harness.raises(ApiUnavailable, lambda: client.enrol(uuid.uuid4()), match="502")
    assert sim.stats(ENROL) == {"502": 4}


def test_enrol_timeout_is_not_resent(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 200, delay=1.0)
    client = harness.client(sim, timeout=0.3, max_retries=3)
    harness.raises(
        ApiUnavailable,
        lambda: client.enrol(uuid.uuid4()),
        match=r"did not answer within 0\.3 s \(POST /omi/qr/enrol\)",
    )
    wait_until(lambda: sim.total(ENROL) >= 1)
    assert sim.total(ENROL) == 1


def test_enrol_unexpected_status_is_a_protocol_error(harness: Harness, sim: Sim) -> None:
    sim.fault("enrol", 418, json={"error": "teapot"})
    client = harness.client(sim)
    error = harness.raises(ApiProtocolError, lambda: client.enrol(uuid.uuid4()), match="418")
    assert error.status_code == 418


GIF = base64.b64decode("R0lGODlhAQABAAAAACwAAAAAAQABAAACAkQBADs=")


def real_png() -> bytes:
    image = Image.new("1", (8, 8))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


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
    error = harness.raises(ApiProtocolError, lambda: client.enrol(uuid.uuid4()), match=match)
    assert str(error).endswith(".")


def test_a_minimal_valid_enrol_answer_is_accepted(harness: Harness, sim: Sim) -> None:
    png = real_png()
    sim.fault("enrol", 200, json={"qrCode": png_b64(png), "expiresAt": "2031-01-02T03:04:05Z"})
    qr = harness.client(sim).enrol(uuid.uuid4())
    assert qr.png == png
    assert qr.expires_at == datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)


# ---- faults on status ------------------------------------------------------------------


def test_status_unknown_value_is_kept_and_in_progress(harness: Harness, sim: Sim) -> None:
    sim.fault("status", 200, json={"status": "Waiting_For_Phone"})
    status = harness.client(sim).status(uuid.uuid4())
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
    harness.raises(ApiProtocolError, lambda: client.status(uuid.uuid4()), match=match)


def test_status_404_is_not_found(harness: Harness, sim: Sim, client: OmiClient) -> None:
    user = enrolled_user(client)
    sim.fault("status", 404)
    harness.raises(ApiNotFound, lambda: client.status(user))


def test_status_401_renews_once(sim: Sim, client: OmiClient) -> None:
    user = enrolled_user(client)
    sim.fault("status", 401)
    assert client.status(user).value == "PENDING"
    assert sim.stats(TOKEN) == {"200": 2}


@pytest.mark.parametrize("code", [429, 500, 503])
def test_status_429_and_5xx_then_success(sim: Sim, client: OmiClient, code: int) -> None:
    user = enrolled_user(client)
    sim.fault("status", code, count=2, retry_after=0)
    assert client.status(user).value == "PENDING"
    assert sim.stats(STATUS) == {"200": 1, str(code): 2}


def test_status_timeout_is_retried(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, timeout=0.3, max_retries=1)
    user = enrolled_user(client)
    sim.fault("status", 200, delay=1.0)
    assert client.status(user).value == "PENDING"
    sim.fault("status", 200, delay=1.0, count=2)
    harness.raises(ApiUnavailable, lambda: client.status(user), match="within 0.3 s")


# ---- one token for every thread --------------------------------------------------------


def in_threads(count: int, call: Callable[[], object]) -> list[object]:
    """Run ``call`` in ``count`` threads released at once; return results (or errors)."""
    barrier = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == count
    return results


def test_eight_threads_share_one_token_across_expiry(harness: Harness) -> None:
    sim = harness.sim(token_ttl=2.0)
    client = harness.client(sim)
    seed = OmiClient(sim.settings())
    user = enrolled_user(seed)
    seed.close()
    assert sim.stats(TOKEN) == {"200": 1}

    fetched = time.monotonic()
    results = in_threads(8, lambda: client.status(user))
    assert all(isinstance(r, RemoteStatus) for r in results), results
    assert sim.stats(TOKEN) == {"200": 2}, "eight threads, one token request"

    time.sleep(max(0.0, fetched + 2.2 - time.monotonic()))  # past the 2 s lifetime
    results = in_threads(8, lambda: client.status(user))
    assert all(isinstance(r, RemoteStatus) for r in results), results
    assert sim.stats(TOKEN) == {"200": 3}, "after expiry, exactly one more"
    assert sim.stats(STATUS) == {"200": 16}, "renewed before expiry: no 401"


def test_eight_threads_after_revocation_renew_once(sim: Sim, client: OmiClient) -> None:
    user = enrolled_user(client)
    sim.revoke()
    results = in_threads(8, lambda: client.status(user))
    assert all(isinstance(r, RemoteStatus) for r in results), results
    assert sim.stats(TOKEN) == {"200": 2}


# ---- logging ---------------------------------------------------------------------------


def test_each_call_is_logged(sim: Sim, client: OmiClient, caplog: pytest.LogCaptureFixture) -> None:
    sim.fault("enrol", 500)
    user = enrolled_user(client)
    client.status(user)
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.omi"]
    assert any(line.startswith("POST /auth/oauth2.0/v1/token → 200") for line in lines), lines
    assert any(
        line.startswith("POST /omi/qr/enrol → 200") and "1 retries" in line for line in lines
    )
    assert any(line.startswith("GET /omi/qr/enrol/status → 200 in") for line in lines), lines


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_failed_token_is_logged_once_and_the_call_as_not_sent(
    harness: Harness, sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    sim.fault("token", 500, count=3)
    client = harness.client(sim, max_retries=2)
    error = harness.raises(ApiUnavailable, lambda: client.enrol(uuid.uuid4()))
    assert error.__cause__ is None
    assert error.__context__ is None
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.omi"]
    assert lines == [
        line for line in lines if "2 retries: ApiUnavailable" in line or "not sent" in line
    ]
    assert lines[0].startswith("POST /auth/oauth2.0/v1/token → 500 in")
    assert lines[1].startswith("POST /omi/qr/enrol → not sent (no token) in")


def test_the_leak_check_finds_a_leak(harness: Harness, sim: Sim, client: OmiClient) -> None:
    enrolled_user(client)
    sim.remember_tokens()
    (token,) = sim.tokens_seen
    assert harness.leaks(f"header Bearer {token}") == [f"token {token[:6]}…"]
    assert harness.leaks(f"client_secret={harness.secret}") == [f"secret {harness.secret[:6]}…"]


def test_the_client_is_a_context_manager(sim: Sim) -> None:
    with OmiClient(sim.settings()) as client:
        client.enrol(uuid.uuid4())
    with pytest.raises(RuntimeError):
        client.enrol(uuid.uuid4())


def test_a_failed_check_keeps_the_working_token(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, max_retries=0)
    user = enrolled_user(client)
    sim.fault("token", 500)
    result = client.check()
    assert not result.ok
    assert "500" in result.message
    harness.texts.append(result.message)
    assert client.status(user).value == "PENDING"
    assert sim.stats(TOKEN) == {"200": 1, "500": 1}
