"""The access token: one per process, fetched through authlib, renewed before it expires.

Fetched with authlib's ``OAuth2Client`` (client credentials, the configured auth method and
scopes), kept by us rather than by authlib, and fetched or renewed under one re-entrant lock,
so any number of threads cause one token request. It is renewed ``min(30 s, 10 % of its
lifetime)`` before it expires, so calls rarely meet a 401.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import httpx2
from authlib.integrations.httpx_client import OAuth2Client

from dashboard.errors import ApiAuthError, ApiError, ApiProtocolError
from dashboard.omi.responses import (
    DEFAULT_TOKEN_LIFETIME,
    is_loopback,
    json_or_none,
    oauth_error,
    vet,
)
from dashboard.omi.retry import Transient, overloaded, retrying, transport_failure
from dashboard.settings import OmiSettings

log = logging.getLogger(__name__)

#: Renew the token this long before it expires, at most (10 % of its lifetime when shorter).
RENEW_MARGIN = 30.0


@dataclass(frozen=True)
class Token:
    """An access token, the scopes it grants, and when to renew it (``time.monotonic()``)."""

    value: str
    scopes: tuple[str, ...]
    renew_at: float

    def __repr__(self) -> str:
        return f"Token(scopes={self.scopes!r}, renew_at={self.renew_at:.1f})"


def oauth_client(settings: OmiSettings, scopes: tuple[str, ...] | None = None) -> OAuth2Client:
    """The one HTTP client for a tenant: authlib's, sending Basic credentials as the RFC says.

    ``scopes`` (default ``settings.scopes``) is what the token request asks for.
    """
    wanted = settings.scopes if scopes is None else scopes
    http = OAuth2Client(
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        token_endpoint_auth_method=settings.client_auth,
        scope=" ".join(wanted) or None,
        base_url=settings.base_url,
        timeout=httpx2.Timeout(settings.timeout),
        token_endpoint=settings.absolute_token_url,
        grant_type="client_credentials",
        # A proxy from the environment must not capture the embedded simulator on loopback.
        trust_env=not is_loopback(settings.base_url),
    )
    http.register_client_auth_method(("client_secret_basic", client_secret_basic))
    return http


def basic_pair(client_id: str, secret: str) -> str:
    """The base64 of HTTP Basic client credentials, each part form-urlencoded first."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return base64.b64encode(pair.encode("ascii")).decode("ascii")


def client_secret_basic(
    auth: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """authlib's auth method ``client_secret_basic``, per RFC 6749 §2.3.1.

    authlib's own sends id and secret raw: a secret with ``+``, ``%`` or ``:`` then fails
    against a server that decodes them as the RFC says.
    """
    headers["Authorization"] = "Basic " + basic_pair(auth.client_id, auth.client_secret or "")
    return uri, headers, body


@dataclass(frozen=True)
class Names:
    """The settings a token failure tells the operator to check."""

    client: str = "OMI_CLIENT_ID, OMI_CLIENT_SECRET"
    scopes: str = "OMI_SCOPES"


class ScopesRefused(ApiAuthError):
    """The token endpoint answered ``invalid_scope``."""


class Tokens:
    """The shared token of one client: ``current()`` for calls, ``fresh()`` for a check.

    ``scopes`` (default ``settings.scopes``) is what the request asks for, e.g. the Mobile
    Identity scopes and the identity store's together; ``names`` are the settings to blame.
    ``optional`` scopes (the device and push ones) are dropped from the request, once and with
    a warning, when the endpoint refuses the scopes: a tenant that grants none of them still
    enrols, and the calls that need them say which scope the token lacks.
    """

    def __init__(
        self,
        http: OAuth2Client,
        settings: OmiSettings,
        *,
        scopes: tuple[str, ...] | None = None,
        names: Names = Names(),
        optional: tuple[str, ...] = (),
    ) -> None:
        self._http = http
        self._optional = optional
        self._settings = settings
        self.scopes = settings.scopes if scopes is None else scopes
        self._names = names
        self._lock = threading.RLock()
        self._token: Token | None = None
        self._last_status: int | None = None
        self.where = f"POST {httpx2.URL(settings.absolute_token_url).path or '/'}"
        secret = settings.client_secret.get_secret_value()
        # the secret in every form it is sent, masked in case a server echoes it
        self._hide = (
            secret,
            quote_plus(secret),
            quote(secret, safe=""),
            basic_pair(settings.client_id, secret),
        )
        http.register_compliance_hook("access_token_response", self._check_response)

    def current(self) -> Token:
        """The shared token, fetched or renewed under the lock (one request for all threads)."""
        with self._lock:
            token = self._token
            if token is None or time.monotonic() >= token.renew_at:
                self._token = token = self._fetch()
            return token

    def fresh(self) -> Token:
        """A newly fetched token, kept for later calls; a failure keeps the current one."""
        with self._lock:
            self._token = token = self._fetch()
            return token

    def drop(self, token: Token) -> None:
        """Forget ``token`` unless another thread already replaced it."""
        with self._lock:
            if self._token is token:
                self._token = None

    def drop_value(self, value: str) -> None:
        """Forget the current token if its value is ``value``."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _fetch(self) -> Token:
        try:
            return retrying(self.where, self._request, self._settings, idempotent=True)
        except ScopesRefused:
            dropped = [scope for scope in self.scopes if scope in self._optional]
            if not dropped:
                raise
        self.scopes = tuple(scope for scope in self.scopes if scope not in self._optional)
        log.warning("the token endpoint refused the scopes; asking without %s", " ".join(dropped))
        return retrying(self.where, self._request, self._settings, idempotent=True)

    def _request(self) -> Token:
        """One token request through authlib (the caller holds the lock)."""
        started = time.monotonic()
        try:
            wanted = " ".join(self.scopes) or None
            raw = self._http.fetch_token(grant_type="client_credentials", scope=wanted)
        except (Transient, ApiError):
            raise  # from our hook, which vets every response before authlib parses it
        except httpx2.TransportError as exc:
            failure: Transient | ApiError = transport_failure(exc, self.where, self._settings)
        except Exception:  # authlib's OAuthError/ValueError: a 200 that is no JSON token
            failure = ApiProtocolError(
                f"The token endpoint's answer to {self.where} is not a JSON token.",
                status_code=self._last_status,
            )
        else:
            return self._parse(raw, started)
        # Raised outside the except blocks on purpose: no __context__ pointing at an httpx2
        # exception whose request holds the client secret.
        raise failure

    def _check_response(self, response: httpx2.Response) -> httpx2.Response:
        """authlib's hook, run before it parses: translate every failure here."""
        where = self.where
        self._last_status = code = response.status_code
        if code == 200:
            vet(json_or_none(response), where)
            return response
        if code == 429 or code >= 500:
            raise overloaded(response, where, "token endpoint", self._settings)
        error, description = oauth_error(response, self._hide)
        answer = f"{where} → {code}" + (f" {error}" if error else "")
        answer += f': "{description}"' if description else ""
        if error == "invalid_client" or (code == 401 and not error):
            raise ApiAuthError(
                f"The client id or secret was refused by the token endpoint ({answer}); "
                f"check {self._names.client} and OMI_CLIENT_AUTH.",
                status_code=code,
            )
        if error == "invalid_scope":
            raise ScopesRefused(
                f"The token endpoint refused the scopes {' '.join(self.scopes)!r} "
                f"({answer}); check {self._names.scopes} and the client's grants.",
                status_code=code,
            )
        if error:
            raise ApiAuthError(
                f"The token endpoint refused the token request ({answer}); "
                "check OMI_TOKEN_URL and OMI_CLIENT_AUTH.",
                status_code=code,
            )
        raise ApiProtocolError(
            f"The token endpoint answered {where} with unexpected HTTP {code}; "
            "check OMI_TOKEN_URL.",
            status_code=code,
        )

    def _parse(self, raw: Mapping[str, Any], started: float) -> Token:
        """Our record of a token ``vet`` accepted."""
        lifetime = float(raw.get("expires_in", DEFAULT_TOKEN_LIFETIME))
        scope = raw.get("scope")
        # RFC 6749 §5.1: an omitted scope means the scope requested
        scopes = self.scopes if scope is None else tuple(str(scope).split())
        margin = min(RENEW_MARGIN, lifetime * 0.1)
        return Token(
            value=str(raw["access_token"]), scopes=scopes, renew_at=started + lifetime - margin
        )


class BearerTokens:
    """``Tokens`` as the identity-store client's ``TokenSource``: the same token, by value.

    ``own`` is the HTTP client of a token of the store's own (``SCIM_CLIENT_ID``), closed with
    ``close``; None when the token is the Mobile Identity client's.
    """

    def __init__(self, tokens: Tokens, own: OAuth2Client | None = None) -> None:
        self.tokens = tokens
        self._own = own

    @classmethod
    def of_client(cls, settings: OmiSettings) -> BearerTokens:
        """A token of its own for the client ``settings`` names (``SCIM_CLIENT_ID``)."""
        http = oauth_client(settings)
        names = Names(client="SCIM_CLIENT_ID, SCIM_CLIENT_SECRET", scopes="SCIM_SCOPES")
        return cls(Tokens(http, settings, names=names), own=http)

    def close(self) -> None:
        """Close the token's own HTTP client, if it has one."""
        if self._own is not None:
            self._own.close()

    def __repr__(self) -> str:
        return "BearerTokens(<hidden>)"

    def bearer(self) -> str:
        """The shared token's value (fetched or renewed under the lock)."""
        return self.tokens.current().value

    def drop(self, token: str) -> None:
        """Forget the shared token if it is still ``token`` (the store refused it)."""
        self.tokens.drop_value(token)

    def fresh(self) -> Token:
        """A newly fetched token (for the System page's check)."""
        return self.tokens.fresh()
