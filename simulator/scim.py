"""OneWelcome's identity store as SCIM 1.1: ``/scim/v1/Users`` create, read and query.

Bearer tokens are checked as on the other resource routes (401 ``invalid_token``, 403
``insufficient_scope``); the store's own errors use the SCIM 1.1 ``{"Errors": [...]}`` body.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator import errors, scim_filter
from simulator.api import check_token, is_json
from simulator.config import SCIM_GET_SCOPE, SCIM_POST_SCOPE, SCIM_QUERY_SCOPE
from simulator.faults import faultable
from simulator.state import Store
from simulator.users import CORE_SCHEMA, ScimUser, parse_new_user

log = logging.getLogger("simulator")
USERS_PATH = "/scim/v1/Users"
USER_PATH = "/scim/v1/Users/{user_id}"
DEFAULT_COUNT = 100
MAX_COUNT = 1000


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _location(request: Request, user: ScimUser) -> str:
    return str(request.url_for("scim_user", user_id=user.id))


def _resource(request: Request, user: ScimUser, status_code: int = 200) -> JSONResponse:
    location = _location(request, user)
    headers = {"Location": location} if status_code == 201 else {}
    return JSONResponse(user.to_json(location), status_code=status_code, headers=headers)


@faultable("scim_create")
async def create_user(request: Request) -> Response:
    """``POST /scim/v1/Users``: 201 with the new (inactive) user; 409 for a taken userName."""
    refused = check_token(request, SCIM_POST_SCOPE)
    if refused is not None:
        return refused
    if not is_json(request):
        return errors.scim_error(400, "the body must be application/json")
    try:
        user = parse_new_user(json.loads(await request.body()))
    except RecursionError:
        return errors.scim_error(400, "the body is nested too deeply")
    except ValueError as exc:  # includes JSON and UTF-8 decoding errors
        return errors.scim_error(400, str(exc))
    held = _store(request).add_user(user)
    if held is not None:
        return errors.scim_error(409, f"userName {user.user_name!r} is already taken")
    log.info("user %s created (%s)", user.id, user.user_name)
    return _resource(request, user, status_code=201)


@faultable("scim_get")
async def get_user(request: Request) -> Response:
    """``GET /scim/v1/Users/{id}``: the user, or 404."""
    refused = check_token(request, SCIM_GET_SCOPE)
    if refused is not None:
        return refused
    user = _store(request).get_user(request.path_params["user_id"])
    if user is None:
        return errors.scim_error(404, "no such user")
    return _resource(request, user)


def _integer(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None


@faultable("scim_query")
async def query_users(request: Request) -> Response:
    """``GET /scim/v1/Users?filter=...&startIndex=&count=``: one page of the matching users."""
    refused = check_token(request, SCIM_QUERY_SCOPE)
    if refused is not None:
        return refused
    try:
        raw = request.query_params.get("filter")
        matches = scim_filter.parse(raw) if raw is not None else None
        start = max(_integer(request, "startIndex", 1), 1)
        count = min(max(_integer(request, "count", DEFAULT_COUNT), 0), MAX_COUNT)
    except ValueError as exc:
        return errors.scim_error(400, f"invalid filter or paging: {exc}")
    resources = [
        body
        for body in (u.to_json(_location(request, u)) for u in _store(request).all_users())
        if matches is None or matches(body)
    ]
    page = resources[start - 1 : start - 1 + count]
    return JSONResponse(
        {
            "schemas": [CORE_SCHEMA],
            "totalResults": len(resources),
            "itemsPerPage": len(page),
            "startIndex": start,
            "Resources": page,
        }
    )
