"""Bulk onboarding: upload a team CSV, check the preview, run it as a named campaign with a
progress bar, download the results and the printable QR sheets; follow each campaign's progress
and re-issue its expired QR codes."""

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from dashboard import ui
from dashboard.domain.onboarding import Outcome, Preview, Progress, RowResult, RunReport
from dashboard.domain.statuses import Status
from dashboard.domain.team_csv import MAX_ROWS
from dashboard.views.bulk import (
    TEMPLATE_CSV,
    planned_rows,
    qr_pdf,
    rejected_rows,
    result_rows,
    results_file,
)
from dashboard.views.looks import look

REISSUABLE = (Status.EXPIRED, Status.DECLINED, Status.FAILED, Status.CANCELLED)
TIME = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")

ui.guard("bulk")
bulk = ui.onboarding()
st.title("Bulk onboarding")


def show_preview(preview: Preview) -> None:
    new, existing = len(preview.new), len(preview.existing)
    columns = st.columns(4)
    columns[0].metric("New accounts", new, help="Created, then given a QR code.")
    columns[1].metric("Already exist", existing, help="Given a QR code; not created again.")
    columns[2].metric("Duplicates", len(preview.duplicates), help="Repeats in the file: skipped.")
    columns[3].metric("Invalid", len(preview.invalid), help="Broken rules: skipped.")
    notes = []
    if preview.blank_lines:
        notes.append(f"{preview.blank_lines} blank line(s) skipped")
    if preview.ignored_columns:
        notes.append("columns ignored: " + ", ".join(preview.ignored_columns))
    if notes:
        st.caption(ui.plain("; ".join(notes) + "."))
    tables = [
        ("To create", planned_rows(preview.new)),
        ("Already exist", planned_rows(preview.existing)),
        ("Duplicates", rejected_rows(preview.duplicates)),
        ("Invalid", rejected_rows(preview.invalid)),
    ]
    tabs = st.tabs([f"{n} ({len(r)})" for n, r in tables])
    for tab, (name, rows) in zip(tabs, tables, strict=True):
        with tab:
            if rows:
                st.dataframe(rows, hide_index=True, key=f"bulk-preview-{name}")
            else:
                st.caption("None.")


def show_report(report: RunReport, title: str) -> None:
    st.subheader(title)
    counts = report.counts
    columns = st.columns(4)
    columns[0].metric("QR codes issued", counts[Outcome.ISSUED])
    columns[1].metric("Skipped", counts[Outcome.SKIPPED], help="Already had one in the campaign.")
    columns[2].metric("Failed", counts[Outcome.FAILED])
    columns[3].metric("Not attempted", counts[Outcome.NOT_ATTEMPTED])
    if report.stopped:
        st.warning(ui.plain(report.stopped), icon=":material/warning:")
    elif report.remaining:
        st.warning(
            f"{report.remaining} row(s) failed. Run the same file again under the same campaign "
            "name to retry only those.",
            icon=":material/warning:",
        )
    else:
        st.success("Every row is done.", icon=":material/check_circle:")
    st.dataframe(
        result_rows(report.results),
        hide_index=True,
        column_config={"Expires": TIME, "Line": st.column_config.NumberColumn(format="%d")},
    )
    downloads(report.campaign.id, report.campaign.name, report.results)


def downloads(campaign_id: int, campaign_name: str, results: tuple[RowResult, ...] = ()) -> None:
    stem = "".join(c if c.isalnum() else "-" for c in campaign_name).strip("-")[:40] or "campaign"
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
        help="One page per person with an active QR code, for handing out in person.",
        key=f"bulk-pdf-{campaign_id}-{bool(results)}",
    )


def with_progress(start: str, work: Callable[[Progress], RunReport], title: str) -> None:
    """Run ``work`` under a progress bar, keep its report for the results section, rerun."""
    bar = st.progress(0.0, text=start)

    def update(done: int, total: int, result: RowResult) -> None:
        text = f"{done} of {total}: {result.username} ({result.outcome.value})"
        bar.progress(done / total, text=ui.plain(text))

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
    with ui.reported():
        preview = bulk.preview(upload.getvalue())
        st.subheader("2. Check")
        show_preview(preview)
        st.subheader("3. Run as a campaign")
        default_name = Path(upload.name).stem[:100]
        name = st.text_input("Campaign name", value=default_name, key="bulk-campaign-name")
        runnable = len(preview.runnable)
        done = bulk.already_done(preview, name or "")
        if done:
            st.info(
                ui.plain(
                    f"The campaign {name.strip()} exists: {done} of these accounts already have "
                    "a QR code in it and are skipped, so running again does the remaining rows."
                ),
                icon=":material/replay:",
            )
        label = f"Create {len(preview.new)} account(s) and issue {runnable - done} QR code(s)"
        if st.button(
            label,
            type="primary",
            icon=":material/group_add:",
            disabled=runnable == 0 or not (name or "").strip(),
            key="bulk-run",
        ):
            actor = ui.require(ui.Permission.BULK)
            with_progress(
                "Starting…",
                lambda update: bulk.run(preview, name or "", actor=actor, progress=update),
                "Results",
            )

kept = st.session_state.get("bulk-report")
if kept is not None:
    title, report = kept
    with ui.reported():
        show_report(report, f"{title}: {report.campaign.name}")

st.divider()
st.subheader("Campaigns")
with ui.reported():
    campaigns = {c.id: c for c in bulk.campaigns.all()}
    if not campaigns:
        st.caption("No campaign yet: upload a team above.")
    else:
        remembered = st.session_state.get("bulk-campaign")
        ids = list(campaigns)
        picked = st.selectbox(
            "Campaign",
            ids,
            index=ids.index(remembered) if remembered in campaigns else 0,
            format_func=lambda i: campaigns[i].name,
            key="bulk-picked",
        )
        campaign = campaigns[picked if picked is not None else ids[0]]
        st.caption(
            ui.plain(f"Started {campaign.created_at:%Y-%m-%d %H:%M} UTC by {campaign.created_by}.")
        )
        ui.campaign_progress(bulk.campaigns.progress(campaign.id))
        downloads(campaign.id, campaign.name)
        if st.button("Show its enrolments", icon=":material/table_rows:", key="bulk-show"):
            st.session_state["enrolments-campaign"] = campaign.id
            st.switch_page(ui.page("enrolments"))
        statuses = st.multiselect(
            "Re-issue those whose QR code ended as",
            REISSUABLE,
            default=[Status.EXPIRED],
            format_func=lambda s: look(s).label,
            key="bulk-reissue-statuses",
        )
        due = bulk.reissuable(campaign.id, statuses)
        st.caption(f"{due} person(s) would get a new QR code.")
        if st.button(
            "Re-issue expired",
            icon=":material/refresh:",
            disabled=due == 0,
            key="bulk-reissue",
        ):
            actor = ui.require(ui.Permission.BULK)
            with_progress(
                "Re-issuing…",
                lambda update: bulk.reissue(campaign.id, statuses, actor=actor, progress=update),
                "Re-issued",
            )
