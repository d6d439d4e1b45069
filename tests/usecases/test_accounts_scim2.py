"""Accounts on a SCIM 2.0 identity store nobody here wrote (scim2-server on loopback): create,
conflict, find, link, an id that is not a UUID, faults. The Mobile Identity side is the
simulator, started to accept any user (its own SCIM store is not the one in use)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx2
import pytest

from dashboard.errors import (
    IdentityStoreAuthError,
    IdentityStoreConflict,
    IdentityStoreUnavailable,
)
from dashboard.omi.client import OmiClient
from dashboard.omi.scim import ScimClient, StaticToken
from dashboard.usecases.database import Database
from db.engine import create_engine_for, upgrade
from simulator.embedded import RunningSimulator
from tests.support.console import Console, console_on, omi_settings
from tests.support.omi import closed_port
from tests.support.scim import Scim2Server, serve_scim2
from tests.support.simulator import StartSimulator


@pytest.fixture
def server() -> Iterator[Scim2Server]:
    with serve_scim2() as running:
        yield running


@pytest.fixture
def sim(start_simulator: StartSimulator) -> RunningSimulator:
    return start_simulator(accept_any_user=True)


@pytest.fixture
def store(server: Scim2Server) -> Iterator[ScimClient]:
    with ScimClient(
        server.base_url, StaticToken(server.token), version="2.0", timeout=5.0, backoff=0.01
    ) as client:
        yield client


@pytest.fixture
def console(sqlite_url: str, sim: RunningSimulator, store: ScimClient) -> Iterator[Console]:
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    with OmiClient(omi_settings(sim)) as omi:
        yield console_on(engine, omi, store=store)
    Database(engine).close()


def test_create_keeps_an_id_that_is_not_a_uuid_and_enrols_by_it(
    console: Console, server: Scim2Server, store: ScimClient, sim: RunningSimulator
) -> None:
    server.storage.next_ids.append("Emp:42+ä")
    account = console.accounts.create(
        "jane.doe", actor="op", display_name="Jane Doe", email="jane@example.org"
    )
    assert account.tenant_id == "Emp:42+ä"
    [user] = store.find("jane.doe")
    assert (user.id, user.display_name, user.email) == ("Emp:42+ä", "Jane Doe", "jane@example.org")
    issued = console.enrolments.issue(account.id, actor="op")
    [(_, sent)] = console.polling.claim_due(10, timedelta(seconds=5))
    assert sent == "Emp:42+ä"  # exactly as the store gave it
    assert console.polling.poll(issued.id, sent, backoff=lambda _: timedelta(0)) is None
    listing = httpx2.get(f"{sim.base_url}/_sim/enrolments", trust_env=False).json()
    assert [e["userId"] for e in listing] == ["Emp:42+ä"]


def test_a_taken_name_is_an_offer_to_link_and_linking_creates_nothing(
    console: Console, store: ScimClient
) -> None:
    held = store.create("Kim", "Kim Website", "kim@example.org")
    with pytest.raises(IdentityStoreConflict, match="link it") as caught:
        console.accounts.create("kim", actor="op")
    assert caught.value.existing is not None
    assert caught.value.existing.id == held.id
    assert console.accounts.search() == []
    account = console.accounts.link(held.id, actor="op")
    assert (account.username, account.tenant_id) == ("Kim", held.id)
    assert len(store.find("kim")) == 1
    console.enrolments.issue(account.id, actor="op")


def test_find_exact_and_starting_with(console: Console, store: ScimClient) -> None:
    mine = console.accounts.create("lena", actor="op")
    store.create("leon", "Leon Other")
    found = {m.user.user_name: m for m in console.accounts.find_on_tenant("le", exact=False)}
    assert sorted(found) == ["lena", "leon"]
    assert found["lena"].account_id == mine.id
    assert found["lena"].in_console
    assert not found["leon"].in_console
    assert [m.user.user_name for m in console.accounts.find_on_tenant("leon")] == ["leon"]


def test_a_wrong_token_is_a_sentence_and_nothing_is_written(
    sqlite_url: str, sim: RunningSimulator, server: Scim2Server
) -> None:
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    with (
        OmiClient(omi_settings(sim)) as omi,
        ScimClient(server.base_url, StaticToken("not-the-token"), version="2.0") as wrong,
    ):
        console = console_on(engine, omi, store=wrong)
        with pytest.raises(IdentityStoreAuthError) as caught:
            console.accounts.create("mona", actor="op")
        assert "not-the-token" not in str(caught.value)
        assert console.accounts.search() == []
    engine.dispose()


def test_a_store_that_is_down_is_a_sentence_and_nothing_is_written(
    sqlite_url: str, sim: RunningSimulator
) -> None:
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    url = f"http://127.0.0.1:{closed_port()}/v2"
    with (
        OmiClient(omi_settings(sim)) as omi,
        ScimClient(url, StaticToken("t"), version="2.0", retries=0) as down,
    ):
        console = console_on(engine, omi, store=down)
        with pytest.raises(IdentityStoreUnavailable, match="check SCIM_URL"):
            console.accounts.create("nina", actor="op")
        assert console.accounts.search() == []
    engine.dispose()
