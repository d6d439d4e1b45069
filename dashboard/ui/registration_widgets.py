"""The Registration demo's screens: the placement choice, the step indicator, each step's
form, the QR code with the wait for the scan, the welcome and start-over."""

from __future__ import annotations

import streamlit as st

from dashboard.domain.journey import PLACEMENTS
from dashboard.ui import widgets
from dashboard.views import registration as view


def placement(frozen: str | None) -> str:
    """Where the device step comes: chosen here until the account exists, then fixed."""
    choice = st.radio(
        "Device enrolment comes",
        list(PLACEMENTS),
        index=view.placement_index(frozen),
        horizontal=True,
        disabled=frozen is not None,
        key=None if frozen else "reg-placement",
        help="Fixed once the account exists; Start over to change it.",
    )
    return frozen or choice or view.DEFAULT_PLACEMENT


def indicator(labels: list[str]) -> None:
    """The steps side by side, then a divider."""
    for column, label in zip(st.columns(len(labels)), labels, strict=True):
        column.markdown(label)
    st.divider()


def sign_up_form() -> str | None:
    """The username, once "Create account" is pressed; else None."""
    st.subheader("Create your account")
    with st.form("form-sign-up", border=False):
        username = st.text_input(
            "Username",
            placeholder="e.g. jane.doe@example.com",
            help="3 to 64 characters: letters, digits and . _ - @.",
        )
        submitted = st.form_submit_button("Create account", type="primary")
    return (username or "") if submitted else None


def notifications_form() -> dict[str, object] | None:
    """The notification preferences, once "Continue" is pressed; else None."""
    st.subheader("How should we keep you posted?")
    with st.form("form-notifications", border=False):
        channels = st.multiselect("Notify me by", view.CHANNELS, default=[view.CHANNELS[0]])
        digest = st.radio("How often", view.FREQUENCIES)
        if st.form_submit_button("Continue", type="primary"):
            return {"channels": channels, "frequency": digest}
    return None


def profile_form() -> dict[str, object] | None:
    """The display name and language, once "Continue" is pressed; else None."""
    st.subheader("Tell us about yourself")
    with st.form("form-profile", border=False):
        name = st.text_input("Display name")
        language = st.selectbox("Language", view.LANGUAGES)
        if st.form_submit_button("Continue", type="primary"):
            return {"name": name, "language": language}
    return None


def device_intro() -> None:
    """The device step's heading and what to do."""
    st.subheader("Enrol your authentication device")
    st.write(
        "Open the Mobile Identity app on the phone you want to sign in with and scan this QR code."
    )


def scan_panel(shown: view.Scan, png: bytes | None, phone_url: str | None) -> bool:
    """The QR code beside its status and countdown; True when a new code is asked for."""
    qr_column, text_column = st.columns([1, 1], gap="large")
    with qr_column:
        widgets.qr_code(png, 320, "Scan with your phone")
    with text_column:
        widgets.status_heading(shown.status)
        if shown.active:
            st.metric("This code expires in", shown.expires_in)
            st.caption("This page moves on by itself once your phone confirms.")
            widgets.simulated_phone(phone_url)
            return False
        st.error("This QR code can no longer be used.", icon=":material/error:")
        return st.button("Show a new QR code", type="primary", icon=":material/qr_code_2:")


def welcome(greeting: str, lines: list[str]) -> None:
    """The welcome screen: the greeting and what the journey collected."""
    st.subheader("Welcome!")
    st.success(widgets.plain(greeting), icon=":material/celebration:")
    for line in lines:
        st.text(line)


def start_over() -> bool:
    """Whether "Start over" was pressed, under a divider."""
    st.divider()
    return st.button("Start over", icon=":material/restart_alt:")
