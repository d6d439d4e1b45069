"""SCIM 1.1 as OneWelcome speaks it (``urn:scim:schemas:core:1.0``); no library, plain dicts."""

from __future__ import annotations

import json
from typing import Any

from dashboard.domain.tenant import TenantUser
from dashboard.omi.scim_dialect import ErrorInfo, Malformed, Page, primary_email, split_name, text

CORE_SCHEMA = "urn:scim:schemas:core:1.0"
IWELCOME_SCHEMA = "urn:scim:schemas:extension:iwelcome:1.0"


class ScimV1:
    """The 1.1 wire format."""

    version = "1.1"
    media_type = "application/json"

    def new_user(
        self, user_name: str, display_name: str | None, email: str | None
    ) -> dict[str, Any]:
        """userName is the only mandatory field; the display name goes in as ``name``."""
        body: dict[str, Any] = {"schemas": [CORE_SCHEMA], "userName": user_name}
        given, family = split_name(display_name)
        if given is not None:
            body["name"] = {"givenName": given, **({"familyName": family} if family else {})}
        if email:
            body["emails"] = [{"type": "other", "value": email, "primary": True}]
        return body

    def query(self, user_name: str, *, exact: bool, start_index: int, count: int) -> dict[str, Any]:
        """``filter`` (its value a JSON string), ``startIndex`` and ``count``."""
        value = json.dumps(user_name, ensure_ascii=False)
        scim_filter = f"userName {'eq' if exact else 'sw'} {value}"
        return {"filter": scim_filter, "startIndex": start_index, "count": count}

    def user(self, body: Any) -> TenantUser:
        """A 1.1 user resource."""
        if not isinstance(body, dict):
            raise Malformed("the user is not a JSON object")
        user_id, user_name = body.get("id"), body.get("userName")
        if not isinstance(user_id, str) or not user_id:
            raise Malformed("the user has no id")
        if not isinstance(user_name, str) or not user_name:
            raise Malformed(f"user {user_id} has no userName")
        active = body.get("active")
        extension = body.get(IWELCOME_SCHEMA)
        state = text(extension.get("state")) if isinstance(extension, dict) else None
        return TenantUser(
            id=user_id,
            user_name=user_name,
            display_name=text(body.get("displayName")) or _display_name(body.get("name")),
            email=primary_email(body.get("emails")),
            active=active if isinstance(active, bool) else None,
            state=state,
        )

    def page(self, body: Any) -> Page:
        """A 1.1 list: ``totalResults`` and ``Resources`` (absent when nothing matched)."""
        if not isinstance(body, dict):
            raise Malformed("the list is not a JSON object")
        total, resources = body.get("totalResults"), body.get("Resources", [])
        if isinstance(total, bool) or not isinstance(total, int):
            raise Malformed("the list has no totalResults")
        if not isinstance(resources, list):
            raise Malformed("Resources is not a list")
        return Page(users=[self.user(r) for r in resources], total=total)

    def error(self, body: Any) -> ErrorInfo:
        """``{"Errors": [{"description", "code"}]}``, or an OAuth ``error_description``."""
        if not isinstance(body, dict):
            return ErrorInfo()
        errors = body.get("Errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return ErrorInfo(detail=text(errors[0].get("description")))
        return ErrorInfo(detail=text(body.get("error_description")) or text(body.get("detail")))


def _display_name(name: Any) -> str | None:
    if not isinstance(name, dict):
        return None
    if text(name.get("formatted")):
        return text(name.get("formatted"))
    parts = [text(name.get(key)) for key in ("givenName", "familyName")]
    return " ".join(p for p in parts if p) or None
