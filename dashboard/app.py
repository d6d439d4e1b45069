"""Streamlit entrypoint: page config, navigation over pages/, run. No logic here."""

import streamlit as st

st.set_page_config(page_title="Enrolment console", page_icon=":material/qr_code_2:", layout="wide")
st.title("Enrolment console")
st.info("The console is being built: pages arrive with the next issues.")
