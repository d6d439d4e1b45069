"""Injected faults: parsing ``POST /_sim/faults`` and applying them to the API routes."""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator import errors
from simulator.config import (
    DEVICES_SCOPE,
    ENROL_SCOPE,
    PUSH_DEVICE_SCOPE,
    PUSH_SCOPE,
    PUSH_STATUS_SCOPE,
    SCIM_GET_SCOPE,
    SCIM_POST_SCOPE,
    SCIM_QUERY_SCOPE,
    STATUS_SCOPE,
)
from simulator.state import Fault, Store

Endpoint = Callable[[Request], Awaitable[Response]]
ROUTE_SCOPES = {
    "token": None,
    "enrol": ENROL_SCOPE,
    "status": STATUS_SCOPE,
    "devices": DEVICES_SCOPE,
    "push": PUSH_SCOPE,
    "push_device": PUSH_DEVICE_SCOPE,
    "push_status": PUSH_STATUS_SCOPE,
    "device_remove": DEVICES_SCOPE,
    "scim_create": SCIM_POST_SCOPE,
    "scim_get": SCIM_GET_SCOPE,
    "scim_query": SCIM_QUERY_SCOPE,
}
SCIM_ROUTES = frozenset({"scim_create", "scim_get", "scim_query"})
NO_BODY = frozenset({204, 205, 304})
FIELDS = {"route", "status", "count", "delay", "retry_after", "json", "body", "after"}


def _int(payload: Mapping[str, Any], name: str, default: int | None) -> int | None:
    value = payload.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def parse_fault(payload: Any) -> tuple[str, Fault]:
    """Validate a fault request body; raises ``ValueError`` with a readable reason."""
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    unknown = set(payload) - FIELDS
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    route = payload.get("route")
    if route not in ROUTE_SCOPES:
        raise ValueError(f"route must be one of {', '.join(ROUTE_SCOPES)}")
    status = _int(payload, "status", 500)
    count = _int(payload, "count", 1)
    retry_after = _int(payload, "retry_after", None)
    delay = payload.get("delay", 0.0)
    if status is None or not 200 <= status <= 599:
        raise ValueError("status must be an HTTP status between 200 and 599")
    if count is None or count < 1:
        raise ValueError("count must be at least 1")
    if retry_after is not None and retry_after < 0:
        raise ValueError("retry_after must not be negative")
    if isinstance(delay, bool) or not isinstance(delay, int | float):
        raise ValueError("delay must be a number of seconds")
    if not (math.isfinite(delay) and 0 <= delay <= 600):
        raise ValueError("delay must be between 0 and 600 seconds")
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        raise ValueError("body must be a string")
    after = payload.get("after", False)
    if not isinstance(after, bool):
        raise ValueError("after must be true or false")
    fault = Fault(
        status=status,
        remaining=count,
        delay=float(delay),
        retry_after=retry_after,
        json=payload.get("json"),
        body=body,
        after=after,
    )
    return route, fault


def _contract_body(route: str, status: int) -> Response:
    scope = ROUTE_SCOPES[route]
    if route == "token" and status in (400, 401):
        error = "invalid_client" if status == 401 else "invalid_request"
        return errors.oauth_error(status, error, "injected fault")
    if scope is not None and status == 401:
        return errors.invalid_token("injected fault")
    if scope is not None and status == 403:
        return errors.insufficient_scope(scope)
    if route in SCIM_ROUTES:
        return errors.scim_error(status, "injected fault")
    if scope is not None and status == 400:
        return errors.invalid_request("injected fault")
    if route in ("status", "push_status") and status == 404:
        return errors.not_found()
    return errors.generic(status)


def fault_response(route: str, fault: Fault) -> Response:
    """The response a (non pass-through) fault stands for."""
    response: Response
    if fault.status in NO_BODY:
        response = Response(status_code=fault.status)
    elif fault.json is not None:
        response = JSONResponse(fault.json, status_code=fault.status)
    elif fault.body is not None:
        response = Response(fault.body, status_code=fault.status, media_type="application/json")
    else:
        response = _contract_body(route, fault.status)
    if fault.status == 429 and fault.retry_after is None:
        response.headers["Retry-After"] = "1"
    return response


def faultable(route: str) -> Callable[[Endpoint], Endpoint]:
    """Let queued faults for ``route`` answer instead of (or delay) the wrapped endpoint.

    A fault with ``after`` lets the endpoint do its work first, then delays and replaces its
    answer: the write happened, the client never learns of it.
    """

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            store: Store = request.app.state.store
            fault = store.take_fault(route)
            if fault is None:
                return await endpoint(request)
            done = await endpoint(request) if fault.after else None
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.passes_through:
                response = done if done is not None else await endpoint(request)
            else:
                response = fault_response(route, fault)
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(fault.retry_after)
            return response

        return wrapper

    return decorate
