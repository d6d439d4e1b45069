"""The identity-store client: create, read and find users on the tenant, SCIM 1.1 or 2.0.

One interface for both versions (the wire differences live in ``scim_v1`` and ``scim_v2``):
``create`` / ``get`` / ``find`` return ``TenantUser`` and raise only ``IdentityStoreError``
(or ``InputError`` for a blank username). Ids are kept exactly as the store gave them.

Never two users for one person: a create whose answer is lost (timeout, broken connection,
5xx) is not resent blindly. The userName is looked up first (exact match); if the create
landed, that user is the answer. A 409 or ``uniqueness`` answer is ``IdentityStoreConflict``
carrying the user that holds the name, so the caller can offer to link it.
"""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Self
from urllib.parse import quote

from dashboard.domain.tenant import TenantUser
from dashboard.errors import (
    ConfigError,
    IdentityStoreConflict,
    IdentityStoreError,
    IdentityStoreNotFound,
    IdentityStoreUnavailable,
    InputError,
)
from dashboard.omi.scim_dialect import Dialect
from dashboard.omi.scim_http import AnswerLost, TokenSource, Transport
from dashboard.omi.scim_v1 import ScimV1
from dashboard.omi.scim_v2 import ScimV2

__all__ = ["SCIM_SCOPES", "ScimClient", "StaticToken", "TenantUser", "TokenSource"]

log = logging.getLogger("dashboard.omi.scim")
POST_SCOPE, GET_SCOPE, QUERY_SCOPE = "SCIM:user:post", "SCIM:user:get", "SCIM:user:query"
#: The scopes a token needs for this client (OneWelcome's names).
SCIM_SCOPES = (POST_SCOPE, GET_SCOPE, QUERY_SCOPE)
DIALECTS: dict[str, type[ScimV1] | type[ScimV2]] = {"1.1": ScimV1, "2.0": ScimV2}


class StaticToken:
    """A fixed bearer token, e.g. a SCIM 2.0 store's provisioning token: nothing to renew."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "StaticToken(<hidden>)"

    def bearer(self) -> str:
        """The token."""
        return self._value

    def drop(self, token: str) -> None:
        """Nothing to forget: a refused static token stays refused."""


class ScimClient:
    """A thread-safe client for one identity store; ``base_url`` is what ``/Users`` hangs off."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        version: str = "1.1",
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        page_size: int = 100,
        client_setting: str = "OMI_CLIENT_ID",
    ) -> None:
        if version not in DIALECTS:
            raise ConfigError(f"SCIM_VERSION must be 1.1 or 2.0, not {version!r}.")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"SCIM_URL must be an http(s) URL, not {base_url!r}.")
        self._dialect: Dialect = DIALECTS[version]()
        self._retries = retries
        self._backoff = backoff
        self._page_size = page_size
        self._http = Transport(
            base_url,
            tokens,
            self._dialect,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_retry_after=max_retry_after,
            client_setting=client_setting,
        )

    def __repr__(self) -> str:
        return f"ScimClient({self._http.base_url!r}, version={self._dialect.version!r})"

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

    def create(
        self, user_name: str, display_name: str | None = None, email: str | None = None
    ) -> TenantUser:
        """Create a user; a lost answer is settled by a lookup, never by a blind resend."""
        body = self._dialect.new_user(_required(user_name), display_name, email)
        attempt = 0
        while True:
            lost: AnswerLost | None = None
            try:
                response = self._http.request(
                    "POST", "Users", scope=POST_SCOPE, body=body, resend_lost=False
                )
            except AnswerLost as exc:
                lost = exc
            if lost is None:
                break
            landed = self._look_up_after(lost, user_name)
            if landed is not None:
                log.info("identity store: the lost create of %r had landed", user_name)
                return landed
            if attempt >= self._retries:
                message = f"{lost} No user {user_name!r} was created."
                raise IdentityStoreUnavailable(message, status_code=lost.status_code)
            attempt += 1
            time.sleep(self._backoff * 2 ** (attempt - 1))
        code = response.status_code
        if code in (200, 201):
            return self._http.parsed(response, self._dialect.user)
        if code == 409 or self._http.error_info(response).scim_type == "uniqueness":
            raise IdentityStoreConflict(
                f"A user named {user_name!r} already exists on the identity store; "
                "link it instead of creating another.",
                existing=self._holder_or_none(user_name),
            )
        raise self._http.error_for(response, f"the new user {user_name!r}")

    def get(self, user_id: str) -> TenantUser:
        """The user with ``user_id``, sent exactly as given; ``IdentityStoreNotFound`` if none."""
        response = self._http.request("GET", f"Users/{quote(user_id, safe='')}", scope=GET_SCOPE)
        where = f"GET {response.url.path}"
        if response.status_code == 404:
            message = f"The identity store has no user with id {user_id!r} ({where} → 404)."
            raise IdentityStoreNotFound(message, status_code=404)
        if response.status_code != 200:
            raise self._http.error_for(response, f"the user with id {user_id!r}")
        return self._http.parsed(response, self._dialect.user)

    def find(self, user_name: str, *, exact: bool = True, limit: int = 100) -> list[TenantUser]:
        """Users whose userName equals (or, ``exact=False``, starts with) ``user_name``.

        Follows ``startIndex``/``count`` pages until ``limit`` users or the last page.
        """
        _required(user_name)
        users: list[TenantUser] = []
        start = 1
        while len(users) < limit:
            count = min(self._page_size, limit - len(users))
            params = self._dialect.query(user_name, exact=exact, start_index=start, count=count)
            response = self._http.request("GET", "Users", scope=QUERY_SCOPE, params=params)
            if response.status_code != 200:
                raise self._http.error_for(response, f"the search for {user_name!r}")
            page = self._http.parsed(response, self._dialect.page)
            users.extend(page.users)
            start += len(page.users)
            if not page.users or start > page.total:
                break
        return users[:limit]

    def _look_up_after(self, lost: AnswerLost, user_name: str) -> TenantUser | None:
        """The user a lost create may have made; if even the lookup fails, say so."""
        try:
            return self._holder(user_name)
        except IdentityStoreError as exc:
            failure = exc
        raise IdentityStoreUnavailable(
            f"{lost} Whether user {user_name!r} was created could not be checked ({failure}); "
            "search for it before creating it again.",
            status_code=lost.status_code,
        )

    def _holder(self, user_name: str) -> TenantUser | None:
        wanted = user_name.casefold()
        matches = self.find(user_name, exact=True, limit=10)
        return next((u for u in matches if u.user_name.casefold() == wanted), None)

    def _holder_or_none(self, user_name: str) -> TenantUser | None:
        try:
            return self._holder(user_name)
        except IdentityStoreError:
            return None  # the conflict is the news; who holds the name is a bonus


def _required(user_name: str) -> str:
    if not user_name.strip():
        raise InputError("A username must not be blank.")
    return user_name
