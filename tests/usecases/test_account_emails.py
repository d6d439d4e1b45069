"""E-mail addresses of accounts on real databases (SQLite file, PostgreSQL) against the real
simulator: typed (with an identity store and without), taken from the store on a link, read
from a bulk upload's ``email`` column, and listed in the Enrolments CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.errors import InputError
from dashboard.omi.scim import ScimClient
from dashboard.usecases.bulk import BulkOnboarding, RowOutcome
from dashboard.usecases.campaigns import Campaigns
from simulator.embedded import RunningSimulator
from tests.support.console import Console, open_console
from tests.support.scim import SimulatorTokens


@pytest.fixture
def tenant(simulator: RunningSimulator) -> Iterator[ScimClient]:
    """The tenant's identity store as another party (the website's sign-up) uses it."""
    with ScimClient(f"{simulator.base_url}/scim/v1", SimulatorTokens(simulator)) as client:
        yield client


def test_a_typed_address_is_kept_normalised_on_the_tenant_and_in_the_console(
    console: Console,
) -> None:
    made = console.accounts.create("ann.lee", actor="op", email=" Ann.Lee@EXAMPLE.com ")
    assert made.email == "Ann.Lee@example.com"
    assert console.accounts.get(made.id).email == "Ann.Lee@example.com"
    assert [a.email for a in console.accounts.search()] == ["Ann.Lee@example.com"]
    assert console.accounts.create("bo.lee", actor="op").email is None


def test_a_typed_address_is_kept_without_an_identity_store(
    database_url: str, simulator: RunningSimulator
) -> None:
    with open_console(database_url, simulator, scim=False) as local:
        assert not local.accounts.on_tenant
        made = local.accounts.create("cyd", actor="op", email="cyd@Example.org")
        assert local.accounts.get(made.id).email == "cyd@example.org"


def test_an_address_that_would_inject_a_header_writes_nothing(
    console: Console, simulator: RunningSimulator
) -> None:
    with pytest.raises(InputError, match="line break"):
        console.accounts.create("deb", actor="op", email="dee@example.com\r\nBcc: all@example.com")
    assert console.accounts.search() == []
    assert simulator.store.all_users() == []


def test_a_link_takes_the_stores_address_and_leaves_out_one_it_refuses(
    console: Console, tenant: ScimClient
) -> None:
    kim = tenant.create("kimi", "Kim Website", "Kim@Example.com")
    linked = console.accounts.link(kim.id, actor="op")
    assert linked.email == "Kim@example.com"
    odd = tenant.create("louis", None, "lou@example.com\nBcc: all@example.com")
    assert console.accounts.link(odd.id, actor="op").email is None  # linked, address left out


def test_the_bulk_email_column_is_checked_in_the_preview_and_kept_by_the_run(
    console: Console, tenant: ScimClient
) -> None:
    tenant.create("hal9", "Hal Website", "hal@example.com")
    bulk = BulkOnboarding(console.accounts, console.enrolments, Campaigns(console.sessions))
    data = (
        b"username,display_name,email\n"
        b"gus1,Gus,Gus@EXAMPLE.com\n"
        b"ivy1,Ivy,not-an-address\n"
        b'jo1,Jo,"jo@example.com\nBcc: all@example.com"\n'
        b"hal9,,\n"
        b"max1,Max,\n"
    )
    preview = bulk.preview(data)
    assert [(r.username, r.email) for r in preview.new] == [
        ("gus1", "Gus@example.com"),
        ("max1", None),
    ]
    assert [(r.username, r.email) for r in preview.on_tenant] == [("hal9", "hal@example.com")]
    reasons = {r.username: r.reason for r in preview.invalid}
    assert set(reasons) == {"ivy1", "jo1"}
    assert "'not-an-address' is not valid" in reasons["ivy1"]
    assert "line break" in reasons["jo1"]
    assert "\n" not in reasons["jo1"]

    report = bulk.run(preview, "Mail intake", actor="op")
    assert report.counts[RowOutcome.ISSUED] == 3, report.results
    emails = {a.username: a.email for a in console.accounts.search()}
    assert emails == {"gus1": "Gus@example.com", "hal9": "hal@example.com", "max1": None}

    export = "".join(console.table.export_csv(EnrolmentFilter(), EnrolmentSort("username", False)))
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [(r["username"], r["email"]) for r in rows] == [
        ("gus1", "Gus@example.com"),
        ("hal9", "hal@example.com"),
        ("max1", ""),
    ]
