"""The Accounts page: create an account through the form, see the rules, find it, go enrol."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.usecases.accounts import Accounts
from tests.support.apptest import (
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    labelled,
    messages,
    open_page,
    texts,
    unescaped,
)
from tests.support.console import Console
from tests.support.simulator import Simulator


def create(name: str) -> AppTest:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input(name)
    labelled(at.button, "Create account").click()
    return at.run()


def test_creating_an_account_creates_it_on_the_tenant_and_shows_the_tenant_id(
    env: Env, seeder: Console
) -> None:
    assert env.simulator is not None
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("Jane.Doe@example.com")
    labelled(at.text_input, "Display name (optional)").input("Jane Doe")
    labelled(at.text_input, "E-mail (optional)").input("jane@example.com")
    labelled(at.button, "Create account").click()
    at.run()

    assert_no_exception(at)
    assert [s.value for s in at.success] == ["Account created."]
    [user] = env.simulator.store.all_users()
    assert (user.user_name, user.given_name, user.emails[0]["value"]) == (
        "Jane.Doe@example.com",
        "Jane",
        "jane@example.com",
    )
    assert at.code[0].value == user.id  # the tenant's id: what enrol and status send
    [account] = seeder.accounts.search()
    assert account.tenant_id == user.id
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["Jane.Doe@example.com"]
    assert list(table["Tenant id"]) == [user.id]
    assert list(table["Enrolment"]) == ["Not enrolled"]


def test_a_name_the_tenant_holds_is_offered_for_linking(env: Env, seeder: Console) -> None:
    assert env.simulator is not None
    with Simulator(env.simulator) as sim:
        held = sim.new_user()  # the website's sign-up
    name = env.simulator.store.all_users()[0].user_name
    at = create(name)
    assert_no_exception(at)
    assert not at.success
    [offer] = at.warning
    assert "exists on the tenant" in offer.value
    assert "link it to the console instead of creating another account?" in offer.value
    assert seeder.accounts.search() == []  # nothing half-written
    labelled(at.button, "Link it").click()
    at.run()
    assert [s.value for s in at.success] == ["Account linked to the tenant's user."]
    [account] = seeder.accounts.search()
    assert account.tenant_id == held
    assert len(env.simulator.store.all_users()) == 1


def test_find_on_the_tenant_lists_matches_and_links_one(env: Env, seeder: Console) -> None:
    assert env.simulator is not None
    seeder.accounts.create("kara", actor="test", email="kara@example.com")
    with Simulator(env.simulator) as sim:
        body = {"schemas": ["urn:scim:schemas:core:1.0"], "userName": "karl",
                "name": {"givenName": "Karl", "familyName": "Marx"}}  # fmt: skip
        headers = {"Authorization": f"Bearer {sim.token('SCIM:user:post')}"}
        karl = sim.http.post("/scim/v1/Users", json=body, headers=headers).json()["id"]
    at = open_page("accounts")
    labelled(at.text_input, "Username on the tenant").input("kar")
    labelled(at.radio, "Match").set_value("starts with")
    labelled(at.button, "Search the tenant").click()
    at.run()
    assert_no_exception(at)
    shown = unescaped(texts(at))
    assert "2 user(s) on the tenant." in shown
    assert "Karl Marx" in shown
    assert "kara@example.com" in shown
    assert "in the console" in shown
    assert [b.label for b in at.button if b.label == "Link"] == ["Link"]  # kara is linked
    labelled(at.button, "Link").click()
    at.run()
    assert [s.value for s in at.success] == ["Account linked to the tenant's user."]
    assert {a.username: a.tenant_id for a in seeder.accounts.search()}["karl"] == karl
    assert "Link" not in [b.label for b in at.button]


def test_accounts_the_tenant_does_not_know_are_marked_and_created_there(
    env: Env, seeder: Console
) -> None:
    assert env.simulator is not None
    old = Accounts(seeder.sessions).create("oldtimer", actor="test")  # made before SCIM
    at = open_page("accounts")
    assert_no_exception(at)
    assert "1 account(s) are not on the tenant" in at.warning[0].value
    assert list(at.dataframe[0].value["Tenant id"]) == ["not on the tenant"]
    labelled(at.button, "Create on the tenant").click()
    at.run()
    assert_no_exception(at)
    assert [s.value for s in at.success] == ["Account created."]
    [user] = env.simulator.store.all_users()
    assert user.user_name == "oldtimer"
    assert seeder.accounts.get(old.id).tenant_id == user.id
    assert not at.warning


def test_a_bad_username_shows_the_rule_and_the_form_stays_usable(env: Env) -> None:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("a")
    labelled(at.button, "Create account").click()
    at.run()

    assert_no_exception(at)
    assert [e.value for e in at.error] == [
        "A username must be 3 to 64 characters long; this one has 1\\."  # escaped by ui.plain
    ]
    labelled(at.text_input, "Username").input("-dash")
    labelled(at.button, "Create account").click()
    at.run()
    assert "must start with a letter or a digit" in at.error[0].value

    labelled(at.text_input, "Username").input("fine.name")
    labelled(at.button, "Create account").click()
    at.run()
    assert not at.error
    assert [s.value for s in at.success] == ["Account created."]


def test_a_taken_username_is_refused_ignoring_case(env: Env, seeder: Console) -> None:
    seeder.accounts.create("bob", actor="test")
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("BOB")
    labelled(at.button, "Create account").click()
    at.run()

    assert "is taken" in at.error[0].value
    assert len(at.dataframe[0].value) == 1


def test_usernames_are_shown_as_typed_never_as_markdown(env: Env, seeder: Console) -> None:
    seeder.accounts.create("a_b_c@x", actor="test")
    at = open_page("accounts")
    assert list(at.dataframe[0].value["Username"]) == ["a_b_c@x"]
    assert not any("a_b_c@x" in m.value for m in at.markdown)


def test_search_finds_accounts_and_shows_their_enrolment_state(env: Env, seeder: Console) -> None:
    alice = seeder.accounts.create("alice", actor="test")
    seeder.accounts.create("bob", actor="test")
    seeder.enrolments.issue(alice.id, actor="test")
    at = open_page("accounts")
    assert len(at.dataframe[0].value) == 2

    labelled(at.text_input, "Search accounts").input("ALI")
    at.run()
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["alice"]
    assert list(table["Enrolment"]) == ["Pending"]

    labelled(at.text_input, "Search accounts").input("nobody")
    at.run()
    assert not at.dataframe
    assert "No accounts match." in texts(at)


def test_issue_its_qr_code_goes_to_the_enrol_page_with_the_account(env: Env) -> None:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("carol")
    labelled(at.button, "Create account").click()
    at.run()
    reference = at.code[0].value

    labelled(at.button, "Issue its QR code").click()
    at.run()

    assert_no_exception(at)
    assert at.title[0].value == "Enrol device"
    account_id = at.query_params["account"]
    assert reference != account_id  # the tenant's id is sent; the page names the account
    assert f"Account: carol  ·  {account_id}" in texts(at)


def test_the_e_mail_is_kept_and_listed_with_the_identity_store_off(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_VERSION", "off")
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("mail.me")
    labelled(at.text_input, "E-mail (optional)").input("Mail.Me@EXAMPLE.com")
    labelled(at.button, "Create account").click()
    at.run()

    assert_no_exception(at)
    assert [s.value for s in at.success] == ["Account created."]
    table = at.dataframe[0].value
    assert list(table["E-mail"]) == ["Mail.Me@example.com"]


@pytest.mark.parametrize(
    "email",
    [
        "x@example.com\r\nBcc: all@example.com",
        "moc.elpmaxe@\u202e<b>x</b>",
        "a" * 9_988 + "@example.com",
        "*bold*@[link](http://evil.example)",
    ],
)
def test_a_bad_e_mail_is_refused_and_shown_escaped(env: Env, seeder: Console, email: str) -> None:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("bad.mail")
    labelled(at.text_input, "E-mail (optional)").input(email)
    labelled(at.button, "Create account").click()
    at.run()

    assert_no_exception(at)
    [error] = messages(at)
    assert "e-mail address" in error
    assert len(error) < 400  # a 10,000-character address is not repeated
    assert_rendered_harmlessly(at, email, "<b>x</b>", "*bold*")
    assert seeder.accounts.search() == []
