"""Reading the API's answers: JSON objects, base64 PNGs, RFC 3339 times and error headers.

Every function raises ``ApiProtocolError`` (a sentence naming ``where``) or returns plain values;
none keeps a reference to the response.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import io
import ipaddress
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from PIL import Image

from dashboard.errors import ApiProtocolError

#: Assumed lifetime of a token whose answer has no ``expires_in``.
DEFAULT_TOKEN_LIFETIME = 3600

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The most of a server's own words (an ``error_description``) that goes into a sentence.
MAX_SAID = 200

_SCOPE_PARAM = re.compile(r'scope\s*=\s*"([^"]*)"', re.IGNORECASE)


def cap(text: str) -> str:
    """``text`` with its first letter upper-cased."""
    return text[:1].upper() + text[1:]


def json_or_none(response: httpx2.Response) -> Any:
    """The decoded JSON body, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def json_object(response: httpx2.Response, where: str) -> dict[str, Any]:
    """The body as a JSON object, or ``ApiProtocolError``."""
    try:
        body = response.json()
    except ValueError:
        raise ApiProtocolError(
            f"The answer to {where} is not JSON.", status_code=response.status_code
        ) from None
    if not isinstance(body, dict):
        raise ApiProtocolError(
            f"The answer to {where} is not a JSON object.", status_code=response.status_code
        )
    return body


def error_code(response: httpx2.Response) -> str:
    """The ``error`` member of a JSON error body, capped, or "no error code"."""
    body = json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return plain(body["error"], 80)
    return "no error code"


def oauth_error(response: httpx2.Response, hide: Iterable[str]) -> tuple[str, str]:
    """A token endpoint's ``error`` and ``error_description`` (RFC 6749 §5.2) as plain text.

    Empty strings when absent. Every text in ``hide`` (the secret in each form it was sent)
    is masked, in case the server echoes what it was given.
    """
    body = json_or_none(response)
    if not isinstance(body, dict):
        return "", ""
    error, description = body.get("error"), body.get("error_description")
    return (
        plain(error, 40, hide) if isinstance(error, str) else "",
        plain(description, MAX_SAID, hide) if isinstance(description, str) else "",
    )


def plain(text: str, limit: int, hide: Iterable[str] = ()) -> str:
    """``text`` as one printable line of at most ``limit`` characters, ``hide`` masked."""
    masks = [h for h in hide if h]
    for secret in masks:
        text = text.replace(secret, "[hidden]")
    line = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    for secret in masks:  # again: dropping control characters may have rejoined one
        line = line.replace(secret, "[hidden]")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def retry_after(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if unusable."""
    if header is None:
        return None
    try:
        return max(0.0, float(header.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def missing_scope(response: httpx2.Response) -> str | None:
    """The scope a 403 names, in ``WWW-Authenticate`` (RFC 6750 §3) or the body."""
    match = _SCOPE_PARAM.search(response.headers.get("WWW-Authenticate", ""))
    if match and match.group(1).strip():
        return match.group(1).strip()
    body = json_or_none(response)
    scope = body.get("scope") if isinstance(body, dict) else None
    return scope if isinstance(scope, str) and scope else None


def decode_png(encoded: str, where: str) -> bytes:
    """The PNG bytes of a base64 ``qrCode``, checked by Pillow."""
    text = encoded.strip()
    if text.startswith("data:"):  # tolerate a data URL although the contract sends bare base64
        text = text.partition(",")[2]
    try:
        png = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiProtocolError(f"The qrCode in {where} is not base64.", status_code=200) from None
    problem = png_problem(png)
    if problem:
        raise ApiProtocolError(f"The qrCode in {where} is not a PNG: {problem}.", status_code=200)
    return png


def png_problem(data: bytes) -> str | None:
    """Why ``data`` is not a well-formed PNG image, or None (Pillow checks chunks and CRCs)."""
    if not data.startswith(PNG_SIGNATURE):
        return "it lacks the PNG signature"
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's ways of saying "corrupt"
        return f"the image is damaged ({type(exc).__name__})"
    return None


def timestamp(value: object, what: str) -> datetime:
    """An RFC 3339 timestamp as an aware UTC datetime (no offset is taken as UTC)."""
    if not isinstance(value, str):
        raise ApiProtocolError(f"The {what} is not an RFC 3339 timestamp.", status_code=200)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ApiProtocolError(
            f"The {what} is not an RFC 3339 timestamp ({value[:40]!r}).", status_code=200
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def expiry(body: Mapping[str, Any], where: str) -> datetime:
    """When a QR code expires: ``expiresAt``, else now plus ``expiresIn`` seconds."""
    if body.get("expiresAt") is not None:
        return timestamp(body["expiresAt"], f"expiresAt in {where}")
    seconds = body.get("expiresIn")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        return datetime.now(UTC) + timedelta(seconds=seconds)
    raise ApiProtocolError(f"{cap(where)} says neither expiresAt nor expiresIn.", status_code=200)


def vet(raw: object, where: str) -> None:
    """Refuse a 200 that is no usable token before authlib parses it (with its own errors)."""
    if not isinstance(raw, dict):
        raise ApiProtocolError(f"The answer to {where} is not a JSON token.", status_code=200)
    value = raw.get("access_token")
    if not isinstance(value, str) or not value:
        raise ApiProtocolError(f"The answer to {where} has no access_token.", status_code=200)
    kind = raw.get("token_type", "Bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise ApiProtocolError(
            f"The answer to {where} is not a Bearer token (token_type {str(kind)[:20]!r}).",
            status_code=200,
        )
    lifetime = raw.get("expires_in", DEFAULT_TOKEN_LIFETIME)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        raise ApiProtocolError(
            f"The answer to {where} has an unusable expires_in ({str(lifetime)[:20]!r}).",
            status_code=200,
        )
    scope = raw.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise ApiProtocolError(f"The scope in the answer to {where} is not text.", status_code=200)


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (``localhost`` or a loopback address)."""
    host = httpx2.URL(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
