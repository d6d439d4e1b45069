"""Enrolments: every enrolment, filtered, sorted and paged in the database; CSV; timeline."""

import streamlit as st

from dashboard.domain.statuses import Status
from dashboard.ui import enrolments_widgets as part
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
    choices = view.campaign_choices({c.id: c.name for c in uc.onboarding.campaigns.all()})
    campaign_id = part.campaign_filter(choices)
    where, ordered = view.query(statuses, username or "", issued, campaign_id, sort, order)
    page_key, page_number = widgets.page_number("enrolments", where, ordered, size)
    first = view.first_row(page_number, size)
    views, total = uc.table.page(where, ordered, size, first, count_cap=table.COUNT_CAP)
    st.caption(table.match_caption(total, first + 1, len(views)))
    rows = part.listing(views, f"enrolments-table-{page_key}-{page_number}", view.empty(where))
    part.pager(
        view.pages(total, size),
        page_key,
        lambda: table.csv_file(uc.table.export_csv(where, ordered)),
        empty=total == 0,
    )
    chosen = view.picked(views, rows)
    if chosen is not None:
        part.timeline(chosen, uc.invitations.timeline(enrolment_id=chosen.id))
    elif views:
        st.caption("Select a row to see its timeline.")
