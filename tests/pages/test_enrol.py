"""The Enrol device page: issue a QR code, watch the status move by itself, cancel, re-issue."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.domain.statuses import Status
from tests.support.apptest import (
    Env,
    assert_no_exception,
    labelled,
    open_page,
    page_path,
    run_until,
    texts,
)
from tests.support.console import Console
from tests.support.phone import Phone
from tests.support.simulator import Simulator


def qr_images(at: AppTest) -> list[object]:
    return list(at.get("image"))


def shows(text: str) -> Callable[[AppTest], bool]:
    return lambda at: text in texts(at)


def enrolment_count(console: Console) -> int:
    return console.table.page(EnrolmentFilter(), EnrolmentSort(), 1)[1]


def test_issue_a_qr_code_and_see_enrolled_after_the_phone_confirms(
    env: Env, seeder: Console, phone: Phone
) -> None:
    account = seeder.accounts.create("dana", actor="test")
    at = open_page("enrol", account=str(account.id))
    assert_no_exception(at)
    assert "Account: dana" in texts(at)

    labelled(at.button, "Issue QR code").click()
    at.run()
    assert_no_exception(at)
    assert len(qr_images(at)) == 1
    assert "Pending" in texts(at)
    assert any(m.label == "QR code expires in" for m in at.metric)

    phone.scan(account.id)
    run_until(at, shows("Scanned"))
    phone.finish(account.id, "confirm", device_name="Dana's phone")
    run_until(at, shows("The device is enrolled."))

    assert_no_exception(at)
    assert "Enrolled “Dana's phone” in" in at.success[0].value.replace("\\", "")
    assert not qr_images(at)
    assert labelled(at.button, "Issue a new QR code")


def test_a_pending_enrolment_is_shown_without_issuing_a_new_one(env: Env, seeder: Console) -> None:
    account = seeder.accounts.create("erin", actor="test")
    issued = seeder.enrolments.issue(account.id, actor="test")
    at = open_page("enrol", account=str(account.id))

    assert_no_exception(at)
    assert len(qr_images(at)) == 1
    assert "Pending" in texts(at)
    assert enrolment_count(seeder) == 1
    assert seeder.enrolments.active(account.id) == seeder.enrolments.get(issued.id)


def test_cancel_and_reissue(env: Env, seeder: Console) -> None:
    account = seeder.accounts.create("frank", actor="test")
    first = seeder.enrolments.issue(account.id, actor="test")
    at = open_page("enrol", account=str(account.id))

    labelled(at.button, "Re-issue").click()
    at.run()
    assert_no_exception(at)
    assert seeder.enrolments.get(first.id).status is Status.SUPERSEDED
    second = seeder.enrolments.active(account.id)
    assert second is not None
    assert second.id != first.id

    labelled(at.button, "Cancel").click()
    at.run()
    assert_no_exception(at)
    assert seeder.enrolments.get(second.id).status is Status.CANCELLED
    assert "An operator cancelled this enrolment." in texts(at)
    assert not qr_images(at)


def test_picking_an_account_in_the_search_box(env: Env, seeder: Console) -> None:
    seeder.accounts.create("gina", actor="test")
    seeder.accounts.create("hank", actor="test")
    at = open_page("enrol")
    labelled(at.text_input, "Find account").input("hank")
    at.run()
    box = labelled(at.selectbox, "Account")
    assert box.options == ["hank"]
    box.select_index(0)
    at.run()
    assert_no_exception(at)
    assert "Account: hank" in texts(at)
    assert labelled(at.button, "Issue QR code")


def test_an_unknown_account_in_the_link_says_so(env: Env, seeder: Console) -> None:
    seeder.accounts.create("ivy", actor="test")
    missing = uuid.uuid4()
    at = open_page("enrol", account=str(missing))
    assert_no_exception(at)
    assert f"There is no account {missing}" in at.warning[0].value.replace("\\", "")
    assert labelled(at.text_input, "Find account")


def test_a_malformed_account_in_the_link_says_what_an_id_looks_like(env: Env) -> None:
    at = open_page("enrol", account="not-a-uuid")
    assert_no_exception(at)
    message = at.warning[0].value.replace("\\", "")
    assert "'not-a-uuid' is not an account id" in message
    assert "Pick an account below instead." in message


def test_demo_mode_links_to_the_simulated_phone(demo_env: Env) -> None:
    at = open_page("accounts")
    labelled(at.text_input, "Username").input("judy")
    labelled(at.button, "Create account").click()
    at.run()
    labelled(at.button, "Issue its QR code").click()
    at.run()
    # AppTest keeps requesting the page it was last switched to; follow st.switch_page.
    at.switch_page(page_path("enrol"))
    labelled(at.button, "Issue QR code").click()
    at.run()

    assert_no_exception(at)
    assert "**Demo mode**" in at.caption[0].value  # the mode line, above the page
    links = [b for b in at.get("link_button") if b.proto.label == "Open the simulated phone"]
    assert len(links) == 1
    assert "/device/enrol/" in links[0].proto.url


def test_start_from_a_tenant_user_link_and_enrol_to_the_end(
    env: Env, seeder: Console, phone: Phone
) -> None:
    assert env.simulator is not None
    with Simulator(env.simulator) as sim:  # signed up on the website: only on the tenant
        tenant_id = sim.new_user()
    name = env.simulator.store.all_users()[0].user_name
    at = open_page("enrol")
    labelled(at.text_input, "Username on the tenant").input(name)
    labelled(at.button, "Search the tenant").click()
    at.run()
    assert_no_exception(at)
    assert "1 user(s) on the tenant." in texts(at)
    labelled(at.button, "Link").click()
    at.run()
    assert_no_exception(at)
    [account] = seeder.accounts.search()
    assert account.tenant_id == tenant_id
    assert at.query_params["account"] == str(account.id)
    labelled(at.button, "Issue QR code").click()
    at.run()
    run_until(at, shows("Waiting for the phone to scan the QR code."))
    phone.finish(tenant_id, "confirm")
    run_until(at, shows("The device is enrolled."))
    assert len(env.simulator.store.all_users()) == 1  # linked, nothing created
