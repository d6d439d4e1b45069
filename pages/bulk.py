"""Bulk onboarding: upload a team CSV, check the preview, run it as a named campaign with a
progress bar, download the results and the printable QR sheets; follow each campaign's progress
and re-issue its expired QR codes."""

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from dashboard.domain.roles import Permission
from dashboard.domain.statuses import Status
from dashboard.domain.team_csv import MAX_ROWS
from dashboard.ui import widgets
from dashboard.ui.pages import page
from dashboard.ui.services import services
from dashboard.ui.signin import require
from dashboard.views import bulk_page as view
from dashboard.views.bulk import TEMPLATE_CSV, qr_pdf, result_rows, results_file
from dashboard.views.looks import look

bulk = services().onboarding
st.title("Bulk onboarding")


def downloads(campaign_id: int, name: str, results: tuple[view.RowResult, ...] = ()) -> None:
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
        data=lambda: qr_pdf(bulk.qr_sheets(campaign_id)),
        file_name=f"{stem}-qr-codes.pdf",
        mime="application/pdf",
        icon=":material/print:",
        on_click="ignore",
        key=f"bulk-pdf-{campaign_id}-{bool(results)}",
        help="One page per person with an active QR code, for handing out in person.",
    )


def with_progress(start: str, work: Callable[[view.Progress], view.RunReport], title: str) -> None:
    """Run ``work`` under a progress bar, keep its report for the results section, rerun."""
    bar = st.progress(0.0, text=start)

    def update(done: int, total: int, result: view.RowResult) -> None:
        bar.progress(done / total, text=widgets.plain(view.progress_text(done, total, result)))

    report = work(update)
    bar.empty()
    st.session_state["bulk-report"] = (title, report)
    st.session_state["bulk-campaign"] = report.campaign.id
    st.rerun()


st.subheader("1. Upload the team")
upload = st.file_uploader(
    "Team CSV",
    type=["csv", "txt"],
    key="bulk-upload",
    help=f"A header row with 'username' (required) and 'display_name' (optional); UTF-8; "
    f"up to {MAX_ROWS} rows. Commas, semicolons or tabs.",
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

if upload is not None:
    with widgets.reported():
        preview = bulk.preview(upload.getvalue())
        st.subheader("2. Check")
        widgets.metrics(view.preview_metrics(preview))
        if view.preview_note(preview):
            st.caption(widgets.plain(view.preview_note(preview)))
        tables = view.preview_tables(preview)
        for tab, (label, rows) in zip(
            st.tabs([f"{n} ({len(r)})" for n, r in tables]), tables, strict=True
        ):
            with tab:
                if rows:
                    st.dataframe(rows, hide_index=True, key=f"bulk-preview-{label}")
                else:
                    st.caption("None.")
        st.subheader("3. Run as a campaign")
        name = st.text_input(
            "Campaign name", value=Path(upload.name).stem[:100], key="bulk-campaign-name"
        )
        done = bulk.already_done(preview, name or "")
        if done:
            st.info(widgets.plain(view.resume_note(name, done)), icon=":material/replay:")
        if st.button(
            view.run_label(preview, done),
            type="primary",
            icon=":material/group_add:",
            disabled=not preview.runnable or not (name or "").strip(),
            key="bulk-run",
        ):
            actor = require(Permission.BULK)
            with_progress(
                "Starting…",
                lambda update: bulk.run(preview, name or "", actor=actor, progress=update),
                "Results",
            )

kept = st.session_state.get("bulk-report")
if kept is not None:
    title, report = kept
    with widgets.reported():
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
        downloads(report.campaign.id, report.campaign.name, report.results)

st.divider()
st.subheader("Campaigns")
with widgets.reported():
    campaigns = {c.id: c for c in bulk.campaigns.all()}
    if not campaigns:
        st.caption("No campaign yet: upload a team above.")
    else:
        ids = list(campaigns)
        remembered = st.session_state.get("bulk-campaign")
        picked = st.selectbox(
            "Campaign",
            ids,
            index=ids.index(remembered) if remembered in campaigns else 0,
            format_func=lambda i: campaigns[i].name,
            key="bulk-picked",
        )
        campaign = campaigns[picked if picked is not None else ids[0]]
        st.caption(
            widgets.plain(
                f"Started {campaign.created_at:%Y-%m-%d %H:%M} UTC by {campaign.created_by}."
            )
        )
        widgets.campaign_progress(bulk.campaigns.progress(campaign.id))
        downloads(campaign.id, campaign.name)
        if st.button("Show its enrolments", icon=":material/table_rows:", key="bulk-show"):
            st.session_state["enrolments-campaign"] = campaign.id
            st.switch_page(page("enrolments"))
        statuses = st.multiselect(
            "Re-issue those whose QR code ended as",
            view.REISSUABLE,
            default=[Status.EXPIRED],
            format_func=lambda s: look(s).label,
            key="bulk-reissue-statuses",
        )
        due = bulk.reissuable(campaign.id, statuses)
        st.caption(f"{due} person(s) would get a new QR code.")
        if st.button(
            "Re-issue expired", icon=":material/refresh:", disabled=due == 0, key="bulk-reissue"
        ):
            actor = require(Permission.BULK)
            with_progress(
                "Re-issuing…",
                lambda update: bulk.reissue(campaign.id, statuses, actor=actor, progress=update),
                "Re-issued",
            )
