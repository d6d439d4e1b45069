"""Enrol device: pick an account, issue its QR code, watch the status change by itself."""

from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st

from dashboard import ui
from dashboard.domain.records import AccountView, EnrolmentView
from dashboard.domain.statuses import ACTIVE, Status, is_known
from dashboard.errors import ConsoleError
from dashboard.views.looks import countdown, duration, look

REFRESH_SECONDS = 0.5
ACTION_ERROR = "enrol-action-error"

uc = ui.use_cases()
st.title("Enrol device")


def chosen_account() -> AccountView | None:
    """The account named by ``?account=<uuid>``, or picked in the search box."""
    requested = st.query_params.get("account")
    if requested:
        try:
            return uc.accounts.get(requested)
        except ConsoleError as exc:
            st.warning(ui.plain(f"{exc} Pick an account below instead."), icon=":material/warning:")
    search = st.text_input("Find account", placeholder="part of a username", key="enrol-search")
    try:
        accounts = uc.accounts.search(search or "", limit=100)
    except ConsoleError as exc:
        st.error(ui.plain(str(exc)), icon=":material/error:")
        return None
    if not accounts:
        st.info("No account matches. Create one on the Accounts page first.")
        st.page_link(ui.page("accounts"), label="Go to Accounts", icon=":material/person_add:")
        return None
    picked = st.selectbox(
        "Account",
        accounts,
        index=None,
        format_func=lambda a: a.username,
        placeholder="Choose an account",
    )
    if picked is not None:
        st.query_params["account"] = str(picked.id)
    return picked


def act(account: AccountView, action: Callable[[], EnrolmentView]) -> None:
    """Run an operator action, watch the enrolment it returns, and rerun. A failure is kept in
    the session until the next attempt: shown in place it would vanish with the rerun (or the
    fragment's next tick)."""
    st.session_state.pop(ACTION_ERROR, None)
    try:
        enrolment = action()
    except ConsoleError as exc:
        st.session_state[ACTION_ERROR] = (account.id, str(exc))
    else:
        st.session_state["watch"] = enrolment.id
    st.rerun()


def issue(account: AccountView, permission: ui.Permission = ui.Permission.ISSUE) -> None:
    """Issue (or re-issue) a QR code for ``account``."""
    act(account, lambda: uc.enrolments.issue(account.id, actor=ui.require(permission)))


def action_error(account: AccountView) -> None:
    """The last failed action on ``account``'s enrolment, if any."""
    failed = st.session_state.get(ACTION_ERROR)
    if failed and failed[0] == account.id:
        st.error(ui.plain(failed[1]), icon=":material/error:")


@st.fragment(run_every=REFRESH_SECONDS)
def live(enrolment_id: int, account: AccountView) -> None:
    """Re-reads the enrolment from the database; the poller moves it forward."""
    with ui.reported():  # the database may fail on any tick: a sentence, not a traceback
        show(enrolment_id, account)


def show(enrolment_id: int, account: AccountView) -> None:
    """The enrolment's status, actions and QR code."""
    enrolment = uc.enrolments.get(enrolment_id)
    shown = look(enrolment.status)
    qr_column, status_column = st.columns([1, 1], gap="large")
    with status_column:
        st.subheader("Status")
        ui.status_badge(enrolment.status)
        st.markdown(f"#### {shown.sentence}")
        if enrolment.api_status and enrolment.api_status.upper() != enrolment.status.value:
            if is_known(enrolment.api_status):
                st.caption(ui.plain(f"The service reports: {enrolment.api_status}"))
            else:
                st.warning(
                    ui.plain(
                        "The service reports a status the console does not know: "
                        f"{enrolment.api_status}. It keeps checking."
                    ),
                    icon=":material/help:",
                )
        if enrolment.last_error and enrolment.status in ACTIVE:
            st.warning(ui.plain(f"Last check failed: {enrolment.last_error}"))
        if enrolment.status in ACTIVE:
            left = countdown(enrolment.expires_at, datetime.now(UTC))
            st.metric("QR code expires in", left)
            cancel, reissue = st.columns(2)
            if ui.may(ui.Permission.CANCEL) and cancel.button(
                "Cancel", icon=":material/cancel:", use_container_width=True
            ):
                act(
                    account,
                    lambda: uc.enrolments.cancel(
                        enrolment.id, actor=ui.require(ui.Permission.CANCEL)
                    ),
                )
            if ui.may(ui.Permission.REISSUE) and reissue.button(
                "Re-issue", icon=":material/refresh:", use_container_width=True
            ):
                issue(account, ui.Permission.REISSUE)
            device_url = ui.demo_device_url(account.id)
            if device_url:
                st.link_button("Open the simulated phone", device_url, icon=":material/smartphone:")
        else:
            if enrolment.status is Status.ENROLLED:
                st.success(
                    ui.plain(
                        f"Enrolled “{enrolment.device_name or 'a device'}” in "
                        f"{duration(enrolment.time_to_enrol)}."
                    ),
                    icon=":material/check_circle:",
                )
            else:
                st.error(shown.sentence, icon=":material/error:")
            if ui.may(ui.Permission.ISSUE) and st.button(
                "Issue a new QR code", type="primary", icon=":material/qr_code_2:"
            ):
                issue(account)
    with qr_column:
        png = uc.enrolments.qr_png(enrolment.id) if enrolment.status in ACTIVE else None
        if png:
            st.image(png, output_format="PNG", width=360, caption="Scan with the phone to enrol")
        else:
            st.caption("The QR code is no longer valid.")


account = chosen_account()
if account is not None:
    st.text(f"Account: {account.username}  ·  {account.id}")
    action_error(account)
    with ui.reported():
        active = uc.enrolments.active(account.id)
        latest = active or uc.enrolments.latest(account.id)
        watched = st.session_state.get("watch")
        if latest is not None and (active is not None or watched == latest.id):
            live(latest.id, account)
        else:
            if latest is not None:
                st.caption(f"Last enrolment: {look(latest.status).label}.")
            if ui.may(ui.Permission.ISSUE) and st.button(
                "Issue QR code", type="primary", icon=":material/qr_code_2:"
            ):
                issue(account)
