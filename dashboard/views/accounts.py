"""The Accounts page as plain data: the accounts table, the tenant's matches, the sentences."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dashboard.domain.records import AccountView
from dashboard.domain.tenant import TenantMatch, TenantUser
from dashboard.views.looks import look

#: The most tenant matches shown with a Link button each.
MAX_MATCHES = 20
NOT_ON_TENANT = "not on the tenant"
CREATE_HELP = (
    "The account is created in the tenant's identity store first (username, display name as "
    "the name, e-mail), then in the console, which keeps the tenant's id as the reference."
)
FIND_HELP = (
    "People who signed up on the website already have an account on the tenant: find them "
    "here and link them to the console, instead of creating a second account."
)


def rows(accounts: Iterable[AccountView], marked: bool = False) -> list[dict[str, Any]]:
    """One row per account; "Enrol" links to the Enrol device page for it. ``marked``: the
    console is on a real tenant, so an account the tenant does not know says so."""
    return [
        {
            "Username": a.username,
            "E-mail": a.email or "",
            "Tenant id": a.tenant_id or (NOT_ON_TENANT if marked else ""),
            "UUID": str(a.id),
            "Created": a.created_at,
            "Created by": a.created_by,
            "Enrolment": look(a.latest_status).label if a.latest_status else "Not enrolled",
            "Enrol": f"enrol?account={a.id}",
        }
        for a in accounts
    ]


def empty(search: str) -> str:
    """What to say when no account is listed."""
    return "No accounts match." if search else "No accounts yet: create the first one above."


def state(user: TenantUser) -> str:
    """The tenant user's standing: ``active``/``inactive`` and OneWelcome's state, if given."""
    active = {True: "active", False: "inactive", None: ""}[user.active]
    parts = [p for p in (active, (user.state or "").lower()) if p]
    return " · ".join(dict.fromkeys(parts)) or "not said"


def match_label(match: TenantMatch) -> tuple[str, str]:
    """One tenant match as (userName, the rest): name, e-mail, state, where the console is."""
    user = match.user
    shown = " · ".join(p for p in (user.display_name, user.email) if p)
    where = (
        "in the console"
        if match.in_console
        else "a console account of this name, not linked"
        if match.account_id is not None
        else "not in the console"
    )
    return user.user_name, (f"— {shown} " if shown else "") + f"({state(user)}; {where})"


def matches_caption(matches: list[TenantMatch], exact: bool) -> str:
    """How many matched, and how many are listed."""
    if not matches:
        return "Nobody on the tenant has that username." if exact else "No username starts so."
    more = f"; the first {MAX_MATCHES} are listed" if len(matches) > MAX_MATCHES else ""
    return f"{len(matches)} user(s) on the tenant{more}."


def offer(user: TenantUser | None, username: str) -> str:
    """The sentence for a create the tenant refused because it holds the name already."""
    if user is None:
        return (
            f"{username!r} exists on the tenant: find it below and link it to the console "
            "instead of creating another account."
        )
    shown = " · ".join(p for p in (user.display_name, user.email) if p)
    return (
        f"{user.user_name!r} exists on the tenant" + (f" ({shown})" if shown else "")
        + f", id {user.id}: link it to the console instead of creating another account?"
    )  # fmt: skip


def unknown(accounts: Iterable[AccountView], marked: bool) -> list[AccountView]:
    """The accounts the tenant does not know (made before the console used it), when on one."""
    return [a for a in accounts if a.tenant_id is None] if marked else []


def created(account: AccountView, linked: bool) -> str:
    """What the panel after a create or a link says."""
    return "Account linked to the tenant's user." if linked else "Account created."


def reference_caption(account: AccountView) -> str:
    """What the id shown is."""
    if account.tenant_id is not None:
        return "Tenant id: the reference the Mobile Identity service uses"
    return "Account UUID: the reference the Mobile Identity service uses"
