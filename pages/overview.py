"""Overview: headline counts, time to enrol, enrolments per day by outcome, and the funnel."""

import streamlit as st

from dashboard.domain.clock import utc_now
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.views import overview as view

shared = services()
st.title("Overview")
period = st.segmented_control(
    "Period", list(view.PERIODS), default=view.DEFAULT_PERIOD, key="overview-period"
)
days = view.PERIODS[period or view.DEFAULT_PERIOD]

with widgets.reported():
    shown = shared.reports.overview(days)
    widgets.metrics(view.headline(shown.counts))
    st.subheader("Time to enrol")
    widgets.metrics(view.timing(shown.time_to_enrol))
    st.subheader("Enrolments per day by outcome")
    if shown.per_day:
        st.altair_chart(view.chart(shown.per_day, days, utc_now().date()), width="stretch")
    else:
        st.caption("No enrolments issued in this period yet.")
    st.subheader("Funnel")
    widgets.metrics(view.funnel(shown.funnel))
    st.caption(
        "Counts, today and pending are for all time; timing, chart and funnel cover enrolments "
        "issued in the period. Days are UTC."
    )

with widgets.reported():
    campaigns = shared.onboarding.campaigns
    listed = {c.id: c.name for c in campaigns.all()}
    if listed:
        st.subheader("Campaigns")
        chosen = st.selectbox(
            "Campaign",
            list(listed),
            format_func=listed.__getitem__,
            key="overview-campaign",
            help="Bulk onboarding batches, newest first; counted per person.",
        )
        if chosen is not None:
            widgets.campaign_progress(campaigns.progress(chosen))
