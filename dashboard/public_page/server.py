"""Serving the public page beside the console: uvicorn on a daemon thread (``start``), the way
the embedded simulator runs (``threaded_uvicorn``), so ``port=0`` picks a free port.

uvicorn's access log is off by default; switched on, a filter rewrites every ``/i/<token>``
in it to ``/i/…`` first, so a link's token never reaches a log line.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

from dashboard.public_page.app import create_app
from dashboard.settings import Settings
from dashboard.usecases.invitation_links import InvitationLinks
from threaded_uvicorn import ThreadedServer, bind, local_url, serve

log = logging.getLogger(__name__)
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
    served: ThreadedServer = field(repr=False, compare=False)

    @property
    def thread(self) -> threading.Thread:
        return self.served.thread

    def stop(self) -> None:
        """Shut the server down and wait for its thread (idempotent)."""
        self.served.stop()


def start(app: ASGIApp, host: str, port: int, *, access_log: bool = False) -> RunningPublicPage:
    """Serve ``app`` on ``host``:``port`` from a daemon thread; returns once it accepts
    connections. ``OSError`` when the port is taken."""
    redact_access_log()
    served = serve(
        app, bind(host, port), name="public page", access_log=access_log, server_header=False
    )
    url = local_url(host, served.port)
    log.info("public enrolment page listening on %s", url)
    return RunningPublicPage(base_url=url, served=served)


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
