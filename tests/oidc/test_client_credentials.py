"""The console's Mobile Identity client against oidc-provider, a token endpoint nobody here wrote.

Every test goes through the real ``OmiClient``: ``check()`` (the System page's "Check
connectivity") and ``status()``, whose call the provider's status route answers with 404 once
the token is good, so ``ApiNotFound`` means "the token was accepted".
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable

import httpx2
import pytest
from pydantic import SecretStr

from dashboard.errors import ApiForbidden, ApiNotFound
from dashboard.omi.client import OmiClient
from dashboard.settings import DEFAULT_DEVICES_SCOPES, DEFAULT_SCOPES, ClientAuth, OmiSettings
from tests.support.oidc import AUDIT, METHODS, SECRETS, SHORT_TTL, RunningProvider, client_id

#: RFC 6749 Appendix A allows only printable ASCII in a secret; oidc-provider holds to it.
NON_ASCII = "pässwörd-ключ-🔑"


def omi(
    provider: RunningProvider,
    client: str,
    secret: str,
    auth: ClientAuth = "client_secret_post",
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    devices_scopes: tuple[str, ...] = (),
) -> OmiClient:
    """The console's client, with the provider as token endpoint and Mobile Identity API
    (without the device scopes unless asked: the provider knows none of them)."""
    settings = OmiSettings(
        base_url=provider.issuer,
        client_id=client,
        client_secret=SecretStr(secret),
        token_url=provider.token_url,
        client_auth=auth,
        scopes=scopes,
        devices_scopes=devices_scopes,
        timeout=5.0,
        backoff=0.05,
    )
    return OmiClient(settings)


@pytest.fixture
def user() -> uuid.UUID:
    return uuid.uuid4()


def fetch_token(provider: RunningProvider, client: str, secret: str) -> str:
    """A token for ``client`` by hand (client_secret_post), to look at what the console gets."""
    response = httpx2.post(
        provider.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client,
            "client_secret": secret,
            "scope": " ".join(DEFAULT_SCOPES),
        },
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_the_console_connects_with_either_method_and_any_secret(
    provider: RunningProvider, kind: str, method: ClientAuth, user: uuid.UUID
) -> None:
    with omi(provider, client_id(kind, method), SECRETS[kind], method) as client:
        result = client.check()
        assert result.ok, result.message
        assert result.scopes == DEFAULT_SCOPES
        assert "Connected to" in result.message
        with pytest.raises(ApiNotFound):
            client.status(str(user))


@pytest.mark.parametrize("method", METHODS)
def test_a_non_ascii_secret_is_refused_with_the_reason_and_not_echoed(
    provider: RunningProvider, method: ClientAuth
) -> None:
    with omi(provider, client_id("plain", method), NON_ASCII, method) as client:
        result = client.check()
    assert not result.ok
    assert NON_ASCII not in result.message
    if method == "client_secret_post":
        assert "OMI_CLIENT_SECRET" in result.message
    else:
        # The header cannot carry it: oidc-provider says so in its error_description.
        assert "not properly encoded" in result.message, result.message


@pytest.mark.parametrize("method", METHODS)
def test_a_wrong_secret_is_invalid_client(provider: RunningProvider, method: ClientAuth) -> None:
    wrong = "wrong+secret/%3D"
    with omi(provider, client_id("plain", method), wrong, method) as client:
        result = client.check()
    assert not result.ok
    assert "OMI_CLIENT_SECRET" in result.message
    assert wrong not in result.message


def test_a_scope_the_server_drops_is_named(provider: RunningProvider) -> None:
    unknown = "credential:omi:unknown:get"
    scopes = (*DEFAULT_SCOPES, unknown)
    with omi(provider, "plain-post", SECRETS["plain"], scopes=scopes) as client:
        result = client.check()
    assert not result.ok
    assert result.scopes == DEFAULT_SCOPES
    assert f"lacks the scope {unknown}" in result.message


def test_device_scopes_the_server_drops_make_device_calls_name_them(
    provider: RunningProvider, user: uuid.UUID
) -> None:
    """oidc-provider drops scopes it does not know: the token then lacks every device scope,
    and each device call says which one, before sending it; enrolment goes on working."""
    with omi(provider, "plain-post", SECRETS["plain"], devices_scopes=DEFAULT_DEVICES_SCOPES) as c:
        assert c.scopes == (*DEFAULT_SCOPES, *DEFAULT_DEVICES_SCOPES)
        result = c.check()
        assert not result.ok
        assert result.scopes == DEFAULT_SCOPES
        assert "lacks the scope credential:omi:devices:get" in result.message
        calls: dict[str, Callable[[], object]] = {
            "credential:omi:devices:get": lambda: c.devices(str(user)),
            "credential:omi:push-notification:post": lambda: c.push(str(user)),
            "credential:omi:push-notification:device:post": lambda: c.push(
                str(user), device_id="d"
            ),
            "credential:omi:push-notification:status:get": lambda: c.push_status("p"),
        }
        for scope, call in calls.items():
            with pytest.raises(ApiForbidden) as caught:
                call()
            assert caught.value.scope == scope
            assert f"lacks the scope {scope}" in str(caught.value)
            assert "OMI_CLIENT_ID" in str(caught.value)
            assert "OMI_DEVICES_SCOPES" in str(caught.value)
        with pytest.raises(ApiNotFound):
            c.status(str(user))


def test_a_scope_the_client_is_not_granted_is_invalid_scope(provider: RunningProvider) -> None:
    with omi(provider, "plain-post", SECRETS["plain"], scopes=(*DEFAULT_SCOPES, AUDIT)) as client:
        result = client.check()
    assert not result.ok
    assert AUDIT in result.message
    assert "OMI_SCOPES" in result.message


def test_an_expired_token_is_renewed(provider: RunningProvider, user: uuid.UUID) -> None:
    by_hand = fetch_token(provider, "short-lived", SECRETS["plain"])
    before = provider.tokens_issued("short-lived")
    with omi(provider, "short-lived", SECRETS["plain"]) as client:
        with pytest.raises(ApiNotFound):
            client.status(str(user))
        time.sleep(SHORT_TTL + 0.2)
        api = httpx2.get(
            f"{provider.issuer}/omi/qr/enrol/status",
            headers={"Authorization": f"Bearer {by_hand}"},
            trust_env=False,
        )
        assert api.status_code == 401  # the provider did expire tokens of that age
        with pytest.raises(ApiNotFound):
            client.status(str(user))
    assert provider.tokens_issued("short-lived") == before + 2


@pytest.mark.parametrize(("client", "jwt"), [("opaque-api", False), ("jwt-api", True)])
def test_opaque_and_jwt_access_tokens_both_work(
    provider: RunningProvider, client: str, jwt: bool, user: uuid.UUID
) -> None:
    token = fetch_token(provider, client, SECRETS["plain"])
    parts = token.split(".")
    assert (len(parts) == 3) is jwt
    if jwt:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        assert header["typ"] == "at+jwt"  # RFC 9068
    with omi(provider, client, SECRETS["plain"]) as console:
        result = console.check()
        assert result.ok, result.message
        assert result.scopes == DEFAULT_SCOPES
        with pytest.raises(ApiNotFound):
            console.status(str(user))
