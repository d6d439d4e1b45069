"""The console's mode, in one compact line above every page: demo mode (the built-in
simulator) and local mode (no sign-in), when they apply; how to leave each is its tooltip."""

from __future__ import annotations

import streamlit as st

from dashboard.domain.roles import LOCAL_OPERATOR
from dashboard.ui.services import running
from dashboard.ui.signin import gate, sign_in_configured


def mode_line() -> None:
    """One caption naming the modes in effect; nothing against a real tenant with sign-in,
    nor on a gate page (sign in, no access, refusal)."""
    if gate() is not None:
        return
    parts, leave = [], []
    shared = running()
    if shared is not None and shared.simulator is not None:
        url = shared.simulator.base_url
        parts.append(f":material/science: **Demo mode** · built-in simulator at `{url}`")
        leave.append("Set `OMI_BASE_URL` to use a real tenant.")
    if not sign_in_configured():
        parts.append(
            f":material/no_accounts: **No sign-in** · everyone acts as `{LOCAL_OPERATOR}` (admin)"
        )
        leave.append("Configure `[auth]` in `.streamlit/secrets.toml` to require sign-in.")
    if parts:
        st.caption(" · ".join(parts), help=" ".join(leave))
