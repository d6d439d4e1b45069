"""The Bulk onboarding page's sections: the upload, the preview, the run button, a run's report,
the campaign picker and its re-issue controls, the download pair and the progress-bar runner."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.domain.records import CampaignSheets, CampaignView
from dashboard.domain.statuses import Status
from dashboard.domain.team_csv import MAX_ROWS
from dashboard.ui import widgets
from dashboard.views import bulk_page as view
from dashboard.views.bulk import TEMPLATE_CSV, qr_pdf, result_rows, results_file
from dashboard.views.looks import look

#: Where the last run's (title, report) and the campaign to show are kept across reruns.
REPORT = "bulk-report"
CAMPAIGN = "bulk-campaign"


def team_upload() -> UploadedFile | None:
    """The team CSV uploader beside a template to start from."""
    upload = st.file_uploader(
        "Team CSV",
        type=["csv", "txt"],
        key="bulk-upload",
        help="A header row with 'username' (required), 'display_name' and 'email' (optional); "
        f"UTF-8; up to {MAX_ROWS} rows. Commas, semicolons or tabs.",
    )
    st.download_button(
        "Download a template",
        data=TEMPLATE_CSV,
        file_name="team-template.csv",
        mime="text/csv",
        icon=":material/description:",
        on_click="ignore",
        type="tertiary",
    )
    return upload


def preview_section(preview: view.Preview) -> None:
    """How the upload divides, with a note and one tab of rows per part."""
    widgets.metrics(view.preview_metrics(preview))
    if view.preview_note(preview):
        st.caption(widgets.plain(view.preview_note(preview)))
    tables = view.preview_tables(preview)
    for tab, (label, rows) in zip(st.tabs(view.tab_labels(tables)), tables, strict=True):
        with tab:
            if rows:
                st.dataframe(rows, hide_index=True, key=f"bulk-preview-{label}")
            else:
                st.caption("None.")


def campaign_name(file_name: str) -> str:
    """The campaign's name, the file's name unless edited."""
    name = st.text_input(
        "Campaign name", value=view.default_name(file_name), key="bulk-campaign-name"
    )
    return name or ""


def run_button(preview: view.Preview, name: str, done: int) -> bool:
    """Whether the run was asked for; first says which rows a resumed campaign skips."""
    if done:
        st.info(widgets.plain(view.resume_note(name, done)), icon=":material/replay:")
    return st.button(
        view.run_label(preview, done),
        type="primary",
        icon=":material/group_add:",
        disabled=not view.can_run(preview, name),
        key="bulk-run",
    )


def with_progress(start: str, work: Callable[[view.Progress], view.RunReport], title: str) -> None:
    """Run ``work`` under a progress bar, keep its report for the results section, rerun."""
    bar = st.progress(0.0, text=start)

    def update(done: int, total: int, result: view.RowResult) -> None:
        bar.progress(done / total, text=widgets.plain(view.progress_text(done, total, result)))

    report = work(update)
    bar.empty()
    st.session_state[REPORT] = (title, report)
    st.session_state[CAMPAIGN] = report.campaign.id
    st.rerun()


def report_section(
    title: str, report: view.RunReport, sheets: Callable[[int], CampaignSheets]
) -> None:
    """A run's counts, how it ended, its rows and its files."""
    st.subheader(f"{title}: {report.campaign.name}")
    widgets.metrics(view.report_metrics(report))
    widgets.notice(view.report_notice(report))
    st.dataframe(
        result_rows(report.results),
        hide_index=True,
        column_config={
            "Expires": widgets.MINUTES,
            "Line": st.column_config.NumberColumn(format="%d"),
        },
    )
    downloads(report.campaign.id, report.campaign.name, sheets, report.results)


def downloads(
    campaign_id: int,
    name: str,
    sheets: Callable[[int], CampaignSheets],
    results: tuple[view.RowResult, ...] = (),
) -> None:
    """The results CSV (after a run) beside the QR sheets PDF, each built when clicked."""
    stem = view.file_stem(name)
    left, right = st.columns(2)
    if results:
        left.download_button(
            "Download results (CSV)",
            data=lambda: results_file(results),
            file_name=f"{stem}-results.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=f"bulk-results-{campaign_id}-{id(results)}",
        )
    right.download_button(
        "Download QR sheets (PDF)",
        data=lambda: qr_pdf(sheets(campaign_id)),
        file_name=f"{stem}-qr-codes.pdf",
        mime="application/pdf",
        icon=":material/print:",
        on_click="ignore",
        key=f"bulk-pdf-{campaign_id}-{bool(results)}",
        help="One page per person with an active QR code, for handing out in person.",
    )


def campaign_picker(campaigns: Mapping[int, CampaignView]) -> CampaignView | None:
    """The campaign to follow, the last one run first; None (and a hint) before any."""
    if not campaigns:
        st.caption("No campaign yet: upload a team above.")
        return None
    ids = list(campaigns)
    picked = st.selectbox(
        "Campaign",
        ids,
        index=view.remembered(ids, st.session_state.get(CAMPAIGN)),
        format_func=lambda i: campaigns[i].name,
        key="bulk-picked",
    )
    campaign = campaigns[picked if picked is not None else ids[0]]
    st.caption(widgets.plain(view.started(campaign)))
    return campaign


def reissue_statuses() -> list[Status]:
    """The end statuses whose people get a new QR code (expired unless changed)."""
    return st.multiselect(
        "Re-issue those whose QR code ended as",
        view.REISSUABLE,
        default=[Status.EXPIRED],
        format_func=lambda s: look(s).label,
        key="bulk-reissue-statuses",
    )


def reissue_button(due: int) -> bool:
    """Whether re-issuing was asked for, under how many it would reach."""
    st.caption(f"{due} person(s) would get a new QR code.")
    return st.button(
        "Re-issue expired", icon=":material/refresh:", disabled=due == 0, key="bulk-reissue"
    )


def kept_report() -> tuple[str, view.RunReport] | None:
    """The last run's (title, report), if one ran in this session."""
    kept: tuple[str, view.RunReport] | None = st.session_state.get(REPORT)
    return kept
