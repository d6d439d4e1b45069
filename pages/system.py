"""System: the configuration in effect (secrets masked), connectivity, poller, database."""

import streamlit as st

from dashboard.ui import demo_widgets, widgets
from dashboard.ui.services import services
from dashboard.views import system as view

ICONS = {
    "success": ":material/check_circle:",
    "warning": ":material/warning:",
    "error": ":material/error:",
}


def show(section: view.Section) -> None:
    if section.text is not None:
        st.text(section.text)
    for column, (label, value) in zip(
        st.columns(len(section.metrics)), section.metrics, strict=True
    ):
        column.metric(label, value)
    if section.caption is not None:
        st.caption(section.caption)
    for notice in section.notices:
        box = {"success": st.success, "warning": st.warning, "error": st.error}[notice.level]
        box(widgets.plain(notice.text), icon=ICONS[notice.level])


shared = services()
system = shared.system
st.title("System")

st.subheader("Mobile Identity connectivity")
st.caption(view.CONNECTIVITY_HELP)
if st.button("Check connectivity", type="primary", icon=":material/network_check:"):
    with st.spinner("Asking for a token…"):
        st.session_state["connectivity"] = system.check_connectivity()
if "connectivity" in st.session_state:
    show(view.connectivity(st.session_state["connectivity"]))

st.subheader("Identity store (SCIM)")
st.caption(view.IDENTITY_STORE_HELP)
checked = st.session_state.get("identity-store")
if system.scim_url is not None and st.button("Check identity store", icon=":material/group:"):
    with st.spinner("Asking the identity store…"):
        st.session_state["identity-store"] = checked = system.check_identity_store()
show(view.identity_store(system.settings.scim.version, system.scim_url, checked))

st.subheader("Status poller")
show(view.poller(system.poller_health()))

st.subheader("Request budget")
with widgets.reported():
    show(view.budget(system.budget_status()))

st.subheader("Database")
with widgets.reported():
    show(view.database(system.database()))

if system.demo_mode:
    with widgets.reported():
        filler = shared.demo_history()
        demo_widgets.demo_history(filler.holds_history(), filler.fill)

st.subheader("Configuration in effect")
st.caption(view.configuration_caption(system.demo_mode))
st.dataframe(
    view.setting_rows(system.settings_by_name(), system.demo_mode), hide_index=True, width="stretch"
)
