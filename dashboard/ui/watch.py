"""A live enrolment panel: tell the poller someone is looking, and re-render on change.

The panel is a fragment on a timer (``REFRESH``). Each run renders the enrolment as the
database has it, records this tab's interest (``Watching.watch``: the poller then polls the
enrolment first, at its own rate) and then, on a timer's rerun, waits up to ``WAIT`` seconds
for this process's poller to change the enrolment; on a change it reruns the fragment at once,
so the change reaches the screen milliseconds after the poller's write instead of up to a
whole refresh later (the second of the two timers in series is gone). An unchanged panel still
re-renders about twice a second (its countdown), as the old fixed 0.5 s timer did; a change
written by another process's poller shows at that refresh. A full run of the page never waits.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import ACTIVE
from dashboard.ui.services import services

#: The fragment's timer, in seconds: a little shorter than WAIT, so the next run is queued.
REFRESH = 0.4
#: The longest one run waits for a change, in seconds.
WAIT = 0.5


def hold(shown: EnrolmentView) -> None:
    """Record that this tab watches ``shown``; on a fragment's timed rerun, wait (at most
    ``WAIT``) until the enrolment differs from it. Call it after rendering ``shown``."""
    watching = services().watching
    context = get_script_run_ctx()
    timed = context is not None and bool(context.fragment_ids_this_run)
    seen_active = f"watch-active-{shown.id}"
    if shown.status not in ACTIVE:
        # A finished enrolment never changes: waiting would only hold the session's script
        # thread. When it ended on screen, the whole page runs once more, so what comes after
        # the end (the devices panel) appears without a timer of its own.
        if st.session_state.pop(seen_active, False) and timed:
            st.session_state["watch"] = shown.id  # the page goes on showing how it ended
            st.rerun()
        return
    st.session_state[seen_active] = True
    watching.watch(shown.id)
    if timed and watching.wait_for_change(shown.id, shown, WAIT):
        st.rerun(scope="fragment")
