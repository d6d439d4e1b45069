"""The secrets scan in a real browser against a real ``streamlit run`` process: the HTML of
every page and the process's own log hold neither the client secret nor any access token, and
a device name full of HTML and Markdown shows as text (no element is made from it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from dashboard.ui.pages import NAMES
from tests.support.apptest import console_env
from tests.support.console import open_console
from tests.support.phone import Phone
from tests.support.servers import CHROMIUM_ARGS, start_console, stop_console, wait_idle
from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
HOSTILE = "<img src=x id=pwned> **bold** [link](http://evil.example)"


def visit(page: Page, url: str) -> None:
    """Open ``url`` and wait until the page's script has drawn its title and finished."""
    page.goto(url)
    page.locator("h1").first.wait_for(timeout=30_000)
    wait_idle(page)


def test_no_secret_in_page_html_or_the_process_log(
    tmp_path: Path, start_simulator: StartSimulator, chromium_path: str
) -> None:
    sim = start_simulator()
    url = f"sqlite:///{tmp_path / 'console.db'}"
    with open_console(url, sim) as console, Simulator(sim) as controls:
        account = console.accounts.create("web_user", actor="test")
        console.enrolments.issue(account.id, actor="test")
        Phone(controls, console).finish(account.id, "confirm", device_name=HOSTILE)
        server = start_console(tmp_path, console_env(sim, url, poll="0.5"))
        html: list[str] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path, args=CHROMIUM_ARGS
                )
                page = browser.new_page()
                for name in NAMES:
                    visit(page, f"{server.url}/{name}")
                    html.append(page.content())
                visit(page, f"{server.url}/enrol?account={account.id}")
                controls.revoke()  # the next call needs a fresh token
                page.get_by_role("button", name="Issue QR code").click()
                page.get_by_text("Waiting for the phone to scan").wait_for(timeout=20_000)
                html.append(page.content())
                visit(page, f"{server.url}/system")
                page.get_by_role("button", name="Check connectivity").click()
                page.get_by_text("Connected to http").wait_for(timeout=20_000)
                html.append(page.content())
                visit(page, f"{server.url}/enrolments")
                assert page.locator("#pwned").count() == 0, "a device name became HTML"
                browser.close()
        finally:
            stop_console(server)
        wait_until(lambda: server.process.poll() is not None, what="the console stops")
        secrets = controls.secrets()
    log = server.log.read_text()
    assert "Traceback" not in log, log
    assert len(secrets) >= 3
    found = [s[:6] for s in secrets if any(s in text for text in [log, *html])]
    assert not found, f"secrets in page HTML or the process log: {found}"
