"""One operator journey in a real Chromium against a real console process.

Create an account, issue its QR code, decode the QR off the page, open the decoded URL in a second
page acting as the phone, confirm, see the first page show Enrolled by itself, then find the row
in the Enrolments table and in its CSV download. Screenshots of each page land in docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.support.servers import ConsoleServer, shoot, wait_idle

pytestmark = pytest.mark.e2e


def open_page(page: Page, server: ConsoleServer, path: str) -> None:
    page.goto(f"{server.url}/{path}")
    wait_idle(page)


def test_enrol_a_phone_end_to_end(console_server: ConsoleServer, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    username = f"e2e.{uuid.uuid4().hex[:8]}@example.com"

    open_page(page, console_server, "accounts")
    expect(page.get_by_text("Demo mode", exact=True)).to_be_visible()
    expect(page.get_by_text("No sign-in", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created.")).to_be_visible(timeout=20_000)
    shoot(page, "accounts")

    page.get_by_role("button", name="Issue its QR code").click()
    page.wait_for_url("**/enrol?account=*", timeout=20_000)
    wait_idle(page)
    page.get_by_role("button", name="Issue QR code").click()
    qr = page.locator('[data-testid="stImage"] img').first
    expect(qr).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Waiting for the phone to scan the QR code.")).to_be_visible(
        timeout=20_000
    )
    shoot(page, "enrol-pending")

    png = page.request.get(str(qr.get_attribute("src"))).body()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(decoded) == 1
    device_url = decoded[0].text
    assert "/device/enrol/" in device_url

    phone = context.new_page()
    phone.set_viewport_size({"width": 420, "height": 800})
    phone.goto(device_url)
    expect(page.get_by_text("Scanned. Waiting for the person to confirm.")).to_be_visible(
        timeout=20_000
    )
    shoot(phone, "phone")
    phone.get_by_role("button", name="Confirm").click()

    # The operator's page was not touched: the fragment and the poller bring the result.
    expect(page.get_by_text("The device is enrolled.")).to_be_visible(timeout=20_000)
    expect(page.locator('[data-testid="stImage"] img')).to_have_count(0)
    shoot(page, "enrol-enrolled")

    open_page(page, console_server, "enrolments")
    page.get_by_role("textbox", name="Username contains").fill(username)
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.get_by_text("1 enrolment(s) match")).to_be_visible(timeout=20_000)
    # The grid draws on a canvas: select its first row through the row marker, and the
    # timeline below names the row's account, which proves the row is the new enrolment.
    table = page.locator('[data-testid="stDataFrame"]')
    expect(table.locator("canvas").first).to_be_visible(timeout=20_000)
    page.wait_for_timeout(1000)
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    expect(page.get_by_text(f"Account: {username}")).to_be_visible(timeout=20_000)
    shoot(page, "enrolments")
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert [row["username"] for row in rows] == [username]
    assert rows[0]["status"] == "ENROLLED"

    for name, path in (("overview", ""), ("registration", "registration"), ("system", "system")):
        open_page(page, console_server, path)
        shoot(page, name)
    context.close()
