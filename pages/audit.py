"""Audit trail: what people did in the console (accounts created, QR codes issued, re-issued,
cancelled), filtered by who, what and when, with a CSV download. Admins only."""

import streamlit as st

from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.views import audit as view
from dashboard.views.enrolments import PAGE_SIZES, csv_file, page_count

trail = services().audit
st.title("Audit trail")
st.caption(
    "Every account creation and every change an operator made to an enrolment, newest first. "
    "Status changes the service reported (scans, enrolments, declines) and local expiry are "
    "in each enrolment's timeline on the Enrolments page."
)

with widgets.reported():
    actor_column, action_column, date_column = st.columns([2, 2, 2])
    actors = actor_column.multiselect(
        "Who", trail.actors(), placeholder="Anyone", key="audit-actors"
    )
    actions = action_column.multiselect(
        "Action",
        list(view.ACTION_LABELS),
        format_func=lambda kind: view.ACTION_LABELS[kind],
        placeholder="Any action",
        key="audit-actions",
    )
    days = date_column.date_input("Between (UTC)", value=[], format="YYYY-MM-DD", key="audit-days")
    size = st.selectbox("Rows per page", PAGE_SIZES, index=1, key="audit-size")

    where = view.audit_query(actors, actions, days)
    page_key, page_number = widgets.page_number("audit", where, size)
    entries, total = trail.entries(where, size, (page_number - 1) * size)
    st.caption(f"{total} action(s) match.")
    if entries:
        st.dataframe(
            view.rows(entries),
            hide_index=True,
            column_config={
                "At": widgets.SECONDS,
                "Enrolment #": st.column_config.NumberColumn(format="%d", width="small"),
            },
        )
    else:
        st.info("No action matches.", icon=":material/filter_alt_off:")
    pager, download = st.columns([3, 1], vertical_alignment="center")
    with pager:
        st.pagination(page_count(total, size), key=page_key)
    with download:
        widgets.csv_download(
            lambda: csv_file(trail.export_csv(where)),
            "audit.csv",
            empty=total == 0,
            help="Every action matching the filters (all pages), generated when you click.",
        )
