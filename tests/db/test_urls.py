"""Database URLs as shown to people: passwords and secret query values masked."""

from __future__ import annotations

import pytest

from db.urls import backend_name, display_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:////tmp/console.db", "sqlite:////tmp/console.db"),
        (
            "postgresql+psycopg://console:s3cr%40t@db.example:5432/console",
            "postgresql+psycopg://console:***@db.example:5432/console",
        ),
        ("postgresql://db.example/console", "postgresql://db.example/console"),
    ],
)
def test_passwords_are_masked(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_secret_query_values_are_masked() -> None:
    shown = display_url("postgresql://u@h/db?sslpassword=hunter22&application_name=console")
    assert "hunter22" not in shown
    assert "application_name=console" in shown


def test_an_unparseable_url_is_not_echoed() -> None:
    assert display_url("not a url: pw=hunter22") == "(not a valid database URL)"


def test_backend_names() -> None:
    assert backend_name("sqlite:///x.db") == "sqlite"
    assert backend_name("postgresql+psycopg://h/db") == "postgresql"
    assert backend_name("???") == "unknown"
