"""A live enrolment panel: tell the poller someone is looking, and re-render on change.

The panel is a fragment on a short timer (``REFRESH``). Each run renders the enrolment as the
database has it, records this tab's interest (``Watching.watch``: the poller then polls the
enrolment first, at its own rate) and then, on a timer's rerun, waits up to ``WAIT`` seconds
for the enrolment to change before it returns. The next run is already queued by the timer, so
a change reaches the screen within milliseconds of the poller's write, not up to a whole
refresh later; an unchanged panel still re-renders every ``WAIT`` seconds (its countdown), as
the old fixed 0.5 s timer did. A full run of the page never waits.
"""

from __future__ import annotations

from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import ACTIVE
from dashboard.ui.services import services

#: The fragment's timer, in seconds: shorter than WAIT, so a rerun is always queued.
REFRESH = 0.25
#: The longest one run waits for a change, in seconds.
WAIT = 0.5


def hold(shown: EnrolmentView) -> None:
    """Record that this tab watches ``shown``; on a fragment's timed rerun, wait (at most
    ``WAIT``) until the enrolment differs from it. Call it after rendering ``shown``."""
    watching = services().watching
    if shown.status in ACTIVE:
        watching.watch(shown.id)
    context = get_script_run_ctx()
    if context is not None and context.fragment_ids_this_run:
        watching.wait_for_change(shown.id, shown, WAIT)
