"""The remote journey in a real Chromium against a real console process on its embedded
defaults (simulator, SQLite, the built-in mail catcher, the public page).

The operator creates an account with an address and invites it; the mail reaches the catcher
over SMTP (parsed here: both parts, the link); the person opens the link in a second browser
context, the simulated phone scans the QR code decoded off that page and confirms; the
operator's page, untouched, shows every step by itself. The used link then opens the neutral
page.
"""

from __future__ import annotations

import io
import mailbox
import re
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.support.servers import ConsoleServer, shoot, wait_idle
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e
DEADLINE = 30_000  # ms
LINK = re.compile(r"http://127\.0\.0\.1:\d+/i/[A-Za-z0-9_-]{43}")


def caught(maildir: Path) -> list[EmailMessage]:
    """The mails the console's catcher received, parsed."""
    if not (maildir / "new").exists():
        return []
    parsed = [message_from_bytes(m.as_bytes(), policy=default) for m in mailbox.Maildir(maildir)]
    return [m for m in parsed if isinstance(m, EmailMessage)]


def operator_invites(page: Page, server: ConsoleServer, username: str, email: str) -> None:
    page.goto(f"{server.url}/accounts")
    wait_idle(page)
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
    page.get_by_role("textbox", name="Display name (optional)").fill("Ann Example")
    page.get_by_role("textbox", name="E-mail (optional)").fill(email)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created.")).to_be_visible(timeout=DEADLINE)
    picker = page.get_by_role("combobox", name="Account", exact=True)
    picker.click()
    picker.fill(username)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("1 invitation(s) queued for sending.")).to_be_visible(timeout=DEADLINE)


def test_invite_open_scan_enrol_and_watch_it_happen(
    console_server: ConsoleServer, browser: Browser
) -> None:
    username = f"inv.{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.com"
    desk = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = desk.new_page()
    operator_invites(page, console_server, username, email)
    timeline = page.locator('[data-testid="stTable"]')
    # The mailer sends it through the catcher; the page shows the step by itself.
    expect(timeline.get_by_text("Invitation sent", exact=True)).to_be_visible(timeout=DEADLINE)

    maildir = console_server.log.parent / "mail"
    wait_until(lambda: len(caught(maildir)) == 1, what="the mail in the catcher")
    (mail,) = caught(maildir)
    assert mail["To"].addresses[0].addr_spec == email
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None
    assert html is not None
    (link,) = set(LINK.findall(text.get_content()))
    assert link in html.get_content()
    assert "Ann Example" in text.get_content()

    person = browser.new_context(viewport={"width": 390, "height": 844})
    tab = person.new_page()
    tab.goto(link)
    expect(tab.get_by_text("Ann Example")).to_be_visible(timeout=DEADLINE)
    expect(tab.locator("#status")).to_have_text(
        "Waiting for you to scan the code.", timeout=DEADLINE
    )
    shoot(tab, "public-page")
    png = tab.locator("#qr").screenshot()
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert "/device/enrol/" in code.text

    phone = person.new_page()
    phone.goto(code.text)  # the simulated phone scans the code
    expect(timeline.get_by_text("Link opened", exact=True)).to_be_visible(timeout=DEADLINE)
    expect(timeline.get_by_text("QR code issued", exact=True)).to_be_visible(timeout=DEADLINE)
    expect(timeline.get_by_text("Scanned", exact=True).first).to_be_visible(timeout=DEADLINE)
    phone.get_by_role("button", name="Confirm").click()

    expect(tab.locator("#status")).to_contain_text("is enrolled", timeout=DEADLINE)
    expect(timeline.get_by_text("Enrolled", exact=True).first).to_be_visible(timeout=DEADLINE)
    expect(timeline.get_by_text("Invitation used", exact=True)).to_be_visible(timeout=DEADLINE)
    expect(page.get_by_text("used: enrolled")).to_be_visible(timeout=DEADLINE)
    timeline.scroll_into_view_if_needed()
    shoot(page, "invitation-timeline")
    shoot(tab, "public-page-enrolled")

    tab.goto(link)  # used: the neutral page, in every language
    expect(tab.get_by_text("This link is not valid")).to_be_visible()
    expect(tab.get_by_text("Ann Example")).to_have_count(0)
    page.goto(f"{console_server.url}/outbox")
    wait_idle(page)
    expect(page.get_by_text("Received by the demo mail catcher")).to_be_visible(timeout=DEADLINE)
    expect(page.get_by_role("link", name="Open the link").first).to_have_attribute(
        "href", link, timeout=DEADLINE
    )
    shoot(page, "outbox")
    assert "Traceback" not in console_server.log.read_text()
    person.close()
    desk.close()
