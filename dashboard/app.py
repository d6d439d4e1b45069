"""Streamlit entrypoint: page config, navigation over pages/ (guarded), the mode line, run."""

import streamlit as st

from dashboard.ui import banners, pages

st.set_page_config(page_title="Enrolment console", page_icon=":material/qr_code_2:", layout="wide")
page = pages.navigation()
banners.mode_line()
page.run()
