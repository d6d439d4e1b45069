"""The demo history in a real Chromium against a real console process: the System page's button
fills it, and the Overview, Pending queue and Enrolments pages show a working console (with
``SAVE_SCREENSHOTS=1`` their screenshots land in docs/screenshots/demo-*.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.servers import ConsoleServer, wait_idle

pytestmark = pytest.mark.e2e

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page: Page, name: str, tmp_path: Path) -> Path:
    """A full-page screenshot once the page has settled (under docs/ when asked)."""
    folder = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # let fonts, the charts and the data grid's canvas paint
    path = folder / f"demo-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_button_fills_a_history_every_page_shows(
    console_server: ConsoleServer, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{console_server.url}/system")
    wait_idle(page)
    page.get_by_role("button", name="Fill a demo history").click()
    page.get_by_role("button", name="Yes, fill it").click()
    expect(page.get_by_text("Filled a demo history of the last 60 days")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("5 QR codes are pending now.")).to_be_visible()

    page.goto(console_server.url)
    wait_idle(page)
    expect(page.get_by_text("Enrolments per day by outcome")).to_be_visible(timeout=20_000)
    expect(page.locator('[data-testid="stVegaLiteChart"], .vega-embed').first).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    shoot(page, "overview", tmp_path)

    page.goto(f"{console_server.url}/queue")
    wait_idle(page)
    expect(page.get_by_text("under 15 min", exact=False).first).to_be_visible(timeout=20_000)
    shoot(page, "queue", tmp_path)

    page.goto(f"{console_server.url}/enrolments")
    wait_idle(page)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=20_000)
    shoot(page, "enrolments", tmp_path)
    log = console_server.log.read_text()
    assert "Traceback" not in log, log
    context.close()
