"""Outbox: the invitation mails, waiting, sent or failed; failed ones retried by an operator;
in demo mode also what the built-in mail catcher received, link clickable."""

import streamlit as st

from dashboard.ui import outbox_widgets as part
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.ui.signin import may, require
from dashboard.views import outbox as view

uc = services()
st.title("Outbox")
st.caption(view.INTRO)
may_retry = may(view.RETRY_PERMISSION)


@st.fragment(run_every=view.REFRESH)
def outbox() -> None:
    """The mails, refreshed while the mailer sends them in the background."""
    with widgets.reported():
        part.done()
        summary = uc.outbox.summary()
        warning = view.problem(summary)
        if warning is not None:
            widgets.notice(warning)
        widgets.metrics(view.metrics(summary))
        mailer = uc.mailer.health()
        st.caption(view.mailer_line(mailer.running, mailer.interval, mailer.last_cycle_at,
                                    mailer.last_error))  # fmt: skip
        mails = uc.outbox.list()
        part.table(view.rows(mails))
        failures = view.failed(mails)
        if failures and not may_retry:
            st.caption(view.VIEW_ONLY)
        for shown in failures:
            if part.failed(shown, may_retry=may_retry):
                uc.outbox.retry(shown.mail_id, actor=require(view.RETRY_PERMISSION))
                part.done(view.retried(shown.mail_id))
                st.rerun()
        if uc.outbox.catching:
            part.caught(view.caught(uc.outbox.caught()), view.CAUGHT_INTRO)


outbox()
