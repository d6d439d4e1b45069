"""The Pending queue page's parts: the filters, one selectable table per age group, the action
buttons, the confirmation dialog and what the last action did."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from dashboard.domain.queue import ActionResult, QueueAction, QueueFilter, QueueSnapshot
from dashboard.errors import ConsoleError
from dashboard.ui import widgets
from dashboard.views import queue as view

#: The action asked for and not yet confirmed, as (action, item keys).
ASKED = "queue-asked"
#: What the last confirmed action did: (action, results) or (action, error sentence).
DONE = "queue-done"
#: Bumped after every action, so the tables start with nothing selected again.
ROUND = "queue-round"


def filters(operators: Mapping[str, str], campaigns: Mapping[int | None, str]) -> QueueFilter:
    """The operator and campaign filters, side by side."""
    left, right = st.columns(2)
    issued_by = left.selectbox(
        "Issued by", list(operators), format_func=operators.__getitem__, key="queue-operator"
    )
    campaign_id = right.selectbox(
        "Campaign", list(campaigns), format_func=campaigns.__getitem__, key="queue-campaign"
    )
    return view.query(issued_by, campaign_id)


def groups(snapshot: QueueSnapshot, campaigns: Mapping[int, str], selectable: bool) -> list[str]:
    """Each age group under its heading, as a table (rows selectable for an operator); the
    keys of the items selected in any of them."""
    chosen: list[str] = []
    for group in snapshot.groups:
        st.subheader(view.group_title(group))
        if not group.items:
            st.caption("None.")
            continue
        table = view.rows(group.items, snapshot.at, campaigns)
        columns = {
            "#": st.column_config.NumberColumn(format="%d", width="small"),
            **dict.fromkeys(("Issued", "Expires"), widgets.MINUTES),
        }
        if selectable:
            key = f"queue-{group.group.name}-{st.session_state.get(ROUND, 0)}"
            shown = st.dataframe(table, hide_index=True, key=key, on_select="rerun",
                                 selection_mode="multi-row", column_config=columns)  # fmt: skip
            chosen.extend(view.picked(group, list(shown.selection.rows)))
        else:
            st.dataframe(table, hide_index=True, column_config=columns)
        note = view.capped_caption(group)
        if note:
            st.caption(note)
    return chosen


def action_buttons(actions: Sequence[view.ActionLook], chosen: list[str]) -> None:
    """A button per action, usable once something is selected; a click asks to confirm."""
    st.caption(f"{len(chosen)} selected.")
    for place, shown in zip(st.columns(len(actions)), actions, strict=True):
        if place.button(shown.label, icon=shown.icon, type=shown.kind, disabled=not chosen):
            st.session_state[ASKED] = (shown.action, list(chosen))


def asked() -> tuple[view.ActionLook, list[str]] | None:
    """The action waiting for its confirmation, if any."""
    kept = st.session_state.get(ASKED)
    return None if kept is None else (view.action_look(kept[0]), kept[1])


def _forget() -> None:
    st.session_state.pop(ASKED, None)


@st.dialog("Confirm", on_dismiss=_forget)
def confirm(
    shown: view.ActionLook,
    names: list[str],
    count: int,
    run: Callable[[], list[ActionResult]],
) -> None:
    """Ask before acting on ``count`` items; on yes, ``run`` the action and keep its results."""
    st.write(view.question(shown, count))
    st.text("\n".join(names))  # plain text: names show exactly as they are
    yes, back = st.columns(2)
    if yes.button(f"Yes, {shown.label.lower()}", type="primary", icon=shown.icon):
        try:
            st.session_state[DONE] = (shown.action, run())
        except ConsoleError as exc:
            st.session_state[DONE] = (shown.action, str(exc))
        st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
        _forget()
        st.rerun()
    if back.button("Back"):
        _forget()
        st.rerun()


def last_done() -> None:
    """What the last confirmed action did, item by item (kept until the next one)."""
    kept: tuple[QueueAction, list[ActionResult] | str] | None = st.session_state.get(DONE)
    if kept is None:
        return
    action, outcome = kept
    label = view.action_look(action).label
    if isinstance(outcome, str):
        st.error(widgets.plain(f"{label}: {outcome}"), icon=":material/error:")
        return
    kind, text = view.tally(outcome)
    getattr(st, kind)(f"{label}: {text}")
    with st.expander("Item by item"):
        st.dataframe(view.result_rows(outcome), hide_index=True)
