"""The Mobile Identity API client: one access token per process, enrol, status, check, and
(``dashboard.omi.device_calls``) a user's devices, test pushes and device removal.

Every third-party error (httpx2, authlib) is translated in this package, once, into
``dashboard.errors``. The translated errors deliberately do not chain to the httpx2/authlib
exceptions: those carry the request, whose headers hold the bearer token and whose body
(``client_secret_post``) holds the client secret. Each message is a sentence naming the call
and what to check.

Retry policy (``dashboard.omi.retry``; ``max_retries``, exponential ``backoff`` with jitter):

* 429 and 5xx: retried on every route, honouring ``Retry-After`` (at most 30 s).
* Connection errors (the request never left): retried on every route.
* Timeouts and broken connections after sending: retried for ``GET`` status and the token
  request, not for ``POST`` enrol (the operator presses "Issue QR" again instead).
* 401: the token is dropped and fetched again once, then the call is retried once.

The token (``dashboard.omi.token``): fetched through authlib under one re-entrant lock, so any
number of threads cause one token request, and renewed shortly before it expires.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx2

from dashboard.domain.statuses import classify
from dashboard.errors import (
    ApiAuthError,
    ApiError,
    ApiForbidden,
    ApiNotFound,
    ApiProtocolError,
    ConsoleError,
)
from dashboard.omi.device_calls import DeviceCalls, Explain
from dashboard.omi.records import Connectivity, QrCode, RemoteStatus
from dashboard.omi.responses import (
    cap,
    decode_png,
    error_code,
    expiry,
    json_object,
    missing_scope,
    timestamp,
)
from dashboard.omi.retry import NoToken, overloaded, retrying, transport_failure
from dashboard.omi.token import BearerTokens, Names, Token, Tokens, oauth_client
from dashboard.settings import DEFAULT_DEVICES_SCOPES, OmiSettings


class OmiClient(DeviceCalls):
    """A thread-safe client for one Mobile Identity tenant; share one instance per process."""

    def __init__(self, settings: OmiSettings, *, extra_scopes: tuple[str, ...] = ()) -> None:
        """``extra_scopes`` join the token request: the identity store's, when it shares the
        token (one token per process for both clients, see ``scim_tokens``)."""
        self._settings = settings
        wanted = (*settings.scopes, *settings.devices_scopes, *extra_scopes)
        self._scopes = tuple(dict.fromkeys(wanted))
        self._http = oauth_client(settings, self._scopes)
        named = ["OMI_SCOPES"]
        named += ["OMI_DEVICES_SCOPES"] if settings.devices_scopes else []
        named += ["SCIM_SCOPES"] if extra_scopes else []
        names = Names(scopes=", ".join(named[:-1]) + " and " + named[-1]) if named[1:] else Names()
        self._tokens = Tokens(self._http, settings, scopes=self._scopes, names=names)

    def __repr__(self) -> str:
        settings = self._settings
        return f"OmiClient(base_url={settings.base_url!r}, client_id={settings.client_id!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes the token request asks for."""
        return self._scopes

    def scim_tokens(self) -> BearerTokens:
        """This client's token as the identity-store client's ``TokenSource``."""
        return BearerTokens(self._tokens)

    def enrol(self, user_id: str) -> QrCode:
        """Start (or restart) the enrolment of ``user_id`` (the tenant's id, sent exactly as
        given); return its QR code. ``ApiNotFound`` when the identity store has no such user."""
        path = self._settings.enrol_path
        response = self._call(
            "POST", path, json={self._settings.user_id_field: user_id}, user_id=user_id, enrol=True
        )
        body = json_object(response, f"POST {path}")
        where = f"the answer to POST {path}"
        encoded = body.get("qrCode")
        if not isinstance(encoded, str) or not encoded:
            raise ApiProtocolError(f"{cap(where)} has no qrCode text.", status_code=200)
        return QrCode(png=decode_png(encoded, where), expires_at=expiry(body, where))

    def status(self, user_id: str, *, retries: int | None = None) -> RemoteStatus:
        """The current enrolment status of ``user_id``; ``ApiNotFound`` when it has none.
        ``retries`` overrides ``OMI_MAX_RETRIES`` (the poller sends each call once)."""
        path = self._settings.status_path
        params = {self._settings.user_id_field: user_id}
        response = self._call("GET", path, params=params, user_id=user_id, retries=retries)
        body = json_object(response, f"GET {path}")
        where = f"the answer to GET {path}"
        value = body.get("status")
        if not isinstance(value, str) or not value.strip():
            raise ApiProtocolError(f"{cap(where)} has no status text.", status_code=200)
        updated = body.get("updatedAt")
        updated_at = None if updated is None else timestamp(updated, f"updatedAt in {where}")
        device = body.get("deviceName")
        if device is not None and not isinstance(device, str):
            raise ApiProtocolError(f"The deviceName in {where} is not text.", status_code=200)
        return RemoteStatus(
            value=value.strip(),
            outcome=classify(value),
            updated_at=updated_at,
            device_name=device or None,
        )

    def check(self) -> Connectivity:
        """Fetch a fresh token; report the scopes it grants and the latency. Never raises."""
        started = time.perf_counter()
        try:
            token = self._tokens.fresh()
        except ConsoleError as exc:
            return Connectivity(False, (), _ms_since(started), str(exc))
        latency = _ms_since(started)
        base, client_id = self._settings.base_url, self._settings.client_id
        missing = [s for s in self._scopes if s not in token.scopes]
        if missing:
            message = (
                f"Connected to {base} in {latency:.0f} ms, but the token lacks the scope "
                f"{', '.join(missing)}; grant it to client {client_id!r}."
            )
            return Connectivity(False, token.scopes, latency, message)
        message = (
            f"Connected to {base} in {latency:.0f} ms as client {client_id!r}; "
            f"scopes granted: {' '.join(token.scopes) or 'none'}."
        )
        return Connectivity(True, token.scopes, latency, message)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, str] | None = None,
        user_id: str | None = None,
        enrol: bool = False,
        retries: int | None = None,
        explain: Explain | None = None,
    ) -> httpx2.Response:
        """Send one API call with the shared token: renew once on 401, retry 429/5xx.
        ``explain`` reads the call's own refusals (a 404 naming a device, say) first."""
        where = f"{method} {path}"
        renewed = False

        def attempt() -> httpx2.Response:
            nonlocal renewed
            while True:
                try:
                    token = self._tokens.current()
                except ApiError as exc:  # the token call logged itself; this one never left
                    raise NoToken(exc) from None
                response = self._send(method, path, token, params=params, json=json)
                if response.status_code != 401:
                    return self._verdict(response, where, user_id, enrol, retries, explain)
                if renewed:
                    raise ApiAuthError(
                        f"The Mobile Identity API refused a freshly issued token ({where} → 401); "
                        "check that OMI_TOKEN_URL belongs to the same tenant as OMI_BASE_URL.",
                        status_code=401,
                    )
                renewed = True
                self._tokens.drop(token)

        idempotent = method == "GET"
        return retrying(where, attempt, self._settings, idempotent=idempotent, retries=retries)

    def _send(
        self,
        method: str,
        path: str,
        token: Token,
        *,
        params: Mapping[str, str] | None,
        json: Mapping[str, str] | None,
    ) -> httpx2.Response:
        try:
            response: httpx2.Response = self._http.request(
                method,
                path,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {token.value}"},
                withhold_token=True,  # we hold the token and its lock, not authlib
            )
            return response
        except httpx2.TransportError as exc:
            failure = transport_failure(exc, f"{method} {path}", self._settings)
        raise failure  # outside the except block: no chained request carrying the token

    def _verdict(
        self,
        response: httpx2.Response,
        where: str,
        user_id: str | None,
        enrol: bool,
        retries: int | None = None,
        explain: Explain | None = None,
    ) -> httpx2.Response:
        """Return a 200 response; raise the error any other status means."""
        code = response.status_code
        if code == 200:
            return response
        if code == 429 or code >= 500:
            raise overloaded(response, where, "Mobile Identity API", self._settings, retries)
        if code == 403:
            scope = missing_scope(response)
            named = f"the scope {scope}" if scope else "a scope it needs"
            devices = (*self._settings.devices_scopes, *DEFAULT_DEVICES_SCOPES)
            listed = "OMI_DEVICES_SCOPES" if scope in devices else "OMI_SCOPES"
            raise ApiForbidden(
                f"The Mobile Identity API refused {where} because the token lacks {named}; "
                f"grant it to client {self._settings.client_id!r} (OMI_CLIENT_ID) and list it "
                f"in {listed}.",
                scope=scope,
            )
        explained = explain(response, where) if explain is not None else None
        if explained is not None:
            raise explained
        if code == 404 and enrol and error_code(response) == "user_not_found":
            raise ApiNotFound(
                f"The tenant's identity store holds no user {user_id!r} ({where} → 404 "
                "user_not_found); create the account on the tenant or link it to a tenant user "
                "on the Accounts page.",
                status_code=404,
            )
        if code == 404 and user_id is not None and not enrol:
            raise ApiNotFound(
                f"The Mobile Identity API has no enrolment for user {user_id} ({where} → 404).",
                status_code=404,
            )
        if code == 400:
            raise ApiProtocolError(
                f"The Mobile Identity API rejected {where} as a bad request "
                f"({error_code(response)}); check OMI_USER_ID_FIELD.",
                status_code=400,
            )
        raise ApiProtocolError(
            f"The Mobile Identity API answered {where} with unexpected HTTP {code}; "
            "check OMI_BASE_URL and the API paths.",
            status_code=code,
        )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
