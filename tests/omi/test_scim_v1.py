"""The identity-store client over SCIM 1.1, against the simulator's ``/scim/v1`` (real HTTP)."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from dashboard.errors import (
    IdentityStoreAuthError,
    IdentityStoreConflict,
    IdentityStoreError,
    IdentityStoreForbidden,
    IdentityStoreNotFound,
    IdentityStoreProtocolError,
    IdentityStoreRateLimited,
    IdentityStoreRejected,
    IdentityStoreUnavailable,
)
from dashboard.omi.scim import ScimClient
from simulator.embedded import RunningSimulator
from simulator.users import ScimUser
from tests.support.scim import SimulatorTokens, fault, requests_to
from tests.support.simulator import StartSimulator

POST = "POST /scim/v1/Users"
MakeClient = Callable[..., ScimClient]


@pytest.fixture
def sim(start_simulator: StartSimulator) -> RunningSimulator:
    """A simulator that, like a tenant, enrols only users its store holds."""
    return start_simulator(accept_any_user=False)


@pytest.fixture
def tokens(sim: RunningSimulator) -> SimulatorTokens:
    return SimulatorTokens(sim)


@pytest.fixture
def make_client(sim: RunningSimulator, tokens: SimulatorTokens) -> Iterator[MakeClient]:
    """Clients on the simulator's ``/scim/v1`` with quick timeouts and backoff."""
    made: list[ScimClient] = []

    def make(**overrides: Any) -> ScimClient:
        source = overrides.pop("tokens", tokens)
        quick: dict[str, Any] = {"timeout": 0.5, "backoff": 0.01, "max_retry_after": 0.01}
        client = ScimClient(f"{sim.base_url}/scim/v1", source, **{**quick, **overrides})
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> ScimClient:
    return make_client()


def assert_clean(error: IdentityStoreError, tokens: SimulatorTokens) -> None:
    """A sentence, no token, and no chain to an httpx2 exception."""
    message = str(error)
    assert message.endswith("."), message
    assert not any(token in message for token in tokens.fetched)
    assert error.__cause__ is None
    assert error.__context__ is None


def test_create_then_get(client: ScimClient) -> None:
    user = client.create("jane", "Jane van Doe", "jane@example.com")
    assert re.fullmatch(r"[0-9a-f]{32}", user.id), "kept as the tenant gave it: no dashes"
    assert (user.user_name, user.display_name, user.email) == (
        "jane",
        "Jane van Doe",
        "jane@example.com",
    )
    assert (user.active, user.state) == (False, "INACTIVE")
    assert client.get(user.id) == user


def test_the_created_id_is_what_enrol_accepts(sim: RunningSimulator, client: ScimClient) -> None:
    user = client.create("jane")
    token = SimulatorTokens(sim, "credential:omi:enrol:qr:admin:post").bearer()
    headers = {"Authorization": f"Bearer {token}"}
    enrol = f"{sim.base_url}/omi/qr/enrol"
    assert httpx2.post(enrol, json={"userId": user.id}, headers=headers).status_code == 200
    unknown = httpx2.post(enrol, json={"userId": uuid.uuid4().hex}, headers=headers)
    assert unknown.json() == {"error": "user_not_found"}


def test_get_an_unknown_id(client: ScimClient, tokens: SimulatorTokens) -> None:
    with pytest.raises(IdentityStoreNotFound) as caught:
        client.get(uuid.uuid4().hex)
    assert_clean(caught.value, tokens)


def test_a_taken_username_is_a_conflict_carrying_the_holder(client: ScimClient) -> None:
    first = client.create("Jane.Doe", "Jane Doe")
    with pytest.raises(IdentityStoreConflict) as caught:
        client.create("jane.doe", "Another Jane")
    assert caught.value.existing == first
    assert "link it" in str(caught.value)


def test_find_exact_and_starts_with(client: ScimClient) -> None:
    for name in ("jane", "janet", "bob", 'o"brien'):
        client.create(name)
    assert [u.user_name for u in client.find("JANE")] == ["jane"]
    assert [u.user_name for u in client.find("jan", exact=False)] == ["jane", "janet"]
    assert [u.user_name for u in client.find('o"brien')] == ['o"brien']
    assert client.find("nobody") == []


def test_find_follows_the_pages(make_client: MakeClient) -> None:
    client = make_client(page_size=2)
    for n in range(5):
        client.create(f"user{n}")
    assert [u.user_name for u in client.find("user", exact=False)] == [f"user{n}" for n in range(5)]
    assert len(client.find("user", exact=False, limit=3)) == 3


def test_an_id_is_sent_back_exactly_as_the_store_gave_it(
    sim: RunningSimulator, client: ScimClient
) -> None:
    dashed = str(uuid.uuid4()).upper()
    sim.store.add_user(ScimUser(user_name="dashed", id=dashed))
    (found,) = client.find("dashed")
    assert found.id == dashed
    assert client.get(dashed).id == dashed


def test_401_renews_the_token_once(
    client: ScimClient, sim: RunningSimulator, tokens: SimulatorTokens
) -> None:
    user = client.create("jane")
    fault(sim, route="scim_get", status=401)
    assert client.get(user.id) == user
    assert len(tokens.fetched) == 2
    fault(sim, route="scim_get", status=401, count=2)
    with pytest.raises(IdentityStoreAuthError) as caught:
        client.get(user.id)
    assert "OMI_CLIENT_ID" in str(caught.value)
    assert_clean(caught.value, tokens)


def test_403_names_the_missing_scope(sim: RunningSimulator, make_client: MakeClient) -> None:
    narrow = SimulatorTokens(sim, "credential:omi:enrol:status:get")
    with pytest.raises(IdentityStoreForbidden) as caught:
        make_client(tokens=narrow).create("jane")
    assert caught.value.scope == "SCIM:user:post"
    assert "SCIM:user:post" in str(caught.value)
    assert "SCIM_SCOPES" in str(caught.value)
    assert_clean(caught.value, narrow)


def test_429_is_retried_then_reported_with_retry_after(
    client: ScimClient, sim: RunningSimulator, tokens: SimulatorTokens
) -> None:
    fault(sim, route="scim_query", status=429)
    assert client.find("jane") == []
    fault(sim, route="scim_query", status=429, retry_after=7, count=3)
    with pytest.raises(IdentityStoreRateLimited) as caught:
        client.find("jane")
    assert caught.value.retry_after == 7
    assert "retry after 7 s" in str(caught.value)
    assert_clean(caught.value, tokens)


def test_5xx_and_timeouts_on_reads_are_retried(
    client: ScimClient, sim: RunningSimulator, tokens: SimulatorTokens
) -> None:
    user = client.create("jane")
    fault(sim, route="scim_get", status=503)
    fault(sim, route="scim_get", status=200, delay=1.0)
    assert client.get(user.id) == user
    fault(sim, route="scim_get", status=500, count=3)
    with pytest.raises(IdentityStoreUnavailable) as caught:
        client.get(user.id)
    assert "500" in str(caught.value)
    assert_clean(caught.value, tokens)
    fault(sim, route="scim_query", status=200, delay=1.0, count=3)
    with pytest.raises(IdentityStoreUnavailable) as timed_out:
        client.find("jane")
    assert "within 0.5 s" in str(timed_out.value)
    assert_clean(timed_out.value, tokens)


def test_connection_refused(make_client: MakeClient, tokens: SimulatorTokens) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ScimClient(
        f"http://127.0.0.1:{port}/scim/v1", tokens, timeout=0.5, retries=1, backoff=0.01
    )
    with client, pytest.raises(IdentityStoreUnavailable) as caught:
        client.find("jane")
    assert "SCIM_URL" in str(caught.value)
    assert_clean(caught.value, tokens)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"route": "scim_get", "status": 200, "body": "{not json"}, "not JSON"),
        ({"route": "scim_create", "status": 201, "json": {"userName": "jane"}}, "no id"),
        ({"route": "scim_query", "status": 200, "json": {"Resources": []}}, "totalResults"),
    ],
)
def test_malformed_answers(
    client: ScimClient,
    sim: RunningSimulator,
    tokens: SimulatorTokens,
    spec: dict[str, Any],
    expected: str,
) -> None:
    fault(sim, **spec)
    call: dict[str, Callable[[], object]] = {
        "scim_get": lambda: client.get("0" * 32),
        "scim_create": lambda: client.create("jane"),
        "scim_query": lambda: client.find("jane"),
    }
    with pytest.raises(IdentityStoreProtocolError) as caught:
        call[spec["route"]]()
    assert expected in str(caught.value)
    assert "SCIM_VERSION" in str(caught.value)
    assert_clean(caught.value, tokens)


def test_400_is_rejected_with_the_store_s_reason(client: ScimClient, sim: RunningSimulator) -> None:
    fault(sim, route="scim_create", status=400)
    with pytest.raises(IdentityStoreRejected, match="injected fault"):
        client.create("jane")


@pytest.mark.parametrize(
    "lost",
    [{"status": 500, "after": True}, {"status": 200, "delay": 1.0, "after": True}],
    ids=["500-after-the-write", "timeout-after-the-write"],
)
def test_a_create_whose_answer_is_lost_is_found_not_repeated(
    client: ScimClient, sim: RunningSimulator, lost: dict[str, Any]
) -> None:
    fault(sim, route="scim_create", **lost)
    user = client.create("jane", "Jane Doe")
    assert user.user_name == "jane"
    assert client.find("jane") == [user], "never two users for one person"
    assert sum(requests_to(sim, POST).values()) <= 1, "the create was not sent again"


def test_a_create_lost_before_the_write_is_sent_again(
    client: ScimClient, sim: RunningSimulator
) -> None:
    fault(sim, route="scim_create", status=502)
    user = client.create("jane")
    assert client.find("jane") == [user]
    assert requests_to(sim, POST) == {"201": 1, "502": 1}


def test_a_lost_create_whose_lookup_fails_says_so(
    client: ScimClient, sim: RunningSimulator, tokens: SimulatorTokens
) -> None:
    fault(sim, route="scim_create", status=500)
    fault(sim, route="scim_query", status=503, count=3)
    with pytest.raises(IdentityStoreUnavailable) as caught:
        client.create("jane")
    assert "search for it before creating it again" in str(caught.value)
    assert_clean(caught.value, tokens)
