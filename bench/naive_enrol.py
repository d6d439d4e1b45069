"""The naive Enrol page, for comparison only: each tab asks the API for the status itself.

``streamlit run bench/naive_enrol.py`` with ``OMI_BASE_URL``, ``OMI_CLIENT_ID`` and
``OMI_CLIENT_SECRET`` set, opened at ``/?user=<user id>``. A fragment calls the client's
``status`` every second, in every open tab. The console never does this (its pages read the
database and one poller asks the API); the benchmarks measure both side by side.
"""

from __future__ import annotations

import uuid

import streamlit as st

from dashboard.domain.statuses import Status, remote_target
from dashboard.omi.client import OmiClient
from dashboard.settings import load_settings
from dashboard.views.looks import look

REFRESH_SECONDS = 1.0


@st.cache_resource
def client() -> OmiClient:
    """One client (so one token) per process, as a careful naive page would share it."""
    settings = load_settings()
    if settings.omi is None:
        raise RuntimeError("set OMI_BASE_URL, OMI_CLIENT_ID and OMI_CLIENT_SECRET")
    return OmiClient(settings.omi)


@st.fragment(run_every=REFRESH_SECONDS)
def live(user: str) -> None:
    """Ask the API, show the sentence the console would show."""
    remote = client().status(user)
    status = remote_target(remote.value, remote.outcome) or Status.PENDING
    st.markdown(f"#### {look(status).sentence}")


st.title("Enrol device (naive)")
live(str(uuid.UUID(st.query_params["user"])))
