"""The Enrolments page's parts: the campaign filter, the table (or why it is empty), the
pager beside the CSV download, and one enrolment's timeline."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from io import RawIOBase

import streamlit as st

from dashboard.domain.invitation_records import TimelineStep
from dashboard.domain.records import EnrolmentView
from dashboard.ui import widgets
from dashboard.views import enrolments as table
from dashboard.views import invitations as invites


def campaign_filter(choices: Mapping[int | None, str]) -> int | None:
    """The campaign to list, offered once there is one; None for any."""
    if len(choices) < 2:
        return None
    return st.selectbox(
        "Campaign", list(choices), format_func=choices.__getitem__, key="enrolments-campaign"
    )


def listing(views: Sequence[EnrolmentView], key: str, empty: tuple[str, str | None]) -> list[int]:
    """The enrolments as a table with one selectable row, or ``empty``'s sentence; the rows
    selected."""
    if not views:
        text, icon = empty
        st.info(text, icon=icon)
        return []
    selection = st.dataframe(
        table.table_rows(views),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "#": st.column_config.NumberColumn(format="%d", width="small"),
            **dict.fromkeys(("Issued", "Expires", "Finished"), widgets.SECONDS),
        },
    )
    return list(selection.selection.rows)


def pager(pages: int, key: str, csv: Callable[[], RawIOBase], *, empty: bool) -> None:
    """The page picker beside the CSV download of every matching row."""
    left, right = st.columns([3, 1], vertical_alignment="center")
    with left:
        st.pagination(pages, key=key)
    with right:
        widgets.csv_download(
            csv,
            "enrolments.csv",
            empty=empty,
            help="Every row matching the filters (all pages), generated when you click.",
        )


def timeline(chosen: EnrolmentView, steps: Sequence[TimelineStep]) -> None:
    """One enrolment's account, status and history, with the steps of the invitation that
    issued it (sent, opened, QR issued...), if one did."""
    st.subheader(f"Timeline of enrolment #{chosen.id}")
    st.text(f"Account: {chosen.username}  ·  {chosen.account_id}")
    widgets.status_badge(chosen.status)
    st.dataframe(
        invites.timeline_rows(steps), hide_index=True, column_config={"At": widgets.SECONDS}
    )
