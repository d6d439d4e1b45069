"""Accounts on the tenant (SCIM 1.1): create there first, find and link, never two users for one
person. The use-cases on a real SQLite file, against the simulator, which (as a tenant) enrols
only users its store holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from dashboard.errors import (
    ApiNotFound,
    ConfigError,
    ConsoleError,
    IdentityStoreConflict,
    IdentityStoreUnavailable,
    InputError,
)
from dashboard.omi.scim import ScimClient
from dashboard.usecases.accounts import Accounts
from dashboard.usecases.bulk import BulkOnboarding, RowOutcome
from dashboard.usecases.campaigns import Campaigns
from simulator.embedded import RunningSimulator
from tests.support.console import Console, open_console
from tests.support.scim import SimulatorTokens, fault, requests_to

HEX32 = re.compile(r"[0-9a-f]{32}")
POST = "POST /scim/v1/Users"


@pytest.fixture
def console(sqlite_url: str, simulator: RunningSimulator) -> Iterator[Console]:
    with open_console(sqlite_url, simulator) as console:
        yield console


@pytest.fixture
def tenant(simulator: RunningSimulator) -> Iterator[ScimClient]:
    """The tenant's identity store as another party (the website's sign-up) uses it."""
    with ScimClient(f"{simulator.base_url}/scim/v1", SimulatorTokens(simulator)) as client:
        yield client


def tenant_names(sim: RunningSimulator) -> list[str]:
    return [u.user_name for u in sim.store.all_users()]


def test_create_makes_the_tenant_user_first_and_enrols_by_its_id(
    console: Console, simulator: RunningSimulator
) -> None:
    account = console.accounts.create(
        "ann.lee", actor="op", display_name="Ann Lee", email="Ann.Lee@EXAMPLE.com"
    )
    [user] = simulator.store.all_users()
    assert (user.user_name, user.given_name, user.family_name) == ("ann.lee", "Ann", "Lee")
    assert user.emails == [{"type": "other", "value": "Ann.Lee@example.com", "primary": True}]
    assert account.tenant_id == user.id
    assert HEX32.fullmatch(account.tenant_id)
    assert account.reference == user.id
    assert account.on_tenant

    issued = console.enrolments.issue(account.id, actor="op")
    [(enrolment_id, sent)] = console.polling.claim_due(10, timedelta(seconds=5))
    assert (enrolment_id, sent) == (issued.id, user.id)  # the tenant's id, exactly
    assert console.polling.poll(issued.id, sent, backoff=lambda _: timedelta(0)) is None


def test_a_bad_e_mail_is_refused_before_anything_is_written(
    console: Console, simulator: RunningSimulator
) -> None:
    with pytest.raises(InputError, match="e-mail address 'ann@' is not valid"):
        console.accounts.create("ann", actor="op", email="ann@")
    assert tenant_names(simulator) == []
    assert console.accounts.search() == []


def test_a_name_the_tenant_holds_is_an_offer_to_link_it(
    console: Console, simulator: RunningSimulator, tenant: ScimClient
) -> None:
    held = tenant.create("Bob", "Bob Website", "bob@example.com")  # the website's sign-up
    with pytest.raises(IdentityStoreConflict, match="link it") as caught:
        console.accounts.create("bob", actor="op", email="robert@example.com")
    assert caught.value.existing == held
    assert console.accounts.search() == []  # nothing half-written locally

    account = console.accounts.link(held.id, actor="op")
    assert (account.username, account.tenant_id, account.display_name) == (
        "Bob",
        held.id,
        "Bob Website",
    )
    assert console.accounts.link(held.id, actor="op") == account  # linking again: the same
    assert tenant_names(simulator) == ["Bob"]
    console.enrolments.issue(account.id, actor="op")  # the tenant knows the user


def test_a_console_failing_between_the_tenants_201_and_its_insert_repairs_itself(
    console: Console, simulator: RunningSimulator
) -> None:
    """The database refuses the insert right after the tenant's 201; the next attempt finds
    the user the first one made (unlinked, as asked) and links it: one user, one account."""
    with console.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER refuse_accounts BEFORE INSERT ON accounts "
                "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
        )
    with pytest.raises(ConsoleError):
        console.accounts.create("cyrus", actor="op", display_name="Cy Twombly", email="cy@x.org")
    assert tenant_names(simulator) == ["cyrus"]
    assert console.accounts.search() == []
    with console.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse_accounts"))

    account = console.accounts.create(
        "cyrus", actor="op", display_name="Cy Twombly", email="cy@x.org"
    )
    [user] = simulator.store.all_users()
    assert account.tenant_id == user.id
    assert [a.username for a in console.accounts.search()] == ["cyrus"]
    assert requests_to(simulator, POST) == {"201": 1, "409": 1}
    console.enrolments.issue(account.id, actor="op")


def test_a_repair_never_takes_a_user_made_otherwise(console: Console, tenant: ScimClient) -> None:
    tenant.create("dee", "Dee Other")
    with pytest.raises(IdentityStoreConflict):
        console.accounts.create("dee", actor="op", display_name="Dee Console")
    assert console.accounts.search() == []


def test_a_lost_create_answer_is_settled_by_a_lookup(
    console: Console, simulator: RunningSimulator
) -> None:
    fault(simulator, route="scim_create", status=500, after=True)  # the write lands
    account = console.accounts.create("eve", actor="op")
    [user] = simulator.store.all_users()
    assert account.tenant_id == user.id
    assert requests_to(simulator, POST) == {"500": 1}  # looked up, not resent


def test_an_unreachable_tenant_is_a_sentence_and_nothing_is_written(
    console: Console, simulator: RunningSimulator
) -> None:
    fault(simulator, route="scim_create", status=503, count=10)
    fault(simulator, route="scim_query", status=503, count=10)
    with pytest.raises(IdentityStoreUnavailable, match="search for it before creating") as caught:
        console.accounts.create("fay", actor="op")
    assert "Traceback" not in str(caught.value)
    assert console.accounts.search() == []


def test_find_on_the_tenant_exact_and_starting_with(console: Console, tenant: ScimClient) -> None:
    carol = console.accounts.create("carol", actor="op", email="carol@example.com")
    tenant.create("carl", "Carl Sagan", "carl@example.com")
    tenant.create("Caroline")
    tenant.create("oscar")
    found = {m.user.user_name: m for m in console.accounts.find_on_tenant("car", exact=False)}
    assert sorted(found) == ["Caroline", "carl", "carol"]
    assert found["carol"].in_console
    assert found["carol"].account_id == carol.id
    assert found["carol"].user.email == "carol@example.com"
    assert found["carl"].user.display_name == "Carl Sagan"
    assert found["carl"].user.active is False
    assert found["carl"].user.state == "INACTIVE"
    assert not found["carl"].in_console
    assert found["carl"].account_id is None
    [exact] = console.accounts.find_on_tenant("carl")
    assert exact.user.user_name == "carl"
    with pytest.raises(InputError):
        console.accounts.find_on_tenant("  ")


def test_older_accounts_are_marked_and_linked_or_created_on_the_tenant(
    sqlite_url: str, simulator: RunningSimulator, console: Console, tenant: ScimClient
) -> None:
    local = Accounts(console.sessions)  # as before: accounts without the identity store
    dora = local.create("dora", actor="op", display_name="Dora Maar")
    ed = local.create("eddy", actor="op")
    assert (dora.tenant_id, dora.reference, dora.on_tenant) == (None, str(dora.id), False)

    with pytest.raises(ApiNotFound, match="create the account on the tenant or link it"):
        console.enrolments.issue(ed.id, actor="op")  # a tenant refuses a user it does not hold

    held = tenant.create("Dora")
    [match] = console.accounts.find_on_tenant("dora")
    assert (match.account_id, match.linked, match.in_console) == (dora.id, False, False)
    linked = console.accounts.link(held.id, actor="op")
    assert (linked.id, linked.tenant_id, linked.display_name) == (dora.id, held.id, "Dora Maar")

    made = console.accounts.create_on_tenant(ed.id, actor="op")
    assert made.id == ed.id
    assert made.tenant_id == tenant.find("eddy")[0].id
    console.enrolments.issue(ed.id, actor="op")
    gil = local.create("gilda", actor="op")
    tenant.create("gilda", "Gil Website")  # someone else's: an offer to link, not a repair
    with pytest.raises(IdentityStoreConflict):
        console.accounts.create_on_tenant(gil.id, actor="op")


def test_without_an_identity_store_there_is_nothing_to_search(console: Console) -> None:
    local = Accounts(console.sessions)
    assert not local.on_tenant
    with pytest.raises(ConfigError, match="SCIM_VERSION=off"):
        local.find_on_tenant("ann")
    with pytest.raises(ConfigError, match="SCIM_VERSION"):
        local.link("193f187d921c49e48d555257b6654b54", actor="op")


def test_bulk_preview_looks_each_row_up_on_the_tenant_and_the_run_follows(
    console: Console, simulator: RunningSimulator, tenant: ScimClient
) -> None:
    console.accounts.create("ann", actor="op")
    hal = tenant.create("Hal", "Hal Website")
    bulk = BulkOnboarding(console.accounts, console.enrolments, Campaigns(console.sessions))
    data = b"username,display_name\nann,Ann\ngus,Gus Grissom\nhal,\nGUS,again\n=bad,x\n"
    preview = bulk.preview(data)
    assert [r.username for r in preview.new] == ["gus"]
    assert [(r.username, r.tenant_id, r.display_name) for r in preview.on_tenant] == [
        ("hal", hal.id, "Hal Website")
    ]
    assert [r.username for r in preview.existing] == ["ann"]
    assert [r.username for r in preview.duplicates] == ["GUS"]
    assert [r.username for r in preview.invalid] == ["=bad"]

    report = bulk.run(preview, "Intake", actor="op")
    assert report.counts[RowOutcome.ISSUED] == 3, report.results
    assert sorted(tenant_names(simulator)) == ["Hal", "ann", "gus"]  # hal linked, not made
    accounts = {a.username: a for a in console.accounts.search()}
    assert accounts["Hal"].tenant_id == hal.id
    assert accounts["gus"].tenant_id == tenant.find("gus")[0].id
