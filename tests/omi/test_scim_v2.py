"""The identity-store client over SCIM 2.0, against scim2-server on loopback (a real peer)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.errors import (
    IdentityStoreAuthError,
    IdentityStoreConflict,
    IdentityStoreNotFound,
    InputError,
)
from dashboard.omi.scim import ScimClient, StaticToken
from tests.support.scim import Scim2Server, serve_scim2


@pytest.fixture
def server() -> Iterator[Scim2Server]:
    with serve_scim2() as running:
        yield running


@pytest.fixture
def client(server: Scim2Server) -> Iterator[ScimClient]:
    with ScimClient(
        server.base_url, StaticToken(server.token), version="2.0", timeout=2.0, backoff=0.01
    ) as scim:
        yield scim


def test_create_then_get(client: ScimClient) -> None:
    user = client.create("jane", "Jane van Doe", "jane@example.com")
    assert user.id
    assert (user.user_name, user.display_name, user.email) == (
        "jane",
        "Jane van Doe",
        "jane@example.com",
    )
    assert client.get(user.id) == user


def test_a_taken_username_is_a_conflict_carrying_the_holder(client: ScimClient) -> None:
    first = client.create("Jane.Doe")
    with pytest.raises(IdentityStoreConflict) as caught:
        client.create("jane.doe")
    assert caught.value.existing == first


def test_find_exact_and_starts_with(client: ScimClient) -> None:
    for name in ("jane", "janet", "bob", 'o"brien'):
        client.create(name)
    assert [u.user_name for u in client.find("JANE")] == ["jane"]
    assert sorted(u.user_name for u in client.find("jan", exact=False)) == ["jane", "janet"]
    assert [u.user_name for u in client.find('o"brien')] == ['o"brien']
    assert client.find("nobody") == []


def test_find_follows_the_pages(server: Scim2Server) -> None:
    with ScimClient(
        server.base_url, StaticToken(server.token), version="2.0", page_size=2
    ) as client:
        for n in range(5):
            client.create(f"user{n}")
        found = client.find("user", exact=False)
    assert sorted(u.user_name for u in found) == [f"user{n}" for n in range(5)]


@pytest.mark.parametrize("odd_id", ["emp 42:x+y", "UPPER-Case-id", "x%2Fy", "id?q#f"])
def test_an_id_that_is_not_a_uuid_is_kept_and_sent_back(
    server: Scim2Server, client: ScimClient, odd_id: str
) -> None:
    server.storage.next_ids.append(odd_id)
    user = client.create("jane")
    assert user.id == odd_id
    assert client.get(odd_id) == user
    assert client.find("jane") == [user]


def test_an_unknown_id(client: ScimClient) -> None:
    with pytest.raises(IdentityStoreNotFound):
        client.get("no-such-user")


def test_a_wrong_token(server: Scim2Server) -> None:
    with (
        ScimClient(server.base_url, StaticToken("wrong-token"), version="2.0") as client,
        pytest.raises(IdentityStoreAuthError) as caught,
    ):
        client.find("jane")
    assert "wrong-token" not in str(caught.value)
    assert caught.value.__context__ is None


def test_an_e_mail_address_the_models_refuse(client: ScimClient) -> None:
    with pytest.raises(InputError, match="jane@"):
        client.create("jane", email="jane@")
