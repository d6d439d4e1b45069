"""Streamlit entrypoint: page config, navigation over pages/, run. No logic here."""

import streamlit as st

from dashboard import ui

st.set_page_config(page_title="Enrolment console", page_icon=":material/qr_code_2:", layout="wide")
navigation = ui.navigation()
ui.banners()
navigation.run()
