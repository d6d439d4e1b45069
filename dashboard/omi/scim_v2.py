"""SCIM 2.0 (RFC 7643/7644) through ``scim2-models``: User, ListResponse and Error."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from scim2_models import Context, Email, Error, ListResponse, Name, ScimFilter, SearchRequest, User

from dashboard.domain.tenant import TenantUser
from dashboard.errors import InputError
from dashboard.omi.scim_dialect import ErrorInfo, Malformed, Page, primary_email, split_name, text

CORE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
#: What the console reads of a user. The models forbid unknown attributes and extensions, and
#: stores add both (enterprise extension, vendor fields), so only these go through validation.
READ = ("id", "externalId", "userName", "displayName", "name", "active")


class ScimV2:
    """The 2.0 wire format."""

    version = "2.0"
    media_type = "application/scim+json"

    def new_user(
        self, user_name: str, display_name: str | None, email: str | None
    ) -> dict[str, Any]:
        """``displayName``, ``name`` and one primary e-mail address."""
        given, family = split_name(display_name)
        try:
            user: User[Any] = User(
                user_name=user_name,
                display_name=display_name or None,
                name=Name(formatted=display_name, given_name=given, family_name=family)
                if given
                else None,
                emails=[Email(value=email, primary=True)] if email else None,
            )
        except ValidationError:
            problem = InputError(f"{email!r} is not an e-mail address a SCIM 2.0 store takes.")
        else:
            body: dict[str, Any] = user.model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
            return body
        raise problem  # outside the except: no chain to pydantic's error

    def query(self, user_name: str, *, exact: bool, start_index: int, count: int) -> dict[str, Any]:
        """A ``SearchRequest``'s attributes as the query parameters of ``GET /Users``."""
        operator = "eq" if exact else "sw"
        scim_filter = ScimFilter[User[Any]](f"userName {operator} {ScimFilter.quote(user_name)}")
        search: SearchRequest[Any] = SearchRequest(
            filter=scim_filter, start_index=start_index, count=count
        )
        params: dict[str, Any] = search.model_dump(
            scim_ctx=Context.SEARCH_REQUEST, exclude={"schemas"}
        )
        return params

    def user(self, body: Any) -> TenantUser:
        """A 2.0 user resource."""
        if not isinstance(body, dict):
            raise Malformed("the user is not a JSON object")
        if not text(body.get("id")):
            raise Malformed("the user has no id")
        known = {key: body[key] for key in READ if key in body}
        try:
            user: User[Any] = User.model_validate(
                {"schemas": [CORE_SCHEMA], **known}, scim_ctx=Context.RESOURCE_QUERY_RESPONSE
            )
        except ValidationError as exc:
            reason = f"user {body.get('id')} is not a SCIM 2.0 User ({exc.error_count()} errors)"
        else:
            assert user.id is not None  # checked above
            assert user.user_name is not None  # required by the model
            formatted = user.name.formatted if user.name is not None else None
            return TenantUser(
                id=user.id,
                user_name=user.user_name,
                display_name=user.display_name or formatted,
                email=primary_email(body.get("emails")),  # as given: the models refuse some
                active=user.active,
            )
        raise Malformed(reason)

    def page(self, body: Any) -> Page:
        """A ``ListResponse``; each resource is read as in ``user``."""
        if not isinstance(body, dict):
            raise Malformed("the list is not a JSON object")
        envelope = {**body, "Resources": []}  # the resources are read one by one below
        try:
            listing = ListResponse[User[Any]].model_validate(
                envelope, scim_ctx=Context.SEARCH_RESPONSE
            )
        except ValidationError:
            listing = None
        if listing is None or listing.total_results is None:
            raise Malformed("the answer is not a SCIM 2.0 ListResponse")
        resources = body.get("Resources", [])
        if not isinstance(resources, list):
            raise Malformed("Resources is not a list")
        return Page(users=[self.user(r) for r in resources], total=listing.total_results)

    def error(self, body: Any) -> ErrorInfo:
        """An ``Error`` message's ``scimType`` and ``detail``; else an OAuth description."""
        try:
            error = Error.model_validate(body)
        except ValidationError:
            if isinstance(body, dict):
                return ErrorInfo(detail=text(body.get("error_description")))
            return ErrorInfo()
        return ErrorInfo(scim_type=error.scim_type, detail=error.detail)
