"""Serving the public page beside the console: uvicorn on a daemon thread (``start``), the way
the embedded simulator runs, on its own socket so ``port=0`` picks a free port.

uvicorn's access log is off by default; switched on, a filter rewrites every ``/i/<token>``
in it to ``/i/…`` first, so a link's token never reaches a log line.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from dashboard.public_page.app import create_app
from dashboard.settings import Settings
from dashboard.usecases.invitation_links import InvitationLinks

log = logging.getLogger(__name__)
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
_LINK = re.compile(r"/i/[^/?#\s]*")
REDACTED = "/i/…"


class RedactLinks(logging.Filter):
    """Replaces link tokens in a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _LINK.sub(REDACTED, record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        return True


def _redacted(value: Any) -> Any:
    return _LINK.sub(REDACTED, value) if isinstance(value, str) else value


def redact_access_log() -> None:
    """Put ``RedactLinks`` on uvicorn's access and error loggers (once)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinks) for f in logger.filters):
            logger.addFilter(RedactLinks())


@dataclass(frozen=True)
class RunningPublicPage:
    """A started public page: where it listens."""

    base_url: str
    server: uvicorn.Server = field(repr=False, compare=False)
    thread: threading.Thread = field(repr=False, compare=False)

    def stop(self) -> None:
        """Shut the server down and wait for its thread (idempotent)."""
        self.server.should_exit = True
        if self.thread is not threading.current_thread():
            self.thread.join(STOP_TIMEOUT)
            if self.thread.is_alive():
                log.warning("the public page on %s did not stop in time", self.base_url)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port); ``OSError`` if taken."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def start(app: ASGIApp, host: str, port: int, *, access_log: bool = False) -> RunningPublicPage:
    """Serve ``app`` on ``host``:``port`` from a daemon thread; returns once it accepts
    connections. ``OSError`` when the port is taken."""
    redact_access_log()
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=access_log,
        server_header=False,
        ws="none",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="public-page", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise OSError(f"the public page did not start on {host}:{bound}")
        time.sleep(0.005)
    url = f"http://{_connect_host(host)}:{bound}"
    log.info("public enrolment page listening on %s", url)
    return RunningPublicPage(base_url=url, server=server, thread=thread)


def serve_public_page(settings: Settings, links: InvitationLinks) -> RunningPublicPage | None:
    """Start the public page over ``links`` on ``PUBLIC_HOST``:``PUBLIC_PORT`` (0: a free
    port). A port already taken (another console process on this host serves the page) leaves
    the page to that process, with a warning, rather than stopping the console."""
    public = settings.public
    app = create_app(links, attempts_per_minute=settings.invite.attempts_per_minute)
    try:
        return start(app, public.host, public.port)
    except OSError as exc:
        log.warning(
            "the public enrolment page is not served by this process (PUBLIC_PORT %s: %s)",
            public.port,
            exc.strerror or type(exc).__name__,
        )
        return None


def _connect_host(host: str) -> str:
    """The address a local client reaches a server bound to ``host`` at."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - recognising the wildcard, not binding to it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
