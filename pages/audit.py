"""Audit trail: what people did in the console (accounts created, QR codes issued, re-issued,
cancelled), filtered by who, what and when, with a CSV download. Admins only."""

import streamlit as st

from dashboard import ui
from dashboard.usecases.audit import ACTION_LABELS, make_filter
from dashboard.views.enrolments import PAGE_SIZES, csv_file, page_count

ui.guard("audit")
trail = ui.audit()
st.title("Audit trail")
st.caption(
    "Every account creation and every change an operator made to an enrolment, newest first. "
    "Status changes the service reported (scans, enrolments, declines) and local expiry are "
    "in each enrolment's timeline on the Enrolments page."
)

with ui.reported():
    actor_column, action_column, date_column = st.columns([2, 2, 2])
    actors = actor_column.multiselect(
        "Who", trail.actors(), placeholder="Anyone", key="audit-actors"
    )
    actions = action_column.multiselect(
        "Action",
        list(ACTION_LABELS),
        format_func=lambda kind: ACTION_LABELS[kind],
        placeholder="Any action",
        key="audit-actions",
    )
    days = date_column.date_input("Between (UTC)", value=[], format="YYYY-MM-DD", key="audit-days")
    size = st.selectbox("Rows per page", PAGE_SIZES, index=1, key="audit-size")

    where = make_filter(actors, actions, days)
    page_key = f"audit-page-{hash((where, size))}"
    page_number = int(st.session_state.get(page_key, 1))
    entries, total = trail.entries(where, size, (page_number - 1) * size)
    st.caption(f"{total} action(s) match.")
    if entries:
        st.dataframe(
            [
                {
                    "At": entry.at,
                    "Who": entry.actor,
                    "Action": entry.action_label,
                    "Username": entry.username,
                    "Enrolment #": entry.enrolment_id,
                    "Detail": entry.detail,
                    "Account UUID": str(entry.account_id),
                }
                for entry in entries
            ],
            hide_index=True,
            column_config={
                "At": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                "Enrolment #": st.column_config.NumberColumn(format="%d", width="small"),
            },
        )
    else:
        st.info("No action matches.", icon=":material/filter_alt_off:")
    pager, download = st.columns([3, 1], vertical_alignment="center")
    with pager:
        st.pagination(page_count(total, size), key=page_key)
    with download:
        st.download_button(
            "Download CSV",
            data=lambda: csv_file(trail.export_csv(where)),
            file_name="audit.csv",
            mime="text/csv",
            icon=":material/download:",
            disabled=total == 0,
            on_click="ignore",
            help="Every action matching the filters (all pages), generated when you click.",
        )
