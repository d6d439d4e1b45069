"""The public enrolment page in a real Chromium, under its strict Content-Security-Policy: the
page's own script keeps the status live, puts a fresh QR code in place by itself when one
expires, and shows the end state once the simulated phone confirmed."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

from dashboard.domain.clock import utc_now
from dashboard.poller import Poller
from db.models import Invitation
from simulator.embedded import RunningSimulator
from tests.public_page.conftest import serve
from tests.support.console import Console, open_console
from tests.support.factories import invite
from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e
DEADLINE = 30_000  # ms
PHONE: ViewportSize = {"width": 390, "height": 844}


def shown_code(tab: Page) -> str:
    """The text of the QR code as the browser shows it (a screenshot of the image, decoded;
    empty while none can be read)."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(tab.locator("#qr").screenshot())))
    return str(results[0].text) if len(results) == 1 else ""


def invited(console: Console, name: str) -> tuple[int, str]:
    made = console.accounts.create(name, actor="op", display_name="Ann Example")
    with console.sessions.begin() as session:
        return invite(session, made.id, created=utc_now())


def watch_policy(tab: Page) -> list[str]:
    """Collects any Content-Security-Policy violation the browser reports."""
    refused: list[str] = []
    tab.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


@pytest.fixture
def quick(start_simulator: StartSimulator, sqlite_url: str) -> Iterator[Console]:
    """A console whose simulator's QR codes live two seconds."""
    sim: RunningSimulator = start_simulator(qr_ttl=2.0)
    with open_console(sqlite_url, sim) as console:
        yield console


def test_a_fresh_code_appears_by_itself(browser: Browser, quick: Console) -> None:
    _, running = serve(quick)
    ident, token = invited(quick, "ann")
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    refused = watch_policy(tab)
    try:
        tab.goto(f"{running.base_url}/i/{token}")
        expect(tab.locator("#status")).to_have_text("Waiting for you to scan the code.")
        first = shown_code(tab)
        assert "/device/enrol/" in first
        expect(tab.locator("#qr")).to_have_attribute(
            "src", f"/i/{token}/qr.png?fresh=1", timeout=DEADLINE
        )
        expect(tab.locator("#status")).to_have_text(
            "Waiting for you to scan the code.", timeout=DEADLINE
        )
        # The browser shows the old image until the new one has arrived: wait for it.
        wait_until(lambda: shown_code(tab) not in ("", first), DEADLINE / 1000, "a fresh code")
    finally:
        context.close()
        running.stop()
    assert refused == []
    with quick.sessions() as session:
        assert session.get_one(Invitation, ident).opened_at is not None


@pytest.fixture
def steady(simulator: RunningSimulator, sqlite_url: str) -> Iterator[Console]:
    """A console on the test's simulator (QR codes live five minutes)."""
    with open_console(sqlite_url, simulator) as console:
        yield console


def test_the_end_state_shows_by_itself(browser: Browser, steady: Console, api: Simulator) -> None:
    console = steady
    _, running = serve(console)
    _, token = invited(console, "ann")
    poller = Poller(console.polling, interval=0.2, backoff_cap=1.0)
    poller.start()
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    refused = watch_policy(tab)
    try:
        tab.goto(f"{running.base_url}/i/{token}")
        expect(tab.locator("h1")).to_have_text("Hello Ann Example")
        device = shown_code(tab)
        assert "/device/enrol/" in device
        assert api.http.get(device).status_code == 200  # the scan
        expect(tab.locator("#status")).to_have_text(
            "Scanned. Now confirm on your phone.", timeout=DEADLINE
        )
        confirmed = api.http.post(device, data={"action": "confirm", "device_name": "Pixel 9"})
        assert confirmed.status_code == 200
        expect(tab.locator("#status")).to_have_text(
            "Done: Pixel 9 is enrolled. You can close this page.", timeout=DEADLINE
        )
        expect(tab.locator("#qr")).to_be_hidden()
        tab.reload()
        expect(tab.locator("h1").first).to_have_text("This link is not valid")
    finally:
        context.close()
        poller.stop()
        running.stop()
    assert refused == []
