"""The Bulk onboarding page's tables and files as plain data: preview rows, result rows, the
results CSV as a file, the QR sheets as a PDF. No Streamlit here, so it is testable on its own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dashboard.domain.onboarding import PlannedRow, RejectedRow, RowResult, result_csv
from dashboard.domain.records import CampaignSheets
from dashboard.views.enrolments import SpooledFile, csv_file
from dashboard.views.qr_sheets import sheets_pdf

TEMPLATE_CSV = (
    "username,display_name,email\n"
    "jane.doe,Jane Doe,jane.doe@example.com\n"
    "john.roe@example.com,John Roe,\n"
)


def planned_rows(rows: Iterable[PlannedRow]) -> list[dict[str, Any]]:
    """Rows that will be run: line, username, display name, e-mail (and the tenant's id when
    the tenant holds the user already)."""
    return [
        {
            "Line": row.line,
            "Username": row.username,
            "Display name": row.display_name or "",
            "E-mail": row.email or "",
            **({"Tenant id": row.tenant_id} if row.tenant_id is not None else {}),
        }
        for row in rows
    ]


def rejected_rows(rows: Iterable[RejectedRow]) -> list[dict[str, Any]]:
    """Rows that will not be run, with the reason."""
    return [{"Line": row.line, "Username": row.username, "Reason": row.reason} for row in rows]


def result_rows(results: Iterable[RowResult]) -> list[dict[str, Any]]:
    """One row per result, as the results table shows it."""
    return [
        {
            "Line": r.line or None,
            "Username": r.username,
            "RowOutcome": r.outcome.value,
            "Message": r.message,
            "Expires": r.expires_at,
            "Account id": "" if r.account_id is None else str(r.account_id),
        }
        for r in results
    ]


def results_file(results: Iterable[RowResult]) -> SpooledFile:
    """The per-row results CSV, ready for a download button."""
    return csv_file(result_csv(results))


def qr_pdf(sheets: CampaignSheets) -> bytes:
    """A printable PDF of the campaign's active QR codes, one per page."""
    return sheets_pdf(sheets.sheets, campaign=sheets.campaign.name)
