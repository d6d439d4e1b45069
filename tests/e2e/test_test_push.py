"""In a real Chromium against a real console process: enrol a phone, send a test push, approve
it on the simulated phone, and the console shows Verified by itself (no reload, no click); then
remove the device through the confirmation dialog, which stays open while the panel refreshes.

The simulator runs in the test process, so the test's phone acts on it; the console process
talks to it as to a tenant, and a seeder on the same SQLite file creates the account.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from simulator.embedded import RunningSimulator
from simulator.push import REMOVE_PATH
from tests.support.apptest import console_env
from tests.support.console import Console, open_console
from tests.support.phone import Phone
from tests.support.servers import ConsoleServer, start_console, stop_console, wait_idle
from tests.support.simulator import Simulator

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PUSH_SCREENSHOTS", "")) if os.environ.get("PUSH_SCREENSHOTS") else None
WAIT_MS = 30_000


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def seeder(database: str, simulator: RunningSimulator) -> Iterator[Console]:
    with open_console(database, simulator) as console:
        yield console


@pytest.fixture
def server(
    tmp_path: Path, database: str, simulator: RunningSimulator, seeder: Console
) -> Iterator[ConsoleServer]:
    env = console_env(simulator, database, poll="1.0") | {"OMI_DEVICE_REMOVE_PATH": REMOVE_PATH}
    running = start_console(tmp_path, env)
    yield running
    stop_console(running)


def test_enrol_push_approve_and_see_verified(
    server: ConsoleServer, browser: Browser, seeder: Console, api: Simulator
) -> None:
    phone = Phone(api, seeder)
    account = seeder.accounts.create("pat.push", actor="seed")
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    page.goto(f"{server.url}/enrol?account={account.id}")
    wait_idle(page)
    page.get_by_role("button", name="Issue QR code").click()
    expect(page.get_by_text("Waiting for the phone to scan the QR code.")).to_be_visible(
        timeout=WAIT_MS
    )
    phone.scan(account.id)
    phone.finish(account.id, "confirm", device_name="Pat's Pixel")
    expect(page.get_by_text("The device is enrolled.")).to_be_visible(timeout=WAIT_MS)

    send = page.get_by_role("button", name="Send a test push")
    expect(send).to_be_visible(timeout=WAIT_MS)  # the devices panel came by itself
    expect(page.get_by_text("Pat's Pixel").first).to_be_visible()
    send.click()
    expect(page.get_by_text("Waiting for the person to approve the test push")).to_be_visible(
        timeout=WAIT_MS
    )
    [device] = api.phones(phone.reference(account.id))
    handset = page.context.new_page()  # the phone's own page: the request appears there
    handset.set_viewport_size({"width": 420, "height": 800})
    handset.goto(device["phoneUrl"])
    handset.get_by_role("button", name="Approve").click(timeout=WAIT_MS)
    expect(page.get_by_text("Verified on Pat's Pixel").first).to_be_visible(timeout=WAIT_MS)
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / "devices-verified.png"), full_page=True)
    [push] = seeder.pushes.latest(account.id)
    assert push.status.value == "APPROVED"

    dialog = page.get_by_role("dialog")
    asked = dialog.get_by_text("stops signing this person in")
    remove = page.get_by_role("button", name="Remove device…")
    for _ in range(5):
        # A click that lands while another fragment of the page is running can be dropped
        # (seen under load): a person would click again, and so does the test.
        if asked.is_visible():
            break
        if remove.is_visible():
            remove.click()
        page.wait_for_timeout(3000)
    expect(asked).to_be_visible(timeout=WAIT_MS)
    page.wait_for_timeout(2500)  # two ticks of the panel's timer: the dialog stays open
    expect(dialog.get_by_text("stops signing this person in")).to_be_visible()
    if SHOTS is not None:
        page.screenshot(path=str(SHOTS / "devices-remove.png"))
    dialog.get_by_role("button", name="Remove", exact=True).click()
    expect(page.get_by_text("The service lists no device for this account.")).to_be_visible(
        timeout=WAIT_MS
    )
    assert seeder.devices.of(account.id) == []
