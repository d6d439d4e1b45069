"""The devices and push endpoints (docs/omi-devices.md is their contract):

``GET /omi/devices?userId=`` · ``POST /omi/push`` · ``POST /omi/push/device`` ·
``GET /omi/push/status?pushId=`` · and the simulator's own ``DELETE /omi/sim/device``.

Strict like a tenant: the same bearer-token and scope checks, error shapes and fault injection
as enrol and status; a user the identity store does not hold is 404 ``user_not_found``.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator import errors
from simulator.api import check_token, is_json, unknown_user, user_key
from simulator.config import (
    DEVICES_SCOPE,
    PUSH_DEVICE_SCOPE,
    PUSH_SCOPE,
    PUSH_STATUS_SCOPE,
    SimConfig,
)
from simulator.devices import MAX_MESSAGE, Push
from simulator.faults import faultable
from simulator.state import Store

log = logging.getLogger("simulator")
DEVICES_PATH = "/omi/devices"
PUSH_PATH = "/omi/push"
PUSH_DEVICE_PATH = "/omi/push/device"
PUSH_STATUS_PATH = "/omi/push/status"
#: Not the vendor's: the vendor publishes no removal call (the console's is a setting).
REMOVE_PATH = "/omi/sim/device"
DEFAULT_MESSAGE = "Sign-in request"
NO_STORE = {"Cache-Control": "no-store"}


def _user(request: Request, raw: Any) -> str | Response:
    """The user key of ``raw`` (a ``userId``), or the error response it deserves."""
    if raw is None:
        return errors.invalid_request("userId is missing")
    config: SimConfig = request.app.state.config
    user_id = user_key(raw, config)
    if user_id is None:
        return errors.invalid_request("userId must be a UUID")
    refused = unknown_user(request, user_id)
    return user_id if refused is None else refused


async def _payload(request: Request) -> dict[str, Any] | Response:
    """The JSON object of a POST body, or the 400 it deserves."""
    if not is_json(request):
        return errors.invalid_request("the body must be application/json")
    try:
        payload = json.loads(await request.body())
    except (ValueError, RecursionError):
        return errors.invalid_request("the body is not valid JSON")
    if not isinstance(payload, dict):
        return errors.invalid_request("the body must be a JSON object")
    return payload


def _message(payload: dict[str, Any]) -> str | None:
    """The push's text, capped; None when it is not text."""
    value = payload.get("message", DEFAULT_MESSAGE)
    if not isinstance(value, str):
        return None
    return value.strip()[:MAX_MESSAGE] or DEFAULT_MESSAGE


@faultable("devices")
async def list_devices(request: Request) -> Response:
    """The user's devices, oldest first: ``{"devices": [...]}``."""
    refused = check_token(request, DEVICES_SCOPE)
    if refused is not None:
        return refused
    user_id = _user(request, request.query_params.get("userId"))
    if isinstance(user_id, Response):
        return user_id
    store: Store = request.app.state.store
    with store.lock:
        listing = [device.describe() for device in store.devices.get(user_id, [])]
    return JSONResponse({"devices": listing}, headers=NO_STORE)


async def _push(request: Request, scope: str, *, one: bool) -> Response:
    refused = check_token(request, scope)
    if refused is not None:
        return refused
    payload = await _payload(request)
    if isinstance(payload, Response):
        return payload
    user_id = _user(request, payload.get("userId"))
    if isinstance(user_id, Response):
        return user_id
    device_id = payload.get("deviceId")
    if one and (not isinstance(device_id, str) or not device_id):
        return errors.invalid_request("deviceId is missing")
    message = _message(payload)
    if message is None:
        return errors.invalid_request("message must be text")
    config: SimConfig = request.app.state.config
    store: Store = request.app.state.store
    now = time.time()
    with store.lock:
        held = [device.id for device in store.devices.get(user_id, [])]
        if one and device_id not in held:
            return errors.device_not_found()
        if not held:
            return errors.no_device()
        push = Push(
            id=f"push-{secrets.token_hex(12)}",
            user_id=user_id,
            device_ids=(str(device_id),) if one else tuple(held),
            message=message,
            created_at=now,
            expires_at=now + config.push_ttl,
            updated_at=now,
        )
        store.pushes[push.id] = push
    log.info("push sent to %d device(s) of user %s", len(push.device_ids), user_id)
    body = {"pushId": push.id, "status": push.status, "expiresAt": push.describe()["expiresAt"]}
    return JSONResponse(body, headers=NO_STORE)


@faultable("push")
async def push_all(request: Request) -> Response:
    """Send a sign-in request to every device of ``userId``."""
    return await _push(request, PUSH_SCOPE, one=False)


@faultable("push_device")
async def push_device(request: Request) -> Response:
    """Send a sign-in request to the device ``deviceId`` of ``userId``."""
    return await _push(request, PUSH_DEVICE_SCOPE, one=True)


@faultable("push_status")
async def push_status(request: Request) -> Response:
    """Where the push ``pushId`` stands; 404 ``not_found`` for a push nobody sent."""
    refused = check_token(request, PUSH_STATUS_SCOPE)
    if refused is not None:
        return refused
    push_id = request.query_params.get("pushId")
    if not push_id:
        return errors.invalid_request("pushId is missing")
    store: Store = request.app.state.store
    with store.lock:
        push = store.pushes.get(push_id)
        if push is None:
            return errors.not_found()
        push.refresh(time.time())
        body = push.describe()
    return JSONResponse(body, headers=NO_STORE)


@faultable("device_remove")
async def remove_device(request: Request) -> Response:
    """Remove the device ``deviceId`` of ``userId`` (both in the query): it can no longer be
    pushed to, and its phone page says it was removed."""
    refused = check_token(request, DEVICES_SCOPE)
    if refused is not None:
        return refused
    user_id = _user(request, request.query_params.get("userId"))
    if isinstance(user_id, Response):
        return user_id
    device_id = request.query_params.get("deviceId")
    if not device_id:
        return errors.invalid_request("deviceId is missing")
    store: Store = request.app.state.store
    with store.lock:
        held = store.devices.get(user_id, [])
        kept = [device for device in held if device.id != device_id]
        if len(kept) == len(held):
            return errors.device_not_found()
        store.devices[user_id] = kept
    log.info("device %s of user %s removed", device_id, user_id)
    return JSONResponse({"removed": device_id}, headers=NO_STORE)
