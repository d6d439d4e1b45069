"""The identity store's users, in OneWelcome's SCIM 1.1 shape (``urn:scim:schemas:core:1.0``)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from simulator.state import rfc3339

CORE_SCHEMA = "urn:scim:schemas:core:1.0"
IWELCOME_SCHEMA = "urn:scim:schemas:extension:iwelcome:1.0"
STATES = ("ACTIVE", "INACTIVE", "BLOCKED", "WITHDRAWN", "GRACE")


def new_user_id() -> str:
    """A OneWelcome-style id: 32 hex digits, no dashes."""
    return uuid.uuid4().hex


@dataclass
class ScimUser:
    """One account in the store; ``id`` is kept exactly as issued."""

    user_name: str
    id: str = field(default_factory=new_user_id)
    given_name: str | None = None
    family_name: str | None = None
    emails: list[dict[str, Any]] = field(default_factory=list)
    active: bool = False
    state: str = "INACTIVE"
    segment: str = "default"
    created: float = field(default_factory=time.time)

    def to_json(self, location: str) -> dict[str, Any]:
        """The user as a SCIM 1.1 resource; ``location`` is its URL."""
        body: dict[str, Any] = {
            "schemas": [CORE_SCHEMA, IWELCOME_SCHEMA],
            "id": self.id,
            "userName": self.user_name,
            "active": self.active,
            "meta": {
                "created": rfc3339(self.created),
                "lastModified": rfc3339(self.created),
                "location": location,
            },
            IWELCOME_SCHEMA: {"state": self.state, "segment": self.segment},
        }
        name = {
            key: value
            for key, value in (("givenName", self.given_name), ("familyName", self.family_name))
            if value is not None
        }
        if name:
            body["name"] = name
        if self.emails:
            body["emails"] = self.emails
        return body


def parse_known_user(payload: Any) -> ScimUser:
    """One entry of ``POST /_sim/users``: ``{"id", "userName", "displayName"?}``, a user the
    store is told of again with the id it had; ``ValueError`` says what is wrong."""
    if not isinstance(payload, dict):
        raise ValueError("each user must be a JSON object")
    user_id, user_name = payload.get("id"), payload.get("userName")
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 256:
        raise ValueError("id must be non-empty text of at most 256 characters")
    if not isinstance(user_name, str) or not user_name.strip():
        raise ValueError("userName is mandatory")
    shown = payload.get("displayName")
    if shown is not None and not isinstance(shown, str):
        raise ValueError("displayName must be text")
    given, _, family = (shown or "").strip().partition(" ")
    return ScimUser(
        user_name=user_name, id=user_id, given_name=given or None, family_name=family or None
    )


def parse_new_user(payload: Any) -> ScimUser:
    """A create request's body as a user; ``ValueError`` says what is wrong with it."""
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    schemas = payload.get("schemas", [CORE_SCHEMA])
    if not isinstance(schemas, list) or CORE_SCHEMA not in schemas:
        raise ValueError(f"schemas must include {CORE_SCHEMA}")
    user_name = payload.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise ValueError("userName is mandatory")
    name = payload.get("name", {})
    if not isinstance(name, dict) or not all(
        isinstance(name.get(key), str | None) for key in ("givenName", "familyName")
    ):
        raise ValueError("name must be an object with text givenName and familyName")
    emails = payload.get("emails", [])
    if not isinstance(emails, list) or not all(
        isinstance(e, dict) and isinstance(e.get("value"), str) for e in emails
    ):
        raise ValueError("emails must be a list of objects with a text value")
    extension = payload.get(IWELCOME_SCHEMA, {})
    segment = extension.get("segment", "default") if isinstance(extension, dict) else "default"
    return ScimUser(
        user_name=user_name,
        given_name=name.get("givenName"),
        family_name=name.get("familyName"),
        emails=[dict(e) for e in emails],
        segment=segment if isinstance(segment, str) else "default",
    )
