"""``create_app``: wire a simulator for one configuration."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator import api, controls, device, oauth, phone, push, scim
from simulator.config import SimConfig, resolve
from simulator.state import Store

log = logging.getLogger("simulator")
TOKEN_PATH = "/auth/oauth2.0/v1/token"  # noqa: S105 - a path, not a secret
ENROL_PATH = "/omi/qr/enrol"
STATUS_PATH = "/omi/qr/enrol/status"
DEVICE_PATH = "/device/enrol/{code}"
COUNTED = frozenset(
    {
        TOKEN_PATH,
        ENROL_PATH,
        STATUS_PATH,
        DEVICE_PATH,
        push.DEVICES_PATH,
        push.PUSH_PATH,
        push.PUSH_DEVICE_PATH,
        push.PUSH_STATUS_PATH,
        push.REMOVE_PATH,
        phone.PHONE_PATH,
        scim.USERS_PATH,
        scim.USER_PATH,
    }
)


class CountRequests:
    """Count every request to the API and device routes by method, path template and status."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client sees if the app dies before answering

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None)
            if path in COUNTED:
                self.store.count(f"{scope['method']} {path}", status)


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(config: SimConfig, *, store: Store | None = None) -> Starlette:
    """A simulator app serving the contract for ``config``.

    Anything ``config`` leaves open (secret, public URL) is resolved here; the resolved
    configuration is ``app.state.config`` and the state is ``app.state.store``.
    """
    if not config.client_secret or config.public_url is None:
        config = resolve(config)
    store = store or Store()
    routes: list[BaseRoute] = [
        Route(TOKEN_PATH, oauth.token, methods=["POST"]),
        Route(ENROL_PATH, api.enrol, methods=["POST"]),
        Route(STATUS_PATH, api.status, methods=["GET"]),
        Route(DEVICE_PATH, device.device_page, methods=["GET", "POST"]),
        Route(push.DEVICES_PATH, push.list_devices, methods=["GET"]),
        Route(push.PUSH_PATH, push.push_all, methods=["POST"]),
        Route(push.PUSH_DEVICE_PATH, push.push_device, methods=["POST"]),
        Route(push.PUSH_STATUS_PATH, push.push_status, methods=["GET"]),
        Route(push.REMOVE_PATH, push.remove_device, methods=["DELETE"]),
        Route(phone.PHONE_PATH, phone.phone_page, methods=["GET", "POST"]),
        Route(scim.USERS_PATH, scim.create_user, methods=["POST"]),
        Route(scim.USERS_PATH, scim.query_users, methods=["GET"]),
        Route(scim.USER_PATH, scim.get_user, methods=["GET"], name="scim_user"),
        Route("/_sim/health", _health, methods=["GET"]),
        *controls.ROUTES,
    ]
    app = Starlette(routes=routes)
    app.add_middleware(CountRequests, store=store)
    app.state.config = config
    app.state.store = store
    return app
