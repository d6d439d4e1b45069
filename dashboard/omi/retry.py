"""The retry policy, on stamina, and the one log line each call leaves.

* 429 and 5xx: retried on every route. The server either did nothing (429) or may have
  half-done an enrolment (5xx), which a new enrolment supersedes, so retrying is safe.
  ``Retry-After`` is honoured, capped at ``MAX_RETRY_AFTER``.
* Connection errors (the request never left): retried on every route.
* Timeouts and broken connections after sending: retried for idempotent calls (``GET`` status,
  the token request); for ``POST`` enrol they are not. A new enrolment would supersede one the
  server may have created, so a retry would be safe, but each attempt already cost the full
  timeout and the operator is waiting on the page; failing fast lets them press "Issue QR"
  again, which is the same retry under their control. It also stays safe with a tenant that
  does not supersede.
* Otherwise ``max_retries`` retries with exponential ``backoff`` (doubling, 10 % jitter).

Only the project's own exceptions cross stamina (its retry instrumentation logs the one that
caused a retry): ``Transient`` wraps the ``ApiError`` to raise when the retries run out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import httpx2
import stamina

from dashboard.errors import ApiError, ApiRateLimited, ApiUnavailable
from dashboard.omi.responses import retry_after
from dashboard.settings import OmiSettings

log = logging.getLogger("dashboard.omi")
T = TypeVar("T")

#: The longest wait between two attempts; a server asking for more (Retry-After) gets this.
MAX_RETRY_AFTER = 30.0


class Transient(Exception):
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


class NoToken(Exception):
    """The call could not be sent because no token could be had; ``error`` says why."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


def retrying(
    where: str,
    attempt: Callable[[], T],
    settings: OmiSettings,
    *,
    idempotent: bool,
    retries: int | None = None,
) -> T:
    """Run ``attempt``, retrying transient failures as the policy says (at most ``retries``
    times, default ``settings.max_retries``); log the call once."""
    started = time.perf_counter()
    attempts = 0

    def counted() -> T:
        nonlocal attempts
        attempts += 1
        return attempt()

    def wait(exc: Exception) -> bool | float:
        """stamina's hook: False gives up, True backs off, a float waits that long."""
        if not isinstance(exc, Transient) or not (exc.resendable or idempotent):
            return False
        return True if exc.retry_after is None else min(exc.retry_after, MAX_RETRY_AFTER)

    caller = stamina.RetryingCaller(
        attempts=(settings.max_retries if retries is None else retries) + 1,
        timeout=None,  # each attempt has its own timeout; the attempts bound the total
        wait_initial=settings.backoff,
        wait_max=MAX_RETRY_AFTER,
        wait_jitter=settings.backoff / 10,
    )
    status: int | str | None
    try:
        result = caller(wait, counted)
    except Transient as exc:
        status, error = exc.error.status_code, exc.error
    except NoToken as exc:  # the token call logged itself; this one never left
        status, error = "not sent (no token)", exc.error
    except ApiError as exc:
        status, error = exc.status_code, exc
    else:
        code = result.status_code if isinstance(result, httpx2.Response) else 200
        _log(where, code, started, attempts - 1)
        return result
    _log(where, status, started, attempts - 1, error)
    # Raised outside the except blocks on purpose: the error's chain stays empty.
    raise error


def overloaded(
    response: httpx2.Response,
    where: str,
    who: str,
    settings: OmiSettings,
    retries: int | None = None,
) -> Transient:
    """A 429 or 5xx from ``who``, to retry (after ``Retry-After`` when it says one)."""
    code = response.status_code
    tried = settings.max_retries if retries is None else retries
    wait = retry_after(response.headers.get("Retry-After"))
    if code == 429:
        error: ApiError = ApiRateLimited(
            f"The {who} is rate-limiting the console ({where} → 429) and still was after "
            f"{tried} retries; wait a minute and try again.",
            status_code=429,
            retry_after=wait,
        )
    else:
        error = ApiUnavailable(
            f"The {who} failed with HTTP {code} ({where}) and still did after "
            f"{tried} retries; try again later.",
            status_code=code,
        )
    return Transient(error, retry_after=wait)


def transport_failure(exc: httpx2.TransportError, where: str, settings: OmiSettings) -> Transient:
    """Translate a transport error; only what never reached the server is ``resendable``."""
    base = settings.base_url
    if isinstance(exc, httpx2.ConnectTimeout | httpx2.ConnectError):
        reason = (
            f"did not accept a connection within {settings.timeout:g} s"
            if isinstance(exc, httpx2.TimeoutException)
            else "refused or dropped the connection"
        )
        return Transient(
            ApiUnavailable(
                f"The Mobile Identity API at {base} {reason} ({where}); check OMI_BASE_URL "
                "and that the service is up."
            )
        )
    if isinstance(exc, httpx2.TimeoutException):
        sentence = (
            f"The Mobile Identity API did not answer within {settings.timeout:g} s ({where})."
        )
    else:
        sentence = (
            f"The connection to the Mobile Identity API at {base} broke ({where}, "
            f"{type(exc).__name__})."
        )
    return Transient(ApiUnavailable(sentence), resendable=False)


def _log(
    where: str,
    status: int | str | None,
    started: float,
    retries: int,
    error: ApiError | None = None,
) -> None:
    log.log(
        logging.INFO if error is None else logging.WARNING,
        "%s → %s in %.0f ms, %d retries%s",
        where,
        "no answer" if status is None else status,
        (time.perf_counter() - started) * 1000.0,
        retries,
        f": {type(error).__name__}" if error else "",
    )
