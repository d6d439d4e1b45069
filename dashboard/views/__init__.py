"""Streamlit-free view-models: what each page shows, as plain data."""
