"""The Mobile Identity API client: one access token per process, enrol, status.

Every third-party error (httpx2, authlib) is translated here, once, into ``dashboard.errors``.
The translated errors deliberately do not chain to the httpx2/authlib exceptions: those carry
the request, whose headers hold the bearer token and whose body (``client_secret_post``) holds
the client secret. Each message is a sentence naming the call and what to check.

Retry policy (``max_retries``, exponential ``backoff`` with jitter, ``Retry-After`` honoured):

* 429 and 5xx: retried on every route. The server either did nothing (429) or may have
  half-done an enrolment (5xx), which a new enrolment supersedes, so retrying is safe.
* Connection errors (the request never left): retried on every route.
* Timeouts and broken connections after sending: retried for ``GET`` status and the token
  request; for ``POST`` enrol they are not. A new enrolment would supersede one the server may
  have created, so a retry would be safe, but each attempt already cost the full timeout and
  the operator is waiting on the page; failing fast lets them press "Issue QR" again, which is
  the same retry under their control. It also stays safe with a tenant that does not supersede.
* 401: the token is dropped and fetched again once, then the call is retried once.

The token: fetched with authlib's ``OAuth2Client`` (client credentials, the configured auth
method and scopes), kept by us rather than by authlib, and fetched or renewed under one
re-entrant lock, so any number of threads cause one token request. It is renewed
``min(30 s, 10 % of its lifetime)`` before it expires, so calls rarely meet a 401.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import io
import ipaddress
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx2
from authlib.integrations.httpx_client import OAuth2Client
from PIL import Image

from dashboard.domain.statuses import Outcome, classify
from dashboard.errors import (
    ApiAuthError,
    ApiError,
    ApiForbidden,
    ApiNotFound,
    ApiProtocolError,
    ApiRateLimited,
    ApiUnavailable,
    ConsoleError,
)
from dashboard.settings import OmiSettings

log = logging.getLogger("dashboard.omi.client")
T = TypeVar("T")

#: The longest ``Retry-After`` we honour; a server asking for more gets this.
MAX_RETRY_AFTER = 30.0
#: Renew the token this long before it expires, at most (10 % of its lifetime when shorter).
RENEW_MARGIN = 30.0
#: Assumed lifetime of a token whose answer has no ``expires_in``.
DEFAULT_LIFETIME = 3600
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_SCOPE_PARAM = re.compile(r'scope\s*=\s*"([^"]*)"', re.IGNORECASE)


@dataclass(frozen=True)
class QrCode:
    """An enrolment QR code: PNG bytes and when it stops working (aware, UTC)."""

    png: bytes
    expires_at: datetime

    def __repr__(self) -> str:
        return f"QrCode(png=<{len(self.png)} bytes>, expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class RemoteStatus:
    """An enrolment's status as the API reported it, with its classification."""

    value: str
    outcome: Outcome
    updated_at: datetime | None
    device_name: str | None


@dataclass(frozen=True)
class Connectivity:
    """The result of ``OmiClient.check``: whether a token could be had, and what it grants."""

    ok: bool
    scopes: tuple[str, ...]
    latency_ms: float
    message: str


@dataclass(frozen=True)
class _Token:
    value: str
    scopes: tuple[str, ...]
    renew_at: float  # time.monotonic()

    def __repr__(self) -> str:
        return f"_Token(scopes={self.scopes!r}, renew_at={self.renew_at:.1f})"


class _Transient(Exception):
    """A failure worth retrying; ``error`` is what to raise when the retries run out.

    ``resendable`` is False when the request may have reached the server (a read timeout, a
    broken connection): only idempotent calls retry those.
    """

    def __init__(
        self, error: ApiError, *, retry_after: float | None = None, resendable: bool = True
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.resendable = resendable


class _NoToken(Exception):
    """The call could not be sent because no token could be had; ``error`` says why."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


class OmiClient:
    """A thread-safe client for one Mobile Identity tenant; share one instance per process."""

    def __init__(self, settings: OmiSettings) -> None:
        self._settings = settings
        self._lock = threading.RLock()
        self._token: _Token | None = None
        self._last_token_status: int | None = None
        scope = " ".join(settings.scopes) or None
        self._http = OAuth2Client(
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            token_endpoint_auth_method=settings.client_auth,
            scope=scope,
            base_url=settings.base_url,
            timeout=httpx2.Timeout(settings.timeout),
            token_endpoint=settings.absolute_token_url,
            grant_type="client_credentials",
            # A proxy from the environment must not capture the embedded simulator on loopback.
            trust_env=not _is_loopback(settings.base_url),
        )
        self._http.register_compliance_hook("access_token_response", self._check_token_response)
        self._token_where = f"POST {_path_of(settings.absolute_token_url)}"

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

    # ---- public calls -------------------------------------------------------------------

    def enrol(self, user_id: uuid.UUID) -> QrCode:
        """Start (or restart) the enrolment of ``user_id``; return its QR code."""
        path = self._settings.enrol_path
        response = self._call("POST", path, json={self._settings.user_id_field: str(user_id)})
        body = _json_object(response, f"POST {path}")
        where = f"the answer to POST {path}"
        encoded = body.get("qrCode")
        if not isinstance(encoded, str) or not encoded:
            raise ApiProtocolError(f"{_cap(where)} has no qrCode text.", status_code=200)
        png = _decode_png(encoded, where)
        return QrCode(png=png, expires_at=_expiry(body, where))

    def status(self, user_id: uuid.UUID) -> RemoteStatus:
        """The current enrolment status of ``user_id``; ``ApiNotFound`` when it has none."""
        path = self._settings.status_path
        response = self._call(
            "GET", path, params={self._settings.user_id_field: str(user_id)}, user_id=user_id
        )
        body = _json_object(response, f"GET {path}")
        where = f"the answer to GET {path}"
        value = body.get("status")
        if not isinstance(value, str) or not value.strip():
            raise ApiProtocolError(f"{_cap(where)} has no status text.", status_code=200)
        updated = body.get("updatedAt")
        updated_at = None if updated is None else _timestamp(updated, f"updatedAt in {where}")
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
            with self._lock:  # a failed check leaves the current token in place
                token = self._retrying(self._token_where, self._fetch_token, idempotent=True)
                self._token = token
        except ConsoleError as exc:
            return Connectivity(False, (), _ms_since(started), str(exc))
        latency = _ms_since(started)
        missing = [s for s in self._settings.scopes if s not in token.scopes]
        if missing:
            message = (
                f"Connected to {self._settings.base_url} in {latency:.0f} ms, but the token "
                f"lacks the scope {', '.join(missing)}; grant it to client "
                f"{self._settings.client_id!r}."
            )
            return Connectivity(False, token.scopes, latency, message)
        message = (
            f"Connected to {self._settings.base_url} in {latency:.0f} ms as client "
            f"{self._settings.client_id!r}; scopes granted: {' '.join(token.scopes) or 'none'}."
        )
        return Connectivity(True, token.scopes, latency, message)

    # ---- the token ----------------------------------------------------------------------

    def _bearer(self) -> _Token:
        """The shared token, fetched or renewed under the lock (one request for all threads)."""
        with self._lock:
            token = self._token
            if token is None or time.monotonic() >= token.renew_at:
                self._token = token = self._retrying(
                    self._token_where, self._fetch_token, idempotent=True
                )
            return token

    def _drop(self, token: _Token) -> None:
        """Forget ``token`` unless another thread already replaced it."""
        with self._lock:
            if self._token is token:
                self._token = None

    def _fetch_token(self) -> _Token:
        """One token request through authlib (the caller holds the lock)."""
        started = time.monotonic()
        where = self._token_where
        try:
            raw = self._http.fetch_token(grant_type="client_credentials")
        except (_Transient, ApiError):
            raise  # from our hook, which vets every response before authlib parses it
        except httpx2.TransportError as exc:
            failure: _Transient | ApiError = self._transport_failure(exc, where)
        except Exception:  # authlib's OAuthError/ValueError: a 200 that is no JSON token
            failure = ApiProtocolError(
                f"The token endpoint's answer to {where} is not a JSON token.",
                status_code=self._last_token_status,
            )
        else:
            return self._parse_token(raw, started)
        # Raised outside the except blocks on purpose: no __context__ pointing at an httpx2
        # exception whose request holds the client secret.
        raise failure

    def _check_token_response(self, response: httpx2.Response) -> httpx2.Response:
        """authlib's hook, run before it parses: translate every failure here."""
        where = self._token_where
        self._last_token_status = code = response.status_code
        if code == 200:
            self._vet_token(response, where)
            return response
        error = ""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            error = body["error"]
        if code == 429 or code >= 500:
            raise self._overload(response, where, "token endpoint")
        if error == "invalid_client" or (code == 401 and not error):
            raise ApiAuthError(
                f"The client id or secret was refused by the token endpoint ({where} → {code}); "
                "check OMI_CLIENT_ID, OMI_CLIENT_SECRET and OMI_CLIENT_AUTH.",
                status_code=code,
            )
        if error == "invalid_scope":
            raise ApiAuthError(
                f"The token endpoint refused the scopes {' '.join(self._settings.scopes)!r} "
                f"({where} → {code}); check OMI_SCOPES and the client's grants.",
                status_code=code,
            )
        if error:
            raise ApiAuthError(
                f"The token endpoint refused the token request with {error} ({where} → {code}); "
                "check OMI_TOKEN_URL and OMI_CLIENT_AUTH.",
                status_code=code,
            )
        raise ApiProtocolError(
            f"The token endpoint answered {where} with unexpected HTTP {code}; "
            "check OMI_TOKEN_URL.",
            status_code=code,
        )

    def _vet_token(self, response: httpx2.Response, where: str) -> None:
        """Refuse a 200 that is no usable token before authlib parses it (with its own errors)."""
        try:
            raw = response.json()
        except ValueError:
            raw = None
        if not isinstance(raw, dict):
            raise ApiProtocolError(f"The answer to {where} is not a JSON token.", status_code=200)
        value = raw.get("access_token")
        if not isinstance(value, str) or not value:
            raise ApiProtocolError(f"The answer to {where} has no access_token.", status_code=200)
        kind = raw.get("token_type", "Bearer")
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise ApiProtocolError(
                f"The answer to {where} is not a Bearer token (token_type {str(kind)[:20]!r}).",
                status_code=200,
            )
        lifetime = raw.get("expires_in", DEFAULT_LIFETIME)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            raise ApiProtocolError(
                f"The answer to {where} has an unusable expires_in ({str(lifetime)[:20]!r}).",
                status_code=200,
            )
        scope = raw.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise ApiProtocolError(
                f"The scope in the answer to {where} is not text.", status_code=200
            )

    def _parse_token(self, raw: Mapping[str, Any], started: float) -> _Token:
        """Our record of a token ``_vet_token`` accepted."""
        lifetime = float(raw.get("expires_in", DEFAULT_LIFETIME))
        scope = raw.get("scope")
        # RFC 6749 §5.1: an omitted scope means the scope requested
        scopes = self._settings.scopes if scope is None else tuple(str(scope).split())
        margin = min(RENEW_MARGIN, lifetime * 0.1)
        return _Token(
            value=str(raw["access_token"]), scopes=scopes, renew_at=started + lifetime - margin
        )

    # ---- requests -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, str] | None = None,
        user_id: uuid.UUID | None = None,
    ) -> httpx2.Response:
        """Send one API call with the shared token: renew once on 401, retry 429/5xx."""
        where = f"{method} {path}"
        renewed = False

        def attempt() -> httpx2.Response:
            nonlocal renewed
            while True:
                try:
                    token = self._bearer()
                except ApiError as exc:  # the token call logged itself; this one never left
                    raise _NoToken(exc) from None
                response = self._send(method, path, token, params=params, json=json)
                if response.status_code != 401:
                    return self._verdict(response, where, user_id)
                if renewed:
                    raise ApiAuthError(
                        f"The Mobile Identity API refused a freshly issued token ({where} → 401); "
                        "check that OMI_TOKEN_URL belongs to the same tenant as OMI_BASE_URL.",
                        status_code=401,
                    )
                renewed = True
                self._drop(token)

        return self._retrying(where, attempt, idempotent=method == "GET")

    def _send(
        self,
        method: str,
        path: str,
        token: _Token,
        *,
        params: Mapping[str, str] | None,
        json: Mapping[str, str] | None,
    ) -> httpx2.Response:
        where = f"{method} {path}"
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
            failure = self._transport_failure(exc, where)
        raise failure  # outside the except block: no chained request carrying the token

    def _verdict(
        self, response: httpx2.Response, where: str, user_id: uuid.UUID | None
    ) -> httpx2.Response:
        """Return a 200 response; raise the error any other status means."""
        code = response.status_code
        if code == 200:
            return response
        if code == 429 or code >= 500:
            raise self._overload(response, where, "Mobile Identity API")
        if code == 403:
            scope = _missing_scope(response)
            named = f"the scope {scope}" if scope else "a scope it needs"
            raise ApiForbidden(
                f"The Mobile Identity API refused {where} because the token lacks {named}; "
                f"grant it to client {self._settings.client_id!r} and list it in OMI_SCOPES.",
                scope=scope,
            )
        if code == 404 and user_id is not None:
            raise ApiNotFound(
                f"The Mobile Identity API has no enrolment for user {user_id} ({where} → 404).",
                status_code=404,
            )
        if code == 400:
            raise ApiProtocolError(
                f"The Mobile Identity API rejected {where} as a bad request "
                f"({_error_code(response)}); check OMI_USER_ID_FIELD.",
                status_code=400,
            )
        raise ApiProtocolError(
            f"The Mobile Identity API answered {where} with unexpected HTTP {code}; "
            "check OMI_BASE_URL and the API paths.",
            status_code=code,
        )

    def _overload(self, response: httpx2.Response, where: str, who: str) -> _Transient:
        code = response.status_code
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if code == 429:
            error: ApiError = ApiRateLimited(
                f"The {who} is rate-limiting the console ({where} → 429) and still was after "
                f"{self._settings.max_retries} retries; wait a minute and try again.",
                status_code=429,
            )
        else:
            error = ApiUnavailable(
                f"The {who} failed with HTTP {code} ({where}) and still did after "
                f"{self._settings.max_retries} retries; try again later.",
                status_code=code,
            )
        return _Transient(error, retry_after=retry_after)

    def _transport_failure(self, exc: httpx2.TransportError, where: str) -> _Transient:
        """Translate a transport error; only what is safe to resend comes back as transient."""
        base = self._settings.base_url
        if isinstance(exc, httpx2.ConnectTimeout | httpx2.ConnectError):
            reason = (
                f"did not accept a connection within {self._settings.timeout:g} s"
                if isinstance(exc, httpx2.TimeoutException)
                else "refused or dropped the connection"
            )
            return _Transient(
                ApiUnavailable(
                    f"The Mobile Identity API at {base} {reason} ({where}); check OMI_BASE_URL "
                    "and that the service is up."
                )
            )
        if isinstance(exc, httpx2.TimeoutException):
            sentence = (
                f"The Mobile Identity API did not answer within {self._settings.timeout:g} s "
                f"({where})."
            )
        else:
            sentence = (
                f"The connection to the Mobile Identity API at {base} broke ({where}, "
                f"{type(exc).__name__})."
            )
        return _Transient(ApiUnavailable(sentence), resendable=False)

    def _retrying(self, where: str, attempt: Callable[[], T], *, idempotent: bool) -> T:
        """Run ``attempt``, retrying transient failures with backoff; log the call once."""
        started = time.perf_counter()
        retries = 0
        while True:
            transient: _Transient | None = None
            try:
                result = attempt()
            except _Transient as exc:
                transient, error = exc, exc.error
            except _NoToken as exc:
                self._log(where, "not sent (no token)", started, retries, exc.error)
                error = exc.error
                break
            except ApiError as exc:
                error = exc
            else:
                status = result.status_code if isinstance(result, httpx2.Response) else 200
                self._log(where, status, started, retries)
                return result
            retry = transient is not None and (transient.resendable or idempotent)
            if transient is None or not retry or retries >= self._settings.max_retries:
                self._log(where, error.status_code, started, retries, error)
                raise error  # outside the except blocks: the error's chain stays empty
            time.sleep(self._delay(retries, transient.retry_after))
            retries += 1
        raise error  # outside the except blocks, as above

    def _delay(self, retries: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        pause = self._settings.backoff * 2.0**retries
        return min(pause + random.uniform(0, pause / 10), MAX_RETRY_AFTER)

    def _log(
        self,
        where: str,
        status: int | str | None,
        started: float,
        retries: int,
        error: ApiError | None = None,
    ) -> None:
        level = logging.INFO if error is None else logging.WARNING
        log.log(
            level,
            "%s → %s in %.0f ms, %d retries%s",
            where,
            "no answer" if status is None else status,
            _ms_since(started),
            retries,
            f": {type(error).__name__}" if error else "",
        )


# ---- helpers ---------------------------------------------------------------------------


def _is_loopback(url: str) -> bool:
    host = httpx2.URL(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _path_of(url: str) -> str:
    return httpx2.URL(url).path or "/"


def _retry_after(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if unusable."""
    if header is None:
        return None
    try:
        return max(0.0, float(header.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _missing_scope(response: httpx2.Response) -> str | None:
    match = _SCOPE_PARAM.search(response.headers.get("WWW-Authenticate", ""))
    if match and match.group(1).strip():
        return match.group(1).strip()
    try:
        body = response.json()
    except ValueError:
        return None
    scope = body.get("scope") if isinstance(body, dict) else None
    return scope if isinstance(scope, str) and scope else None


def _error_code(response: httpx2.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no error code"
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:80]
    return "no error code"


def _json_object(response: httpx2.Response, where: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ApiProtocolError(
            f"The answer to {where} is not JSON.", status_code=response.status_code
        ) from None
    if not isinstance(body, dict):
        raise ApiProtocolError(
            f"The answer to {where} is not a JSON object.", status_code=response.status_code
        )
    return body


def _decode_png(encoded: str, where: str) -> bytes:
    text = encoded.strip()
    if text.startswith("data:"):  # tolerate a data URL although the contract sends bare base64
        text = text.partition(",")[2]
    try:
        png = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiProtocolError(f"The qrCode in {where} is not base64.", status_code=200) from None
    problem = _png_problem(png)
    if problem:
        raise ApiProtocolError(f"The qrCode in {where} is not a PNG: {problem}.", status_code=200)
    return png


def _png_problem(data: bytes) -> str | None:
    """Why ``data`` is not a well-formed PNG image, or None (Pillow checks chunks and CRCs)."""
    if not data.startswith(PNG_SIGNATURE):
        return "it lacks the PNG signature"
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's ways of saying "corrupt"
        return f"the image is damaged ({type(exc).__name__})"
    return None


def _timestamp(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise ApiProtocolError(f"The {what} is not an RFC 3339 timestamp.", status_code=200)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ApiProtocolError(
            f"The {what} is not an RFC 3339 timestamp ({value[:40]!r}).", status_code=200
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _expiry(body: Mapping[str, Any], where: str) -> datetime:
    if body.get("expiresAt") is not None:
        return _timestamp(body["expiresAt"], f"expiresAt in {where}")
    seconds = body.get("expiresIn")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        return datetime.now(UTC) + timedelta(seconds=seconds)
    raise ApiProtocolError(f"{_cap(where)} says neither expiresAt nor expiresIn.", status_code=200)
