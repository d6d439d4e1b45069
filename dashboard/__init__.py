"""The enrolment console: use-cases, API client and Streamlit glue."""
