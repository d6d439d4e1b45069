"""Streamlit glue shared by the pages: the process-wide services, error display, banners."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import streamlit as st

from dashboard.config import load_settings
from dashboard.enrolment import Console, Status
from dashboard.errors import ConsoleError
from dashboard.presentation import look
from dashboard.reports import Reports
from dashboard.services import Services, build_services

LOCAL_OPERATOR = "local"
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

# name → (title, icon); the file is pages/<name>.py and its URL path is /<name>.
PAGES: dict[str, tuple[str, str]] = {
    "overview": ("Overview", ":material/dashboard:"),
    "accounts": ("Accounts", ":material/person_add:"),
    "enrol": ("Enrol device", ":material/qr_code_2:"),
    "enrolments": ("Enrolments", ":material/table_rows:"),
    "registration": ("Registration demo", ":material/how_to_reg:"),
    "system": ("System", ":material/settings:"),
}
SECTIONS: dict[str, tuple[str, ...]] = {
    "Operate": ("overview", "accounts", "enrol", "enrolments"),
    "Demo": ("registration",),
    "Admin": ("system",),
}


def page(name: str) -> st.Page:
    """The ``st.Page`` for ``pages/<name>.py``: for navigation, links and switching."""
    title, icon = PAGES[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, default=name == "overview")


def navigation() -> st.Page:
    """The app's navigation, grouped in sections."""
    return st.navigation(
        {section: [page(name) for name in names] for section, names in SECTIONS.items()}
    )


@st.cache_resource(show_spinner="Starting the console…", on_release=Services.close)
def services() -> Services:
    """One set of services per process, shared by every session (and the poller thread)."""
    return build_services(load_settings())


def console() -> Console:
    """The use-cases, ready to call; stops the page with a sentence if set-up failed."""
    try:
        return services().console
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def reports() -> Reports:
    """The overview reports; stops the page with a sentence if set-up failed."""
    try:
        return services().reports
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def operator() -> str:
    """Who is acting (sign-in arrives with the roles issue)."""
    return LOCAL_OPERATOR


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


def banners() -> None:
    """The demo-mode banner, shown on every page while the embedded simulator is in use."""
    try:
        running = services()
    except ConsoleError:
        return
    if running.simulator is not None:
        st.info(
            "**Demo mode**: the console talks to its built-in Mobile Identity simulator at "
            f"`{running.simulator.base_url}`, and operators act as `{operator()}`. "
            "Set `OMI_BASE_URL` to use a real tenant.",
            icon=":material/science:",
        )


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=^\"'&@%/")


def plain(text: str) -> str:
    """``text`` with every Markdown-significant character escaped, for message boxes.

    Usernames and API-provided text reach ``st.error``/``st.success`` only through this,
    so they show exactly as typed and never render as Markdown, links or HTML.
    """
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIALS else ch for ch in text)


def demo_device_url(user_id: UUID) -> str | None:
    """In demo mode, the simulated phone's page for the user's current QR code."""
    running = services()
    return None if running.simulator is None else running.simulator.device_url(user_id)
