"""Accounts: create one on the tenant, find and link tenant users, find accounts, go on to enrol."""

import streamlit as st

from dashboard.domain.roles import Permission
from dashboard.errors import IdentityStoreConflict
from dashboard.ui import accounts_widgets as part
from dashboard.ui import devices_widgets, widgets
from dashboard.ui import invitation_widgets as invites
from dashboard.ui.pages import page
from dashboard.ui.services import services
from dashboard.ui.signin import may, require
from dashboard.views import accounts as view

uc = services()
st.title("Accounts")
CREATE = Permission.CREATE_ACCOUNT
tenant, operator = uc.accounts.on_tenant, may(CREATE)
marked = tenant and not uc.demo_mode  # on a real tenant, older accounts are not known there

if operator:
    typed = part.create_form(tenant)
    if typed is not None:
        st.session_state.pop(part.OFFER, None)
        with widgets.reported():
            try:
                made = uc.accounts.create(typed[0], actor=require(CREATE), display_name=typed[1],
                                          email=typed[2])  # fmt: skip
                st.session_state["created_account"] = (str(made.id), False)
            except IdentityStoreConflict as exc:
                part.keep_offer(typed[0], exc.existing)
else:
    st.caption("Your role can look up accounts; creating them needs the operator role.")


def link(tenant_id: str | None) -> None:
    """Link the tenant's user ``tenant_id`` (if a button asked for it) and show it below."""
    if tenant_id is not None:
        with widgets.reported():
            linked = uc.accounts.link(tenant_id, actor=require(CREATE))
            st.session_state["created_account"] = (str(linked.id), True)
            st.rerun()  # the matches above were drawn before the link


link(part.offered(operator))
if tenant:
    asked = part.tenant_search() or st.session_state.get("tenant-asked")
    if asked is not None:
        st.session_state["tenant-asked"] = asked
        with widgets.reported():
            found = uc.accounts.find_on_tenant(asked[0], exact=asked[1])
            link(part.tenant_matches(found, asked[1], operator))

created = st.session_state.get("created_account")
if created:
    with widgets.reported():
        account = uc.accounts.get(created[0])
        with st.container(border=True):
            st.success(view.created(account, created[1]), icon=":material/check_circle:")
            st.text(f"Username: {account.username}")
            st.caption(view.reference_caption(account))
            st.code(account.reference, language=None)
            if may(Permission.ISSUE) and st.button(
                "Issue its QR code", type="primary", icon=":material/qr_code_2:"
            ):
                st.session_state.pop("created_account", None)
                st.switch_page(page("enrol"), query_params={"account": str(account.id)})

st.subheader("Find an account")
search = st.text_input("Search accounts", placeholder="part of a username", key="account-search")
with widgets.reported():
    accounts = uc.accounts.search(search or "", limit=200)
    missing = part.unknown_accounts(view.unknown(accounts, marked), operator)
    if missing is not None:
        made = uc.accounts.create_on_tenant(missing.id, actor=require(CREATE))
        st.session_state["created_account"] = (str(made.id), False)
        st.rerun()
    part.accounts_table(accounts, search, marked)
    invites.accounts_section(accounts)  # only once the accounts could be read
    devices_widgets.accounts_section(accounts)
