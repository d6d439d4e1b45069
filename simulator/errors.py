"""The contract's error bodies and headers.

RFC 6749 §5.2 for the token endpoint, RFC 6750 §3 for a bearer token refused anywhere, and the
SCIM 1.1 draft's ``{"Errors": [{"description", "code"}]}`` for the identity store's own errors.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """A token-endpoint error; 401 carries ``WWW-Authenticate: Basic``."""
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="simulator"'
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=headers)


def invalid_token(description: str) -> JSONResponse:
    """401 ``invalid_token`` with its ``WWW-Authenticate: Bearer`` header."""
    return JSONResponse(
        {"error": "invalid_token", "error_description": description},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def insufficient_scope(scope: str) -> JSONResponse:
    """403 ``insufficient_scope`` naming the scope the call needs."""
    return JSONResponse(
        {"error": "insufficient_scope", "error_description": f"this call needs scope {scope}"},
        status_code=403,
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
    )


def invalid_request(description: str) -> JSONResponse:
    """400 ``invalid_request`` on a resource endpoint."""
    return JSONResponse(
        {"error": "invalid_request", "error_description": description}, status_code=400
    )


def not_found() -> JSONResponse:
    """404 ``{"error": "not_found"}``: the user has no enrolment."""
    return JSONResponse({"error": "not_found"}, status_code=404)


def user_not_found() -> JSONResponse:
    """404 ``{"error": "user_not_found"}``: the identity store holds no such user."""
    return JSONResponse({"error": "user_not_found"}, status_code=404)


def device_not_found() -> JSONResponse:
    """404 ``{"error": "device_not_found"}``: the user has no such device (or it was removed)."""
    return JSONResponse({"error": "device_not_found"}, status_code=404)


def no_device() -> JSONResponse:
    """404 ``{"error": "no_device"}``: the user has no device to push to."""
    return JSONResponse({"error": "no_device"}, status_code=404)


def scim_error(status: int, description: str) -> JSONResponse:
    """A SCIM 1.1 error body, e.g. 409 for a taken userName."""
    body = {"Errors": [{"description": description, "code": str(status)}]}
    return JSONResponse(body, status_code=status)


def generic(status: int) -> JSONResponse:
    """A plausible error body for any other status (5xx → ``server_error``)."""
    if status >= 500:
        return JSONResponse({"error": "server_error"}, status_code=status)
    if status == 429:
        body = {"error": "too_many_requests", "error_description": "slow down"}
        return JSONResponse(body, status_code=status)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = f"status {status}"
    error = phrase.lower().replace(" ", "_").replace("-", "_")
    return JSONResponse({"error": error, "error_description": phrase}, status_code=status)
