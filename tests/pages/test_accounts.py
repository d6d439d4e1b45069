"""The Accounts page: create an account through the form, see the rules, find it, go enrol."""

from __future__ import annotations

import uuid

from tests.support.apptest import Env, assert_no_exception, labelled, open_page, texts
from tests.support.console import Console


def create(name: str) -> object:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input(name)
    labelled(at.button, "Create account").click()
    return at.run()


def test_creating_an_account_shows_its_uuid_and_lists_it(env: Env, seeder: Console) -> None:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("Jane.Doe@example.com")
    labelled(at.button, "Create account").click()
    at.run()

    assert_no_exception(at)
    assert [s.value for s in at.success] == ["Account created."]
    shown = uuid.UUID(at.code[0].value)
    assert seeder.accounts.get(shown).username == "Jane.Doe@example.com"
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["Jane.Doe@example.com"]
    assert list(table["Enrolment"]) == ["Not enrolled"]


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
    account_id = at.code[0].value

    labelled(at.button, "Issue its QR code").click()
    at.run()

    assert_no_exception(at)
    assert at.title[0].value == "Enrol device"
    assert at.query_params["account"] == account_id
    assert f"Account: carol  ·  {account_id}" in texts(at)
