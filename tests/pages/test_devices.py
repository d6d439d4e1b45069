"""The devices panel under AppTest: it appears by itself once the account is enrolled, lists
the device, sends a test push whose status moves by itself to Verified, keeps removal behind a
confirmation where it is configured, and follows the roles; Bulk onboarding's bulk verify."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.domain.clock import utc_now
from dashboard.domain.devices import PushOutcome
from dashboard.views import devices as view_text
from db.models import Campaign
from simulator.push import REMOVE_PATH
from tests.support.apptest import (
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    go,
    labelled,
    open_page,
    run_until,
    signed_in,
    texts,
)
from tests.support.console import Console
from tests.support.devices import enrolled
from tests.support.phone import Phone
from tests.support.simulator import Simulator

ADMIN, OPERATOR, VIEWER = "ann@example.com", "oscar@example.com", "vera@example.com"


def shows(text: str) -> Callable[[AppTest], bool]:
    return lambda at: text in texts(at).replace("\\", "")


@pytest.fixture
def roles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLES_ADMINS", ADMIN)
    monkeypatch.setenv("ROLES_OPERATORS", OPERATOR)
    monkeypatch.setenv("ROLES_VIEWERS", VIEWER)


def test_send_a_test_push_and_see_verified_by_itself(
    env: Env, seeder: Console, phone: Phone
) -> None:
    account = enrolled(seeder, phone, "dana")
    at = open_page("enrol", account=str(account.id))
    assert_no_exception(at)
    assert "Devices" in [h.value for h in at.subheader]
    assert at.dataframe[0].value["Device"].tolist() == ["dana's phone"]
    labelled(at.button, "Send a test push").click()
    at.run()
    assert_no_exception(at)
    assert shows("Waiting for the person to approve the test push")(at)
    [sent] = seeder.pushes.latest(account.id)
    assert sent.created_by == "local"
    phone.approve_push(account.id)
    run_until(at, shows("Verified on dana's phone"))
    assert_no_exception(at)
    assert seeder.pushes.latest(account.id)[0].status is PushOutcome.APPROVED


def test_nothing_shows_before_the_enrolment(env: Env, seeder: Console) -> None:
    account = seeder.accounts.create("early", actor="op")
    seeder.enrolments.issue(account.id, actor="op")
    at = open_page("enrol", account=str(account.id))
    assert_no_exception(at)
    assert "Devices" not in [h.value for h in at.subheader]


def test_a_viewer_sees_the_devices_but_sends_nothing(
    env: Env, roles: None, seeder: Console, phone: Phone
) -> None:
    account = enrolled(seeder, phone, "viewed")
    at = go(signed_in(VIEWER), "enrol", account=str(account.id))
    assert_no_exception(at)
    assert at.dataframe[0].value["Device"].tolist() == ["viewed's phone"]
    labels = {b.label for b in at.button}
    assert not labels & {"Send a test push", "Remove device…"}


def test_an_operator_pushes_but_only_an_admin_is_offered_removal(
    env: Env, roles: None, seeder: Console, phone: Phone
) -> None:
    account = enrolled(seeder, phone, "desk")
    at = go(signed_in(OPERATOR), "enrol", account=str(account.id))
    assert "Send a test push" in {b.label for b in at.button}
    assert "Removing a device" not in texts(at)
    at = go(signed_in(ADMIN), "enrol", account=str(account.id))
    assert_no_exception(at)
    assert "OMI_DEVICE_REMOVE_PATH" in texts(at)  # not configured here: said, not offered
    assert "Remove device…" not in {b.label for b in at.button}


def test_the_accounts_page_shows_an_enrolled_accounts_devices(
    env: Env, seeder: Console, phone: Phone
) -> None:
    enrolled(seeder, phone, "listed")
    at = open_page("accounts")
    labelled(at.selectbox, "Enrolled account").select_index(0)
    at.run()
    assert_no_exception(at)
    assert "Devices" in [h.value for h in at.subheader]
    assert "listed's phone" in at.dataframe[-1].value["Device"].tolist()


def test_bulk_verify_a_campaign(env: Env, seeder: Console, phone: Phone) -> None:
    with seeder.sessions.begin() as session:
        row = Campaign(name="Autumn", created_at=utc_now(), created_by="op")
        session.add(row)
        session.flush()
        campaign = row.id
    for name in ("team1", "team2"):
        enrolled(seeder, phone, name, campaign=campaign)
    at = open_page("bulk")
    labelled(at.button, "Send a test push to every enrolled person").click()
    at.run()
    assert_no_exception(at)
    assert {m.label: m.value for m in at.metric}["Test pushes sent"] == "2"
    assert len(seeder.devices.campaign_progress(campaign).by_outcome) == 1


def test_an_admin_removes_a_device_after_confirming(
    env: Env, seeder: Console, phone: Phone, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMI_DEVICE_REMOVE_PATH", REMOVE_PATH)
    account = enrolled(seeder, phone, "lost")
    at = open_page("enrol", account=str(account.id))
    labelled(at.button, "Remove device…").click()
    at.run()
    assert_no_exception(at)
    [asked] = [m.value for m in at.markdown if "stops signing" in m.value]  # the dialog
    assert asked.replace("\\", "").startswith("“lost's phone” (Simulated) stops signing")
    assert len(seeder.devices.of(account.id)) == 1  # nothing removed before the confirmation
    labelled(at.button, "Remove").click()
    at.run()
    assert_no_exception(at)
    assert seeder.devices.of(account.id) == []
    assert shows(view_text.NO_DEVICES)(at)


def test_a_failing_device_list_is_a_sentence_on_the_page(
    env: Env, seeder: Console, phone: Phone, api: Simulator
) -> None:
    account = enrolled(seeder, phone, "faulty")
    api.fault(route="devices", status=503, count=50)
    at = open_page("enrol", account=str(account.id))
    assert_no_exception(at)
    assert shows("The devices could not be listed:")(at)
    api.clear()
    labelled(at.button, "Refresh devices").click()
    at.run()
    assert at.dataframe[-1].value["Device"].tolist() == ["faulty's phone"]


def test_a_hostile_device_name_shows_as_typed(env: Env, seeder: Console, phone: Phone) -> None:
    hostile = "**Pwn** <b>x</b> [link](http://evil.example)"
    account = enrolled(seeder, phone, "hostile", device_name=hostile)
    at = open_page("enrol", account=str(account.id))
    labelled(at.button, "Send a test push").click()
    at.run()
    phone.approve_push(account.id)
    run_until(at, shows("Verified on"))
    assert_no_exception(at)
    assert_rendered_harmlessly(at, hostile)


def test_a_refused_push_is_a_sentence_on_the_page(
    env: Env, seeder: Console, phone: Phone, api: Simulator
) -> None:
    account = enrolled(seeder, phone, "refused")
    at = open_page("enrol", account=str(account.id))
    api.fault(route="push_device", status=500, count=50)  # one device: pushed to it alone
    labelled(at.button, "Send a test push").click()
    at.run()
    assert_no_exception(at)
    assert shows("The test push was not sent:")(at)
    at.run()  # the panel's next tick keeps saying it
    assert shows("The test push was not sent:")(at)
    assert "Traceback" not in texts(at)
    assert seeder.pushes.latest(account.id) == []
    api.clear()
    labelled(at.button, "Send a test push").click()
    at.run()
    assert shows("Waiting for the person to approve the test push")(at)
    assert not shows("The test push was not sent:")(at)
