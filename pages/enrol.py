"""Enrol device: pick an account, issue its QR code, watch the status change by itself."""

import streamlit as st

from dashboard.domain.clock import utc_now
from dashboard.errors import ConsoleError
from dashboard.ui import widgets
from dashboard.ui.pages import page
from dashboard.ui.services import demo_device_url, services
from dashboard.ui.signin import may, require
from dashboard.views import enrol as view
from dashboard.views.looks import look

ACTION_ERROR = "enrol-action-error"
WARNING = ":material/warning:"

uc = services()
st.title("Enrol device")


def chosen_account() -> view.AccountView | None:
    """The account named by ``?account=<uuid>``, or picked in the search box."""
    requested = st.query_params.get("account")
    if requested:
        try:
            return uc.accounts.get(requested)
        except ConsoleError as exc:
            st.warning(widgets.plain(f"{exc} Pick an account below instead."), icon=WARNING)
    search = st.text_input("Find account", placeholder="part of a username", key="enrol-search")
    with widgets.reported():
        accounts = uc.accounts.search(search or "", limit=100)
        if not accounts:
            st.info("No account matches. Create one on the Accounts page first.")
            st.page_link(page("accounts"), label="Go to Accounts", icon=":material/person_add:")
            return None
        picked = st.selectbox("Account", accounts, index=None, format_func=lambda a: a.username,
                              placeholder="Choose an account")  # fmt: skip
        if picked is not None:
            st.query_params["account"] = str(picked.id)
        return picked
    return None


def buttons(account: view.AccountView, actions: view.Actions, enrolment: int = 0) -> None:
    """The actions the role may take. A click acts, watches the enrolment and reruns; a failure
    stays in the session until the next try (in place it would vanish with the rerun)."""
    allowed = [action for action in actions if may(action.permission)]
    places = st.columns(len(allowed)) if len(allowed) > 1 else [st.container()]
    for place, action in zip(places, allowed, strict=False):
        if place.button(action.label, icon=action.icon, type=action.kind, width=action.width):
            st.session_state.pop(ACTION_ERROR, None)
            try:
                actor = require(action.permission)
                if action.cancels:
                    st.session_state["watch"] = uc.enrolments.cancel(enrolment, actor=actor).id
                else:
                    st.session_state["watch"] = uc.enrolments.issue(account.id, actor=actor).id
            except ConsoleError as exc:
                st.session_state[ACTION_ERROR] = (account.id, str(exc))
            st.rerun()


@st.fragment(run_every=0.5)
def live(enrolment_id: int, account: view.AccountView) -> None:
    """The enrolment as the database has it (the poller moves it on), re-read on every tick."""
    with widgets.reported():
        shown = view.panel(uc.enrolments.get(enrolment_id), utc_now())
        qr_column, status_column = st.columns([1, 1], gap="large")
        with status_column:
            st.subheader("Status")
            widgets.status_heading(shown.status)
            for note in shown.notes:
                widgets.notice(note)
            if shown.active:
                st.metric("QR code expires in", shown.expires_in)
                widgets.simulated_phone(demo_device_url(account.id))
            buttons(account, shown.actions, enrolment_id)
        with qr_column:
            png = uc.enrolments.qr_png(enrolment_id) if shown.active else None
            widgets.qr_code(png, 360, *view.QR_CAPTIONS)


account = chosen_account()
if account is not None:
    st.text(f"Account: {account.username}  ·  {account.id}")
    failed = st.session_state.get(ACTION_ERROR)
    if failed and failed[0] == account.id:
        st.error(widgets.plain(failed[1]), icon=":material/error:")
    with widgets.reported():
        active = uc.enrolments.active(account.id)
        latest = active or uc.enrolments.latest(account.id)
        watched = view.watching(active, latest, st.session_state.get("watch"))
        if watched is not None:
            live(watched.id, account)
        else:
            if latest is not None:
                st.caption(f"Last enrolment: {look(latest.status).label}.")
            buttons(account, (view.ISSUE,))
