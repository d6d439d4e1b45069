"""The public page's routes (``create_app``): the link's page, its QR image and its status,
the page's script and style, a health check, and one neutral 404 for everything else.

Handlers are plain functions: Starlette runs them in its thread pool, where the use-cases'
database sessions and API calls belong. A fault in the API or the database is a sentence with a
way to retry, never a traceback; a link that is not live gets exactly the same answer whatever
the reason, so nothing tells an account that exists from one that does not.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dashboard.errors import ConsoleError
from dashboard.public_page.headers import SecurityHeaders
from dashboard.public_page.limits import Attempts
from dashboard.public_page.render import enrol_page, fault_page, neutral_page, too_many_page
from dashboard.public_page.texts import texts
from dashboard.usecases.invitation_links import InvitationLinks

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
NEUTRAL_STATUS = 404
#: Seconds a client is asked to wait after a fault before it tries again.
FAULT_RETRY = 5


def create_app(links: InvitationLinks, *, attempts_per_minute: int) -> Starlette:
    """The public page over ``links``, each client address allowed ``attempts_per_minute``."""
    attempts = Attempts(attempts_per_minute)
    script = (STATIC / "page.js").read_bytes()
    style = (STATIC / "page.css").read_bytes()

    def neutral(request: Request) -> Response:
        """The one answer for a link that is not live (counted as an attempt) or any other
        address (counted when it looks like a link)."""
        if request.url.path.startswith("/i/"):
            wait = attempts.take(_address(request))
            if wait is not None:
                return _too_many(wait)
        return HTMLResponse(neutral_page(), status_code=NEUTRAL_STATUS)

    def page(request: Request) -> Response:
        wait = attempts.take(_address(request))
        if wait is not None:
            return _too_many(wait)
        token = request.path_params["token"]
        try:
            view = links.open(token)
        except ConsoleError as exc:
            return _fault(exc, fault_page())
        if view is None:
            return HTMLResponse(neutral_page(), status_code=NEUTRAL_STATUS)
        base = f"/i/{token}"
        try:
            made = links.qr(token)
        except ConsoleError as exc:
            return _fault(exc, enrol_page(view, base, fault=True))
        if made is None:  # the invitation ended in the meantime
            return HTMLResponse(neutral_page(), status_code=NEUTRAL_STATUS)
        return HTMLResponse(enrol_page(view, base))

    def qr_png(request: Request) -> Response:
        wait = attempts.blocked(_address(request))
        if wait is not None:
            return _too_many(wait)
        try:
            made = links.qr(request.path_params["token"])
        except ConsoleError as exc:
            return _fault(exc, texts("en")["fault"], plain=True)
        if made is None:
            return neutral(request)
        return Response(made.png, media_type="image/png")

    def status(request: Request) -> Response:
        wait = attempts.blocked(_address(request))
        if wait is not None:
            return _too_many(wait)
        try:
            found = links.status(request.path_params["token"])
        except ConsoleError as exc:
            return _fault(exc, texts("en")["fault"], plain=True)
        if found is None:
            return neutral(request)
        return JSONResponse({"state": found.state.value, "device": found.device_name})

    async def not_found(request: Request, exc: Exception) -> Response:
        return neutral(request)

    async def failed(request: Request, exc: Exception) -> Response:
        log.error("the public page failed: %s", type(exc).__name__)
        return HTMLResponse(fault_page(), status_code=500)

    app = Starlette(
        routes=[
            Route("/i/{token}", page, methods=["GET"]),
            Route("/i/{token}/qr.png", qr_png, methods=["GET"]),
            Route("/i/{token}/status", status, methods=["GET"]),
            Route("/static/page.js", lambda _: Response(script, media_type="text/javascript")),
            Route("/static/page.css", lambda _: Response(style, media_type="text/css")),
            Route("/healthz", lambda _: PlainTextResponse("ok")),
        ],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: not_found, Exception: failed},
    )
    app.router.redirect_slashes = False  # /i/<token>/ is a wrong address like any other
    return app


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _too_many(wait: int) -> Response:
    return HTMLResponse(too_many_page(), status_code=429, headers={"Retry-After": str(wait)})


def _fault(exc: ConsoleError, body: str, *, plain: bool = False) -> Response:
    # The sentence names the kind of fault only: a message could, in principle, echo a URL.
    log.warning("the public page could not answer: %s", type(exc).__name__)
    kind = PlainTextResponse if plain else HTMLResponse
    return kind(body, status_code=503, headers={"Retry-After": str(FAULT_RETRY)})
