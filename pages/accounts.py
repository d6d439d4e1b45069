"""Accounts: create an account from a username, find accounts, go on to enrol a device."""

import streamlit as st

from dashboard import ui
from dashboard.views.looks import look

uc = ui.use_cases()
st.title("Accounts")

submitted = False
if ui.may(ui.Permission.CREATE_ACCOUNT):
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
    with ui.reported():
        actor = ui.require(ui.Permission.CREATE_ACCOUNT)
        created = uc.accounts.create(username or "", actor=actor)
        st.session_state["created_account"] = str(created.id)

created_id = st.session_state.get("created_account")
if created_id:
    with ui.reported():
        account = uc.accounts.get(created_id)
        with st.container(border=True):
            st.success("Account created.", icon=":material/check_circle:")
            st.text(f"Username: {account.username}")
            st.caption("Account UUID: the reference the Mobile Identity service uses")
            st.code(str(account.id), language=None)
            if ui.may(ui.Permission.ISSUE) and st.button(
                "Issue its QR code", type="primary", icon=":material/qr_code_2:"
            ):
                st.session_state.pop("created_account", None)
                st.switch_page(ui.page("enrol"), query_params={"account": str(account.id)})

st.subheader("Find an account")
search = st.text_input("Search accounts", placeholder="part of a username", key="account-search")
with ui.reported():
    accounts = uc.accounts.search(search or "", limit=200)
    if not accounts:
        st.caption(
            "No accounts match." if search else "No accounts yet: create the first one above."
        )
    else:
        st.dataframe(
            [
                {
                    "Username": a.username,
                    "UUID": str(a.id),
                    "Created": a.created_at,
                    "Created by": a.created_by,
                    "Enrolment": look(a.latest_status).label if a.latest_status else "Not enrolled",
                    "Enrol": f"enrol?account={a.id}",
                }
                for a in accounts
            ],
            hide_index=True,
            column_config={
                "Created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                "Enrol": st.column_config.LinkColumn(display_text="Enrol device"),
            },
        )
        st.caption(f"{len(accounts)} account(s) shown, in name order.")
