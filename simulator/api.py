"""The resource endpoints: ``POST /omi/qr/enrol`` and ``GET /omi/qr/enrol/status``."""

from __future__ import annotations

import base64
import json
import logging
import math
import re
import secrets
import time
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator import errors, qr
from simulator.config import ENROL_SCOPE, STATUS_SCOPE, SimConfig
from simulator.faults import faultable
from simulator.state import Enrolment, Store, rfc3339

log = logging.getLogger("simulator")
MAX_USER_ID = 256
UUID_RE = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def normalise_user_id(value: Any) -> str | None:
    """The canonical dashed, lower-case UUID, or None when ``value`` is not a UUID."""
    if not isinstance(value, str) or not UUID_RE.fullmatch(value):
        return None
    return str(uuid.UUID(value))


def user_key(value: Any, config: SimConfig) -> str | None:
    """How enrolments are keyed: the canonical UUID; or, when any user is accepted (the
    identity store is elsewhere, e.g. a SCIM 2.0 store), any non-blank id as given."""
    canonical = normalise_user_id(value)
    if canonical is not None or not config.accept_any_user:
        return canonical
    if isinstance(value, str) and value.strip() and len(value) <= MAX_USER_ID:
        return value
    return None


def unknown_user(request: Request, user_id: str) -> Response | None:
    """404 ``user_not_found`` unless the store holds ``user_id`` or any user is accepted."""
    config: SimConfig = request.app.state.config
    store: Store = request.app.state.store
    if config.accept_any_user or store.get_user(user_id) is not None:
        return None
    return errors.user_not_found()


def device_url(config: SimConfig, code: str) -> str:
    """The one-time URL the QR code encodes."""
    return f"{config.public_url}/device/enrol/{code}"


def check_token(request: Request, scope: str) -> Response | None:
    """An RFC 6750 error response, or None when the bearer token is live and has ``scope``."""
    store: Store = request.app.state.store
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return errors.invalid_token("a Bearer access token is required")
    scopes = store.token_scopes(value)
    if scopes is None:
        return errors.invalid_token("the access token is unknown, expired or revoked")
    if scope not in scopes:
        return errors.insufficient_scope(scope)
    return None


def is_json(request: Request) -> bool:
    """Whether the request body is declared as JSON (``application/json`` or ``*+json``)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


@faultable("enrol")
async def enrol(request: Request) -> Response:
    """Issue a QR code for ``userId``, superseding the user's open enrolment."""
    refused = check_token(request, ENROL_SCOPE)
    if refused is not None:
        return refused
    if not is_json(request):
        return errors.invalid_request("the body must be application/json")
    try:
        payload = json.loads(await request.body())
    except (ValueError, RecursionError):
        return errors.invalid_request("the body is not valid JSON")
    if not isinstance(payload, dict) or "userId" not in payload:
        return errors.invalid_request("userId is missing")
    config: SimConfig = request.app.state.config
    user_id = user_key(payload["userId"], config)
    if user_id is None:
        return errors.invalid_request("userId must be a UUID")
    refused = unknown_user(request, user_id)
    if refused is not None:
        return refused
    store: Store = request.app.state.store
    code = secrets.token_urlsafe(24)
    image = await run_in_threadpool(qr.png, device_url(config, code))
    now = time.time()
    enrolment = Enrolment(
        user_id=user_id,
        code=code,
        created_at=now,
        expires_at=now + config.qr_ttl,
        updated_at=now,
    )
    store.add_enrolment(enrolment)
    log.info("enrolment issued for user %s", user_id)
    return JSONResponse(
        {
            "qrCode": base64.b64encode(image).decode("ascii"),
            "expiresIn": math.ceil(config.qr_ttl),
            "expiresAt": rfc3339(enrolment.expires_at),
        },
        headers={"Cache-Control": "no-store"},
    )


@faultable("status")
async def status(request: Request) -> Response:
    """Report the user's current enrolment status."""
    refused = check_token(request, STATUS_SCOPE)
    if refused is not None:
        return refused
    raw = request.query_params.get("userId")
    if raw is None:
        return errors.invalid_request("userId is missing")
    user_id = user_key(raw, request.app.state.config)
    if user_id is None:
        return errors.invalid_request("userId must be a UUID")
    refused = unknown_user(request, user_id)
    if refused is not None:
        return refused
    store: Store = request.app.state.store
    with store.lock:
        enrolment = store.enrolments.get(user_id)
        if enrolment is None:
            return errors.not_found()
        enrolment.refresh(now := time.time())
        enrolment.polled_at.append(now)
        body = {"status": enrolment.status, "updatedAt": rfc3339(enrolment.updated_at)}
        if enrolment.device_name is not None:
            body["deviceName"] = enrolment.device_name
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
