"""How a user of the tenant's identity store becomes, or joins, a console account.

The tenant's id is kept exactly as given; a console account with the same username that the
tenant was never told of (made before, or with ``SCIM_VERSION=off``) is linked rather than
doubled. The caller owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.domain import emails, usernames
from dashboard.domain.tenant import TenantUser
from dashboard.errors import ConflictError, InputError
from db import accounts as queries
from db.models import TENANT_ID_LENGTH, Account


def link_row(session: Session, user: TenantUser, who: str, now: datetime) -> Account:
    """The console account for ``user``: the one linked to it already, the unlinked one with
    its username (now linked), or a new one; the store's e-mail is kept where the account has
    none (an address the console refuses is left out). ``ConflictError`` when its username
    belongs to an account linked to another tenant user; ``InputError`` when the console
    cannot hold it."""
    check_id(user)
    try:
        name, key = usernames.normalise(user.user_name)
    except InputError as exc:
        raise InputError(
            f"The tenant's user {user.user_name!r} cannot be added to the console: {exc}"
        ) from None
    shown = display_or_none(user.display_name)
    mail = emails.normalise_or_none(user.email)
    linked = queries.find_by_tenant_id(session, user.id)
    if linked is not None:
        return linked
    same = queries.find_account(session, key)
    if same is not None:
        if same.tenant_id is not None:
            raise ConflictError(
                f"The console account {same.username!r} belongs to another tenant user "
                f"({same.tenant_id}); it cannot be linked to {user.id!r} as well."
            )
        same.tenant_id = user.id
        if same.display_name is None:
            same.display_name = shown
        if same.email is None:
            same.email = mail
        session.flush()
        return same
    return queries.add_account(
        session,
        Account(
            id=uuid.uuid4(),
            username=name,
            username_key=key,
            created_at=now,
            created_by=who,
            display_name=shown,
            tenant_id=user.id,
            email=mail,
        ),
    )


def key_or_none(user_name: str) -> str | None:
    """The console's key for a tenant's userName, or None when its rules refuse the name."""
    try:
        return usernames.normalise(user_name)[1]
    except InputError:
        return None


def display_or_none(text: str | None) -> str | None:
    """The tenant's name for display, or None when the console's rules refuse it (not worth
    refusing the link for)."""
    try:
        return usernames.display_name(text)
    except InputError:
        return None


def check_id(user: TenantUser) -> None:
    """``InputError`` when the tenant's id is too long to keep."""
    if len(user.id) > TENANT_ID_LENGTH:
        raise InputError(
            f"The tenant's id for {user.user_name!r} is longer than {TENANT_ID_LENGTH} "
            "characters; the console cannot keep it."
        )


def linked_elsewhere(user: TenantUser) -> str:
    """The sentence for a tenant user another console account is linked to."""
    return f"The tenant user {user.user_name!r} ({user.id}) is linked to another console account."
