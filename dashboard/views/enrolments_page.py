"""The Enrolments page's choices as plain data: the query from the widgets' values, the
campaign choices, the row picked, and what to say when nothing is listed (the table itself is
``dashboard.views.enrolments``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from dashboard.domain.records import EnrolmentFilter, EnrolmentSort, EnrolmentView
from dashboard.domain.statuses import Status
from dashboard.views.enrolments import COUNT_CAP, SORTS, enrolment_filter, page_count

ORDERS = ("Descending", "Ascending")


def query(
    statuses: Iterable[Status],
    username: str,
    issued: Sequence[date | None] | date | None,
    campaign_id: int | None,
    sort: str | None,
    order: str | None,
) -> tuple[EnrolmentFilter, EnrolmentSort]:
    """The filter and the order for the widgets' values (unset: newest issued first)."""
    where = replace(enrolment_filter(statuses, username, issued), campaign_id=campaign_id)
    column = SORTS[sort or "Issued"]
    return where, EnrolmentSort(column, order != "Ascending")  # type: ignore[arg-type]


def campaign_choices(campaigns: Mapping[int, str]) -> dict[int | None, str]:
    """Campaign filter choices by id, "Any campaign" first."""
    choices: dict[int | None, str] = {None: "Any campaign"}
    for campaign_id, name in campaigns.items():
        choices[campaign_id] = name
    return choices


def first_row(page_number: int, size: int) -> int:
    """The offset of page ``page_number``'s first row (pages count from 1)."""
    return (page_number - 1) * size


def pages(total: int, size: int) -> int:
    """How many pages the pager offers: those ``total`` rows fill, up to the counted cap."""
    return page_count(min(total, COUNT_CAP), size)


def picked(views: Sequence[EnrolmentView], rows: Sequence[int]) -> EnrolmentView | None:
    """The enrolment of the selected row, if one is selected on this page."""
    return views[rows[0]] if rows and rows[0] < len(views) else None


def empty(where: EnrolmentFilter) -> tuple[str, str | None]:
    """What to say, with which icon, when no enrolment is listed."""
    if where == EnrolmentFilter():
        return "No enrolments yet: issue a QR code on the Enrol device page.", None
    return "No enrolment matches these filters.", ":material/filter_alt_off:"
