"""Registration demo: the vendor's sign-up scenario from the end user's side, with device
enrolment at a chosen point after the account exists, waiting for the scan as a website would."""

import streamlit as st

from dashboard.domain.clock import utc_now
from dashboard.domain.journey import PLACEMENTS, Step, journey, next_step
from dashboard.domain.roles import Permission
from dashboard.ui import registration_widgets as screen
from dashboard.ui import watch, widgets
from dashboard.ui.services import demo_device_url, services
from dashboard.ui.signin import require
from dashboard.views import registration as view

uc = services()
state = st.session_state
st.title("Registration demo")
st.caption(view.INTRO)
placement = screen.placement(state.get("reg-after"))
steps = journey(PLACEMENTS[placement])
step = Step(state.get("reg-step", Step.SIGN_UP.value))


def go(to: Step) -> None:
    state["reg-step"] = to.value
    st.rerun()


def issue() -> None:
    with widgets.reported():
        actor = view.actor(require(Permission.DEMO))
        state["reg-enrolment"] = uc.enrolments.issue(state["reg-account"], actor=actor).id


@st.fragment(run_every=watch.REFRESH)
def wait_for_scan(enrolment_id: int) -> None:
    """Reads the enrolment from the database (the poller asks the API) and moves on by itself."""
    shown = view.scan(enrolment := uc.enrolments.get(enrolment_id), utc_now())
    if shown.device is not None:
        state["reg-device"] = shown.device
        go(next_step(steps, Step.DEVICE))
    png = uc.enrolments.qr_png(enrolment_id) if shown.active else None
    if screen.scan_panel(shown, png, demo_device_url(shown.account_id)):
        issue()
        st.rerun()
    watch.hold(enrolment)


screen.indicator(view.indicator(steps, step))
if step is Step.SIGN_UP:
    username = screen.sign_up_form()
    if username is not None:
        with widgets.reported():
            account = uc.accounts.create(username, actor=view.actor(require(Permission.DEMO)))
            state.update(view.signed_up(account, placement))
            go(next_step(steps, Step.SIGN_UP))
elif step is Step.NOTIFICATIONS:
    if (prefs := screen.notifications_form()) is not None:
        state["reg-prefs"] = prefs
        go(next_step(steps, step))
elif step is Step.PROFILE:
    if (profile := screen.profile_form()) is not None:
        state["reg-profile"] = profile
        go(next_step(steps, step))
elif step is Step.DEVICE:
    screen.device_intro()
    if state.get("reg-enrolment") is None:
        issue()
    if state.get("reg-enrolment") is not None:
        with widgets.reported():
            wait_for_scan(state["reg-enrolment"])
    elif st.button("Try again", type="primary"):
        st.rerun()
else:
    screen.welcome(*view.welcome(state.to_dict()))

if step is not Step.SIGN_UP and screen.start_over():
    for key in view.STATE_KEYS:
        state.pop(key, None)
    st.rerun()
