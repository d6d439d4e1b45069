"""Accounts: create an account from a username, find accounts, go on to enrol a device."""

import streamlit as st

from dashboard.domain.roles import Permission
from dashboard.ui import widgets
from dashboard.ui.pages import page
from dashboard.ui.services import services
from dashboard.ui.signin import may, require
from dashboard.views import accounts as view

uc = services()
st.title("Accounts")

submitted = False
if may(Permission.CREATE_ACCOUNT):
    with st.form("create-account", clear_on_submit=True, border=True):
        st.subheader("New account")
        username = st.text_input(
            "Username",
            max_chars=None,
            placeholder="e.g. jane.doe@example.com",
            help="3 to 64 characters: letters, digits and . _ - @. Case does not make a new name.",
        )
        submitted = st.form_submit_button("Create account", type="primary", icon=":material/add:")
else:
    st.caption("Your role can look up accounts; creating them needs the operator role.")

if submitted:
    with widgets.reported():
        created = uc.accounts.create(username or "", actor=require(Permission.CREATE_ACCOUNT))
        st.session_state["created_account"] = str(created.id)

created_id = st.session_state.get("created_account")
if created_id:
    with widgets.reported():
        account = uc.accounts.get(created_id)
        with st.container(border=True):
            st.success("Account created.", icon=":material/check_circle:")
            st.text(f"Username: {account.username}")
            st.caption("Account UUID: the reference the Mobile Identity service uses")
            st.code(str(account.id), language=None)
            if may(Permission.ISSUE) and st.button(
                "Issue its QR code", type="primary", icon=":material/qr_code_2:"
            ):
                st.session_state.pop("created_account", None)
                st.switch_page(page("enrol"), query_params={"account": str(account.id)})

st.subheader("Find an account")
search = st.text_input("Search accounts", placeholder="part of a username", key="account-search")
with widgets.reported():
    accounts = uc.accounts.search(search or "", limit=200)
    if not accounts:
        st.caption(view.empty(search))
    else:
        st.dataframe(
            view.rows(accounts),
            hide_index=True,
            column_config={
                "Created": widgets.MINUTES,
                "Enrol": st.column_config.LinkColumn(display_text="Enrol device"),
            },
        )
        st.caption(f"{len(accounts)} account(s) shown, in name order.")
