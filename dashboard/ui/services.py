"""The console's services, built once per process and shared by every session."""

from __future__ import annotations

from uuid import UUID

import streamlit as st

from dashboard.errors import ConsoleError
from dashboard.services import Services, build_services
from dashboard.settings import load_settings


@st.cache_resource(show_spinner="Starting the console…", on_release=Services.close)
def _shared() -> Services:
    """One set of services per process, shared by every session (and the poller thread)."""
    return build_services(load_settings())


def services() -> Services:
    """The services, ready to use; stops the page with a sentence if set-up failed."""
    try:
        return _shared()
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def running() -> Services | None:
    """The services, or None if set-up failed (the page says why when it asks for them)."""
    try:
        return _shared()
    except ConsoleError:
        return None


def demo_device_url(account_id: UUID) -> str | None:
    """In demo mode, the simulated phone's page for the account's current QR code (the
    simulator knows the account by its tenant id)."""
    shared = services()
    if shared.simulator is None:
        return None
    return shared.simulator.device_url(shared.accounts.get(account_id).reference)
