"""The System page's demo-history section: the button, its confirmation and what it filled."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.domain.demo_records import DemoFilled
from dashboard.domain.roles import Permission
from dashboard.errors import ConsoleError
from dashboard.ui import widgets
from dashboard.ui.signin import require

ASKED = "demo-history-asked"
DONE = "demo-history-done"
HELP = (
    "Fills this empty demo console with 60 days of made-up history: about 300 enrolments of "
    "some 270 people in three campaigns and walk-ins, by three operators, with invitations, "
    "reminders and their mails, and five QR codes pending now (issued through the simulator)."
)


def _forget() -> None:
    st.session_state.pop(ASKED, None)


@st.dialog("Fill a demo history?", on_dismiss=_forget)
def _confirm(fill: Callable[[], DemoFilled]) -> None:
    st.write(HELP)
    st.caption("Only into an empty database; to start over, use a new DATABASE_URL.")
    yes, back = st.columns(2)
    if yes.button("Yes, fill it", type="primary", icon=":material/history:"):
        try:
            require(Permission.SYSTEM)  # the role again, at the moment of acting
            with st.spinner("Filling…"):
                st.session_state[DONE] = fill().sentence()
        except ConsoleError as exc:
            st.session_state[DONE] = exc
        _forget()
        st.rerun()
    if back.button("Back"):
        _forget()
        st.rerun()


def demo_history(held: str | None, fill: Callable[[], DemoFilled]) -> None:
    """The section: the button (disabled when the database ``held`` something, saying what),
    the confirmation once pressed, and what the last fill did."""
    st.subheader("Demo history")
    st.caption(HELP)
    done = st.session_state.get(DONE)
    if isinstance(done, str):
        st.success(widgets.plain(done), icon=":material/check_circle:")
    elif isinstance(done, ConsoleError):
        st.error(widgets.plain(str(done)), icon=":material/error:")
    elif held is not None:
        st.caption(held)
    if st.button("Fill a demo history", icon=":material/history:", disabled=held is not None):
        st.session_state[ASKED] = True
    if st.session_state.get(ASKED):
        _confirm(fill)
