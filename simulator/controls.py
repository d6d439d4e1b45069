"""``/_sim/...``: counters, faults, token revocation, reset, enrolments, devices and known users,
for tests and demos.

Refused with 403 unless the configuration allows them (by default only on a loopback host).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator import errors
from simulator.api import device_url, user_key
from simulator.config import SimConfig
from simulator.devices import waiting_for
from simulator.faults import Endpoint, parse_fault
from simulator.phone import phone_path
from simulator.state import Enrolment, Store, rfc3339
from simulator.users import parse_known_user

log = logging.getLogger("simulator")


def _guarded(endpoint: Endpoint) -> Endpoint:
    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        config: SimConfig = request.app.state.config
        if not config.controls_allowed:
            return JSONResponse(
                {"error": "forbidden", "error_description": "simulator controls are disabled"},
                status_code=403,
            )
        return await endpoint(request)

    return wrapper


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _describe(config: SimConfig, enrolment: Enrolment) -> dict[str, Any]:
    return {
        "userId": enrolment.user_id,
        "status": enrolment.status,
        "deviceUrl": device_url(config, enrolment.code),
        "expiresAt": rfc3339(enrolment.expires_at),
        "updatedAt": rfc3339(enrolment.updated_at),
    }


@_guarded
async def stats(request: Request) -> Response:
    """``{"requests": {"METHOD /path": {"status": count}}}``."""
    return JSONResponse({"requests": _store(request).stats_snapshot()})


@_guarded
async def add_fault(request: Request) -> Response:
    """Queue a fault for the next ``count`` requests to one route."""
    try:
        route, fault = parse_fault(json.loads(await request.body()))
    except RecursionError:
        return errors.invalid_request("the body is nested too deeply")
    except ValueError as exc:  # includes JSON and UTF-8 decoding errors
        return errors.invalid_request(str(exc))
    store = _store(request)
    with store.lock:
        store.faults[route].append(fault)
        queued = sum(f.remaining for f in store.faults[route])
    log.info("fault queued on %s: status %s x%s", route, fault.status, fault.remaining)
    return JSONResponse({"route": route, "queued": queued}, status_code=201)


@_guarded
async def clear_faults(request: Request) -> Response:
    """Drop every queued fault."""
    store = _store(request)
    with store.lock:
        store.faults.clear()
    return Response(status_code=204)


@_guarded
async def revoke_tokens(request: Request) -> Response:
    """Revoke every issued token."""
    revoked = _store(request).revoke_tokens()
    log.info("revoked %d tokens", revoked)
    return JSONResponse({"revoked": revoked})


@_guarded
async def reset(request: Request) -> Response:
    """Forget tokens, enrolments, users, faults and counters."""
    _store(request).reset()
    log.info("simulator reset")
    return Response(status_code=204)


@_guarded
async def register_users(request: Request) -> Response:
    """Make users known with the ids they had (``{"users": [{"id", "userName",
    "displayName"?}]}``): a console restarted with its simulator tells it its accounts again.
    Users whose id or userName the store holds already are left alone."""
    try:
        payload = json.loads(await request.body())
        entries = payload.get("users") if isinstance(payload, dict) else None
        if not isinstance(entries, list):
            raise ValueError('the body must be {"users": [...]}')
        users = [parse_known_user(entry) for entry in entries]
    except RecursionError:
        return errors.invalid_request("the body is nested too deeply")
    except ValueError as exc:  # includes JSON and UTF-8 decoding errors
        return errors.invalid_request(str(exc))
    store = _store(request)
    added = sum(store.register_user(user) for user in users)
    log.info("%d of %d users registered", added, len(users))
    return JSONResponse({"registered": added, "given": len(users)})


@_guarded
async def enrolments(request: Request) -> Response:
    """Every user's current enrolment, with the device URL its QR code encodes."""
    config: SimConfig = request.app.state.config
    store = _store(request)
    now = time.time()
    with store.lock:
        current = sorted(store.enrolments.values(), key=lambda e: e.created_at)
        for enrolment in current:
            enrolment.refresh(now)
        listing = [_describe(config, e) for e in current]
    return JSONResponse(listing)


@_guarded
async def enrolment(request: Request) -> Response:
    """One user's current enrolment; 404 when there is none."""
    config: SimConfig = request.app.state.config
    user_id = user_key(request.path_params["user_id"], config)
    if user_id is None:
        return errors.invalid_request("userId must be a UUID")
    store = _store(request)
    with store.lock:
        found = store.enrolments.get(user_id)
        if found is None:
            return errors.not_found()
        found.refresh(time.time())
        return JSONResponse(_describe(config, found))


@_guarded
async def devices(request: Request) -> Response:
    """One user's devices with their phone pages and the push each may answer now (the
    oldest open one, or null): a test's phone approves or denies without the page."""
    config: SimConfig = request.app.state.config
    user_id = user_key(request.path_params["user_id"], config)
    if user_id is None:
        return errors.invalid_request("userId must be a UUID")
    store = _store(request)
    now = time.time()
    with store.lock:
        listing = []
        for device in store.devices.get(user_id, []):
            waiting = waiting_for(store.pushes, device, now)
            entry = device.describe()
            entry["phoneUrl"] = f"{config.public_url}{phone_path(device)}"
            entry["pendingPush"] = None if waiting is None else waiting.id
            listing.append(entry)
    return JSONResponse(listing)


ROUTES = [
    Route("/_sim/stats", stats, methods=["GET"]),
    Route("/_sim/faults", add_fault, methods=["POST"]),
    Route("/_sim/faults", clear_faults, methods=["DELETE"]),
    Route("/_sim/tokens/revoke", revoke_tokens, methods=["POST"]),
    Route("/_sim/reset", reset, methods=["POST"]),
    Route("/_sim/users", register_users, methods=["POST"]),
    Route("/_sim/enrolments", enrolments, methods=["GET"]),
    Route("/_sim/enrolments/{user_id}", enrolment, methods=["GET"]),
    Route("/_sim/devices/{user_id}", devices, methods=["GET"]),
]
