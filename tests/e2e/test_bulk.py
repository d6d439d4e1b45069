"""Bulk onboarding in a real Chromium: upload a CSV through the browser's file input, run it,
download the results CSV and the QR sheets, and scan a sheet's QR code as the phone would."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import Browser, expect

from tests.support.servers import ConsoleServer, wait_idle

pytestmark = pytest.mark.e2e


def test_upload_run_and_download(
    console_server: ConsoleServer, browser: Browser, tmp_path: Path
) -> None:
    team = tmp_path / "Night shift.csv"
    team.write_text("username;display_name\nnina;Nina N\notto;Otto O\nx;too short\n")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{console_server.url}/bulk")
    wait_idle(page)

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(team))
    run = page.get_by_role("button", name="Create 2 account(s) and issue 2 QR code(s)")
    expect(run).to_be_visible(timeout=20_000)
    expect(page.get_by_role("tab", name="Invalid (1)")).to_be_visible()
    expect(page.get_by_role("textbox", name="Campaign name")).to_have_value("Night shift")
    run.click()
    expect(page.get_by_text("Every row is done.")).to_be_visible(timeout=30_000)
    wait_idle(page)

    with page.expect_download(timeout=30_000) as results_info:
        page.get_by_role("button", name="Download results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(results_info.value.path()).read_text())))
    assert [(r["username"], r["outcome"]) for r in rows] == [
        ("nina", "issued"),
        ("otto", "issued"),
    ]

    with page.expect_download(timeout=30_000) as pdf_info:
        page.get_by_role("button", name="Download QR sheets (PDF)").first.click()
    pdf = pypdfium2.PdfDocument(Path(pdf_info.value.path()).read_bytes())
    try:
        assert len(pdf) == 2
        codes = zxingcpp.read_barcodes(pdf[0].render(scale=2).to_pil())
        assert len(codes) == 1
        device_url = codes[0].text
    finally:
        pdf.close()

    phone = context.new_page()
    phone.goto(device_url)
    expect(phone.get_by_role("button", name="Confirm")).to_be_visible(timeout=20_000)
    # The poller sees the scan; the campaign's progress counts it (the page reads the database).
    scanned = (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.get_by_text("Scanned", exact=True))
        .locator('[data-testid="stMetricValue"]')
    )
    deadline = time.monotonic() + 30
    while True:
        page.reload()
        wait_idle(page)
        if scanned.inner_text(timeout=20_000).strip() == "1":
            break
        assert time.monotonic() < deadline, "the scan never showed in the campaign's progress"
        page.wait_for_timeout(500)
    context.close()
