"""The token: both client-auth methods, the token endpoint's faults, one token for all threads."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import quote_plus

import pytest
from pydantic import SecretStr

from dashboard.errors import ApiAuthError, ApiProtocolError, ApiRateLimited, ApiUnavailable
from dashboard.omi.client import OmiClient
from dashboard.omi.records import RemoteStatus
from dashboard.settings import ClientAuth
from tests.support.omi import ENROL, STATUS, TOKEN, Harness, Sim, enrolled_user, in_threads


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_both_client_auth_methods(harness: Harness, sim: Sim, method: ClientAuth) -> None:
    client = harness.client(sim, client_auth=method)
    user = enrolled_user(client)
    assert client.status(user).value == "PENDING"
    assert sim.counts(TOKEN) == {"200": 1}

    wrong = harness.client(sim, client_auth=method, client_secret=SecretStr("wrong-" + method))
    error = harness.raises(ApiAuthError, lambda: wrong.enrol(str(uuid.uuid4())))
    assert "client id or secret was refused" in str(error)
    assert sim.counts(TOKEN)["401"] == 1, "a refused client is not retried"


def test_token_500_is_retried(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 500)
    harness.client(sim).enrol(str(uuid.uuid4()))
    assert sim.counts(TOKEN) == {"200": 1, "500": 1}


def test_token_500_after_the_retries_is_unavailable(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 503, count=3)
    client = harness.client(sim, max_retries=2)
    error = harness.raises(ApiUnavailable, lambda: client.enrol(str(uuid.uuid4())), match="503")
    assert error.status_code == 503
    assert sim.counts(TOKEN) == {"503": 3}
    assert sim.total(ENROL) == 0


def test_token_timeout_is_unavailable(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 200, delay=1.0)
    client = harness.client(sim, timeout=0.3, max_retries=0)
    harness.raises(ApiUnavailable, lambda: client.enrol(str(uuid.uuid4())), match="within 0.3 s")


def test_token_invalid_client_is_an_auth_error(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 401)
    client = harness.client(sim)
    error = harness.raises(ApiAuthError, lambda: client.enrol(str(uuid.uuid4())))
    assert "client id or secret was refused" in str(error)
    assert error.status_code == 401


def test_token_429_after_the_retries_is_rate_limited(harness: Harness, sim: Sim) -> None:
    sim.fault("token", 429, count=2, retry_after=0)
    client = harness.client(sim, max_retries=1)
    harness.raises(ApiRateLimited, lambda: client.status(str(uuid.uuid4())))
    assert sim.counts(TOKEN) == {"429": 2}


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
    harness.raises(ApiProtocolError, lambda: client.enrol(str(uuid.uuid4())), match=match)


def test_eight_threads_share_one_token_across_expiry(harness: Harness) -> None:
    sim = harness.sim(token_ttl=2.0)
    client = harness.client(sim)
    seed = OmiClient(sim.settings())
    user = enrolled_user(seed)
    seed.close()
    assert sim.counts(TOKEN) == {"200": 1}

    fetched = time.monotonic()
    results = in_threads(8, lambda: client.status(user))
    assert all(isinstance(r, RemoteStatus) for r in results), results
    assert sim.counts(TOKEN) == {"200": 2}, "eight threads, one token request"

    time.sleep(max(0.0, fetched + 2.2 - time.monotonic()))  # past the 2 s lifetime
    results = in_threads(8, lambda: client.status(user))
    assert all(isinstance(r, RemoteStatus) for r in results), results
    assert sim.counts(TOKEN) == {"200": 3}, "after expiry, exactly one more"
    assert sim.counts(STATUS) == {"200": 16}, "renewed before expiry: no 401"


def test_eight_threads_after_revocation_renew_once(sim: Sim, client: OmiClient) -> None:
    user = enrolled_user(client)
    sim.revoke()
    results = in_threads(8, lambda: client.status(user))
    assert all(isinstance(r, RemoteStatus) for r in results), results
    assert sim.counts(TOKEN) == {"200": 2}


def test_a_failed_check_keeps_the_working_token(harness: Harness, sim: Sim) -> None:
    client = harness.client(sim, max_retries=0)
    user = enrolled_user(client)
    sim.fault("token", 500)
    result = client.check()
    assert not result.ok
    assert "500" in result.message
    harness.texts.append(result.message)
    assert client.status(user).value == "PENDING"
    assert sim.counts(TOKEN) == {"200": 1, "500": 1}


# RFC 6749 §2.3.1: what generated secrets contain, and what authlib used to send raw
RESERVED = "a+b/c%2Fd:e=f&g h"
NON_ASCII = "pässwörd-€-ключ"


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
@pytest.mark.parametrize("kind", [RESERVED, NON_ASCII], ids=["reserved", "non-ascii"])
def test_a_secret_with_any_characters_works_with_both_methods(
    harness: Harness, method: ClientAuth, kind: str
) -> None:
    secret = f"{kind}-{harness.secret}"
    sim = harness.sim(client_secret=secret)
    client = harness.client(sim, client_auth=method)
    assert client.check().ok
    user = enrolled_user(client)
    assert client.status(user).value == "PENDING"
    assert sim.counts(TOKEN) == {"200": 1}, "check keeps its token for the calls"

    near = SecretStr(secret.replace("+", " ").replace("ä", "a"))  # where an encoding slip lands
    other = harness.client(sim, client_auth=method, client_secret=near)
    harness.raises(ApiAuthError, lambda: other.enrol(str(uuid.uuid4())), match="refused")


def test_the_token_endpoint_s_own_words_are_in_the_sentence(harness: Harness, sim: Sim) -> None:
    wrong = harness.client(sim, client_secret=SecretStr("nope"))
    error = harness.raises(ApiAuthError, lambda: wrong.enrol(str(uuid.uuid4())))
    assert '→ 401 invalid_client: "unknown client or wrong secret")' in str(error)

    scoped = harness.client(sim, scopes=("credential:omi:nothing",))
    user = str(uuid.uuid4())
    error = harness.raises(ApiAuthError, lambda: scoped.enrol(user), match="OMI_SCOPES")
    assert 'invalid_scope: "scope not allowed for this client: credential:omi:nothing"' in str(
        error
    )

    sim.fault("token", 400, json={"error": "invalid_request", "error_description": "no Basic"})
    right = harness.client(sim)
    error = harness.raises(ApiAuthError, lambda: right.enrol(str(uuid.uuid4())))
    assert f'({TOKEN} → 400 invalid_request: "no Basic"); check OMI_TOKEN_URL' in str(error)


def test_an_echoed_secret_is_hidden_and_the_words_are_plain_and_short(harness: Harness) -> None:
    secret = f"{RESERVED}-{harness.secret}"
    sim = harness.sim(client_secret=secret)
    echo = f"got {secret} or {quote_plus(secret)}\n\x1b[31m{'x' * 500}"
    sim.fault("token", 400, json={"error": "invalid_request\r\n", "error_description": echo})
    client = harness.client(sim)
    error = harness.raises(ApiAuthError, lambda: client.enrol(str(uuid.uuid4())))
    said = str(error).partition(": ")[2].partition('"); check')[0]
    assert said.startswith('"got [hidden] or [hidden] [31mxxx')
    assert len(said) <= 201
    assert said.endswith("…")
    assert not any(c in str(error) for c in "\r\n\x1b")
