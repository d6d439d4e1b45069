"""Database URLs as they may be shown to people: the password, and any secret-looking query
parameter, masked by SQLAlchemy's own URL rendering."""

from __future__ import annotations

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
_SECRET_WORDS = ("password", "passwd", "secret", "token", "key", "sslpassword")


def display_url(url: str) -> str:
    """``url`` with its password and secret query values masked; a URL SQLAlchemy cannot
    parse is not shown at all (it might hold a secret in an unexpected place)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(not a valid database URL)"
    hidden = {
        name: MASK for name in parsed.query if any(word in name.lower() for word in _SECRET_WORDS)
    }
    if hidden:
        parsed = parsed.update_query_dict(hidden)
    return parsed.render_as_string(hide_password=True)


def backend_name(url: str) -> str:
    """The database backend (``sqlite``, ``postgresql``...) named by ``url``."""
    try:
        return make_url(url).get_backend_name()
    except (ArgumentError, ValueError):
        return "unknown"
