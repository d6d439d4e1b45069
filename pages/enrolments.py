"""Enrolments: every enrolment, filtered, sorted and paged in the database; CSV; timeline."""

import streamlit as st

from dashboard.domain.statuses import Status
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.views import enrolments as table
from dashboard.views import enrolments_page as view
from dashboard.views.looks import look

uc = services()
st.title("Enrolments")

status_column, user_column, date_column = st.columns([2, 2, 2])
statuses = status_column.multiselect(
    "Status", list(Status), format_func=lambda s: look(s).label, placeholder="Any status",
    key="enrolments-status",
)  # fmt: skip
username = user_column.text_input(
    "Username contains", placeholder="part of a username", key="enrolments-user"
)
issued = date_column.date_input(
    "Issued between (UTC)", value=[], format="YYYY-MM-DD", key="enrolments-issued"
)
sort_column, direction_column, size_column = st.columns([2, 2, 2])
sort = sort_column.selectbox("Sort by", list(table.SORTS), key="enrolments-sort")
order = direction_column.segmented_control(
    "Order", view.ORDERS, default=view.ORDERS[0], key="enrolments-order"
)
size = size_column.selectbox("Rows per page", table.PAGE_SIZES, index=1, key="enrolments-size")

with widgets.reported():
    campaigns = view.campaign_choices({c.id: c.name for c in uc.onboarding.campaigns.all()})
    campaign_id = None
    if len(campaigns) > 1:
        campaign_id = st.selectbox(
            "Campaign", list(campaigns), format_func=campaigns.__getitem__,
            key="enrolments-campaign",
        )  # fmt: skip
    where, ordered = view.query(statuses, username or "", issued, campaign_id, sort, order)
    page_key, page_number = widgets.page_number("enrolments", where, ordered, size)
    first = (page_number - 1) * size
    views, total = uc.table.page(where, ordered, size, first, count_cap=table.COUNT_CAP)
    st.caption(table.match_caption(total, first + 1, len(views)))
    selection = None
    if views:
        selection = st.dataframe(
            table.table_rows(views),
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key=f"enrolments-table-{page_key}-{page_number}",
            column_config={
                "#": st.column_config.NumberColumn(format="%d", width="small"),
                **dict.fromkeys(("Issued", "Expires", "Finished"), widgets.SECONDS),
            },
        )
    else:
        text, icon = view.empty(where)
        st.info(text, icon=icon)
    pager, download = st.columns([3, 1], vertical_alignment="center")
    with pager:
        st.pagination(table.page_count(min(total, table.COUNT_CAP), size), key=page_key)
    with download:
        widgets.csv_download(
            lambda: table.csv_file(uc.table.export_csv(where, ordered)),
            "enrolments.csv",
            empty=total == 0,
            help="Every row matching the filters (all pages), generated when you click.",
        )

    chosen = view.picked(views, selection.selection.rows if selection else [])
    if chosen is not None:
        st.subheader(f"Timeline of enrolment #{chosen.id}")
        st.text(f"Account: {chosen.username}  ·  {chosen.account_id}")
        widgets.status_badge(chosen.status)
        st.dataframe(
            table.timeline_rows(uc.enrolments.events(chosen.id)),
            hide_index=True,
            column_config={"At": widgets.SECONDS},
        )
    elif views:
        st.caption("Select a row to see its timeline.")
