"""The identity store's HTTP: bearer token, retries, and every failure as a ``dashboard.errors``.

Retry policy (``retries`` more attempts, exponential ``backoff`` with jitter, ``Retry-After``
honoured up to ``max_retry_after``):

* A request that never left (connection refused, connect or pool timeout): resent.
* 429: resent; the store did nothing.
* 5xx, a read or write timeout, a broken connection: resent only when ``resend_lost``; else
  ``AnswerLost`` is raised at once, because the write may have landed (the caller looks first).
* 401: the token is dropped, a fresh one fetched, and the request resent once.

No error raised here chains to an httpx2 exception (those carry the bearer token): failures
are captured inside ``except`` and raised after it.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import httpx2

from dashboard.errors import (
    IdentityStoreAuthError,
    IdentityStoreError,
    IdentityStoreForbidden,
    IdentityStoreProtocolError,
    IdentityStoreRateLimited,
    IdentityStoreRejected,
    IdentityStoreUnavailable,
)
from dashboard.omi.responses import is_loopback
from dashboard.omi.scim_dialect import Dialect, ErrorInfo, Malformed

T = TypeVar("T")
log = logging.getLogger("dashboard.omi.scim")
SCOPE_PARAM = re.compile(r'scope\s*=\s*"([^"]*)"', re.IGNORECASE)
NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
CHECK_URL = "check SCIM_URL and SCIM_VERSION (1.1 for OneWelcome, 2.0 for most other stores)"


class TokenSource(Protocol):
    """Where the bearer token comes from (shared with the Mobile Identity client)."""

    def bearer(self) -> str:
        """A live access token carrying the SCIM scopes."""
        ...

    def drop(self, token: str) -> None:
        """Forget ``token``: the store refused it, so the next ``bearer`` fetches a fresh one."""
        ...


class AnswerLost(IdentityStoreUnavailable):
    """A write whose answer never came (timeout, broken connection, 5xx): it may have landed."""


def retry_after(response: httpx2.Response) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), or None."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class Transport:
    """One ``httpx2.Client`` for one store; thread-safe as httpx2's client is."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        dialect: Dialect,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        max_retry_after: float,
        client_setting: str = "OMI_CLIENT_ID",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client_setting = client_setting  # the setting that names the token's client
        self.dialect = dialect
        self._tokens = tokens
        self._retries = retries
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._timeout = timeout
        self._http = httpx2.Client(
            base_url=self.base_url + "/",
            timeout=httpx2.Timeout(timeout),
            headers={"Accept": f"{dialect.media_type}, application/json"},
            trust_env=not is_loopback(self.base_url),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        resend_lost: bool = True,
    ) -> httpx2.Response:
        """The store's final answer (2xx or a 4xx to interpret); raises ``IdentityStoreError``."""
        where = f"{method} {httpx2.URL(self.base_url + '/' + path).path}"
        attempt, renewed = 0, False
        while True:
            token = self._tokens.bearer()
            outcome = self._send(method, path, token, params, body)
            if isinstance(outcome, httpx2.Response) and outcome.status_code == 401 and not renewed:
                self._tokens.drop(token)
                renewed = True
                continue
            failure = self._failure(outcome, where, scope, resend_lost)
            if failure is None:
                assert isinstance(outcome, httpx2.Response)
                return outcome
            error, resend, wait = failure
            if not resend or attempt >= self._retries:
                raise error
            attempt += 1
            pause = wait if wait is not None else self._backoff * 2 ** (attempt - 1)
            log.warning("identity store: %s failed (%s); retry %d", where, error, attempt)
            time.sleep(min(pause, self._max_retry_after) * random.uniform(0.9, 1.1))

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
    ) -> httpx2.Response | type[Exception]:
        headers = {"Authorization": f"Bearer {token}"}
        content = None
        if body is not None:
            headers["Content-Type"] = self.dialect.media_type
            content = json.dumps(body).encode()
        try:
            return self._http.request(method, path, params=params, content=content, headers=headers)
        except httpx2.TransportError as exc:
            return type(exc)  # only the class: the instance holds the request and its token

    def _failure(
        self,
        outcome: httpx2.Response | type[Exception],
        where: str,
        scope: str,
        resend_lost: bool,
    ) -> tuple[IdentityStoreError, bool, float | None] | None:
        """(the error, whether to resend, the wait the store asked for), or None for an answer."""
        base = self.base_url
        if not isinstance(outcome, httpx2.Response):
            if issubclass(outcome, NOT_SENT):
                message = f"Could not connect to the identity store at {base} ({where}); "
                return IdentityStoreUnavailable(message + "check SCIM_URL."), True, None
            if issubclass(outcome, httpx2.TimeoutException):
                problem = f"did not answer {where} within {self._timeout:g} s"
            else:
                problem = f"broke the connection during {where}"
            message = f"The identity store at {base} {problem}; try again, or check SCIM_URL."
            lost_class = IdentityStoreUnavailable if resend_lost else AnswerLost
            return lost_class(message), resend_lost, None
        code = outcome.status_code
        if code == 401:
            message = (
                f"The identity store at {base} refused the access token for {where} (401), even "
                f"a fresh one; check {self._client_setting} and its secret, and that SCIM_URL "
                "belongs to the tenant that issues the token."
            )
            return IdentityStoreAuthError(message, status_code=401), False, None
        if code == 429:
            asked = retry_after(outcome)
            wait = f", retry after {asked:g} s" if asked is not None else ""
            message = (
                f"The identity store at {base} is rate-limiting {where} (429{wait}); "
                "wait a moment and try again."
            )
            return IdentityStoreRateLimited(message, retry_after=asked), True, asked
        if code >= 500:
            message = (
                f"The identity store at {base} failed on {where} with HTTP {code}; "
                "try again later, or check SCIM_URL."
            )
            lost_class = IdentityStoreUnavailable if resend_lost else AnswerLost
            error = lost_class(message, status_code=code)
            return error, resend_lost, retry_after(outcome)
        if code == 403:
            named = SCOPE_PARAM.search(outcome.headers.get("www-authenticate", ""))
            missing = named.group(1) if named else scope
            message = (
                f"The identity store refused {where} (403): the token lacks scope {missing}; "
                f"add it to SCIM_SCOPES and grant it to the client named by {self._client_setting}."
            )
            return IdentityStoreForbidden(message, scope=missing), False, None
        return None

    def error_for(self, response: httpx2.Response, what: str) -> IdentityStoreError:
        """The error an answer the caller did not expect (400, 404, 3xx, ...) stands for."""
        code, where = response.status_code, f"{response.request.method} {response.url.path}"
        detail = self.error_info(response).detail
        said = f": {detail[:200]}" if detail else ""
        if code == 400:
            message = f"The identity store refused {what} ({where} → 400){said}."
            return IdentityStoreRejected(message, status_code=400)
        message = f"The identity store answered {where} with unexpected HTTP {code}; {CHECK_URL}."
        return IdentityStoreProtocolError(message, status_code=code)

    def parsed(self, response: httpx2.Response, parse: Callable[[Any], T]) -> T:
        """A 2xx answer read with ``parse`` (a dialect's); anything amiss is a protocol error."""
        code, where = response.status_code, f"{response.request.method} {response.url.path}"
        try:
            return parse(self.json(response, where))
        except Malformed as exc:
            reason = str(exc)
        message = f"The identity store answered {where} with {code}, but {reason}; {CHECK_URL}."
        raise IdentityStoreProtocolError(message, status_code=code)

    def error_info(self, response: httpx2.Response) -> ErrorInfo:
        """What the error body says, in either version's shape."""
        return self.dialect.error(self.json(response, "", strict=False))

    def json(self, response: httpx2.Response, where: str, *, strict: bool = True) -> Any:
        """The body as JSON; malformed is a protocol error (or None when not ``strict``)."""
        try:
            return response.json()
        except ValueError:
            if not strict:
                return None
        message = f"The identity store's answer to {where} is not JSON; {CHECK_URL}."
        raise IdentityStoreProtocolError(message, status_code=response.status_code)
