"""The simulated phone in Chromium: enrol on the device page, open the authenticator, and see
sign-in requests arrive by themselves (nobody reloads the page), then Approve or Deny them."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.support.simulator import Simulator

#: Generous: the page looks for requests every second; a loaded machine may be slower.
ARRIVES = 30_000


def test_the_phone_shows_a_push_by_itself_and_answers_it(browser: Browser, api: Simulator) -> None:
    user = api.new_user()
    page = browser.new_page(user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8)")
    page.goto(api.device_url(user))  # the scan
    page.get_by_label("Device name").fill("Ada's <Pixel>")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Device enrolled")).to_be_visible()
    page.get_by_role("link", name="Open the authenticator").click()
    expect(page.get_by_role("heading", name="No sign-in requests")).to_be_visible()
    expect(page.get_by_text("Ada's <Pixel> (Android) is enrolled")).to_be_visible()
    [device] = api.devices(user).json()["devices"]
    assert (device["name"], device["platform"]) == ("Ada's <Pixel>", "Android")

    first = api.push_id(user)  # the page is already open: it must notice by itself
    expect(page.get_by_role("heading", name="Sign-in request")).to_be_visible(timeout=ARRIVES)
    expect(page.locator("#push-message")).to_have_text("Sign-in request")
    assert api.push_state(first) == "PENDING"
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("You approved the sign-in request.")).to_be_visible()
    status = api.push_status(first).json()
    assert (status["status"], status["deviceId"]) == ("APPROVED", device["id"])

    response = api.push(user, device["id"], message="Sign in to <Payroll>?")
    second = response.json()["pushId"]
    expect(page.locator("#push-message")).to_have_text("Sign in to <Payroll>?", timeout=ARRIVES)
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_text("You denied the sign-in request.")).to_be_visible()
    assert api.push_state(second) == "DENIED"
    expect(page.get_by_role("heading", name="No sign-in requests")).to_be_visible()
    page.close()


def test_the_page_of_a_removed_device_says_so_by_itself(browser: Browser, api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    api.http.post(url, data={"action": "confirm", "device_name": "Lost phone"})
    [phone] = api.phones(user)
    page = browser.new_page()
    page.goto(phone["phoneUrl"])
    expect(page.get_by_role("heading", name="No sign-in requests")).to_be_visible()
    assert api.remove_device(user, phone["id"]).status_code == 200
    expect(page.get_by_role("heading", name="Device removed")).to_be_visible(timeout=ARRIVES)
    page.close()
