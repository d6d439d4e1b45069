"""Widgets the pages share: errors as sentences, escaped text, status badges, metric rows,
paging, CSV downloads and a campaign's progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from io import RawIOBase

import streamlit as st

from dashboard.domain.records import CampaignProgress
from dashboard.domain.statuses import Status
from dashboard.errors import ConsoleError
from dashboard.views.blocks import Metric, Notice, share
from dashboard.views.looks import look

#: Time columns of the tables, to the minute and to the second.
MINUTES = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
SECONDS = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")

_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=^\"'&@%/")


def plain(text: str) -> str:
    """``text`` with every Markdown-significant character escaped, for message boxes.

    Usernames and API-provided text reach ``st.error``/``st.success`` only through this,
    so they show exactly as typed and never render as Markdown, links or HTML.
    """
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIALS else ch for ch in text)


@contextmanager
def reported() -> Iterator[None]:
    """Show a ``ConsoleError`` raised inside as a sentence; the page stays usable."""
    try:
        yield
    except ConsoleError as exc:
        st.error(plain(str(exc)), icon=":material/error:")


def status_badge(status: Status) -> None:
    """The status as a coloured badge with its icon."""
    shown = look(status)
    st.badge(shown.label, icon=shown.icon, color=shown.color)  # type: ignore[arg-type]


def status_heading(status: Status) -> None:
    """The status badge over the status's sentence."""
    status_badge(status)
    st.markdown(f"#### {look(status).sentence}")


def metrics(row: Sequence[Metric]) -> None:
    """One row of metrics, side by side."""
    for column, metric in zip(st.columns(len(row)), row, strict=True):
        column.metric(
            metric.label,
            metric.value,
            delta=metric.delta,
            delta_color="off",
            help=metric.help,
        )


def notice(shown: Notice) -> None:
    """``shown`` in its box; text from outside the console escaped."""
    text = shown.text if shown.own else plain(shown.text)
    if shown.kind == "caption":
        st.caption(text)
    else:
        getattr(st, shown.kind)(text, icon=shown.icon)


def qr_code(png: bytes | None, width: int, caption: str, gone: str = "") -> None:
    """The QR code as a sharp PNG (JPEG would blur it), or ``gone`` when there is none."""
    if png:
        st.image(png, output_format="PNG", width=width, caption=caption)
    elif gone:
        st.caption(gone)


def simulated_phone(url: str | None) -> None:
    """In demo mode, a link to the simulated phone for the QR code on screen."""
    if url:
        st.link_button("Open the simulated phone", url, icon=":material/smartphone:")


def page_number(prefix: str, *query: object) -> tuple[str, int]:
    """The pager's key for this query, and the page it is on: another query starts at page 1."""
    key = f"{prefix}-page-{hash(query)}"
    return key, int(st.session_state.get(key, 1))


def csv_download(data: Callable[[], RawIOBase], file_name: str, *, empty: bool, help: str) -> None:
    """A "Download CSV" button that builds the file only when clicked."""
    st.download_button(
        "Download CSV",
        data=data,
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        disabled=empty,
        on_click="ignore",
        help=help,
    )


def campaign_progress(progress: CampaignProgress) -> None:
    """A campaign's progress, counted per person by their newest QR code in it."""
    people = progress.people
    metrics(
        [
            Metric("Issued (people)", people, help="People with a QR code in this campaign."),
            Metric(
                "Scanned",
                progress.reached_phone,
                help="Reached the phone: scanned, enrolled or declined.",
            ),
            Metric("Enrolled", progress.enrolled, delta=share(progress.enrolled, people)),
            Metric("Expired", progress.expired, help="The QR code expired unused."),
            Metric("Waiting", progress.pending + progress.scanned, help="Still active."),
            Metric(
                "Ended otherwise",
                progress.ended_otherwise,
                help="Declined, failed, cancelled, replaced.",
            ),
        ]
    )
    st.progress(progress.enrolled / people if people else 0.0)
    st.caption(f"{progress.qr_codes} QR code(s) issued in this campaign, re-issues included.")
