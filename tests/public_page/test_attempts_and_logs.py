"""Link attempts are limited per client address (429 with Retry-After and the neutral wording);
a link's token never reaches a log line; the page runs beside the console from its services."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from dashboard.domain.invitations import new_token
from dashboard.public_page.app import create_app
from dashboard.public_page.limits import Attempts
from dashboard.public_page.server import REDACTED, RedactLinks, start
from dashboard.services import build_services
from dashboard.settings import load_settings
from tests.public_page.conftest import PublicPage, serve
from tests.support.console import Console

LIMIT = 3


@pytest.fixture
def strict(public_console: Console) -> Iterator[PublicPage]:
    """The public page allowing ``LIMIT`` attempts a minute."""
    links, running = serve(public_console, attempts=LIMIT)
    with httpx2.Client(base_url=running.base_url, trust_env=False, timeout=30.0) as http:
        yield PublicPage(public_console, links, running, http)
    running.stop()


def from_address(address: str) -> dict[str, str]:
    # uvicorn trusts X-Forwarded-For from loopback (a proxy in front): one client per address.
    return {"X-Forwarded-For": address}


def test_attempts_are_limited_per_address(strict: PublicPage) -> None:
    live = strict.invite()[1]
    one, other = from_address("203.0.113.7"), from_address("198.51.100.9")
    neutral = strict.http.get(f"/i/{new_token()}", headers=one)
    for _ in range(LIMIT - 1):
        assert strict.http.get(f"/i/{new_token()}", headers=one).text == neutral.text
    refused = strict.http.get(f"/i/{live}", headers=one)  # blocked, even a live link
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Too many attempts" in refused.text
    assert "Te veel pogingen" in refused.text
    assert strict.http.get(f"/i/{live}/status", headers=one).status_code == 429
    assert strict.http.get(f"/i/{live}", headers=other).status_code == 200
    for _ in range(LIMIT * 3):  # an open page's polls and image do not count
        assert strict.http.get(f"/i/{live}/status", headers=other).status_code == 200
    assert strict.http.get(f"/i/{live}/qr.png", headers=other).status_code == 200


def test_the_window_slides() -> None:
    now = [100.0]
    attempts = Attempts(2, clock=lambda: now[0])
    assert attempts.take("a") is None
    now[0] += 30
    assert attempts.take("a") is None
    assert attempts.take("a") == 30
    assert attempts.blocked("a") == 30
    assert attempts.take("b") is None
    now[0] += 30.5
    assert attempts.blocked("a") is None
    assert attempts.take("a") is None


def test_no_token_reaches_a_log_line(
    page: PublicPage, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # The access log on, as a deployment might configure it: its lines go through the filter.
    monkeypatch.setattr(logging.getLogger("uvicorn.access"), "propagate", True)
    app = create_app(page.links, attempts_per_minute=1000)
    logged = start(app, "127.0.0.1", 0, access_log=True)
    live = page.invite()[1]
    ended, gone = page.invite("ended")
    page.end(ended, "REVOKED")
    tokens = [live, gone, new_token()]
    with httpx2.Client(base_url=logged.base_url, trust_env=False, timeout=30.0) as http:
        for token in tokens:
            for suffix in ("", "/qr.png", "/status", "/x"):
                http.get(f"/i/{token}{suffix}")
    logged.stop()
    # The test's own HTTP client logs the addresses it asks for; everything else is the server's.
    server = [r for r in caplog.records if not r.name.startswith(("httpx2", "httpcore2"))]
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in server)
    assert any(r.name == "uvicorn.access" for r in server), "no access line captured"
    assert REDACTED in text
    for token in tokens:
        assert token not in text


def test_the_filter_redacts_a_link_anywhere_in_a_record() -> None:
    token = new_token()
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:5000", "GET", f"/i/{token}/qr.png?fresh=2", "1.1", 200)
    RedactLinks().filter(record)
    assert token not in record.getMessage()
    assert "/i/…/qr.png" in record.getMessage()


def test_services_serve_the_page_and_stop_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "PUBLIC_PORT": "0"}, None
    )
    services = build_services(settings)
    try:
        assert services.public_page is not None
        assert services.public_url == services.public_page.base_url
        answer = httpx2.get(f"{services.public_url}/i/{new_token()}", trust_env=False)
        assert answer.status_code == 404
        assert "This link is not valid" in answer.text
    finally:
        services.close()
    assert services.public_page.thread.is_alive() is False
    with_url = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}",
            "PUBLIC_PORT": "0",
            "PUBLIC_URL": "https://enrol.example.com/",
        },
        None,
    )
    other = build_services(with_url)
    try:
        assert other.public_url == "https://enrol.example.com"
    finally:
        other.close()
