"""System: the configuration in effect (secrets masked), connectivity, poller, database."""

from datetime import UTC, datetime

import streamlit as st

from dashboard.omi.client import Connectivity
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.views.system import database_info, setting_lines

running = services()
st.title("System")

st.subheader("Mobile Identity connectivity")
st.caption(
    "Fetches a fresh access token from the token endpoint and compares the scopes it grants "
    "with the ones the console needs."
)
if st.button("Check connectivity", type="primary", icon=":material/network_check:"):
    with st.spinner("Asking for a token…"):
        st.session_state["connectivity"] = running.omi.check()
checked = st.session_state.get("connectivity")
if isinstance(checked, Connectivity):
    token_column, scopes_column, latency_column = st.columns(3)
    token_column.metric("Token obtained", "Yes" if checked.scopes or checked.ok else "No")
    scopes_column.metric("Scopes granted", len(checked.scopes))
    latency_column.metric("Latency", f"{checked.latency_ms:.0f} ms")
    if checked.ok:
        st.success(widgets.plain(checked.message), icon=":material/check_circle:")
    else:
        st.error(widgets.plain(checked.message), icon=":material/error:")

st.subheader("Status poller")
health = running.poller.health()
state_column, interval_column, pending_column, errors_column = st.columns(4)
state_column.metric("State", "Running" if health.running else "Stopped")
interval_column.metric("Interval", f"{health.interval:g} s")
pending_column.metric("Pending enrolments", health.pending_count)
errors_column.metric("Errors in the last minute", health.recent_errors)
if health.last_cycle_at is not None:
    ago = (datetime.now(UTC) - health.last_cycle_at).total_seconds()
    took = "still polling" if health.cycle_duration is None else f"{health.cycle_duration:.2f} s"
    st.caption(
        f"{health.cycles} cycle(s) so far; the last ran {ago:.0f} s ago, polled "
        f"{health.polled_last_cycle} enrolment(s) and took {took}."
    )
else:
    st.caption("The poller has not completed a cycle yet.")
if not health.running:
    st.error(
        "The status poller is not running: statuses will not refresh.", icon=":material/error:"
    )
if health.last_error:
    when = "" if health.last_error_at is None else f" at {health.last_error_at:%H:%M:%S} UTC"
    st.warning(
        widgets.plain(f"Last poll error{when}: {health.last_error}"), icon=":material/warning:"
    )

st.subheader("Database")
with widgets.reported():
    database = database_info(running)
    st.text(f"Database: {database.url}")
    backend_column, schema_column, head_column = st.columns(3)
    backend_column.metric("Backend", database.backend)
    schema_column.metric("Schema version", database.schema_version or "none")
    head_column.metric("Newest migration", database.head_revision or "none")
    if not database.up_to_date:
        st.warning("The database schema is not at the newest migration.", icon=":material/warning:")

st.subheader("Configuration in effect")
st.caption(
    "Environment variables (or the same keys in .streamlit/secrets.toml). Secrets show only "
    "whether they are set."
    + (" In demo mode the OMI_ lines describe the embedded simulator." if running.demo_mode else "")
)
st.dataframe(
    [
        {"Setting": line.name, "Value": line.value, "Applies to": line.applies_to}
        for line in setting_lines(running)
    ],
    hide_index=True,
    width="stretch",
)
