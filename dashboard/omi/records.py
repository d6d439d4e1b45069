"""What the Mobile Identity client returns: a QR code, a remote status, a connectivity check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.domain.statuses import Outcome


@dataclass(frozen=True)
class QrCode:
    """An enrolment QR code: PNG bytes and when it stops working (aware, UTC)."""

    png: bytes
    expires_at: datetime

    def __repr__(self) -> str:
        return f"QrCode(png=<{len(self.png)} bytes>, expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class RemoteStatus:
    """An enrolment's status as the API reported it, with its classification."""

    value: str
    outcome: Outcome
    updated_at: datetime | None
    device_name: str | None


@dataclass(frozen=True)
class Connectivity:
    """The result of ``OmiClient.check``: whether a token could be had, and what it grants."""

    ok: bool
    scopes: tuple[str, ...]
    latency_ms: float
    message: str
