"""``OmiClient``'s device and push calls (docs/omi-devices.md): list a user's devices, push a
sign-in request to them or to one, read the push's state, remove a device.

The vendor publishes the scopes, not the paths or fields: every path is an ``OMI_*`` setting,
the user id goes in ``OMI_USER_ID_FIELD`` as for enrol and status. A call whose scope the token
endpoint did not grant fails before it is sent, naming the scope (when ``OMI_DEVICES_SCOPES``
lists the published name; a tenant's own names are left to the API's 403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx2

from dashboard.errors import ApiError, ApiForbidden, ApiNotFound, ConfigError
from dashboard.omi.devices import (
    Device,
    PushStatus,
    read_devices,
    read_push_id,
    read_push_status,
)
from dashboard.omi.responses import error_code, json_object
from dashboard.omi.token import Tokens
from dashboard.settings import OmiSettings

DEVICES_SCOPE = "credential:omi:devices:get"
PUSH_SCOPE = "credential:omi:push-notification:post"
PUSH_DEVICE_SCOPE = "credential:omi:push-notification:device:post"
PUSH_STATUS_SCOPE = "credential:omi:push-notification:status:get"
DEFAULT_MESSAGE = "Test sign-in from the enrolment console"
#: Reads a refusal (400, 404, ...) of one call into its error, or None for the usual one.
Explain = Callable[[httpx2.Response, str], ApiError | None]


class DeviceCalls:
    """The device and push calls, mixed into ``OmiClient`` (which provides ``_call``)."""

    _settings: OmiSettings
    _tokens: Tokens

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, str] | None = None,
        user_id: str | None = None,
        enrol: bool = False,
        retries: int | None = None,
        explain: Explain | None = None,
    ) -> httpx2.Response:
        raise NotImplementedError  # OmiClient's

    @property
    def can_remove_devices(self) -> bool:
        """Whether a removal path is configured (``OMI_DEVICE_REMOVE_PATH``)."""
        return self._settings.device_remove_path is not None

    def devices(self, user_id: str) -> list[Device]:
        """The devices enrolled for ``user_id`` (the tenant's id), as the API lists them."""
        path = self._settings.devices_path
        where = f"GET {path}"
        self._require(DEVICES_SCOPE, where)
        params = {self._settings.user_id_field: user_id}
        response = self._call("GET", path, params=params, explain=_refusals(user_id))
        return read_devices(json_object(response, where), f"the answer to {where}")

    def push(
        self, user_id: str, *, device_id: str | None = None, message: str = DEFAULT_MESSAGE
    ) -> str:
        """Send a sign-in request to every device of ``user_id``, or to ``device_id`` only;
        return the push id to poll with ``push_status``. Sent once on a timeout (the operator
        presses the button again rather than the phone ringing twice)."""
        field = self._settings.user_id_field
        body = {field: user_id, "message": message}
        if device_id is None:
            path, scope = self._settings.push_path, PUSH_SCOPE
        else:
            path, scope = self._settings.push_device_path, PUSH_DEVICE_SCOPE
            body["deviceId"] = device_id
        where = f"POST {path}"
        self._require(scope, where)
        response = self._call("POST", path, json=body, explain=_refusals(user_id, device_id))
        return read_push_id(json_object(response, where), f"the answer to {where}")

    def push_status(self, push_id: str, *, retries: int | None = None) -> PushStatus:
        """Where the push ``push_id`` stands. ``retries`` overrides ``OMI_MAX_RETRIES`` (the
        poller sends each call once: its schedule is the retry)."""
        path = self._settings.push_status_path
        where = f"GET {path}"
        self._require(PUSH_STATUS_SCOPE, where)
        response = self._call(
            "GET", path, params={"pushId": push_id}, retries=retries, explain=_push_refusal(push_id)
        )
        return read_push_status(json_object(response, where), f"the answer to {where}")

    def remove_device(self, user_id: str, device_id: str) -> None:
        """Remove ``device_id`` from ``user_id``'s devices; ``ConfigError`` when no removal
        path is configured. Sent once on a timeout (a resend would find the device gone)."""
        path = self._settings.device_remove_path
        if path is None:
            raise ConfigError(
                "Removing a device is off: set OMI_DEVICE_REMOVE_PATH to the tenant's removal "
                "route (the vendor publishes none; see docs/omi-devices.md)."
            )
        where = f"DELETE {path}"
        self._require(DEVICES_SCOPE, where)
        params = {self._settings.user_id_field: user_id, "deviceId": device_id}
        self._call("DELETE", path, params=params, explain=_refusals(user_id, device_id))

    def _require(self, scope: str, where: str) -> None:
        """Refuse a call the token's scopes do not cover, naming the scope."""
        if scope not in self._settings.devices_scopes:
            return  # a tenant's own scope names: the API's 403 says what it lacks
        if scope in self._tokens.current().scopes:
            return
        raise ApiForbidden(
            f"The access token lacks the scope {scope}, which {where} needs: the token endpoint "
            f"did not grant it. Grant it to client {self._settings.client_id!r} (OMI_CLIENT_ID) "
            "and keep it in OMI_DEVICES_SCOPES.",
            scope=scope,
        )


def _refusals(user_id: str, device_id: str | None = None) -> Explain:
    """The 404s of the devices, push and removal calls: no such user, device or any device."""

    def explain(response: httpx2.Response, where: str) -> ApiError | None:
        if response.status_code != 404:
            return None
        code = error_code(response)
        if code == "user_not_found":
            return ApiNotFound(
                f"The tenant's identity store holds no user {user_id!r} ({where} → 404 "
                "user_not_found); create the account on the tenant or link it to a tenant user "
                "on the Accounts page.",
                status_code=404,
            )
        if code == "device_not_found":
            return ApiNotFound(
                f"User {user_id!r} has no device {device_id!r} ({where} → 404 "
                "device_not_found); it may have been removed: reload the devices.",
                status_code=404,
            )
        if code == "no_device":
            return ApiNotFound(
                f"User {user_id!r} has no enrolled device to send a push to ({where} → 404 "
                "no_device); enrol a device first.",
                status_code=404,
            )
        return None

    return explain


def _push_refusal(push_id: str) -> Explain:
    def explain(response: httpx2.Response, where: str) -> ApiError | None:
        # A 404 without an error code is a path the API does not serve: the usual sentence.
        if response.status_code != 404 or error_code(response) == "no error code":
            return None
        return ApiNotFound(
            f"The Mobile Identity API knows no push {push_id[:80]!r} ({where} → 404); "
            "send a new test push.",
            status_code=404,
        )

    return explain
