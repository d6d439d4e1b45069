"""The Bulk onboarding page as plain data: the preview's and a run's metrics and notices, the
run button's label, file names, progress text and the statuses a campaign may re-issue (the
tables and files are ``dashboard.views.bulk``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from dashboard.domain.onboarding import Preview, Progress, RowOutcome, RowResult, RunReport
from dashboard.domain.records import CampaignView
from dashboard.domain.statuses import REISSUABLE
from dashboard.views.blocks import Metric, Notice
from dashboard.views.bulk import planned_rows, rejected_rows

__all__ = ["REISSUABLE", "Preview", "Progress", "RowResult", "RunReport"]


def preview_metrics(preview: Preview) -> list[Metric]:
    """How the uploaded rows divide."""
    return [
        Metric(
            "New accounts",
            len(preview.new),
            help="Created (on the tenant first, if it has an identity store), then given a QR "
            "code.",
        ),
        Metric(
            "Exist on the tenant",
            len(preview.on_tenant),
            help="The tenant holds them already: linked to the console (nothing created), then "
            "given a QR code.",
        ),
        Metric(
            "Already in the console",
            len(preview.existing),
            help="Given a QR code; not created again.",
        ),
        Metric("Duplicates", len(preview.duplicates), help="Repeats in the file: skipped."),
        Metric("Invalid", len(preview.invalid), help="Broken rules: skipped."),
    ]


def preview_note(preview: Preview) -> str:
    """Blank lines and ignored columns, in one sentence (empty when there are none)."""
    notes = []
    if preview.blank_lines:
        notes.append(f"{preview.blank_lines} blank line(s) skipped")
    if preview.ignored_columns:
        notes.append("columns ignored: " + ", ".join(preview.ignored_columns))
    return "; ".join(notes) + "." if notes else ""


def preview_tables(preview: Preview) -> list[tuple[str, list[dict[str, Any]]]]:
    """The preview's tabs: a name and its rows."""
    return [
        ("To create", planned_rows(preview.new)),
        ("To link (on the tenant)", planned_rows(preview.on_tenant)),
        ("Already in the console", planned_rows(preview.existing)),
        ("Duplicates", rejected_rows(preview.duplicates)),
        ("Invalid", rejected_rows(preview.invalid)),
    ]


def tab_labels(tables: Sequence[tuple[str, Sequence[object]]]) -> list[str]:
    """Each tab's name with its row count."""
    return [f"{name} ({len(rows)})" for name, rows in tables]


def default_name(file_name: str) -> str:
    """The campaign name offered for an upload: the file's name without its extension."""
    return PurePath(file_name).stem[:100]


def can_run(preview: Preview, name: str) -> bool:
    """Whether the run button is enabled: rows to run, under a campaign name."""
    return bool(preview.runnable) and bool(name.strip())


def run_label(preview: Preview, done: int) -> str:
    """The run button: what it will create and issue, ``done`` rows being skipped."""
    issued = len(preview.runnable) - done
    linked = f", link {len(preview.on_tenant)}" if preview.on_tenant else ""
    return f"Create {len(preview.new)}{linked} account(s) and issue {issued} QR code(s)"


def resume_note(campaign: str, done: int) -> str:
    """Why a known campaign's run does only the remaining rows."""
    return (
        f"The campaign {campaign.strip()} exists: {done} of these accounts already have "
        "a QR code in it and are skipped, so running again does the remaining rows."
    )


def report_metrics(report: RunReport) -> list[Metric]:
    """A run's counts by outcome."""
    counts = report.counts
    return [
        Metric("QR codes issued", counts[RowOutcome.ISSUED]),
        Metric("Skipped", counts[RowOutcome.SKIPPED], help="Already had one in the campaign."),
        Metric("Failed", counts[RowOutcome.FAILED]),
        Metric("Not attempted", counts[RowOutcome.NOT_ATTEMPTED]),
    ]


def report_notice(report: RunReport) -> Notice:
    """Whether the run stopped, left rows to retry, or did every row."""
    if report.stopped:
        return Notice("warning", report.stopped, ":material/warning:")
    if report.remaining:
        return Notice(
            "warning",
            f"{report.remaining} row(s) failed. Run the same file again under the same "
            "campaign name to retry only those.",
            ":material/warning:",
            own=True,
        )
    return Notice("success", "Every row is done.", ":material/check_circle:", own=True)


def remembered(ids: Sequence[int], campaign_id: int | None) -> int:
    """The picker's start: the campaign last run or shown, else the first (newest)."""
    return next((at for at, known in enumerate(ids) if known == campaign_id), 0)


def started(campaign: CampaignView) -> str:
    """When and by whom ``campaign`` was started."""
    return f"Started {campaign.created_at:%Y-%m-%d %H:%M} UTC by {campaign.created_by}."


def progress_text(done: int, total: int, result: RowResult) -> str:
    """The progress bar's line after each row."""
    return f"{done} of {total}: {result.username} ({result.outcome.value})"


def file_stem(campaign: str) -> str:
    """A campaign's name as the start of a file name."""
    return "".join(c if c.isalnum() else "-" for c in campaign).strip("-")[:40] or "campaign"
