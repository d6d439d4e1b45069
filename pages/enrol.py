"""Enrol device: pick an account, issue its QR code, watch the status change by itself."""

import streamlit as st

from dashboard.domain.clock import utc_now
from dashboard.domain.roles import Permission
from dashboard.errors import ConsoleError
from dashboard.ui import accounts_widgets as accounts_part
from dashboard.ui import devices_widgets, watch, widgets
from dashboard.ui import enrol_widgets as part
from dashboard.ui import invitation_widgets as invites
from dashboard.ui.services import demo_device_url, services
from dashboard.ui.signin import may, require
from dashboard.views import enrol as view

uc = services()
st.title("Enrol device")


def chosen_account() -> view.AccountView | None:
    """The account named by ``?account=<uuid>``, or picked in the search box."""
    requested = st.query_params.get("account")
    if requested:
        try:
            return uc.accounts.get(requested)
        except ConsoleError as exc:
            warning = widgets.plain(f"{exc} Pick an account below instead.")
            st.warning(warning, icon=":material/warning:")
    if uc.accounts.on_tenant and may(Permission.CREATE_ACCOUNT):
        accounts_part.start_from_tenant(uc.accounts)
    search = st.text_input("Find account", placeholder="part of a username", key="enrol-search")
    with widgets.reported():
        return part.account_picker(uc.accounts.search(search or "", limit=100))
    return None


def buttons(account: view.AccountView, actions: view.Actions, enrolment: int = 0) -> None:
    """The actions the role may take. A click acts, watches the enrolment and reruns; a failure
    stays in the session until the next try."""
    action = part.clicked(actions)
    if action is None:
        return
    part.forget_failure()
    try:
        actor = require(action.permission)
        if action.cancels:
            st.session_state["watch"] = uc.enrolments.cancel(enrolment, actor=actor).id
        else:
            st.session_state["watch"] = uc.enrolments.issue(account.id, actor=actor).id
    except ConsoleError as exc:
        part.keep_failure(account, exc)
    st.rerun()


@st.fragment(run_every=watch.REFRESH)
def live(enrolment_id: int, account: view.AccountView) -> None:
    """The enrolment as the database has it (the poller moves it on), shown again on a change."""
    with widgets.reported():
        enrolment = uc.enrolments.get(enrolment_id)
        shown = view.panel(enrolment, utc_now())
        png = uc.enrolments.qr_png(enrolment_id) if shown.active else None
        with part.status_panel(shown, png, demo_device_url(account.id)):
            buttons(account, shown.actions, enrolment_id)
        watch.hold(enrolment)


account = chosen_account()
if account is not None:
    part.account_line(account)
    invites.enrol_section(account)
    with widgets.reported():
        active = uc.enrolments.active(account.id)
        latest = active or uc.enrolments.latest(account.id)
        watched = view.watching(active, latest, st.session_state.get("watch"))
        if watched is not None:
            live(watched.id, account)
        else:
            part.last_enrolment(latest)
            buttons(account, (view.ISSUE,))
    devices_widgets.panel(account.id)
