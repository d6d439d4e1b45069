"""The Accounts page's table as plain data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dashboard.domain.records import AccountView
from dashboard.views.looks import look


def rows(accounts: Iterable[AccountView]) -> list[dict[str, Any]]:
    """One row per account; "Enrol" links to the Enrol device page for it."""
    return [
        {
            "Username": a.username,
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
