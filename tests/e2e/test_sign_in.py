"""Sign-in end to end: a real console with ``[auth]`` pointing at a local OIDC provider, and
Chromium going through Streamlit's real login redirect, the provider and the callback.

An admin signs in, sees every page, creates an account and finds it in the audit trail's CSV
under their e-mail address, then signs out. A viewer signs in and sees neither the form to
create an account nor the admin pages.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ConsoleServer, start_console, stop_console, wait_idle
from tests.oidc_provider import OidcProvider

pytestmark = pytest.mark.e2e

ADMIN = "ann@example.com"
VIEWER = "vera@example.com"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    running = OidcProvider().start()
    yield running
    running.stop()


@pytest.fixture
def signed_console(tmp_path: Path, provider: OidcProvider) -> Iterator[ConsoleServer]:
    """The console with sign-in through ``provider``: its own secrets.toml (Streamlit's
    ``secrets.files`` option, here as STREAMLIT_SECRETS_FILES) with an ``[auth]`` section."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        # Streamlit fills in its own port.
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{uuid.uuid4().hex}{uuid.uuid4().hex}"\n'
        f'client_id = "{provider.client_id}"\n'
        f'client_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n'
    )
    server = start_console(
        tmp_path,
        {
            "STREAMLIT_SECRETS_FILES": str(secrets),
            "ROLES_ADMINS": ADMIN,
            "ROLES_VIEWERS": VIEWER,
        },
    )
    yield server
    stop_console(server)


def sign_in(page: Page, server: ConsoleServer, provider: OidcProvider, email: str) -> None:
    provider.user = {"email": email, "email_verified": True, "name": email.split("@")[0]}
    page.goto(server.url)
    wait_idle(page)
    expect(page.get_by_role("heading", name="Enrolment console")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    # Streamlit → /auth/login → the provider → /oauth2callback → the console, signed in.
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible(timeout=30_000)
    wait_idle(page)


def nav_labels(page: Page) -> list[str]:
    """The sidebar's page links, without the icon names that precede them."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [text.strip().splitlines()[-1] for text in links.all_inner_texts()]


def test_an_admin_signs_in_acts_and_is_audited(
    signed_console: ConsoleServer, provider: OidcProvider, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, signed_console, provider, ADMIN)
    assert provider.sign_ins == 1
    expect(page.get_by_text(f"Signed in as {ADMIN} · admin")).to_be_visible()
    expect(page.get_by_text("No sign-in", exact=True)).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("Audit trail")
    assert {"Overview", "Accounts", "Enrol device", "System", "Audit trail"} <= set(
        nav_labels(page)
    )

    username = f"e2e.{uuid.uuid4().hex[:8]}"
    page.goto(f"{signed_console.url}/accounts")
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created.")).to_be_visible(timeout=20_000)

    page.goto(f"{signed_console.url}/audit")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_text("1 action(s) match.")).to_be_visible(timeout=20_000)
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert [(row["actor"], row["action"], row["username"]) for row in rows] == [
        (ADMIN, "Created account", username)
    ]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
    context.close()


def test_a_viewer_sees_but_cannot_change(
    signed_console: ConsoleServer, provider: OidcProvider, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sign_in(page, signed_console, provider, VIEWER)
    expect(page.get_by_text(f"Signed in as {VIEWER} · viewer")).to_be_visible()
    labels = nav_labels(page)
    assert "Accounts" in labels
    assert not {"System", "Audit trail", "Registration demo"} & set(labels)

    page.goto(f"{signed_console.url}/accounts")
    wait_idle(page)
    expect(page.get_by_text("creating them needs the operator role")).to_be_visible()
    expect(page.get_by_role("button", name="Create account")).to_have_count(0)

    # A hidden page's address does not open it.
    page.goto(f"{signed_console.url}/audit")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Audit trail")).to_have_count(0)
    context.close()


def test_a_stranger_is_told_to_ask_an_admin(
    signed_console: ConsoleServer, provider: OidcProvider, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    provider.user = {"email": "stranger@example.com", "email_verified": True}
    page.goto(signed_console.url)
    wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="No access yet")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Ask an admin")).to_be_visible()
    context.close()
