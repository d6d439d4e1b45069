"""A person's account in the tenant's identity store, as the console sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class TenantUser:
    """A user of the identity store (SCIM 1.1 or 2.0).

    ``id`` is exactly the string the store gave (32 hex, a dashed UUID or anything else): it is
    the reference enrol and status calls send, so it is never normalised. ``active`` and
    ``state`` are None when the store does not say (``state`` is OneWelcome's lifecycle state).
    """

    id: str
    user_name: str
    display_name: str | None = None
    email: str | None = None
    active: bool | None = None
    state: str | None = None

    def made_as_asked(self, user_name: str, display_name: str | None, email: str | None) -> bool:
        """Whether this user looks exactly like a create of ``user_name`` with these details
        asked for (then it is the console's own earlier attempt, or the same person: linking it
        makes nothing new)."""
        return (
            self.user_name.casefold() == user_name.casefold()
            and _words(self.display_name) == _words(display_name)
            and (self.email or "").casefold() == (email or "").casefold()
        )


@dataclass(frozen=True)
class TenantMatch:
    """A user found on the tenant, and where the console stands with them.

    ``account_id`` is the console account linked to this user, or the unlinked console account
    with the same username (``linked`` False), or None when the console does not know them.
    """

    user: TenantUser
    account_id: uuid.UUID | None = None
    linked: bool = False

    @property
    def in_console(self) -> bool:
        """Whether a console account is linked to this user."""
        return self.account_id is not None and self.linked


def _words(text: str | None) -> str:
    return " ".join((text or "").split())
