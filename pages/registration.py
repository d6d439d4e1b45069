"""Registration demo: the vendor's sign-up scenario from the end user's side, with device
enrolment at a chosen point after the account exists, waiting for the scan as a website would."""

from datetime import UTC, datetime

import streamlit as st

from dashboard import ui
from dashboard.domain.journey import PLACEMENTS, Step, journey, next_step
from dashboard.domain.statuses import ACTIVE, Status
from dashboard.views.looks import countdown, look

REFRESH_SECONDS = 0.5
ACTOR = "self-registration"
STATE_KEYS = ("reg-step", "reg-after", "reg-account", "reg-username", "reg-enrolment",
              "reg-prefs", "reg-profile", "reg-device")  # fmt: skip

ui.guard("registration")
uc = ui.use_cases()
st.title("Registration demo")
st.caption(
    "A website's sign-up, as its user sees it. The site creates the account first, then asks "
    "for a Mobile Identity device at the point chosen here; the QR code and the wait for the "
    "scan are exactly what a website would show."
)

frozen = st.session_state.get("reg-after")
choice = st.radio(
    "Device enrolment comes",
    list(PLACEMENTS),
    index=list(PLACEMENTS).index(frozen) if frozen in PLACEMENTS else 0,
    horizontal=True,
    disabled=frozen is not None,
    key=None if frozen else "reg-placement",
    help="Fixed once the account exists; Start over to change it.",
)
steps = journey(PLACEMENTS[frozen or choice or "After account creation"])
step = Step(st.session_state.get("reg-step", Step.SIGN_UP.value))


def demo_actor() -> str:
    """Who to record: the website's self-registration, run by the signed-in operator."""
    return f"{ACTOR} ({ui.require(ui.Permission.DEMO)})"


def go(to: Step) -> None:
    st.session_state["reg-step"] = to.value
    st.rerun()


def indicator() -> None:
    """Where the user is: done steps ticked, the current one bold, the rest grey."""
    current = steps.index(step)
    for index, (column, name) in enumerate(zip(st.columns(len(steps)), steps, strict=True)):
        if index < current:
            column.markdown(f":green[:material/check_circle: {name}]")
        elif index == current:
            column.markdown(f"**:blue[:material/radio_button_checked: {name}]**")
        else:
            column.markdown(f":gray[:material/radio_button_unchecked: {name}]")


def issue() -> None:
    with ui.reported():
        enrolment = uc.enrolments.issue(st.session_state["reg-account"], actor=demo_actor())
        st.session_state["reg-enrolment"] = enrolment.id


@st.fragment(run_every=REFRESH_SECONDS)
def wait_for_scan(enrolment_id: int) -> None:
    """Reads the enrolment from the database (the poller asks the API) and moves on by itself."""
    enrolment = uc.enrolments.get(enrolment_id)
    if enrolment.status is Status.ENROLLED:
        st.session_state["reg-device"] = enrolment.device_name or "your device"
        go(next_step(steps, Step.DEVICE))
    qr_column, text_column = st.columns([1, 1], gap="large")
    with text_column:
        ui.status_badge(enrolment.status)
        st.markdown(f"#### {look(enrolment.status).sentence}")
        if enrolment.status in ACTIVE:
            st.metric("This code expires in", countdown(enrolment.expires_at, datetime.now(UTC)))
            st.caption("This page moves on by itself once your phone confirms.")
            device_url = ui.demo_device_url(enrolment.account_id)
            if device_url:
                st.link_button("Open the simulated phone", device_url, icon=":material/smartphone:")
        else:
            st.error("This QR code can no longer be used.", icon=":material/error:")
            if st.button("Show a new QR code", type="primary", icon=":material/qr_code_2:"):
                issue()
                st.rerun()
    with qr_column:
        png = uc.enrolments.qr_png(enrolment.id) if enrolment.status in ACTIVE else None
        if png:
            st.image(png, output_format="PNG", width=320, caption="Scan with your phone")


indicator()
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
        with ui.reported():
            account = uc.accounts.create(username or "", actor=demo_actor())
            st.session_state.update(
                {
                    "reg-account": str(account.id),
                    "reg-username": account.username,
                    "reg-after": frozen or choice or "After account creation",
                }
            )
            go(next_step(steps, Step.SIGN_UP))

elif step is Step.NOTIFICATIONS:
    st.subheader("How should we keep you posted?")
    with st.form("form-notifications", border=False):
        channels = st.multiselect("Notify me by", ["E-mail", "SMS", "Push"], default=["E-mail"])
        digest = st.radio("How often", ["As it happens", "Daily digest", "Weekly digest"])
        if st.form_submit_button("Continue", type="primary"):
            st.session_state["reg-prefs"] = {"channels": channels, "frequency": digest}
            go(next_step(steps, step))

elif step is Step.PROFILE:
    st.subheader("Tell us about yourself")
    with st.form("form-profile", border=False):
        name = st.text_input("Display name")
        language = st.selectbox("Language", ["English", "Nederlands", "Français", "Deutsch"])
        if st.form_submit_button("Continue", type="primary"):
            st.session_state["reg-profile"] = {"name": name, "language": language}
            go(next_step(steps, step))

elif step is Step.DEVICE:
    st.subheader("Enrol your authentication device")
    st.write(
        "Open the Mobile Identity app on the phone you want to sign in with and scan this QR code."
    )
    if st.session_state.get("reg-enrolment") is None:
        issue()
    enrolment_id = st.session_state.get("reg-enrolment")
    if enrolment_id is not None:
        with ui.reported():
            wait_for_scan(enrolment_id)
    elif st.button("Try again", type="primary"):
        st.rerun()

else:
    st.subheader("Welcome!")
    st.success(
        ui.plain(f"Welcome aboard, {st.session_state.get('reg-username', '')}."),
        icon=":material/celebration:",
    )
    device = st.session_state.get("reg-device")
    if device:
        st.text(f"Device enrolled for signing in: {device}")
    profile = st.session_state.get("reg-profile") or {}
    prefs = st.session_state.get("reg-prefs") or {}
    if profile.get("name"):
        st.text(f"Display name: {profile['name']}  ·  Language: {profile.get('language', '')}")
    if prefs:
        st.text(
            f"Notifications: {', '.join(prefs.get('channels', [])) or 'none'}"
            f"  ·  {prefs.get('frequency', '')}"
        )

if step is not Step.SIGN_UP:
    st.divider()
    if st.button("Start over", icon=":material/restart_alt:"):
        for key in STATE_KEYS:
            st.session_state.pop(key, None)
        st.rerun()
