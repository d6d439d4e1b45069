"""A person's devices and the state of a push, as the Mobile Identity client returns them,
and the reading of the API's answers about them (docs/omi-devices.md).

Every reader raises ``ApiProtocolError`` with a sentence naming where, or returns a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from dashboard.errors import ApiProtocolError
from dashboard.omi.responses import cap, plain, timestamp

#: The longest device id, name or platform kept from an answer.
MAX_TEXT = 200


@dataclass(frozen=True)
class Device:
    """One device enrolled for a user, as the API lists it (times aware, UTC)."""

    id: str
    name: str
    platform: str
    enrolled_at: datetime | None
    last_used_at: datetime | None


class PushState(StrEnum):
    """Where a push stands: waiting for the person, or answered, or out of time."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class PushStatus:
    """A push's state; ``device_id`` is the device that answered, when the API says;
    ``api_status`` the API's own word, kept for the record."""

    state: PushState
    device_id: str | None
    api_status: str


#: A tenant's words for a push's states (case ignored); the simulator says the first of each.
PUSH_WORDS: dict[str, PushState] = {
    **dict.fromkeys(("PENDING", "SENT", "WAITING", "IN_PROGRESS"), PushState.PENDING),
    **dict.fromkeys(
        ("APPROVED", "ACCEPTED", "CONFIRMED", "SUCCESS", "COMPLETED"), PushState.APPROVED
    ),
    **dict.fromkeys(("DENIED", "REJECTED", "DECLINED", "REFUSED"), PushState.DENIED),
    **dict.fromkeys(("EXPIRED", "TIMEOUT", "TIMED_OUT", "CANCELLED"), PushState.EXPIRED),
}


def push_state(word: str) -> PushState | None:
    """The state a push status word means, or None for a word nobody defined."""
    return PUSH_WORDS.get(word.strip().upper().replace("-", "_").replace(" ", "_"))


def _text(item: dict[str, Any], name: str, where: str, *, required: bool) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiProtocolError(f"A device in {where} has no {name} text.", status_code=200)
    return plain(value, MAX_TEXT)


def _moment(item: dict[str, Any], name: str, where: str) -> datetime | None:
    value = item.get(name)
    return None if value is None else timestamp(value, f"{name} of a device in {where}")


def read_devices(body: dict[str, Any], where: str) -> list[Device]:
    """The ``devices`` list of an answer, each entry checked."""
    entries = body.get("devices")
    if not isinstance(entries, list):
        raise ApiProtocolError(f"{cap(where)} has no devices list.", status_code=200)
    devices = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ApiProtocolError(f"A device in {where} is not a JSON object.", status_code=200)
        devices.append(
            Device(
                id=_text(entry, "id", where, required=True),
                name=_text(entry, "name", where, required=False),
                platform=_text(entry, "platform", where, required=False),
                enrolled_at=_moment(entry, "enrolledAt", where),
                last_used_at=_moment(entry, "lastUsedAt", where),
            )
        )
    return devices


def read_push_id(body: dict[str, Any], where: str) -> str:
    """The ``pushId`` of an answer to a push."""
    value = body.get("pushId")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ApiProtocolError(f"{cap(where)} has no pushId text.", status_code=200)
    return value.strip()


def read_push_status(body: dict[str, Any], where: str) -> PushStatus:
    """The ``status`` (and ``deviceId``) of an answer to a push-status call."""
    word = body.get("status")
    if not isinstance(word, str) or not word.strip():
        raise ApiProtocolError(f"{cap(where)} has no status text.", status_code=200)
    said = plain(word, 40)
    state = push_state(word)
    if state is None:
        raise ApiProtocolError(
            f"{cap(where)} has the unknown push status {said!r}; the console knows "
            "PENDING, APPROVED, DENIED and EXPIRED (and their usual synonyms).",
            status_code=200,
        )
    device = body.get("deviceId")
    if device is not None and not isinstance(device, str):
        raise ApiProtocolError(f"The deviceId in {where} is not text.", status_code=200)
    return PushStatus(state=state, device_id=device or None, api_status=said)
