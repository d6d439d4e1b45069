"""QR codes as PNG images that a phone can read off a screen."""

from __future__ import annotations

import io

import segno

SCALE = 8  # pixels per module: a ~40-module code becomes a crisp ~380 px image
BORDER = 4  # the quiet zone the QR standard asks for


def png(url: str) -> bytes:
    """A PNG of a regular (never Micro) QR code encoding ``url``."""
    code = segno.make_qr(url, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()
