"""The Overview page as plain data: the periods, the metric rows, the per-day chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import altair as alt

from dashboard.domain.overview import Counts, DayOutcome, Funnel, TimeToEnrol
from dashboard.views.blocks import Metric, share
from dashboard.views.looks import CHART_COLOURS, duration, look

#: Period label → days back (None: all time).
PERIODS: dict[str, int | None] = {
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "All time": None,
}
DEFAULT_PERIOD = "Last 30 days"
OUTCOMES = [look(s).label for s in CHART_COLOURS]


def headline(counts: Counts) -> list[Metric]:
    """The counts across the top (all time, and today in UTC)."""
    return [
        Metric("Accounts", counts.accounts),
        Metric("Pending", counts.pending, help="Waiting for a scan or a confirmation."),
        Metric("Enrolled", counts.enrolled),
        Metric(
            "Verified",
            counts.verified,
            delta=share(counts.verified, counts.enrolled, " of enrolled"),
            help="Enrolled people whose phone approved a test push.",
        ),
        Metric("Expired or declined", counts.expired_or_declined),
        Metric("Issued today", counts.issued_today, help="QR codes issued today (UTC)."),
        Metric("Enrolled today", counts.enrolled_today, help="Finished today (UTC)."),
    ]


def timing(time_to_enrol: TimeToEnrol) -> list[Metric]:
    """How long issued-to-enrolled took in the period."""
    return [
        Metric("Median", duration(time_to_enrol.median) or "–"),
        Metric("90th percentile", duration(time_to_enrol.p90) or "–"),
        Metric("Enrolments measured", time_to_enrol.enrolled, help="Issued in the period."),
    ]


def funnel(shown: Funnel) -> list[Metric]:
    """Issued, reached the phone, enrolled."""
    return [
        Metric("Issued", shown.issued),
        Metric(
            "Scanned",
            shown.scanned,
            delta=share(shown.scanned, shown.issued, " of issued"),
            help="Reached the phone: scanned, then enrolled or declined.",
        ),
        Metric("Enrolled", shown.enrolled, delta=share(shown.enrolled, shown.issued, " of issued")),
    ]


def chart(per_day: Sequence[DayOutcome], days: int | None, today: date) -> alt.Chart:
    """Enrolments per issue day, stacked by outcome, over the whole period (so one busy day
    does not stretch across the chart); ``per_day`` must not be empty."""
    last_day = today + timedelta(days=1)
    first_day = min(row.day for row in per_day)
    if days is not None:
        first_day = min(first_day, last_day - timedelta(days=days))
    values = [
        {"Day": row.day.isoformat(), "Outcome": look(row.status).label, "Enrolments": row.count}
        for row in per_day
    ]
    chart: alt.Chart = (
        alt.Chart({"values": values})
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
                scale=alt.Scale(domain=OUTCOMES, range=list(CHART_COLOURS.values())),
                sort=OUTCOMES,
            ),
            tooltip=[
                alt.Tooltip("Day:T", timeUnit="utcyearmonthdate", title="Day"),
                "Outcome:N",
                "sum(Enrolments):Q",
            ],
        )
    )
    return chart
