"""Registration demo: the vendor's sign-up scenario from the end user's side, with device
enrolment at a chosen point after the account exists, waiting for the scan as a website would."""

import streamlit as st

from dashboard.domain.clock import utc_now
from dashboard.domain.journey import PLACEMENTS, Step, journey, next_step
from dashboard.domain.roles import Permission
from dashboard.domain.statuses import ACTIVE, Status
from dashboard.ui import widgets
from dashboard.ui.services import demo_device_url, services
from dashboard.ui.signin import require
from dashboard.views import registration as view
from dashboard.views.looks import countdown

uc = services()
state = st.session_state
st.title("Registration demo")
st.caption(
    "A website's sign-up, as its user sees it. The site creates the account first, then asks "
    "for a Mobile Identity device at the point chosen here; the QR code and the wait for the "
    "scan are exactly what a website would show."
)

frozen = state.get("reg-after")
choice = st.radio(
    "Device enrolment comes",
    list(PLACEMENTS),
    index=list(PLACEMENTS).index(frozen) if frozen in PLACEMENTS else 0,
    horizontal=True,
    disabled=frozen is not None,
    key=None if frozen else "reg-placement",
    help="Fixed once the account exists; Start over to change it.",
)
placement = frozen or choice or view.DEFAULT_PLACEMENT
steps = journey(PLACEMENTS[placement])
step = Step(state.get("reg-step", Step.SIGN_UP.value))


def go(to: Step) -> None:
    state["reg-step"] = to.value
    st.rerun()


def issue() -> None:
    with widgets.reported():
        actor = view.actor(require(Permission.DEMO))
        state["reg-enrolment"] = uc.enrolments.issue(state["reg-account"], actor=actor).id


@st.fragment(run_every=0.5)
def wait_for_scan(enrolment_id: int) -> None:
    """Reads the enrolment from the database (the poller asks the API) and moves on by itself."""
    enrolment = uc.enrolments.get(enrolment_id)
    if enrolment.status is Status.ENROLLED:
        state["reg-device"] = enrolment.device_name or "your device"
        go(next_step(steps, Step.DEVICE))
    active = enrolment.status in ACTIVE
    qr_column, text_column = st.columns([1, 1], gap="large")
    with text_column:
        widgets.status_heading(enrolment.status)
        if active:
            st.metric("This code expires in", countdown(enrolment.expires_at, utc_now()))
            st.caption("This page moves on by itself once your phone confirms.")
            widgets.simulated_phone(demo_device_url(enrolment.account_id))
        else:
            st.error("This QR code can no longer be used.", icon=":material/error:")
            if st.button("Show a new QR code", type="primary", icon=":material/qr_code_2:"):
                issue()
                st.rerun()
    with qr_column:
        widgets.qr_code(
            uc.enrolments.qr_png(enrolment.id) if active else None, 320, "Scan with your phone"
        )


for column, label in zip(st.columns(len(steps)), view.indicator(steps, step), strict=True):
    column.markdown(label)
st.divider()

if step is Step.SIGN_UP:
    st.subheader("Create your account")
    with st.form("form-sign-up", border=False):
        username = st.text_input(
            "Username",
            placeholder="e.g. jane.doe@example.com",
            help="3 to 64 characters: letters, digits and . _ - @.",
        )
        submitted = st.form_submit_button("Create account", type="primary")
    if submitted:
        with widgets.reported():
            account = uc.accounts.create(username or "", actor=view.actor(require(Permission.DEMO)))
            state.update(
                {
                    "reg-account": str(account.id),
                    "reg-username": account.username,
                    "reg-after": placement,
                }
            )
            go(next_step(steps, Step.SIGN_UP))
elif step is Step.NOTIFICATIONS:
    st.subheader("How should we keep you posted?")
    with st.form("form-notifications", border=False):
        channels = st.multiselect("Notify me by", view.CHANNELS, default=[view.CHANNELS[0]])
        digest = st.radio("How often", view.FREQUENCIES)
        if st.form_submit_button("Continue", type="primary"):
            state["reg-prefs"] = {"channels": channels, "frequency": digest}
            go(next_step(steps, step))
elif step is Step.PROFILE:
    st.subheader("Tell us about yourself")
    with st.form("form-profile", border=False):
        name = st.text_input("Display name")
        language = st.selectbox("Language", view.LANGUAGES)
        if st.form_submit_button("Continue", type="primary"):
            state["reg-profile"] = {"name": name, "language": language}
            go(next_step(steps, step))
elif step is Step.DEVICE:
    st.subheader("Enrol your authentication device")
    st.write(
        "Open the Mobile Identity app on the phone you want to sign in with and scan this QR code."
    )
    if state.get("reg-enrolment") is None:
        issue()
    if state.get("reg-enrolment") is not None:
        with widgets.reported():
            wait_for_scan(state["reg-enrolment"])
    elif st.button("Try again", type="primary"):
        st.rerun()
else:
    st.subheader("Welcome!")
    greeting, lines = view.welcome(state.to_dict())
    st.success(widgets.plain(greeting), icon=":material/celebration:")
    for line in lines:
        st.text(line)

if step is not Step.SIGN_UP:
    st.divider()
    if st.button("Start over", icon=":material/restart_alt:"):
        for key in view.STATE_KEYS:
            state.pop(key, None)
        st.rerun()
