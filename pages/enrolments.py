"""Enrolments: every enrolment, filtered, sorted and paged in the database; CSV; timeline."""

from dataclasses import replace

import streamlit as st

from dashboard import ui
from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.domain.statuses import Status
from dashboard.views.enrolments import (
    COUNT_CAP,
    PAGE_SIZES,
    SORTS,
    csv_file,
    make_filter,
    match_caption,
    page_count,
    table_rows,
    timeline_rows,
)
from dashboard.views.looks import look

uc = ui.use_cases()
st.title("Enrolments")

status_column, user_column, date_column = st.columns([2, 2, 2])
statuses = status_column.multiselect(
    "Status",
    list(Status),
    format_func=lambda s: look(s).label,
    placeholder="Any status",
    key="enrolments-status",
)
username = user_column.text_input(
    "Username contains", placeholder="part of a username", key="enrolments-user"
)
issued = date_column.date_input(
    "Issued between (UTC)", value=[], format="YYYY-MM-DD", key="enrolments-issued"
)
sort_column, direction_column, size_column = st.columns([2, 2, 2])
sort_label = sort_column.selectbox("Sort by", list(SORTS), key="enrolments-sort")
descending = (
    direction_column.segmented_control(
        "Order",
        ["Descending", "Ascending"],
        default="Descending",
        key="enrolments-order",
    )
    != "Ascending"
)
size = size_column.selectbox("Rows per page", PAGE_SIZES, index=1, key="enrolments-size")

campaigns = {c.id: c.name for c in ui.onboarding().campaigns.all()}
campaign_id = (
    st.selectbox(
        "Campaign",
        [None, *campaigns],
        format_func=lambda c: "Any campaign" if c is None else campaigns[c],
        key="enrolments-campaign",
    )
    if campaigns
    else None
)
where = replace(make_filter(statuses, username or "", issued), campaign_id=campaign_id)
order = EnrolmentSort(SORTS[sort_label or "Issued"], descending)  # type: ignore[arg-type]
# Another filter, order or page size starts again at page 1.
page_key = f"enrolments-page-{hash((where, order, size))}"
page_number = int(st.session_state.get(page_key, 1))

with ui.reported():
    views, total = uc.table.page(where, order, size, (page_number - 1) * size, count_cap=COUNT_CAP)
    pages = page_count(min(total, COUNT_CAP), size)
    st.caption(match_caption(total, (page_number - 1) * size + 1, len(views)))
    selection = None
    if views:
        selection = st.dataframe(
            table_rows(views),
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key=f"enrolments-table-{page_key}-{page_number}",
            column_config={
                "#": st.column_config.NumberColumn(format="%d", width="small"),
                "Issued": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                "Expires": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                "Finished": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            },
        )
    elif where == EnrolmentFilter():
        st.info("No enrolments yet: issue a QR code on the Enrol device page.")
    else:
        st.info("No enrolment matches these filters.", icon=":material/filter_alt_off:")
    pager, download = st.columns([3, 1], vertical_alignment="center")
    with pager:
        st.pagination(pages, key=page_key)
    with download:
        st.download_button(
            "Download CSV",
            data=lambda: csv_file(uc.table.export_csv(where, order)),
            file_name="enrolments.csv",
            mime="text/csv",
            icon=":material/download:",
            disabled=total == 0,
            on_click="ignore",
            help="Every row matching the filters (all pages), generated when you click.",
        )

    picked = selection.selection.rows if selection else []
    if picked and picked[0] < len(views):
        chosen = views[picked[0]]
        st.subheader(f"Timeline of enrolment #{chosen.id}")
        st.text(f"Account: {chosen.username}  ·  {chosen.account_id}")
        ui.status_badge(chosen.status)
        st.dataframe(
            timeline_rows(uc.enrolments.events(chosen.id)),
            hide_index=True,
            column_config={"At": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
        )
    elif views:
        st.caption("Select a row to see its timeline.")
