"""Overview: headline counts, time to enrol, enrolments per day by outcome, and the funnel."""

from datetime import UTC, datetime, timedelta

import altair as alt
import streamlit as st

from dashboard import ui
from dashboard.domain.statuses import Status
from dashboard.views.looks import duration, look

PERIODS: dict[str, int | None] = {
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "All time": None,
}
# Close to the status badges' colours, with the greys told apart.
COLOURS = {
    Status.PENDING: "#1c83e1",
    Status.SCANNED: "#ff8700",
    Status.ENROLLED: "#21c354",
    Status.EXPIRED: "#a3a8b8",
    Status.DECLINED: "#ff4b4b",
    Status.CANCELLED: "#6d7280",
    Status.SUPERSEDED: "#d5d8e0",
    Status.FAILED: "#a51d2d",
}
OUTCOMES = [look(s).label for s in COLOURS]

reports = ui.reports()
st.title("Overview")
period = st.segmented_control(
    "Period", list(PERIODS), default="Last 30 days", key="overview-period"
)

with ui.reported():
    shown = reports.overview(PERIODS[period or "Last 30 days"])
    counts = shown.counts
    columns = st.columns(6)
    columns[0].metric("Accounts", counts.accounts)
    columns[1].metric("Pending", counts.pending, help="Waiting for a scan or a confirmation.")
    columns[2].metric("Enrolled", counts.enrolled)
    columns[3].metric("Expired or declined", counts.expired_or_declined)
    columns[4].metric("Issued today", counts.issued_today, help="QR codes issued today (UTC).")
    columns[5].metric("Enrolled today", counts.enrolled_today, help="Finished today (UTC).")

    st.subheader("Time to enrol")
    timing = shown.time_to_enrol
    median_column, p90_column, basis_column = st.columns(3)
    median_column.metric("Median", duration(timing.median) or "–")
    p90_column.metric("90th percentile", duration(timing.p90) or "–")
    basis_column.metric("Enrolments measured", timing.enrolled, help="Issued in the period.")

    st.subheader("Enrolments per day by outcome")
    if shown.per_day:
        # A fixed span of days keeps one busy day from stretching across the whole chart.
        days = PERIODS[period or "Last 30 days"]
        last_day = datetime.now(UTC).date() + timedelta(days=1)
        first_day = min(row.day for row in shown.per_day)
        if days is not None:
            first_day = min(first_day, last_day - timedelta(days=days))
        chart = (
            alt.Chart(
                {
                    "values": [
                        {
                            "Day": row.day.isoformat(),
                            "Outcome": look(row.status).label,
                            "Enrolments": row.count,
                        }
                        for row in shown.per_day
                    ]
                }
            )
            .mark_bar()
            .encode(
                x=alt.X(
                    "Day:T",
                    title="Issued on (UTC)",
                    timeUnit="utcyearmonthdate",
                    scale=alt.Scale(domain=[first_day.isoformat(), last_day.isoformat()]),
                ),
                y=alt.Y("sum(Enrolments):Q", title="Enrolments", stack="zero"),
                color=alt.Color(
                    "Outcome:N",
                    scale=alt.Scale(domain=OUTCOMES, range=list(COLOURS.values())),
                    sort=OUTCOMES,
                ),
                tooltip=[
                    alt.Tooltip("Day:T", timeUnit="utcyearmonthdate", title="Day"),
                    "Outcome:N",
                    "sum(Enrolments):Q",
                ],
            )
        )
        st.altair_chart(chart, width="stretch")
    else:
        st.caption("No enrolments issued in this period yet.")

    st.subheader("Funnel")
    funnel = shown.funnel
    issued_column, scanned_column, enrolled_column = st.columns(3)
    issued_column.metric("Issued", funnel.issued)
    scanned_column.metric(
        "Scanned",
        funnel.scanned,
        delta=f"{funnel.scanned / funnel.issued:.0%} of issued" if funnel.issued else None,
        delta_color="off",
        help="Reached the phone: scanned, then enrolled or declined.",
    )
    enrolled_column.metric(
        "Enrolled",
        funnel.enrolled,
        delta=f"{funnel.enrolled / funnel.issued:.0%} of issued" if funnel.issued else None,
        delta_color="off",
    )
    st.caption(
        "Counts, today and pending are for all time; timing, chart and funnel cover enrolments "
        "issued in the period. Days are UTC."
    )

with ui.reported():
    campaigns = ui.onboarding().campaigns
    listed = {c.id: c for c in campaigns.all()}
    if listed:
        st.subheader("Campaigns")
        chosen = st.selectbox(
            "Campaign",
            list(listed),
            format_func=lambda i: listed[i].name,
            key="overview-campaign",
            help="Bulk onboarding batches, newest first; counted per person.",
        )
        if chosen is not None:
            ui.campaign_progress(campaigns.progress(chosen))
