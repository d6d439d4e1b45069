"""The Registration demo: the end user's sign-up, with the device step where the page says."""

from __future__ import annotations

import uuid

from streamlit.testing.v1 import AppTest

from dashboard.domain.journey import Step
from dashboard.domain.statuses import Status
from tests.support.apptest import Env, assert_no_exception, labelled, open_page, run_until, texts
from tests.support.console import Console
from tests.support.phone import Phone

CURRENT = "**:blue[:material/radio_button_checked: "


def current_step(at: AppTest) -> str:
    marks = [m.value for m in at.markdown if m.value.startswith(CURRENT)]
    assert len(marks) == 1, marks
    return str(marks[0])[len(CURRENT) : -len("]**")]


def steps_shown(at: AppTest) -> list[str]:
    return [m.value.split(": ", 1)[1].rstrip("]*") for m in at.markdown if ":material/" in m.value][
        : len(Step)
    ]


def sign_up(at: AppTest, name: str) -> None:
    labelled(at.text_input, "Username").input(name)
    labelled(at.button, "Create account").click()
    at.run()


def account_id(console: Console, name: str) -> uuid.UUID:
    return console.accounts.search(name)[0].id


def test_walks_every_step_with_the_device_after_preferences(
    env: Env, seeder: Console, phone: Phone
) -> None:
    at = open_page("registration")
    labelled(at.radio, "Device enrolment comes").set_value("After notification preferences")
    at.run()
    assert steps_shown(at) == ["Sign up", "Notifications", "Enrol device", "Profile", "Welcome"]
    assert current_step(at) == "Sign up"

    sign_up(at, "newcomer")
    assert_no_exception(at)
    assert current_step(at) == "Notifications"
    assert labelled(at.radio, "Device enrolment comes").disabled
    user = account_id(seeder, "newcomer")

    labelled(at.multiselect, "Notify me by").select("SMS")
    labelled(at.button, "Continue").click()
    at.run()
    assert current_step(at) == "Enrol device"
    assert len(at.get("image")) == 1
    assert seeder.enrolments.active(user) is not None

    phone.scan(user)
    phone.finish(user, "confirm", device_name="Newcomer's phone")
    run_until(at, lambda at: current_step(at) == "Profile")  # moves on by itself
    assert_no_exception(at)

    labelled(at.text_input, "Display name").input("New Comer")
    labelled(at.button, "Continue").click()
    at.run()
    assert current_step(at) == "Welcome"
    assert "Welcome aboard, newcomer" in at.success[0].value.replace("\\", "")
    shown = texts(at)
    assert "Device enrolled for signing in: Newcomer's phone" in shown
    assert "Display name: New Comer" in shown
    assert "Notifications: E-mail, SMS" in shown

    labelled(at.button, "Start over").click()
    at.run()
    assert current_step(at) == "Sign up"
    assert not labelled(at.radio, "Device enrolment comes").disabled


def test_device_step_right_after_sign_up_offers_a_new_code_after_a_decline(
    env: Env, seeder: Console, phone: Phone
) -> None:
    at = open_page("registration")
    sign_up(at, "decliner")
    assert current_step(at) == "Enrol device"
    user = account_id(seeder, "decliner")
    first = seeder.enrolments.active(user)
    assert first is not None

    phone.scan(user)
    phone.finish(user, "decline")
    run_until(at, lambda at: "This QR code can no longer be used." in texts(at))
    assert seeder.enrolments.get(first.id).status is Status.DECLINED
    assert not at.get("image")

    labelled(at.button, "Show a new QR code").click()
    at.run()
    assert_no_exception(at)
    second = seeder.enrolments.active(user)
    assert second is not None
    assert second.id != first.id
    assert len(at.get("image")) == 1
    assert current_step(at) == "Enrol device"


def test_a_bad_username_shows_the_rule(env: Env) -> None:
    at = open_page("registration")
    sign_up(at, "no spaces please")
    assert_no_exception(at)
    assert "may contain only letters, digits" in at.error[0].value
    assert current_step(at) == "Sign up"


def test_demo_mode_links_to_the_simulated_phone(demo_env: Env) -> None:
    at = open_page("registration")
    sign_up(at, "demo.user")
    assert_no_exception(at)
    assert current_step(at) == "Enrol device"
    links = [b for b in at.get("link_button") if b.proto.label == "Open the simulated phone"]
    assert len(links) == 1
    assert "/device/enrol/" in links[0].proto.url
