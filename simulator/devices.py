"""A user's devices and the pushes sent to them: what the simulator remembers of each.

A device is added when a phone confirms an enrolment; a push waits for one of its devices to
approve or deny it until its lifetime runs out. The ``Store`` (``simulator.state``) holds both,
under its lock: every function here expects the caller to hold it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from simulator.state import rfc3339

PUSH_PENDING, PUSH_APPROVED, PUSH_DENIED, PUSH_EXPIRED = (
    "PENDING",
    "APPROVED",
    "DENIED",
    "EXPIRED",
)
ANSWERS = {"approve": PUSH_APPROVED, "deny": PUSH_DENIED}
MAX_MESSAGE = 200


def rfc3339_or_none(timestamp: float | None) -> str | None:
    """``rfc3339`` of a time that may be missing."""
    return None if timestamp is None else rfc3339(timestamp)


@dataclass
class Device:
    """One enrolled device of one user. ``key`` names its phone page (192 random bits): the
    device id is shown to operators, the key only to the phone."""

    id: str
    user_id: str
    name: str
    platform: str
    enrolled_at: float
    last_used_at: float | None = None
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)

    def describe(self) -> dict[str, Any]:
        """The device as the devices route lists it."""
        return {
            "id": self.id,
            "name": self.name,
            "platform": self.platform,
            "enrolledAt": rfc3339_or_none(self.enrolled_at),
            "lastUsedAt": rfc3339_or_none(self.last_used_at),
        }


@dataclass
class Push:
    """One sign-in request to a user's devices (``device_ids``: the ones that may answer)."""

    id: str
    user_id: str
    device_ids: tuple[str, ...]
    message: str
    created_at: float
    expires_at: float
    status: str = PUSH_PENDING
    updated_at: float = 0.0
    answered_by: str | None = None

    def refresh(self, now: float) -> None:
        """Expire lazily: a pending push past its time is EXPIRED as of that time."""
        if self.status == PUSH_PENDING and now >= self.expires_at:
            self.status = PUSH_EXPIRED
            self.updated_at = self.expires_at

    def describe(self) -> dict[str, Any]:
        """The push as the push-status route reports it."""
        return {
            "pushId": self.id,
            "status": self.status,
            "deviceId": self.answered_by,
            "updatedAt": rfc3339(self.updated_at),
            "expiresAt": rfc3339(self.expires_at),
        }


def platform_of(user_agent: str) -> str:
    """A platform name guessed from the phone's browser, as an authenticator app would know."""
    agent = user_agent.lower()
    if "iphone" in agent or "ipad" in agent:
        return "iOS"
    if "android" in agent:
        return "Android"
    return "Simulated"


def new_device(user_id: str, name: str, platform: str, now: float) -> Device:
    """A device just enrolled: its id is ``dev-`` and 16 hex digits."""
    return Device(
        id=f"dev-{secrets.token_hex(8)}",
        user_id=user_id,
        name=name,
        platform=platform,
        enrolled_at=now,
    )


def waiting_for(pushes: dict[str, Push], device: Device, now: float) -> Push | None:
    """The oldest pending push ``device`` may answer, if any."""
    for push in pushes.values():  # insertion order: oldest first
        push.refresh(now)
        if push.status == PUSH_PENDING and device.id in push.device_ids:
            return push
    return None


def answer(push: Push, device: Device, action: str, now: float) -> bool:
    """Record ``device``'s ``approve`` or ``deny``; False when the push is no longer open."""
    push.refresh(now)
    if push.status != PUSH_PENDING or device.id not in push.device_ids:
        return False
    push.status = ANSWERS[action]
    push.answered_by = device.id
    push.updated_at = now
    device.last_used_at = now
    return True
