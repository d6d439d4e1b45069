"""Accounts on the tenant in a real Chromium against a real console process (demo mode: SCIM 1.1
on the embedded simulator, which enrols only users its store holds).

Create an account and find it on the tenant; then a person who signed up on the website (made
straight through SCIM): find them, link them, and enrol their phone to the end.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.support.servers import ConsoleServer, free_port, start_console, stop_console, wait_idle

pytestmark = pytest.mark.e2e


class Website:
    """The tenant's own sign-up: creates users straight in the simulator's SCIM store."""

    def __init__(self, base_url: str, client_secret: str) -> None:
        self.base_url, self.client_secret = base_url, client_secret

    def sign_up(self, user_name: str, given: str, family: str) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": "demo-console",
            "client_secret": self.client_secret,
            "scope": "SCIM:user:post",
        }
        token = httpx2.post(f"{self.base_url}/auth/oauth2.0/v1/token", data=form, trust_env=False)
        assert token.status_code == 200, token.text
        body = {
            "schemas": ["urn:scim:schemas:core:1.0"],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
        }
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        made = httpx2.post(
            f"{self.base_url}/scim/v1/Users", json=body, headers=headers, trust_env=False
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[ConsoleServer, Website]]:
    """The console in demo mode, its simulator on a known port with a known secret."""
    port, secret = free_port(), secrets.token_urlsafe(24)
    server = start_console(tmp_path, {"SIM_PORT": str(port), "SIM_CLIENT_SECRET": secret})
    yield server, Website(f"http://127.0.0.1:{port}", secret)
    stop_console(server)


def open_page(page: Page, server: ConsoleServer, path: str) -> None:
    page.goto(f"{server.url}/{path}")
    wait_idle(page)


def search_tenant(page: Page, text: str, exact: bool = True) -> None:
    page.get_by_role("textbox", name="Username on the tenant").fill(text)
    if not exact:
        page.get_by_text("starts with", exact=True).click()
    page.get_by_role("button", name="Search the tenant").click()
    wait_idle(page)


def test_create_and_find_on_the_tenant_then_link_and_enrol_a_website_user(
    demo: tuple[ConsoleServer, Website], browser: Browser
) -> None:
    server, website = demo
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    tag = uuid.uuid4().hex[:6]

    # An account made here is made on the tenant, and found there.
    open_page(page, server, "accounts")
    page.get_by_role("textbox", name="Username", exact=True).fill(f"made.{tag}")
    page.get_by_role("textbox", name="Display name (optional)").fill("Made Here")
    page.get_by_role("textbox", name="E-mail (optional)").fill(f"made.{tag}@example.com")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created.")).to_be_visible(timeout=20_000)
    search_tenant(page, f"made.{tag}")
    expect(page.get_by_text("1 user(s) on the tenant.")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("(inactive; in the console)", exact=False)).to_be_visible()
    expect(page.get_by_text(f"Made Here · made.{tag}@example.com", exact=False)).to_be_visible()

    # Someone who signed up on the website: found, linked (nothing created), enrolled.
    tenant_id = website.sign_up(f"web.{tag}", "Wanda", "Web")
    search_tenant(page, "web.", exact=False)
    expect(page.get_by_text("Wanda Web", exact=False)).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_text("Account linked to the tenant's user.")).to_be_visible(timeout=20_000)
    expect(page.get_by_text(tenant_id)).to_be_visible()
    page.get_by_role("button", name="Issue its QR code").click()
    page.wait_for_url("**/enrol?account=*", timeout=20_000)
    wait_idle(page)
    page.get_by_role("button", name="Issue QR code").click()
    qr = page.locator('[data-testid="stImage"] img').first
    expect(qr).to_be_visible(timeout=20_000)
    png = page.request.get(str(qr.get_attribute("src"))).body()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(decoded) == 1
    phone = context.new_page()
    phone.goto(decoded[0].text)
    expect(page.get_by_text("Scanned. Waiting for the person to confirm.")).to_be_visible(
        timeout=20_000
    )
    phone.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("The device is enrolled.")).to_be_visible(timeout=20_000)
    context.close()
