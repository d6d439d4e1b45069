"""Invitations by e-mail on the operator's pages: one account's invitation with its address and
a "Send invitation" button (Accounts, Enrol device), a whole campaign's (Bulk onboarding), what
an invite did, and the note that mails wait for a mail server.

Viewers see the state; the buttons need ``Permission.INVITE`` (and editing an address
``CREATE_ACCOUNT``), checked again at the moment of acting.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import streamlit as st

from dashboard.domain.invitation_records import InviteReport
from dashboard.domain.records import AccountView
from dashboard.domain.roles import Permission
from dashboard.errors import ConsoleError
from dashboard.ui import widgets
from dashboard.ui.services import services
from dashboard.ui.signin import may, require
from dashboard.views import invitations as view

#: What the last invite or address change did, as (where, kind, sentence, skipped rows).
DONE = "invitation-done"
#: Seconds between re-reads of an invitation's progress on the page.
LIVE_EVERY = 2.0


def mail_waits() -> None:
    """Say that mails wait for ``SMTP_HOST``, when no mail server is configured on a tenant."""
    uc = services()
    note = view.mail_note(uc.settings.smtp.host, uc.demo_mode)
    if note:
        st.info(note, icon=":material/outbox:")


def language(key: str) -> str:
    """The mail's language, the configured default first."""
    choices = view.languages()
    default = services().settings.invite.language
    picked = st.segmented_control(
        "Language",
        list(choices),
        default=default,
        format_func=choices.__getitem__,
        key=key,
        help=view.LANGUAGE_HELP,
    )
    return picked or default


def account_panel(account: AccountView, where: str, *, history: bool = True) -> None:
    """The account's invitation and (with ``history``) its timeline, its address (editable by
    an operator) and the send button."""
    uc = services()
    _progress(account.id, history)
    if may(Permission.CREATE_ACCOUNT):
        with st.form(f"{where}-address-{account.id}", border=False):
            typed = st.text_input(
                "E-mail address", value=account.email or "", placeholder="e.g. jane@example.com"
            )
            if st.form_submit_button("Save address", icon=":material/save:"):

                def save() -> tuple[str, str, list[dict[str, str]]]:
                    actor = require(Permission.CREATE_ACCOUNT)
                    return _saved(uc.invitations.set_address(account.id, typed, actor=actor))

                _act(where, save)
    else:
        st.text(f"E-mail: {account.email or 'none'}")
    shown_done(where)
    if not may(Permission.INVITE):
        st.caption(view.VIEW_ONLY)
        return
    lang = language(f"{where}-language-{account.id}")
    if st.button(
        view.SEND_LABEL,
        icon=":material/forward_to_inbox:",
        type="primary",
        disabled=not account.email,
        help=view.SEND_HELP,
        key=f"{where}-send-{account.id}",
    ):

        def send() -> tuple[str, str, list[dict[str, str]]]:
            actor = require(Permission.INVITE)
            return _reported(uc.invitations.invite([account.id], actor=actor, language=lang))

        _act(where, send)
    if not account.email:
        st.caption("Add an e-mail address to send an invitation.")
    mail_waits()


def _progress(account_id: UUID, history: bool) -> None:
    """The account's invitation and timeline: re-read every ``LIVE_EVERY`` seconds while the
    invitation is live, so the operator sees sent, opened, QR issued, scanned, enrolled by
    itself; shown once (no timer) otherwise."""
    with widgets.reported():
        current = services().invitations.current(account_id)
        if current is not None and current.live:
            _live_progress(account_id, history)
        else:
            _shown(account_id, history)


@st.fragment(run_every=LIVE_EVERY)
def _live_progress(account_id: UUID, history: bool) -> None:
    with widgets.reported():
        if not _shown(account_id, history):
            st.rerun()  # it ended: the whole page once more, without the timer


def _shown(account_id: UUID, history: bool) -> bool:
    """Render the invitation line and timeline; whether the invitation is live."""
    uc = services()
    current = uc.invitations.current(account_id)
    st.caption(widgets.plain(view.current(current)))
    steps = uc.invitations.timeline(account_id=account_id) if history else []
    if steps:
        st.caption(f"Its timeline · {len(steps)} steps")
        st.table(view.timeline_table(steps))
    return current is not None and current.live


def accounts_section(accounts: list[AccountView]) -> None:
    """The Accounts page's section: pick one of the accounts listed, see its invitation, edit
    its address, send it an invitation."""
    if not accounts:
        return
    st.subheader("Invite by e-mail")
    # By id and name, which an edit leaves alone, so the choice survives the rerun after it.
    by_id = {str(a.id): a for a in accounts}
    names = {ident: a.username for ident, a in by_id.items()}
    picked = st.selectbox("Account", list(by_id), index=None, format_func=names.__getitem__,
                          placeholder="Choose an account", key="invite-account")  # fmt: skip
    if picked is not None and picked in by_id:
        account_panel(by_id[picked], "accounts")


def enrol_section(account: AccountView) -> None:
    """The Enrol page's way to reach the person by e-mail instead of the screen."""
    with st.expander("Invite by e-mail instead", icon=":material/forward_to_inbox:"):
        account_panel(account, "enrol", history=False)  # expanders do not nest


def campaign_panel(campaign_id: int, name: str) -> None:
    """Invite every member of the campaign who has an address."""
    where = f"campaign-{campaign_id}"
    if not may(Permission.INVITE):
        return
    st.caption(widgets.plain(f"Invite everyone in {name} who has an e-mail address by e-mail."))
    lang = language(f"{where}-language")
    if st.button(
        "Send invitations to the campaign",
        icon=":material/forward_to_inbox:",
        help=view.SEND_HELP,
        key=f"{where}-send",
    ):

        def send() -> tuple[str, str, list[dict[str, str]]]:
            actor = require(Permission.INVITE)
            invitations = services().invitations
            return _reported(invitations.invite_campaign(campaign_id, actor=actor, language=lang))

        _act(where, send)
    shown_done(where)
    mail_waits()


def shown_done(where: str) -> None:
    """What the last action of ``where`` did (kept until the next one)."""
    kept = st.session_state.get(DONE)
    if kept is None or kept[0] != where:
        return
    _, kind, text, skipped = kept
    getattr(st, kind)(widgets.plain(text))
    if skipped:
        with st.expander(f"Skipped ({len(skipped)})"):
            st.dataframe(skipped, hide_index=True)


def _act(where: str, work: Callable[[], tuple[str, str, list[dict[str, str]]]]) -> None:
    try:
        kind, text, skipped = work()
    except ConsoleError as exc:
        kind, text, skipped = "error", str(exc), []
    st.session_state[DONE] = (where, kind, text, skipped)
    st.rerun()


def _reported(report: InviteReport) -> tuple[str, str, list[dict[str, str]]]:
    kind, text = view.report(report)
    return kind, text, view.skipped_rows(report)


def _saved(address: str | None) -> tuple[str, str, list[dict[str, str]]]:
    return "success", view.saved(address), []
