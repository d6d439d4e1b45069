"""The Enrol device page's parts: the account picker, the account line with the last failed
action, the action buttons the role may press, and the status panel beside the QR code."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.ui import widgets
from dashboard.ui.pages import page
from dashboard.ui.signin import may
from dashboard.views import enrol as view
from dashboard.views.looks import look

#: The last failed action, as (account id, sentence): kept until the next try, since shown
#: in place it would vanish with the rerun that follows every click.
FAILURE = "enrol-action-error"


def account_picker(accounts: list[view.AccountView]) -> view.AccountView | None:
    """The account chosen among ``accounts`` (kept in the URL), or a way to create one."""
    if not accounts:
        st.info("No account matches. Create one on the Accounts page first.")
        st.page_link(page("accounts"), label="Go to Accounts", icon=":material/person_add:")
        return None
    picked = st.selectbox("Account", accounts, index=None, format_func=lambda a: a.username,
                          placeholder="Choose an account")  # fmt: skip
    if picked is not None:
        st.query_params["account"] = str(picked.id)
    return picked


def account_line(account: view.AccountView) -> None:
    """The account's name and id, over the last action on it that failed."""
    st.text(f"Account: {account.username}  ·  {account.id}")
    failed = st.session_state.get(FAILURE)
    if failed and failed[0] == account.id:
        st.error(widgets.plain(failed[1]), icon=":material/error:")


def keep_failure(account: view.AccountView, error: Exception) -> None:
    """Remember why the action on ``account`` failed, for ``account_line``."""
    st.session_state[FAILURE] = (account.id, str(error))


def forget_failure() -> None:
    """Forget the last failed action (a new one is being tried)."""
    st.session_state.pop(FAILURE, None)


def clicked(actions: view.Actions) -> view.Action | None:
    """The buttons of ``actions`` the role may take, side by side; the one clicked, if any."""
    allowed = [action for action in actions if may(action.permission)]
    places = st.columns(len(allowed)) if len(allowed) > 1 else [st.container()]
    chosen = None
    for place, action in zip(places, allowed, strict=False):
        if place.button(action.label, icon=action.icon, type=action.kind, width=action.width):
            chosen = action
    return chosen


def last_enrolment(latest: view.EnrolmentView | None) -> None:
    """How the account's last enrolment ended, if it had one."""
    if latest is not None:
        st.caption(f"Last enrolment: {look(latest.status).label}.")


def status_panel(shown: view.Panel, png: bytes | None, phone_url: str | None) -> DeltaGenerator:
    """The QR code beside the status, its notes and countdown; returns the status column,
    for the buttons under it."""
    qr_column, status_column = st.columns([1, 1], gap="large")
    with qr_column:
        widgets.qr_code(png, 360, *view.QR_CAPTIONS)
    with status_column:
        st.subheader("Status")
        widgets.status_heading(shown.status)
        for note in shown.notes:
            widgets.notice(note)
        if shown.active:
            st.metric("QR code expires in", shown.expires_in)
            widgets.simulated_phone(phone_url)
    return status_column
