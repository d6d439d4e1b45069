"""A person's account in the tenant's identity store, as the console sees it."""

from __future__ import annotations

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
