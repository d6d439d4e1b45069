"""The devices panel of an enrolled account (Enrol device, Accounts) and a campaign's bulk
verify (Bulk onboarding).

The panel appears once the account's enrolment is ENROLLED (the Enrol page runs once more when
its enrolment ends on screen), lists the devices (asked of the API once per enrolment, again on
Refresh), sends a test push and shows its status as the poller moves it (this tab's look keeps
the push polled first). Only while a push is pending is the panel a fragment on a timer, so an
idle Enrol page costs nothing. Removal sits behind a confirmation where the tenant allows it.
"""

from __future__ import annotations

import uuid

import streamlit as st

from dashboard.domain.clock import utc_now
from dashboard.domain.devices import DeviceRecord, PushOutcome, VerifyReport
from dashboard.domain.records import AccountView
from dashboard.domain.roles import Permission
from dashboard.domain.statuses import Status
from dashboard.errors import ConsoleError
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.ui.signin import may, require
from dashboard.views import devices as view

#: The panel's timer while a push is pending, in seconds: soon enough for a person to see
#: Verified (the poller asks about a watched push three times a second).
REFRESH = 1.0
_LISTED = "devices-listed"
_PENDING = "devices-removal"


def panel(account_id: uuid.UUID) -> None:
    """The account's devices and test push, once it has an enrolled device; refreshed by a
    timer only while its latest test push is pending."""
    with widgets.reported():
        pushes = services().pushes.latest(account_id, limit=1)
        if pushes and pushes[0].status is PushOutcome.PENDING:
            _live(account_id)
        else:
            _show(account_id)


@st.fragment(run_every=REFRESH)
def _live(account_id: uuid.UUID) -> None:
    """The panel on a timer; once the push is answered, the whole page again (no timer)."""
    if not _show(account_id):
        st.rerun()


def _show(account_id: uuid.UUID) -> bool:
    """Render the panel; whether a test push is still pending."""
    uc = services()
    with widgets.reported():
        latest = uc.enrolments.latest(account_id)
        if latest is None or latest.status is not Status.ENROLLED:
            return False
        st.subheader("Devices")
        devices = _devices(account_id, latest.id)
        if devices is None:
            return False
        if devices:
            st.dataframe(
                view.device_rows(devices),
                hide_index=True,
                column_config={"Enrolled": widgets.MINUTES, "Last used": widgets.MINUTES},
            )
        else:
            st.caption(view.NO_DEVICES)
        pending = _push(account_id, devices)
        _removal(account_id, devices)
        return pending
    return False


def accounts_section(accounts: list[AccountView]) -> None:
    """On the Accounts page: pick one of the enrolled accounts listed and show its panel."""
    enrolled = {a.id: a.username for a in accounts if a.latest_status is Status.ENROLLED}
    if not enrolled:
        return
    st.subheader("Devices of an account")
    chosen = st.selectbox(
        "Enrolled account",
        list(enrolled),
        format_func=enrolled.__getitem__,
        index=None,
        placeholder="pick an account",
        key="devices-account",
    )
    if chosen is not None:
        panel(chosen)


def _devices(account_id: uuid.UUID, enrolment_id: int) -> list[DeviceRecord] | None:
    key = f"{_LISTED}-{account_id}"
    kept = st.session_state.get(key)
    if st.button("Refresh devices", icon=":material/refresh:", key=f"devices-refresh-{account_id}"):
        kept = None
    if kept is None or kept[0] != enrolment_id:
        try:
            kept = (enrolment_id, services().devices.of(account_id), None)
        except ConsoleError as exc:
            kept = (enrolment_id, None, str(exc))
        st.session_state[key] = kept
    if kept[2] is not None:
        st.error(
            widgets.plain(f"The devices could not be listed: {kept[2]}"), icon=":material/error:"
        )
    devices: list[DeviceRecord] | None = kept[1]
    return devices


def _push(account_id: uuid.UUID, devices: list[DeviceRecord]) -> bool:
    uc = services()
    pushes = uc.pushes.latest(account_id, limit=5)
    proof = view.verified(pushes)
    if proof is not None:
        st.badge(
            widgets.plain(f"Verified on {proof.target}"), icon=":material/verified:", color="green"
        )
    if may(Permission.PUSH) and devices:
        options = view.targets(devices)
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        target = left.selectbox(
            "Push to",
            list(options),
            format_func=options.__getitem__,
            key=f"push-target-{account_id}",
        )
        if right.button(
            "Send a test push",
            type="primary",
            icon=":material/send_to_mobile:",
            key=f"push-send-{account_id}",
        ):
            names = {d.id: d.name for d in devices}
            failed = f"push-failed-{account_id}"
            st.session_state.pop(failed, None)
            try:
                uc.pushes.send(
                    account_id,
                    actor=require(Permission.PUSH),
                    device_id=target or None,
                    device_name=names.get(target or ""),
                )
            except ConsoleError as exc:  # kept: a rerun would wipe it at once
                st.session_state[failed] = str(exc)
            else:
                st.rerun()  # the whole page: the panel goes on its timer while the push is out
        refused = st.session_state.get(f"push-failed-{account_id}")
        if refused:
            st.error(
                widgets.plain(f"The test push was not sent: {refused}"), icon=":material/error:"
            )
    if pushes:
        shown = pushes[0]
        widgets.notice(view.push_line(shown, utc_now()))
        if shown.status is PushOutcome.PENDING:
            uc.pushes.watch(shown.id)
            phone = _demo_phone_url(account_id)
            if phone:
                st.link_button("Open the simulated phone", phone, icon=":material/smartphone:")
            return True
    return False


def _demo_phone_url(account_id: uuid.UUID) -> str | None:
    """In demo mode, the phone page where the push appears (the simulator's own)."""
    shared = services()
    if shared.simulator is None:
        return None
    return shared.simulator.phone_url(shared.accounts.get(account_id).reference)


def _removal(account_id: uuid.UUID, devices: list[DeviceRecord]) -> None:
    if not may(Permission.REMOVE_DEVICE) or not devices:
        return
    if not services().devices.can_remove:
        st.caption(view.REMOVAL_OFF)
        return
    named = {d.id: d for d in devices}
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Device to remove",
        list(named),
        format_func=lambda i: named[i].name,
        key=f"remove-pick-{account_id}",
    )
    if right.button("Remove device…", icon=":material/delete:", key=f"remove-{account_id}"):
        st.session_state[_PENDING] = (account_id, chosen)
    # The panel may rerun on its timer: the confirmation stays open for as long as it is pending.
    pending = st.session_state.get(_PENDING)
    if pending is not None and pending[0] == account_id and pending[1] in named:
        _confirm_removal(account_id, named[pending[1]])


def _dismissed() -> None:
    st.session_state.pop(_PENDING, None)


@st.dialog("Remove this device?", on_dismiss=_dismissed)
def _confirm_removal(account_id: uuid.UUID, device: DeviceRecord) -> None:
    name, platform = widgets.plain(device.name), widgets.plain(device.platform)
    st.write(f"“{name}” ({platform}) stops signing this person in. They would have to enrol again.")
    keep, remove = st.columns(2)
    if keep.button("Keep it", key="remove-keep", width="stretch"):
        _dismissed()
        st.rerun()
    if remove.button("Remove", type="primary", icon=":material/delete:", key="remove-confirm",
                     width="stretch"):  # fmt: skip
        try:
            services().devices.remove(account_id, device, actor=require(Permission.REMOVE_DEVICE))
        except ConsoleError as exc:  # kept beside the buttons while the dialog stays open
            st.session_state[_PENDING] = (account_id, device.id, str(exc))
        else:
            _dismissed()
            st.session_state.pop(f"{_LISTED}-{account_id}", None)
            st.rerun()
    failed = st.session_state.get(_PENDING)
    if failed is not None and len(failed) > 2:
        st.error(widgets.plain(failed[2]), icon=":material/error:")


def verify_panel(campaign_id: int) -> None:
    """On Bulk onboarding: the campaign's verification so far, and a bulk verify."""
    uc = services()
    st.markdown("**Verify the enrolled phones**")
    widgets.metrics(view.progress(uc.devices.campaign_progress(campaign_id)))
    if not may(Permission.PUSH):
        return
    if st.button(
        "Send a test push to every enrolled person",
        icon=":material/send_to_mobile:",
        key=f"verify-{campaign_id}",
    ):
        bar = st.progress(0.0, text="Sending…")

        def update(done: int, total: int, username: str) -> None:
            bar.progress(done / total if total else 1.0, text=f"{done} of {total} {username}")

        actor = require(Permission.PUSH)
        report = uc.devices.verify_campaign(campaign_id, actor=actor, progress=update)
        st.session_state[f"verify-report-{campaign_id}"] = report
    kept: VerifyReport | None = st.session_state.get(f"verify-report-{campaign_id}")
    if kept is not None:
        widgets.metrics(view.report(kept))
        if kept.failures:
            st.dataframe(view.failure_rows(kept), hide_index=True)
