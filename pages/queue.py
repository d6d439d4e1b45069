"""Pending queue: everything unfinished, by age; re-issue, cancel, send or revoke invitations to
many at once, confirmed."""

import streamlit as st

from dashboard.ui import invitation_widgets as invites
from dashboard.ui import queue_widgets as part
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.ui.signin import may, require
from dashboard.views import queue as view
from dashboard.views.enrolments_page import campaign_choices

uc = services()
st.title("Pending queue")
st.caption(view.INTRO)
actions = view.permitted(may)

with widgets.reported():
    campaigns = {c.id: c.name for c in uc.onboarding.campaigns.all()}
    where = part.filters(view.operator_choices(uc.queue.operators()), campaign_choices(campaigns))
    snapshot = uc.queue.snapshot(where)
    st.caption(view.summary(snapshot))
    invites.mail_waits()
    part.last_done()
    chosen = part.groups(snapshot, campaigns, selectable=bool(actions))
    if actions:
        part.action_buttons(actions, chosen)
    else:
        st.caption(view.VIEW_ONLY)
    pending = part.asked()
    if pending is not None:
        shown, ids = pending
        part.confirm(
            shown,
            view.named(ids, snapshot),
            len(ids),
            lambda: uc.queue.act(shown.action, ids, actor=require(shown.permission)),
        )
