"""Streamlit glue: the page table with its guard (``pages``), sign-in (``signin``), the cached
services (``services``), shared widgets (``widgets``) and the mode line (``banners``)."""
