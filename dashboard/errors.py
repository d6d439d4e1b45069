"""The console's one exception tree.

Third-party errors (httpx2, authlib, SQLAlchemy) are translated into these once, at the
boundary, with ``raise ... from exc``; the HTTP clients raise with no chain at all, because an
httpx2 error carries the request, whose headers hold the bearer token. Pages catch only
``ConsoleError`` and show ``str(exc)``, which is always a sentence an operator can act on and
never contains a secret.

::

    ConsoleError
    ├── ConfigError            a setting is missing or malformed; names the setting
    ├── InputError             operator input was rejected; names the rule it broke
    ├── NotFoundError          no such account or enrolment
    ├── ConflictError          the action clashes with the current state (duplicate, finished)
    ├── AccessDenied           the signed-in person's role does not allow the action
    ├── ApiError               the Mobile Identity API did not do what was asked
    │   ├── ApiUnavailable     timeout, connection refused, 5xx after the retries
    │   ├── ApiRateLimited     429 after the retries
    │   ├── ApiAuthError       no token (invalid_client) or 401 after a fresh token
    │   ├── ApiForbidden       403 insufficient_scope; ``scope`` names the missing scope
    │   ├── ApiNotFound        404: the service has no enrolment for this user
    │   └── ApiProtocolError   malformed body, a qrCode that is not a PNG, an unexpected status
    ├── IdentityStoreError     the tenant's identity store (SCIM) did not do what was asked
    │   ├── IdentityStoreUnavailable   timeout, connection error, 5xx after the retries
    │   ├── IdentityStoreRateLimited   429 after the retries; ``retry_after`` in seconds
    │   ├── IdentityStoreAuthError     401 even with a fresh token
    │   ├── IdentityStoreForbidden     403; ``scope`` names the missing SCIM scope
    │   ├── IdentityStoreNotFound      404: no user with this id
    │   ├── IdentityStoreConflict      409 / uniqueness; ``existing`` is the holder, if found
    │   ├── IdentityStoreRejected      400: the store refused the request (bad value, filter)
    │   └── IdentityStoreProtocolError malformed JSON, a 201 without an id, an unexpected status
    └── MailError              the mail server did not take a mail (refused, timeout, sign-in,
                               TLS, a 4xx/5xx answer); names the host, never the password
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.domain.tenant import TenantUser


class ConsoleError(Exception):
    """Base of every error the console raises on purpose."""


class ConfigError(ConsoleError):
    """A setting is missing or malformed."""


class InputError(ConsoleError):
    """Operator input was rejected."""


class NotFoundError(ConsoleError):
    """No such account or enrolment."""


class ConflictError(ConsoleError):
    """The action clashes with the current state."""


class AccessDenied(ConsoleError):
    """The signed-in person's role does not allow the action."""


class ApiError(ConsoleError):
    """The Mobile Identity API failed; ``status_code`` is the last HTTP status, if any."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class ApiUnavailable(ApiError):
    """Timeout, connection error, or 5xx after the retries."""


class ApiRateLimited(ApiError):
    """429 Too Many Requests after the retries; ``retry_after`` in seconds, if the API said."""

    def __init__(
        self, message: str, *, status_code: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class ApiAuthError(ApiError):
    """The access token could not be obtained, or was refused after renewal."""


class ApiForbidden(ApiError):
    """403 insufficient_scope."""

    def __init__(self, message: str, *, scope: str | None = None) -> None:
        super().__init__(message, status_code=403)
        self.scope = scope


class ApiNotFound(ApiError):
    """404: the service knows no enrolment for this user."""


class ApiProtocolError(ApiError):
    """The response broke the contract (malformed JSON, not a PNG, unexpected status)."""


class IdentityStoreError(ConsoleError):
    """The identity store failed; ``status_code`` is the last HTTP status, if any."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class IdentityStoreUnavailable(IdentityStoreError):
    """Timeout, connection error, or 5xx after the retries."""


class IdentityStoreRateLimited(IdentityStoreError):
    """429 Too Many Requests after the retries; ``retry_after`` as the store asked, if it did."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=429)
        self.retry_after = retry_after


class IdentityStoreAuthError(IdentityStoreError):
    """401: the store refused the access token, even a fresh one."""


class IdentityStoreForbidden(IdentityStoreError):
    """403: the token lacks ``scope``."""

    def __init__(self, message: str, *, scope: str | None = None) -> None:
        super().__init__(message, status_code=403)
        self.scope = scope


class IdentityStoreNotFound(IdentityStoreError):
    """404: the store holds no user with this id."""


class IdentityStoreConflict(IdentityStoreError):
    """409 or ``uniqueness``: the userName is taken; ``existing`` is that user when found."""

    def __init__(self, message: str, *, existing: TenantUser | None = None) -> None:
        super().__init__(message, status_code=409)
        self.existing = existing


class IdentityStoreRejected(IdentityStoreError):
    """400: the store refused the request as invalid (a value, a filter)."""


class IdentityStoreProtocolError(IdentityStoreError):
    """The answer broke SCIM (malformed JSON, a 201 without an id, an unexpected status)."""


class MailError(ConsoleError):
    """The mail server did not take a mail; ``temporary`` when it may take it later (a 4xx
    answer, a timeout, a refused connection), False when it refused it for good (5xx)."""

    def __init__(self, message: str, *, temporary: bool = True) -> None:
        super().__init__(message)
        self.temporary = temporary
