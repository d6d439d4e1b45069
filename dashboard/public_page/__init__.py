"""The public enrolment page: the one page an invitation's link opens, served beside the console.

A small Starlette app (``app.create_app``) run by uvicorn on a daemon thread (``server.start``),
or alone with ``python -m dashboard.public_page``. It has its own few routes and nothing else of the
console: ``GET /i/<token>`` (the person's name, the QR code, its live status), its image
``/i/<token>/qr.png``, its status ``/i/<token>/status`` (JSON for the page's script, served as
a static file so a strict Content-Security-Policy holds) and ``/healthz``. Every other address
and every link that is not live gets one neutral page. It imports the use-cases, the domain,
the errors and the settings, never Streamlit, SQLAlchemy or an HTTP client.
"""
