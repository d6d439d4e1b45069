"""The Accounts page's parts: the create form, the tenant search, its matches with a Link
button each, the offer to link a name the tenant holds, and the accounts the tenant lacks."""

from __future__ import annotations

import streamlit as st

from dashboard.domain.records import AccountView
from dashboard.domain.roles import Permission
from dashboard.domain.tenant import TenantMatch, TenantUser
from dashboard.ui import widgets
from dashboard.ui.signin import require
from dashboard.usecases.accounts import Accounts
from dashboard.views import accounts as view

#: The tenant user a refused create offered to link, as (typed username, holder or None).
OFFER = "accounts-link-offer"


def create_form(on_tenant: bool) -> tuple[str, str, str] | None:
    """(username, display name, e-mail) when the form was sent, else None."""
    with st.form("create-account", clear_on_submit=True, border=True):
        st.subheader("New account")
        if on_tenant:
            st.caption(view.CREATE_HELP)
        username = st.text_input(
            "Username",
            max_chars=None,
            placeholder="e.g. jane.doe@example.com",
            help="3 to 64 characters: letters, digits and . _ - @. Case does not make a new name.",
        )
        left, right = st.columns(2)
        shown = left.text_input("Display name (optional)", placeholder="e.g. Jane Doe")
        email = right.text_input("E-mail (optional)", placeholder="e.g. jane.doe@example.com")
        if st.form_submit_button("Create account", type="primary", icon=":material/add:"):
            return username or "", shown or "", email or ""
    return None


def keep_offer(username: str, holder: TenantUser | None) -> None:
    """Remember that the tenant holds ``username`` (shown until the next create)."""
    st.session_state[OFFER] = (username, holder)


def offered(may_link: bool) -> str | None:
    """The "exists on the tenant: link it?" box; the tenant id when Link was pressed."""
    kept = st.session_state.get(OFFER)
    if kept is None:
        return None
    username, holder = kept
    st.warning(widgets.plain(view.offer(holder, username)), icon=":material/link:")
    if holder is not None and may_link and st.button("Link it", type="primary", key="offer-link"):
        st.session_state.pop(OFFER, None)
        return str(holder.id)
    return None


def tenant_search() -> tuple[str, bool] | None:
    """(text, exact) when a search was asked for."""
    st.subheader("Find on the tenant")
    st.caption(view.FIND_HELP)
    with st.form("tenant-search", border=False):
        left, right = st.columns([3, 2])
        text = left.text_input("Username on the tenant", placeholder="e.g. jane")
        how = right.radio("Match", ["exact", "starts with"], horizontal=True)
        if st.form_submit_button("Search the tenant", icon=":material/search:"):
            return text or "", how == "exact"
    return None


def tenant_matches(matches: list[TenantMatch], exact: bool, may_link: bool) -> str | None:
    """The matches, each with a Link button unless linked; the tenant id whose Link was pressed."""
    st.caption(view.matches_caption(matches, exact))
    pressed = None
    for match in matches[: view.MAX_MATCHES]:
        line, action = st.columns([5, 1], vertical_alignment="center")
        name, rest = view.match_label(match)
        line.markdown(f"**{widgets.plain(name)}** {widgets.plain(rest)}")
        wanted = may_link and not match.in_console
        if wanted and action.button("Link", key=f"link-{match.user.id}", icon=":material/link:"):
            pressed = match.user.id
    return pressed


def find_and_link(accounts: Accounts, key: str) -> AccountView | None:
    """Search the tenant (the search kept under ``key``), list the matches, and link the one
    whose Link was pressed (nothing is created on the tenant); that account, or None."""
    asked = tenant_search() or st.session_state.get(key)
    if asked is None:
        return None
    st.session_state[key] = asked
    with widgets.reported():
        found = accounts.find_on_tenant(asked[0], exact=asked[1])
        picked = tenant_matches(found, asked[1], may_link=True)
        if picked is not None:
            return accounts.link(picked, actor=require(Permission.CREATE_ACCOUNT))
    return None


def unknown_accounts(accounts: list[AccountView], may_create: bool) -> AccountView | None:
    """The accounts the tenant does not know, each with Create on the tenant; the one pressed."""
    if not accounts:
        return None
    st.warning(
        f"{len(accounts)} account(s) are not on the tenant: they were made before the console "
        "used its identity store, and the tenant refuses to enrol them. Create them there, or "
        "find the person on the tenant below and link them.",
        icon=":material/person_off:",
    )
    pressed = None
    for account in accounts[: view.MAX_MATCHES]:
        line, action = st.columns([5, 1], vertical_alignment="center")
        line.text(f"{account.username}  ·  {account.id}")
        if may_create and action.button("Create on the tenant", key=f"create-{account.id}"):
            pressed = account
    return pressed


def accounts_table(accounts: list[AccountView], search: str, marked: bool) -> None:
    """The accounts found, in name order, each with a link to enrol it."""
    if not accounts:
        st.caption(view.empty(search))
        return
    st.dataframe(
        view.rows(accounts, marked),
        hide_index=True,
        column_config={
            "Created": widgets.MINUTES,
            "Enrol": st.column_config.LinkColumn(display_text="Enrol device"),
        },
    )
    st.caption(f"{len(accounts)} account(s) shown, in name order.")


def start_from_tenant(accounts: Accounts) -> None:
    """The Enrol page's way in from a tenant user: find, link, and go on with that account."""
    with st.expander("Start from a tenant user", icon=":material/group:"):
        linked = find_and_link(accounts, "enrol-tenant-asked")
        if linked is not None:
            st.query_params["account"] = str(linked.id)
            st.rerun()
