"""The Outbox page's widgets: the table of mails, a failed mail with its retry button, and the
messages the demo mail catcher received (the link as a button, the HTML part sanitised by
``st.html``, which never runs script)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from dashboard.ui.widgets import SECONDS, plain
from dashboard.views.outbox import NOTHING, NOTHING_CAUGHT, CaughtLook, FailedLook

_DONE = "outbox-done"


def table(rows: Sequence[dict[str, Any]]) -> None:
    """The mails, newest first."""
    if not rows:
        st.caption(NOTHING)
        return
    st.dataframe(
        list(rows),
        hide_index=True,
        key="outbox-mails",
        column_config={"Queued at": SECONDS, "Next attempt": SECONDS, "Sent at": SECONDS},
    )


def failed(shown: FailedLook, *, may_retry: bool) -> bool:
    """A failed mail in an error box; True when its Retry button was pressed."""
    st.error(plain(shown.sentence), icon=":material/mail:")
    return may_retry and st.button("Retry", key=shown.key, icon=":material/redo:")


def done(sentence: str | None = None) -> None:
    """Remember ``sentence`` for the next run; without one, show (once) what was remembered."""
    if sentence is not None:
        st.session_state[_DONE] = sentence
    elif said := st.session_state.pop(_DONE, None):
        st.success(plain(str(said)), icon=":material/check:")


def caught(looks: Sequence[CaughtLook], intro: str) -> None:
    """What the mail catcher received, newest first: one expander per message."""
    st.subheader("Received by the demo mail catcher")
    st.caption(intro)
    if not looks:
        st.caption(NOTHING_CAUGHT)
    for index, look in enumerate(looks):
        with st.expander(plain(look.heading), expanded=index == 0):
            if look.link:
                st.link_button("Open the link", look.link, icon=":material/open_in_new:")
            text, rich = st.tabs(["Text", "HTML"])
            with text:
                st.text(look.text)
            with rich:
                if look.html:
                    st.html(look.html)
                else:
                    st.caption("This message has no HTML part.")
