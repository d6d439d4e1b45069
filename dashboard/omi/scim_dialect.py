"""What differs between SCIM 1.1 and 2.0: bodies, filters, list and error shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from dashboard.domain.tenant import TenantUser


class Malformed(ValueError):
    """A body that is not what SCIM says; the message names what is wrong."""


@dataclass(frozen=True)
class Page:
    """One page of a query's answer."""

    users: list[TenantUser]
    total: int


@dataclass(frozen=True)
class ErrorInfo:
    """What an error body says: SCIM 2.0 ``scimType`` and ``detail``, or 1.1 ``description``."""

    scim_type: str | None = None
    detail: str | None = None


class Dialect(Protocol):
    """One SCIM version's wire format; plain JSON values in and out."""

    version: str
    media_type: str

    def new_user(
        self, user_name: str, display_name: str | None, email: str | None
    ) -> dict[str, Any]:
        """The body of a create request."""
        ...

    def query(self, user_name: str, *, exact: bool, start_index: int, count: int) -> dict[str, Any]:
        """The parameters of one page of ``userName eq`` (or ``sw``) ``user_name``."""
        ...

    def user(self, body: Any) -> TenantUser:
        """A user resource; raises ``Malformed``."""
        ...

    def page(self, body: Any) -> Page:
        """A list answer; raises ``Malformed``."""
        ...

    def error(self, body: Any) -> ErrorInfo:
        """Whatever an error body says (never raises)."""
        ...


def split_name(display_name: str | None) -> tuple[str | None, str | None]:
    """``"Jane van Doe"`` → ``("Jane", "van Doe")``: SCIM wants given and family names."""
    words = (display_name or "").split(maxsplit=1)
    if not words:
        return None, None
    return words[0], words[1] if len(words) > 1 else None


def text(value: Any) -> str | None:
    """``value`` when it is non-empty text, else None."""
    return value if isinstance(value, str) and value else None


def primary_email(emails: Any) -> str | None:
    """The primary (or else the first) e-mail address of a SCIM ``emails`` list."""
    if not isinstance(emails, list):
        return None
    entries = [e for e in emails if isinstance(e, dict) and text(e.get("value"))]
    chosen = next((e for e in entries if e.get("primary") is True), entries[0] if entries else {})
    return text(chosen.get("value"))
