"""Sign-in end to end: a real console with ``[auth]`` pointing at oidc-provider (npm, an
OpenID-certified server), and Chromium going through Streamlit's real login redirect (code flow
with PKCE), the provider and the callback.

An admin signs in, sees every page, creates an account and finds it in the audit trail's CSV
under their e-mail address, then signs out through the provider's end-session endpoint. An
operator gets their role from the ID token's groups claim. A viewer sees neither the form to
create an account nor the admin pages. A stranger is told to ask an admin.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import oidc
from tests.support.servers import ConsoleServer, free_port, start_console, stop_console, wait_idle

pytestmark = pytest.mark.e2e

ADMIN = "ann@example.com"
OPERATOR = "otto@example.com"
VIEWER = "vera@example.com"
STRANGER = "sam@example.com"
OPERATORS_GROUP = "enrolment-operators"
#: Account ids (the ID token's ``sub``) and their claims.
ACCOUNTS = {
    "ann": {"email": ADMIN, "name": "Ann", "groups": ["staff"]},
    "otto": {"email": OPERATOR, "name": "Otto", "groups": ["staff", OPERATORS_GROUP]},
    "vera": {"email": VIEWER, "name": "Vera", "groups": []},
    "sam": {"email": STRANGER, "name": "Sam", "groups": ["contractors"]},
}
CLIENT_ID = "enrolment-console"


@pytest.fixture(scope="module")
def console_port() -> int:
    """The port every console of this module listens on, registered with the provider."""
    return free_port()


@pytest.fixture(scope="module")
def client_secret() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def provider(
    tmp_path_factory: pytest.TempPathFactory, console_port: int, client_secret: str
) -> Iterator[oidc.RunningProvider]:
    callback = f"http://127.0.0.1:{console_port}/oauth2callback"
    config = {
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": client_secret,
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "redirect_uris": [callback],
                # Streamlit sends its callback as the post-logout address.
                "post_logout_redirect_uris": [callback],
            }
        ],
        "accounts": ACCOUNTS,
    }
    running = oidc.start(config, tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()


@pytest.fixture
def signed_console(
    tmp_path: Path, provider: oidc.RunningProvider, console_port: int, client_secret: str
) -> Iterator[ConsoleServer]:
    """The console with sign-in through ``provider``: its own secrets.toml (Streamlit's
    ``secrets.files`` option, here as STREAMLIT_SECRETS_FILES) with an ``[auth]`` section."""
    secrets_toml = tmp_path / "secrets.toml"
    secrets_toml.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{console_port}/oauth2callback"\n'
        f'cookie_secret = "{uuid.uuid4().hex}{uuid.uuid4().hex}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n'
    )
    server = start_console(
        tmp_path,
        {
            "STREAMLIT_SECRETS_FILES": str(secrets_toml),
            "ROLES_ADMINS": ADMIN,
            "ROLES_OPERATORS": f"group:{OPERATORS_GROUP}",
            "ROLES_VIEWERS": VIEWER,
        },
        port=console_port,
    )
    yield server
    stop_console(server)


def sign_in(page: Page, server: ConsoleServer, provider: oidc.RunningProvider, email: str) -> None:
    provider.sign_in_as(email.split("@")[0])
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
    signed_console: ConsoleServer, provider: oidc.RunningProvider, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    sign_ins = provider.stats()["sign_ins"]
    sign_in(page, signed_console, provider, ADMIN)
    assert provider.stats()["sign_ins"] == sign_ins + 1
    expect(page.get_by_text(f"Signed in as {ADMIN} · admin")).to_be_visible()
    expect(page.get_by_text("No sign-in", exact=True)).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("Audit trail")
    assert {"Overview", "Accounts", "Enrol device", "System", "Audit trail"} <= set(
        nav_labels(page)
    )

    username = f"e2e.{uuid.uuid4().hex[:8]}"
    page.goto(f"{signed_console.url}/accounts")
    wait_idle(page)
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
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


def test_an_operator_gets_the_role_from_the_groups_claim(
    signed_console: ConsoleServer, provider: oidc.RunningProvider, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sign_in(page, signed_console, provider, OPERATOR)
    expect(page.get_by_text(f"Signed in as {OPERATOR} · operator")).to_be_visible()
    labels = nav_labels(page)
    assert "Enrol device" in labels
    assert not {"System", "Audit trail"} & set(labels)
    context.close()


def test_a_viewer_sees_but_cannot_change(
    signed_console: ConsoleServer, provider: oidc.RunningProvider, browser: Browser
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
    signed_console: ConsoleServer, provider: oidc.RunningProvider, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    provider.sign_in_as("sam")
    page.goto(signed_console.url)
    wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="No access yet")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Ask an admin")).to_be_visible()
    context.close()
