"""``POST /auth/oauth2.0/v1/token``: OAuth2 client credentials (RFC 6749 §4.4)."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import math
from urllib.parse import unquote_plus

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.config import SimConfig
from simulator.errors import NO_STORE, oauth_error
from simulator.faults import faultable
from simulator.state import Store

log = logging.getLogger("simulator")
FORM_TYPE = "application/x-www-form-urlencoded"


class ClientAuthError(Exception):
    """The client could not be authenticated; ``str(exc)`` is safe to show."""


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise ClientAuthError("unsupported Authorization scheme; use Basic")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ClientAuthError("malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise ClientAuthError("malformed Basic credentials")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return unquote_plus(client_id), unquote_plus(secret)


def _authenticate(config: SimConfig, request: Request, form: FormData) -> None:
    header = request.headers.get("authorization")
    body_id, body_secret = form.get("client_id"), form.get("client_secret")
    if header is not None:
        if body_secret is not None:
            raise ValueError("use one client authentication method, not both")
        client_id, secret = _basic_credentials(header)
        if body_id is not None and body_id != client_id:
            raise ValueError("client_id in the body differs from the Basic credentials")
    else:
        if body_id is None or body_secret is None:
            raise ClientAuthError("client authentication is missing")
        if not isinstance(body_id, str) or not isinstance(body_secret, str):
            raise ValueError("client_id and client_secret must be plain form fields")
        client_id, secret = body_id, body_secret
    id_ok = hmac.compare_digest(client_id.encode(), config.client_id.encode())
    secret_ok = hmac.compare_digest(secret.encode(), config.client_secret.encode())
    if not (id_ok and secret_ok):
        raise ClientAuthError("unknown client or wrong secret")


def _granted_scopes(config: SimConfig, requested: str | None) -> tuple[str, ...]:
    if requested is None or not requested.strip():
        return config.allowed_scopes
    scopes = tuple(dict.fromkeys(requested.split()))
    refused = [s for s in scopes if s not in config.allowed_scopes]
    if refused:
        raise LookupError(f"scope not allowed for this client: {' '.join(refused)}")
    return scopes


@faultable("token")
async def token(request: Request) -> Response:
    """Issue a bearer token for valid client credentials."""
    config: SimConfig = request.app.state.config
    store: Store = request.app.state.store
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        return oauth_error(400, "invalid_request", f"the body must be {FORM_TYPE}")
    try:
        async with request.form() as parsed:
            form = FormData([(k, v) for k, v in parsed.multi_items() if isinstance(v, str)])
    except Exception:  # a broken body from the client is its problem, never our 500
        return oauth_error(400, "invalid_request", "the form body could not be parsed")
    try:
        _authenticate(config, request, form)
    except ClientAuthError as exc:
        log.info("token refused: %s", exc)
        return oauth_error(401, "invalid_client", str(exc))
    except ValueError as exc:
        return oauth_error(400, "invalid_request", str(exc))
    grant_type = form.get("grant_type")
    if not isinstance(grant_type, str) or not grant_type:
        return oauth_error(400, "invalid_request", "grant_type is missing")
    if grant_type != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    requested = form.get("scope")
    if requested is not None and not isinstance(requested, str):
        return oauth_error(400, "invalid_request", "scope must be a plain form field")
    try:
        scopes = _granted_scopes(config, requested)
    except LookupError as exc:
        return oauth_error(400, "invalid_scope", str(exc.args[0]))
    value = store.issue_token(frozenset(scopes), config.token_ttl)
    log.info("token issued for %s (scopes: %s)", config.client_id, " ".join(scopes))
    body = {
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": math.ceil(config.token_ttl),
        "scope": " ".join(scopes),
    }
    return JSONResponse(body, headers=NO_STORE)
