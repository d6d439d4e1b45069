"""Bulk onboarding: upload a team CSV, check the preview, run it as a named campaign with a
progress bar, download the results and the printable QR sheets; follow each campaign's progress
and re-issue its expired QR codes."""

import streamlit as st

from dashboard.domain.roles import Permission
from dashboard.ui import bulk_widgets as section
from dashboard.ui import devices_widgets, widgets
from dashboard.ui import invitation_widgets as invites
from dashboard.ui.pages import page
from dashboard.ui.services import services
from dashboard.ui.signin import require

bulk = services().onboarding
st.title("Bulk onboarding")

st.subheader("1. Upload the team")
upload = section.team_upload()
if upload is not None:
    with widgets.reported():
        preview = bulk.preview(upload.getvalue())
        st.subheader("2. Check")
        section.preview_section(preview)
        st.subheader("3. Run as a campaign")
        name = section.campaign_name(upload.name)
        done = bulk.already_done(preview, name)
        if section.run_button(preview, name, done):
            actor = require(Permission.BULK)
            section.with_progress(
                "Starting…",
                lambda update: bulk.run(preview, name, actor=actor, progress=update),
                "Results",
            )

kept = section.kept_report()
if kept is not None:
    with widgets.reported():
        section.report_section(*kept, sheets=bulk.qr_sheets)

st.divider()
st.subheader("Campaigns")
with widgets.reported():
    campaign = section.campaign_picker({c.id: c for c in bulk.campaigns.all()})
    if campaign is not None:
        widgets.campaign_progress(bulk.campaigns.progress(campaign.id))
        section.downloads(campaign.id, campaign.name, bulk.qr_sheets)
        invites.campaign_panel(campaign.id, campaign.name)
        devices_widgets.verify_panel(campaign.id)
        if st.button("Show its enrolments", icon=":material/table_rows:", key="bulk-show"):
            st.session_state["enrolments-campaign"] = campaign.id
            st.switch_page(page("enrolments"))
        statuses, chosen = section.reissue_statuses(), campaign.id
        if section.reissue_button(bulk.reissuable(chosen, statuses)):
            actor = require(Permission.BULK)
            section.with_progress(
                "Re-issuing…",
                lambda update: bulk.reissue(chosen, statuses, actor=actor, progress=update),
                "Re-issued",
            )
