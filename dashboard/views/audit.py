"""The Audit trail page as plain data: the action choices, the filter, the table rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dashboard.domain.audit_log import ACTION_LABELS, AuditEntry, audit_query

__all__ = ["ACTION_LABELS", "audit_query", "rows"]


def rows(entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """One row per action, newest first as given."""
    return [
        {
            "At": entry.at,
            "Who": entry.actor,
            "Action": entry.action_label,
            "Username": entry.username,
            "Enrolment #": entry.enrolment_id,
            "Detail": entry.detail,
            "Account UUID": str(entry.account_id),
        }
        for entry in entries
    ]
