"""The checks every use-case makes of its callers' input: who acts, and which account."""

from __future__ import annotations

import uuid

from dashboard.errors import InputError
from db.models import ACTOR_LENGTH


def actor(name: str) -> str:
    """The acting operator's name, trimmed and cut to fit; ``InputError`` when empty."""
    who = (name or "").strip()
    if not who:
        raise InputError("Say who is acting: the operator name is empty.")
    return who[:ACTOR_LENGTH]


def account_id(value: uuid.UUID | str) -> uuid.UUID:
    """``value`` as an account id; ``InputError`` when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise InputError(
            f"{str(value)[:80]!r} is not an account id; an id looks like "
            "3f2b6c1e-0d4a-4c55-9a7e-2b1f0c9d8e7a."
        ) from None
