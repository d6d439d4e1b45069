"""The person's phone: opens the simulator's device page (the scan), confirms or declines; once
enrolled, approves or denies the sign-in requests pushed to it."""

from __future__ import annotations

import uuid

from tests.support.console import Console
from tests.support.simulator import Simulator


class Phone:
    """The phone of whoever ``user_id`` is, acting on ``simulator``'s device pages.

    A user is named by the id the API knows (``AccountView.reference``: the tenant's id), or by
    a local account id, which ``console`` (when given) turns into that reference.
    """

    def __init__(self, simulator: Simulator, console: Console | None = None) -> None:
        self.simulator = simulator
        self.console = console

    def reference(self, user_id: uuid.UUID | str) -> str:
        """The id the simulator knows the user by."""
        if isinstance(user_id, uuid.UUID) and self.console is not None:
            return self.console.accounts.get(user_id).reference
        return str(user_id)

    def device_url(self, user_id: uuid.UUID | str) -> str:
        """Where the current QR code of ``user_id`` leads."""
        return str(self.simulator.enrolment(self.reference(user_id))["deviceUrl"])

    def scan(self, user_id: uuid.UUID | str) -> None:
        """Open the device page, as scanning the code does."""
        response = self.simulator.http.get(self.device_url(user_id))
        assert response.status_code == 200, response.text

    def finish(
        self, user_id: uuid.UUID | str, action: str, device_name: str = "Test phone"
    ) -> None:
        """``action`` is ``confirm`` or ``decline``."""
        url = self.device_url(user_id)
        response = self.simulator.http.post(
            url, data={"action": action, "device_name": device_name}
        )
        assert response.status_code == 200, response.text

    def enrol(self, user_id: uuid.UUID | str, device_name: str = "Test phone") -> str:
        """Issue a QR code to ``user_id`` and confirm it; return the new device's id."""
        reference = self.reference(user_id)
        before = {d["id"] for d in self.simulator.phones(reference)}
        self.simulator.device_url(reference)
        self.scan(reference)
        self.finish(reference, "confirm", device_name)
        [added] = [d["id"] for d in self.simulator.phones(reference) if d["id"] not in before]
        return str(added)

    def phone_url(self, user_id: uuid.UUID | str, device_id: str | None = None) -> str:
        """The own page of the user's device ``device_id`` (default: the newest)."""
        phones = self.simulator.phones(self.reference(user_id))
        assert phones, "the user has no device"
        if device_id is None:
            return str(phones[-1]["phoneUrl"])
        [url] = [d["phoneUrl"] for d in phones if d["id"] == device_id]
        return str(url)

    def approve_push(self, user_id: uuid.UUID | str, device_id: str | None = None) -> str:
        """Approve the oldest open push to the user's devices (or to ``device_id``), as a
        press of Approve on the phone; return the push's id."""
        return self._answer_push(user_id, "approve", device_id)

    def deny_push(self, user_id: uuid.UUID | str, device_id: str | None = None) -> str:
        """Deny the oldest open push, as ``approve_push`` approves it."""
        return self._answer_push(user_id, "deny", device_id)

    def _answer_push(self, user_id: uuid.UUID | str, action: str, device_id: str | None) -> str:
        phones = self.simulator.phones(self.reference(user_id))
        waiting = [d for d in phones if d["pendingPush"] and device_id in (None, d["id"])]
        assert waiting, f"no open push to the devices of {user_id}"
        phone = waiting[0]
        push_id = str(phone["pendingPush"])
        data = {"action": action, "push": push_id}
        response = self.simulator.http.post(phone["phoneUrl"], data=data)
        assert response.status_code == 303, response.text
        assert "done=gone" not in response.headers["location"], "the push was no longer open"
        return push_id
