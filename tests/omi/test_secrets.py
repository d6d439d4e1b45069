"""What the client logs, once per call, and the check that no secret leaks anywhere."""

from __future__ import annotations

import logging
import uuid

import pytest

from dashboard.errors import ApiUnavailable
from dashboard.omi.client import OmiClient
from tests.support.omi import Harness, Sim, enrolled_user, logged


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


def test_a_failed_token_is_logged_once_and_the_call_as_not_sent(
    harness: Harness, sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    sim.fault("token", 500, count=3)
    client = harness.client(sim, max_retries=2)
    error = harness.raises(ApiUnavailable, lambda: client.enrol(str(uuid.uuid4())))
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


def test_the_leak_check_reads_every_phase_and_every_attribute(
    harness: Harness, sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("elsewhere").info("retrying", extra={"caused_by": harness.secret})
    assert harness.leaks(logged(caplog.get_records("call"))) == [f"secret {harness.secret[:6]}…"]
    caplog.clear()  # the record above was planted: it must not fail this test at teardown


def test_stamina_logs_a_retry_with_our_sentence_only(
    sim: Sim, client: OmiClient, caplog: pytest.LogCaptureFixture
) -> None:
    sim.fault("enrol", 503)
    client.enrol(str(uuid.uuid4()))
    (retry,) = [r for r in caplog.records if r.name == "stamina"]
    caused_by = vars(retry)["stamina.caused_by"]
    assert caused_by.startswith("Transient('The Mobile Identity API failed with HTTP 503")
    assert vars(retry)["stamina.args"] == ()
